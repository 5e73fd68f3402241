-- A change feed (issue 5, live updates): every write to the tables the screens show leaves
-- one row here, so every desktop and window on this database (not only the one whose worker
-- made the change) can tell its screens what to reload. Readers remember the last seq they
-- saw and read what came after; rows older than an hour are pruned by the readers.
-- Executions: only changes a screen shows (status, progress, result...), not the lease
-- renewals of the poller, and never execution log lines (they come in bulk; the
-- execution's own update is enough). Same version number as migrations/postgres/0007.
CREATE TABLE change_feed (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity      TEXT NOT NULL CHECK (entity IN ('processo', 'execucao', 'cliente', 'operadora',
                    'usuario', 'configuracao')),
    entity_id   TEXT,
    -- The process of an execution, so a process screen reloads on its executions' progress.
    process_id  TEXT,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')
);

CREATE INDEX change_feed_at ON change_feed (at);

CREATE TRIGGER change_feed_processes_insert AFTER INSERT ON processes
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('processo', NEW.id);
END;

CREATE TRIGGER change_feed_processes_update AFTER UPDATE ON processes
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('processo', NEW.id);
END;

CREATE TRIGGER change_feed_processes_delete AFTER DELETE ON processes
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('processo', OLD.id);
END;

CREATE TRIGGER change_feed_clients_insert AFTER INSERT ON clients
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('cliente', NEW.id);
END;

CREATE TRIGGER change_feed_clients_update AFTER UPDATE ON clients
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('cliente', NEW.id);
END;

CREATE TRIGGER change_feed_clients_delete AFTER DELETE ON clients
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('cliente', OLD.id);
END;

CREATE TRIGGER change_feed_operators_insert AFTER INSERT ON operators
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('operadora', NEW.id);
END;

CREATE TRIGGER change_feed_operators_update AFTER UPDATE ON operators
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('operadora', NEW.id);
END;

CREATE TRIGGER change_feed_operators_delete AFTER DELETE ON operators
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('operadora', OLD.id);
END;

CREATE TRIGGER change_feed_users_insert AFTER INSERT ON users
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('usuario', NEW.id);
END;

CREATE TRIGGER change_feed_users_update AFTER UPDATE ON users
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('usuario', NEW.id);
END;

CREATE TRIGGER change_feed_users_delete AFTER DELETE ON users
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('usuario', OLD.id);
END;

CREATE TRIGGER change_feed_settings_insert AFTER INSERT ON settings
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('configuracao', NEW.key);
END;

CREATE TRIGGER change_feed_settings_update AFTER UPDATE ON settings
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('configuracao', NEW.key);
END;

CREATE TRIGGER change_feed_settings_delete AFTER DELETE ON settings
BEGIN
    INSERT INTO change_feed (entity, entity_id) VALUES ('configuracao', OLD.key);
END;

CREATE TRIGGER change_feed_executions_insert AFTER INSERT ON executions
BEGIN
    INSERT INTO change_feed (entity, entity_id, process_id) VALUES ('execucao', NEW.id, NEW.process_id);
END;

CREATE TRIGGER change_feed_executions_update AFTER UPDATE ON executions
WHEN OLD.status IS NOT NEW.status
    OR OLD.progress IS NOT NEW.progress
    OR OLD.job_id IS NOT NEW.job_id
    OR OLD.endpoint IS NOT NEW.endpoint
    OR OLD.result_json IS NOT NEW.result_json
    OR OLD.started_at IS NOT NEW.started_at
    OR OLD.finished_at IS NOT NEW.finished_at
    OR OLD.error IS NOT NEW.error
    OR OLD.error_class IS NOT NEW.error_class
BEGIN
    INSERT INTO change_feed (entity, entity_id, process_id) VALUES ('execucao', NEW.id, NEW.process_id);
END;

CREATE TRIGGER change_feed_executions_delete AFTER DELETE ON executions
BEGIN
    INSERT INTO change_feed (entity, entity_id, process_id) VALUES ('execucao', OLD.id, OLD.process_id);
END;
