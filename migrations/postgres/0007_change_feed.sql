-- A change feed (issue 5, live updates): every write to the tables the screens show leaves
-- one row here and wakes the listeners (NOTIFY brm_change_feed, delivered at commit), so
-- every desktop on this database can tell its screens what to reload within a second.
-- Readers remember the last seq they saw and read what came after (a seq taken by a
-- transaction still open shows up later: readers keep such holes in view for a while);
-- rows older than an hour are pruned by the readers.
-- Executions: only changes a screen shows (status, progress, result...), not the lease
-- renewals of the poller, and never execution log lines (they come in bulk; the
-- execution's own update is enough). Same version number as migrations/sqlite/0007.
CREATE TABLE change_feed (
    seq         bigserial PRIMARY KEY,
    entity      text NOT NULL CHECK (entity IN ('processo', 'execucao', 'cliente', 'operadora',
                    'usuario', 'configuracao')),
    entity_id   text,
    -- The process of an execution, so a process screen reloads on its executions' progress.
    process_id  text,
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX change_feed_at ON change_feed (at);

CREATE FUNCTION change_feed_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_data record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_data := OLD;
    ELSE
        row_data := NEW;
    END IF;
    IF TG_TABLE_NAME = 'settings' THEN
        INSERT INTO change_feed (entity, entity_id) VALUES ('configuracao', row_data.key);
    ELSIF TG_TABLE_NAME = 'executions' THEN
        INSERT INTO change_feed (entity, entity_id, process_id)
        VALUES ('execucao', row_data.id::text, row_data.process_id::text);
    ELSE
        INSERT INTO change_feed (entity, entity_id) VALUES (TG_ARGV[0], row_data.id::text);
    END IF;
    -- Identical notifications of one transaction are folded into one by PostgreSQL.
    PERFORM pg_notify('brm_change_feed', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER change_feed_processes AFTER INSERT OR UPDATE OR DELETE ON processes
    FOR EACH ROW EXECUTE FUNCTION change_feed_record('processo');

CREATE TRIGGER change_feed_clients AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION change_feed_record('cliente');

CREATE TRIGGER change_feed_operators AFTER INSERT OR UPDATE OR DELETE ON operators
    FOR EACH ROW EXECUTE FUNCTION change_feed_record('operadora');

CREATE TRIGGER change_feed_users AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION change_feed_record('usuario');

CREATE TRIGGER change_feed_settings AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION change_feed_record('configuracao');

CREATE TRIGGER change_feed_executions_write AFTER INSERT OR DELETE ON executions
    FOR EACH ROW EXECUTE FUNCTION change_feed_record('execucao');
CREATE TRIGGER change_feed_executions_update AFTER UPDATE ON executions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.progress IS DISTINCT FROM NEW.progress
        OR OLD.job_id IS DISTINCT FROM NEW.job_id
        OR OLD.endpoint IS DISTINCT FROM NEW.endpoint
        OR OLD.result_json IS DISTINCT FROM NEW.result_json
        OR OLD.started_at IS DISTINCT FROM NEW.started_at
        OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
        OR OLD.error IS DISTINCT FROM NEW.error
        OR OLD.error_class IS DISTINCT FROM NEW.error_class)
    EXECUTE FUNCTION change_feed_record('execucao');
