-- Shared mode (issue 17): the database itself holds the profiles, the approval rules and
-- the audit trail, against a person who has a SQL client and their own login.
--
-- Applied by "Preparar o banco compartilhado" (brm_store::postgres::shared::prepare), once
-- per version, connected as the OWNER role: the role that owns the database and every
-- table, has CREATEROLE, and that no person uses day to day. Never by a desktop's
-- ordinary start. Runs after migrations/postgres (the tables), in one transaction.
--
-- Who may do what:
--   brm_operador       reads; registers operators' clients and processes, imports
--   brm_aprovador      the above, plus approve/reject/typed values (functions below)
--   brm_administrador  the above, plus cancel, settings and people (functions below)
--   brm_robo           the robot machines: reads, and moves invoices through download/SAT
-- Each person is their own LOGIN role (brm_p_<12 hex of their user id>), member of exactly
-- one of the first three. Person roles own nothing, have no CREATEROLE, and can neither
-- change the audit trail nor the tables' triggers (only an owner can drop a trigger).

-- ---------------------------------------------------------------------------------------
-- Profile roles. Cluster-wide names; created when missing (another database of the same
-- cluster, prepared before, may have made them).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['brm_operador', 'brm_aprovador', 'brm_administrador', 'brm_robo'] LOOP
        -- Roles belong to the whole server: two databases prepared at the same moment
        -- may both try to make them; the second one finds them made.
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            END IF;
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
            NULL;
        END;
    END LOOP;
END
$$;

-- The person each login role is.
ALTER TABLE users ADD COLUMN IF NOT EXISTS db_role text UNIQUE;

-- Nothing for PUBLIC: not the schema (no CREATE TABLE), not a function.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;
-- Functions made later by the owner: not executable by PUBLIC either (per-schema defaults
-- can only add privileges, so this one is the owner's global default).
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO brm_operador, brm_aprovador, brm_administrador, brm_robo',
                   current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO brm_operador, brm_aprovador, brm_administrador, brm_robo;

-- ---------------------------------------------------------------------------------------
-- Who is asking. SECURITY DEFINER functions run as the owner; session_user stays the
-- login PostgreSQL authenticated, and that is the one every check below reads.

-- The owner of the tables: inside a function below, current_user is the owner.
CREATE OR REPLACE FUNCTION brm_owner() RETURNS name
    LANGUAGE sql STABLE SET search_path = pg_catalog AS
$$ SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.processes'::regclass $$;

CREATE OR REPLACE FUNCTION brm_profile_role(profile text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS
$$ SELECT CASE profile WHEN 'ADMINISTRADOR' THEN 'brm_administrador'
                       WHEN 'APROVADOR' THEN 'brm_aprovador'
                       WHEN 'OPERADOR' THEN 'brm_operador' END $$;

-- The active person behind session_user, when their profile is one of `allowed` and the
-- login really is a member of that profile's role (both must say so). Otherwise
-- insufficient_privilege, in pt-BR.
CREATE OR REPLACE FUNCTION brm_actor(allowed text[], what text)
    RETURNS TABLE (id uuid, full_name text, role text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
BEGIN
    SELECT u.id, u.full_name, u.role INTO me FROM users u WHERE u.db_role = session_user AND u.active;
    IF me.id IS NULL THEN
        RAISE EXCEPTION 'Este acesso ao banco não é de uma pessoa ativa do BRM: não é possível %.', what
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT (me.role = ANY (allowed)) OR NOT pg_has_role(session_user, brm_profile_role(me.role), 'MEMBER') THEN
        RAISE EXCEPTION 'O perfil % não pode %.', initcap(me.role), what
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY SELECT me.id, me.full_name, me.role;
END
$$;

-- One audit event, with the identity PostgreSQL authenticated.
CREATE OR REPLACE FUNCTION brm_audit(actor_id uuid, actor_name text, action text, entity text,
                                     entity_id uuid, before_json jsonb, after_json jsonb,
                                     sha text, detail text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id,
                              before_json, after_json, invoice_sha256, detail)
    VALUES (gen_random_uuid(), clock_timestamp(), actor_id, actor_name, action, entity, entity_id,
            before_json, after_json, sha, detail)
$$;

-- ---------------------------------------------------------------------------------------
-- The audit trail: append-only for everyone (0001's trigger refuses UPDATE and DELETE,
-- the one below TRUNCATE); a person may add events only as themselves, and the events of
-- a decision (approve, reject, cancel, typed values, people, settings) only come from
-- the functions below, in the decision's own transaction.
CREATE OR REPLACE FUNCTION brm_reserved_action(action text) RETURNS boolean
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS
$$ SELECT action IN ('APROVAR', 'PRIMEIRA_APROVACAO', 'REJEITAR', 'CANCELAR', 'VALORES_DIGITADOS',
                     'CRIAR_USUARIO', 'ALTERAR_PERFIL', 'DESATIVAR_USUARIO', 'REATIVAR_USUARIO',
                     'REDEFINIR_SENHA', 'ALTERAR_CONFIGURACAO', 'CONFIGURACAO_APROVACAO', 'ALTERAR_USUARIO',
                     'PREPARAR_BANCO', 'LOGIN_OK', 'LOGIN_FALHOU', 'ACESSO_PROPRIO') $$;

-- With the writer's rights (not SECURITY DEFINER): current_user then tells a function's
-- write (the owner) from a login's own.
CREATE OR REPLACE FUNCTION audit_events_guard_insert() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
BEGIN
    -- Inside a function below (or the owner's own connection): as written.
    IF current_user = brm_owner() THEN
        RETURN NEW;
    END IF;
    IF brm_reserved_action(NEW.action) THEN
        RAISE EXCEPTION 'O evento "%" só é registrado pela própria decisão, no banco.', NEW.action
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT u.id, u.full_name INTO me FROM users u WHERE u.db_role = session_user AND u.active;
    IF me.id IS NOT NULL THEN
        IF NEW.actor_user_id IS DISTINCT FROM me.id THEN
            RAISE EXCEPTION 'Um evento de auditoria só pode ser registrado em nome de quem está conectado.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- A person writes as themselves, now: their name as stored, whatever the row said.
        NEW.actor_user_id := me.id;
        NEW.actor_name := me.full_name;
        NEW.at := clock_timestamp();
    ELSIF pg_has_role(session_user, 'brm_robo', 'MEMBER') THEN
        IF NEW.actor_user_id IS NOT NULL THEN
            RAISE EXCEPTION 'Uma máquina robô não registra eventos em nome de uma pessoa.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.at := clock_timestamp();
    ELSE
        RAISE EXCEPTION 'Este acesso ao banco não é de uma pessoa ativa do BRM.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS audit_events_guard ON audit_events;
CREATE TRIGGER audit_events_guard BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard_insert();

CREATE OR REPLACE FUNCTION audit_events_no_truncate() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS
$$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate();

-- The change feed is written by triggers of whoever changed a row: as the owner, so a
-- person needs no right on it beyond reading and pruning.
ALTER FUNCTION change_feed_record() SECURITY DEFINER SET search_path = public, pg_temp;

-- ---------------------------------------------------------------------------------------
-- Processes: what is left to ordinary UPDATEs (the robot's download and SAT results, a
-- manual upload, notes, retries) may not decide anything. A decision changes status,
-- approvals, a rejection or typed values only through the functions below.
-- With the writer's rights, as audit_events_guard_insert.
CREATE OR REPLACE FUNCTION processes_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
DECLARE
    me uuid;
    robot boolean := pg_has_role(session_user, 'brm_robo', 'MEMBER');
BEGIN
    IF current_user = brm_owner() THEN
        RETURN NEW;
    END IF;
    SELECT u.id INTO me FROM users u WHERE u.db_role = session_user AND u.active;
    IF me IS NULL AND NOT robot THEN
        RAISE EXCEPTION 'Este acesso ao banco não é de uma pessoa ativa do BRM.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'AGUARDANDO_DOWNLOAD' OR NEW.approved_by IS NOT NULL OR NEW.approved_at IS NOT NULL
           OR NEW.first_approved_by IS NOT NULL OR NEW.uploaded_by IS NOT NULL
           OR NEW.amount_source = 'DIGITADO' OR NEW.due_date_source = 'DIGITADO' THEN
            RAISE EXCEPTION 'Um processo novo começa aguardando o download, sem decisão.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_at IS DISTINCT FROM OLD.approved_at
       OR NEW.first_approved_by IS DISTINCT FROM OLD.first_approved_by
       OR NEW.first_approved_at IS DISTINCT FROM OLD.first_approved_at
       OR NEW.last_rejection_reason IS DISTINCT FROM OLD.last_rejection_reason
       OR NEW.rejection_reason_code IS DISTINCT FROM OLD.rejection_reason_code
       OR NEW.id IS DISTINCT FROM OLD.id OR NEW.client_id IS DISTINCT FROM OLD.client_id
       OR NEW.reference_month IS DISTINCT FROM OLD.reference_month THEN
        RAISE EXCEPTION 'Aprovação, rejeição e identidade do processo só mudam pelas funções do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.amount_source = 'DIGITADO' AND OLD.amount_source IS DISTINCT FROM 'DIGITADO')
       OR (NEW.due_date_source = 'DIGITADO' AND OLD.due_date_source IS DISTINCT FROM 'DIGITADO') THEN
        RAISE EXCEPTION 'Valores digitados só entram pela função do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Once downloaded: what the approver judges (or judged) does not change under them,
    -- before the decision or after it (an approved invoice swapped before it reaches SAT).
    IF OLD.status <> 'AGUARDANDO_DOWNLOAD'
       AND (NEW.amount IS DISTINCT FROM OLD.amount OR NEW.due_date IS DISTINCT FROM OLD.due_date
            OR NEW.invoice_sha256 IS DISTINCT FROM OLD.invoice_sha256
            OR NEW.invoice_key IS DISTINCT FROM OLD.invoice_key
            OR NEW.payment_line_status IS DISTINCT FROM OLD.payment_line_status
            OR NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by) THEN
        RAISE EXCEPTION 'Depois do download, valor, vencimento e arquivo da fatura só mudam pelas funções do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF OLD.status = 'AGUARDANDO_DOWNLOAD' AND NEW.status = 'AGUARDANDO_APROVACAO' THEN
            -- A download (the robot) or a manual upload (a person, who is then its uploader).
            IF NOT robot AND NEW.uploaded_by IS DISTINCT FROM me THEN
                RAISE EXCEPTION 'Uma fatura enviada por uma pessoa fica em nome de quem a enviou.'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSIF OLD.status = 'AGUARDANDO_ENVIO_SAT' AND NEW.status = 'UPLOAD_REALIZADO' AND robot THEN
            NULL;
        ELSE
            RAISE EXCEPTION 'Mudar o status de % para % só pelas funções do banco.', OLD.status, NEW.status
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by
          AND NOT (NEW.uploaded_by IS NULL OR NEW.uploaded_by = me) THEN
        RAISE EXCEPTION 'Uma fatura enviada por uma pessoa fica em nome de quem a enviou.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS processes_guard ON processes;
CREATE TRIGGER processes_guard BEFORE INSERT OR UPDATE ON processes
    FOR EACH ROW EXECUTE FUNCTION processes_guard();

-- ---------------------------------------------------------------------------------------
-- The approval checks, as brm-core's approval::evaluate decides pass or fail (its texts
-- stay in Rust). True when no check failed and none lacked data: an invoice that is not
-- is one four eyes apply to. The same case table runs through both (brm-service's test
-- rules_agree). The payment line that was never read (NULL) counts as not passed here:
-- the database cannot read the PDF, so it asks for the stricter path.
CREATE OR REPLACE FUNCTION brm_setting_int(k text, fallback integer, lo integer, hi integer) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT greatest(lo, least(hi, COALESCE(
       (SELECT CASE WHEN jsonb_typeof(value_json) = 'number' THEN (value_json #>> '{}')::numeric::integer END
        FROM settings WHERE key = k), fallback))) $$;

CREATE OR REPLACE FUNCTION brm_checks_passed(p processes, today date) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    tolerance integer := brm_setting_int('aprovacao.tolerancia_percentual', 20, 0, 1000);
    since text := to_char(to_date(p.reference_month || '-01', 'YYYY-MM-DD') - interval '24 months', 'YYYY-MM');
    cents bigint := (p.amount * 100)::bigint;
    n bigint;
    total numeric;
    diff numeric;
BEGIN
    -- Amount variation against the average of the last three earlier months with one.
    IF cents IS NULL THEN
        RETURN false;
    END IF;
    SELECT count(*), sum(c) INTO n, total FROM (
        SELECT (o.amount * 100)::bigint AS c FROM processes o
        WHERE o.client_id = p.client_id AND o.id <> p.id AND o.amount IS NOT NULL
          AND o.reference_month >= since AND o.reference_month < p.reference_month
        ORDER BY o.reference_month DESC LIMIT 3) w;
    IF n = 0 THEN
        RETURN false;
    END IF;
    diff := cents * n - total;
    IF total = 0 THEN
        IF diff <> 0 THEN RETURN false; END IF;
    ELSIF abs(diff) * 100 > tolerance * abs(total) THEN
        RETURN false;
    END IF;
    -- A possible duplicate: another month's invoice with the same file, or the same
    -- amount and due date.
    IF EXISTS (SELECT 1 FROM processes o
               WHERE o.client_id = p.client_id AND o.reference_month <> p.reference_month
                 AND o.reference_month >= since
                 AND ((p.invoice_sha256 IS NOT NULL AND btrim(p.invoice_sha256) <> ''
                       AND lower(btrim(o.invoice_sha256)) = lower(btrim(p.invoice_sha256)))
                   OR (p.due_date IS NOT NULL AND o.amount = p.amount AND o.due_date = p.due_date))) THEN
        RETURN false;
    END IF;
    -- Due date: known and not past (today and the next days only ask for attention).
    IF p.due_date IS NULL OR p.due_date < today THEN
        RETURN false;
    END IF;
    -- Payment line: valid, or absent from the invoice (attention); invalid or unread fails.
    RETURN p.payment_line_status IN ('VALIDA', 'AUSENTE');
END
$$;

-- Today in Brasília, as the desk's checks count days.
CREATE OR REPLACE FUNCTION brm_today() RETURNS date
    LANGUAGE sql STABLE SET search_path = pg_catalog AS
$$ SELECT (now() AT TIME ZONE 'America/Sao_Paulo')::date $$;

-- ---------------------------------------------------------------------------------------
-- Decisions. Each: who (brm_actor), the row locked, the version the person saw, the
-- state machine (brm-core's ProcessStatus::apply), the rule, the write and its audit
-- event, all in the caller's transaction. SQLSTATEs the desk maps to its codes:
--   42501 insufficient_privilege → FORBIDDEN, BR404 → NOT_FOUND, BR409 → CONFLICT,
--   BR422 → VALIDATION (the message names the field first: "campo: texto").

CREATE OR REPLACE FUNCTION brm_status_label(s text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS
$$ SELECT CASE s WHEN 'AGUARDANDO_DOWNLOAD' THEN 'Aguardando download'
                 WHEN 'AGUARDANDO_APROVACAO' THEN 'Aguardando aprovação'
                 WHEN 'AGUARDANDO_ENVIO_SAT' THEN 'Aguardando envio ao SAT'
                 WHEN 'UPLOAD_REALIZADO' THEN 'Enviado ao SAT'
                 WHEN 'CANCELADO' THEN 'Cancelado' ELSE s END $$;

-- The process, locked, at the version the person saw; or why not.
CREATE OR REPLACE FUNCTION brm_locked_process(p_id uuid, p_version bigint) RETURNS processes
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    p processes;
BEGIN
    SELECT * INTO p FROM processes WHERE id = p_id FOR UPDATE;
    IF p.id IS NULL THEN
        RAISE EXCEPTION 'Processo não encontrado.' USING ERRCODE = 'BR404';
    END IF;
    IF p.version <> p_version THEN
        RAISE EXCEPTION 'Este processo foi alterado por outra pessoa; veja como ficou e decida de novo.'
            USING ERRCODE = 'BR409';
    END IF;
    RETURN p;
END
$$;

CREATE OR REPLACE FUNCTION brm_illegal(p processes, verb text) RETURNS void
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
BEGIN
    RAISE EXCEPTION 'Não é possível % um processo com status "%" (%).', verb, brm_status_label(p.status), p.status
        USING ERRCODE = 'BR409';
END
$$;

CREATE OR REPLACE FUNCTION brm_process_view(p processes) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS
$$ SELECT jsonb_build_object('status', p.status, 'version', p.version, 'approved_by', p.approved_by,
                             'first_approved_by', p.first_approved_by, 'amount', p.amount,
                             'due_date', p.due_date, 'notes', p.notes,
                             'last_rejection_reason', p.last_rejection_reason) $$;

CREATE OR REPLACE FUNCTION brm_approve(p_id uuid, p_version bigint, p_notes text DEFAULT NULL)
    RETURNS TABLE (status text, version bigint, first_approval_only boolean)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    p processes;
    n processes;
    notes text := nullif(btrim(p_notes), '');
    four_eyes boolean;
    first_name text;
    now_ timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR', 'APROVADOR'], 'aprovar faturas');
    IF char_length(notes) > 1000 THEN
        RAISE EXCEPTION 'notes: As observações podem ter no máximo 1000 caracteres.' USING ERRCODE = 'BR422';
    END IF;
    p := brm_locked_process(p_id, p_version);
    IF p.status <> 'AGUARDANDO_APROVACAO' THEN
        PERFORM brm_illegal(p, 'aprovar');
    END IF;
    IF p.uploaded_by = me.id THEN
        RAISE EXCEPTION 'Você enviou esta fatura manualmente; outra pessoa precisa aprová-la.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    four_eyes := COALESCE((SELECT value_json = 'true'::jsonb FROM settings WHERE key = 'aprovacao.quatro_olhos'), false)
                 AND NOT brm_checks_passed(p, brm_today());
    n := p;
    n.notes := COALESCE(notes, p.notes);
    n.version := p.version + 1;
    n.updated_at := now_;
    IF four_eyes AND p.first_approved_by IS NULL THEN
        UPDATE processes SET notes = n.notes, first_approved_by = me.id, first_approved_at = now_,
                             version = n.version, updated_at = now_
            WHERE id = p.id RETURNING * INTO n;
        PERFORM brm_audit(me.id, me.full_name, 'PRIMEIRA_APROVACAO', 'processo', p.id, brm_process_view(p),
                          brm_process_view(n), p.invoice_sha256,
                          'Primeira aprovação (quatro olhos).' || COALESCE(' Observações: ' || notes, ''));
        RETURN QUERY SELECT n.status, n.version, true;
        RETURN;
    END IF;
    IF four_eyes AND p.first_approved_by = me.id THEN
        RAISE EXCEPTION 'Esta fatura precisa de um segundo aprovador, diferente de %.', me.full_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF four_eyes THEN
        SELECT u.full_name INTO first_name FROM users u WHERE u.id = p.first_approved_by;
    END IF;
    UPDATE processes SET status = 'AGUARDANDO_ENVIO_SAT', notes = n.notes, approved_by = me.id,
                         approved_at = now_, version = n.version, updated_at = now_
        WHERE id = p.id RETURNING * INTO n;
    PERFORM brm_audit(me.id, me.full_name, 'APROVAR', 'processo', p.id, brm_process_view(p), brm_process_view(n),
                      p.invoice_sha256,
                      nullif(concat_ws(' ',
                          CASE WHEN four_eyes THEN format('Aprovada por %s (primeira aprovação) e %s (segunda aprovação).',
                                                          first_name, me.full_name) END,
                          'Observações: ' || notes), ''));
    RETURN QUERY SELECT n.status, n.version, false;
END
$$;

CREATE OR REPLACE FUNCTION brm_reject(p_id uuid, p_version bigint, p_reason text, p_code text)
    RETURNS TABLE (status text, version bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    p processes;
    n processes;
    label text;
    text_required boolean;
    reason text := regexp_replace(btrim(COALESCE(p_reason, '')), '\s+', ' ', 'g');
    stored text;
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR', 'APROVADOR'], 'rejeitar faturas');
    SELECT r.label, r.required INTO label, text_required FROM (VALUES
        ('VALOR_DIVERGENTE', 'Valor diferente do esperado', false),
        ('FATURA_DE_OUTRA_CONTA', 'Fatura de outra conta ou cliente', false),
        ('ARQUIVO_ILEGIVEL', 'Arquivo ilegível ou incompleto', false),
        ('FATURA_DUPLICADA', 'Fatura duplicada', false),
        ('VENCIMENTO_INCORRETO', 'Vencimento incorreto', false),
        ('OUTRO', 'Outro motivo', true)) AS r(code, label, required)
        WHERE r.code = btrim(p_code);
    IF label IS NULL THEN
        RAISE EXCEPTION 'reason_code: Motivo de rejeição desconhecido: "%". Escolha um motivo da lista.', p_code
            USING ERRCODE = 'BR422';
    END IF;
    IF text_required AND char_length(reason) < 5 THEN
        RAISE EXCEPTION 'reason: Com "%", descreva o motivo (pelo menos 5 caracteres).', label USING ERRCODE = 'BR422';
    END IF;
    IF char_length(reason) > 1000 THEN
        RAISE EXCEPTION 'reason: O motivo pode ter no máximo 1000 caracteres.' USING ERRCODE = 'BR422';
    END IF;
    stored := CASE WHEN reason = '' THEN label ELSE label || ': ' || reason END;
    p := brm_locked_process(p_id, p_version);
    IF p.status <> 'AGUARDANDO_APROVACAO' THEN
        PERFORM brm_illegal(p, 'rejeitar');
    END IF;
    -- The invoice was wrong: downloaded again from the first attempt.
    UPDATE processes SET status = 'AGUARDANDO_DOWNLOAD', last_rejection_reason = stored,
                         rejection_reason_code = btrim(p_code), approved_by = NULL, approved_at = NULL,
                         first_approved_by = NULL, first_approved_at = NULL, download_attempts = 0,
                         next_retry_at = NULL, needs_attention = false, version = p.version + 1,
                         updated_at = clock_timestamp()
        WHERE id = p.id RETURNING * INTO n;
    PERFORM brm_audit(me.id, me.full_name, 'REJEITAR', 'processo', p.id, brm_process_view(p), brm_process_view(n),
                      p.invoice_sha256, NULL);
    RETURN QUERY SELECT n.status, n.version;
END
$$;

CREATE OR REPLACE FUNCTION brm_cancel(p_id uuid, p_version bigint, p_reason text)
    RETURNS TABLE (status text, version bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    p processes;
    n processes;
    reason text := regexp_replace(btrim(COALESCE(p_reason, '')), '\s+', ' ', 'g');
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR'], 'cancelar processos');
    IF char_length(reason) < 5 THEN
        RAISE EXCEPTION 'reason: Informe o motivo (pelo menos 5 caracteres).' USING ERRCODE = 'BR422';
    END IF;
    IF char_length(reason) > 1000 THEN
        RAISE EXCEPTION 'reason: O motivo pode ter no máximo 1000 caracteres.' USING ERRCODE = 'BR422';
    END IF;
    p := brm_locked_process(p_id, p_version);
    IF p.status IN ('UPLOAD_REALIZADO', 'CANCELADO') THEN
        PERFORM brm_illegal(p, 'cancelar');
    END IF;
    UPDATE processes SET status = 'CANCELADO', notes = 'Cancelado: ' || reason, next_retry_at = NULL,
                         needs_attention = false, version = p.version + 1, updated_at = clock_timestamp()
        WHERE id = p.id RETURNING * INTO n;
    PERFORM brm_audit(me.id, me.full_name, 'CANCELAR', 'processo', p.id, brm_process_view(p), brm_process_view(n),
                      p.invoice_sha256, NULL);
    RETURN QUERY SELECT n.status, n.version;
END
$$;

-- Typed amount (in cents) and/or due date of an invoice waiting for approval. An
-- approval given to the old values (four eyes) does not hold.
CREATE OR REPLACE FUNCTION brm_type_values(p_id uuid, p_version bigint, p_cents bigint, p_due date)
    RETURNS TABLE (status text, version bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    p processes;
    n processes;
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR', 'APROVADOR'], 'digitar valores de faturas');
    IF p_cents IS NULL AND p_due IS NULL THEN
        RAISE EXCEPTION 'amount: Informe o valor ou o vencimento.' USING ERRCODE = 'BR422';
    END IF;
    IF p_cents IS NOT NULL AND (p_cents <= 0 OR p_cents >= 100000000000) THEN
        RAISE EXCEPTION 'amount: Valor fora do intervalo aceito.' USING ERRCODE = 'BR422';
    END IF;
    p := brm_locked_process(p_id, p_version);
    IF p.status <> 'AGUARDANDO_APROVACAO' THEN
        PERFORM brm_illegal(p, 'digitar valores de');
    END IF;
    UPDATE processes SET
        amount = COALESCE(p_cents / 100.0, amount),
        amount_source = CASE WHEN p_cents IS NULL THEN amount_source ELSE 'DIGITADO' END,
        due_date = COALESCE(p_due, due_date),
        due_date_source = CASE WHEN p_due IS NULL THEN due_date_source ELSE 'DIGITADO' END,
        first_approved_by = NULL, first_approved_at = NULL,
        version = p.version + 1, updated_at = clock_timestamp()
        WHERE id = p.id RETURNING * INTO n;
    PERFORM brm_audit(me.id, me.full_name, 'VALORES_DIGITADOS', 'processo', p.id, brm_process_view(p),
                      brm_process_view(n), p.invoice_sha256, NULL);
    RETURN QUERY SELECT n.status, n.version;
END
$$;

-- A setting, by an administrator. The robot's address is one of them: who may point the
-- desks at another server is decided here, not in the window.
CREATE OR REPLACE FUNCTION brm_set_setting(p_key text, p_value jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    before jsonb;
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR'], 'mudar as configurações');
    IF p_key IS NULL OR p_key !~ '^[a-z_]+(\.[a-z_]+)+$' THEN
        RAISE EXCEPTION 'key: Configuração desconhecida.' USING ERRCODE = 'BR422';
    END IF;
    SELECT value_json INTO before FROM settings WHERE key = p_key FOR UPDATE;
    INSERT INTO settings (key, value_json, updated_at, updated_by) VALUES (p_key, p_value, clock_timestamp(), me.id)
        ON CONFLICT (key) DO UPDATE SET value_json = EXCLUDED.value_json, updated_at = EXCLUDED.updated_at,
                                         updated_by = EXCLUDED.updated_by;
    PERFORM brm_audit(me.id, me.full_name, 'ALTERAR_CONFIGURACAO', 'configuracao', NULL,
                      jsonb_build_object(p_key, before), jsonb_build_object(p_key, p_value), NULL, NULL);
END
$$;

-- ---------------------------------------------------------------------------------------
-- People. Each person is a LOGIN role whose password PostgreSQL keeps as a SCRAM-SHA-256
-- verifier computed on the administrator's desktop: no plain password in SQL text or in
-- a server log. Only these functions, as the owner, create or change person roles, and
-- they only ever grant one of the three profile roles: an administrator has no
-- CREATEROLE (on PostgreSQL 15 it would let them grant themselves any non-superuser role,
-- the owner included).

-- A person's login role is named after the database and their e-mail (a digest, not the
-- address: role names are the whole server's, and one server may hold two BRM
-- databases): the login screen finds it from what the person types, with no lookup that
-- would tell an unknown e-mail from a wrong password (PostgreSQL answers both alike).
CREATE OR REPLACE FUNCTION brm_person_role(email text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog AS
$$ SELECT 'brm_u_' || left(md5(current_database() || ':' || lower(btrim(email))), 20) $$;

CREATE OR REPLACE FUNCTION brm_check_verifier(v text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS
$$
BEGIN
    IF v IS NULL OR v !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'password: A senha chega ao banco só como verificador SCRAM-SHA-256.' USING ERRCODE = 'BR422';
    END IF;
END
$$;

-- Every login role the functions below make: a login and nothing more (no SUPERUSER,
-- CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS), member of exactly the one product role
-- given. One place, so no function can make a role with more.
CREATE OR REPLACE FUNCTION brm_new_login(r text, verifier text, can_login boolean, member_of text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        RAISE EXCEPTION 'Já existe um acesso ao banco com o nome %.', r USING ERRCODE = 'BR409';
    END IF;
    EXECUTE format('CREATE ROLE %I %s NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
                   r, CASE WHEN can_login THEN 'LOGIN' ELSE 'NOLOGIN' END, verifier);
    EXECUTE format('GRANT %I TO %I', member_of, r);
END
$$;

-- Ends the open connections of login `r` (not the caller's own): how many.
CREATE OR REPLACE FUNCTION brm_end_connections(r text) RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS
$$ SELECT (count(*) FILTER (WHERE pg_terminate_backend(pid)))::integer
   FROM pg_stat_activity WHERE usename = r AND pid <> pg_backend_pid() $$;

-- The administrator calling, or the owner's own connection (the setup step's first
-- administrator): (id, name), id NULL for the owner.
CREATE OR REPLACE FUNCTION brm_admin_or_owner(what text) RETURNS TABLE (id uuid, full_name text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    IF session_user = brm_owner() THEN
        RETURN QUERY SELECT NULL::uuid, 'Preparação do banco compartilhado'::text;
        RETURN;
    END IF;
    RETURN QUERY SELECT a.id, a.full_name FROM brm_actor(ARRAY['ADMINISTRADOR'], what) a;
END
$$;

CREATE OR REPLACE FUNCTION brm_active_admins_besides(user_id uuid) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT count(*) FROM users WHERE role = 'ADMINISTRADOR' AND active AND id <> user_id $$;

CREATE OR REPLACE FUNCTION brm_create_person(p_id uuid, p_email text, p_full_name text, p_phone text,
                                             p_role text, p_verifier text, p_password_hash text)
    RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    r text := brm_person_role(p_email);
    now_ timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO me FROM brm_admin_or_owner('cadastrar pessoas');
    IF brm_profile_role(p_role) IS NULL THEN
        RAISE EXCEPTION 'role: Perfil desconhecido: "%".', p_role USING ERRCODE = 'BR422';
    END IF;
    PERFORM brm_check_verifier(p_verifier);
    IF EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(btrim(p_email))) THEN
        RAISE EXCEPTION 'email: Já existe uma pessoa com este e-mail.' USING ERRCODE = 'BR422';
    END IF;
    PERFORM brm_new_login(r, p_verifier, true, brm_profile_role(p_role));
    INSERT INTO users (id, full_name, email, phone, role, active, password_hash, created_at, updated_at, db_role)
        VALUES (p_id, btrim(p_full_name), lower(btrim(p_email)), nullif(btrim(p_phone), ''), p_role, true,
                COALESCE(p_password_hash, '!postgres'), now_, now_, r);
    PERFORM brm_audit(me.id, me.full_name, 'CRIAR_USUARIO', 'usuario', p_id, NULL,
                      jsonb_build_object('full_name', p_full_name, 'email', lower(btrim(p_email)), 'role', p_role,
                                         'db_role', r), NULL, NULL);
    RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION brm_set_profile(p_user uuid, p_role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    u users;
    other text;
BEGIN
    SELECT * INTO me FROM brm_admin_or_owner('mudar o perfil de pessoas');
    IF brm_profile_role(p_role) IS NULL THEN
        RAISE EXCEPTION 'role: Perfil desconhecido: "%".', p_role USING ERRCODE = 'BR422';
    END IF;
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    IF u.id IS NULL OR u.db_role IS NULL THEN
        RAISE EXCEPTION 'Pessoa não encontrada.' USING ERRCODE = 'BR404';
    END IF;
    IF u.role = 'ADMINISTRADOR' AND p_role <> 'ADMINISTRADOR' AND brm_active_admins_besides(u.id) = 0 THEN
        RAISE EXCEPTION 'Não é possível remover ou rebaixar o último administrador ativo.' USING ERRCODE = 'BR409';
    END IF;
    FOREACH other IN ARRAY ARRAY['brm_operador', 'brm_aprovador', 'brm_administrador'] LOOP
        IF other <> brm_profile_role(p_role) AND pg_has_role(u.db_role, other, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', other, u.db_role);
        END IF;
    END LOOP;
    EXECUTE format('GRANT %I TO %I', brm_profile_role(p_role), u.db_role);
    UPDATE users SET role = p_role, updated_at = clock_timestamp() WHERE id = u.id;
    PERFORM brm_audit(me.id, me.full_name, 'ALTERAR_PERFIL', 'usuario', u.id, jsonb_build_object('role', u.role),
                      jsonb_build_object('role', p_role), NULL, NULL);
END
$$;

-- Deactivating ends the person's open connections at once (the owner needs
-- pg_signal_backend, granted once by the database administrator: see the README).
CREATE OR REPLACE FUNCTION brm_set_active(p_user uuid, p_active boolean) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    u users;
    ended integer := 0;
BEGIN
    SELECT * INTO me FROM brm_admin_or_owner('ativar ou desativar pessoas');
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    IF u.id IS NULL OR u.db_role IS NULL THEN
        RAISE EXCEPTION 'Pessoa não encontrada.' USING ERRCODE = 'BR404';
    END IF;
    IF NOT p_active AND u.role = 'ADMINISTRADOR' AND brm_active_admins_besides(u.id) = 0 THEN
        RAISE EXCEPTION 'Não é possível remover ou rebaixar o último administrador ativo.' USING ERRCODE = 'BR409';
    END IF;
    EXECUTE format('ALTER ROLE %I %s', u.db_role, CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
    UPDATE users SET active = p_active, failed_logins = 0, locked_until = NULL, updated_at = clock_timestamp()
        WHERE id = u.id;
    IF NOT p_active THEN
        ended := brm_end_connections(u.db_role);
    END IF;
    PERFORM brm_audit(me.id, me.full_name, CASE WHEN p_active THEN 'REATIVAR_USUARIO' ELSE 'DESATIVAR_USUARIO' END,
                      'usuario', u.id, jsonb_build_object('active', u.active), jsonb_build_object('active', p_active),
                      NULL, CASE WHEN NOT p_active THEN format('Conexões encerradas: %s.', ended) END);
    RETURN ended;
END
$$;

-- A new password: by an administrator for anyone, or by the person for themselves.
CREATE OR REPLACE FUNCTION brm_set_password(p_user uuid, p_verifier text, p_password_hash text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    u users;
    ended integer := 0;
BEGIN
    PERFORM brm_check_verifier(p_verifier);
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    IF u.id IS NULL OR u.db_role IS NULL THEN
        RAISE EXCEPTION 'Pessoa não encontrada.' USING ERRCODE = 'BR404';
    END IF;
    IF u.db_role = session_user AND u.active THEN
        SELECT u.id AS id, u.full_name AS full_name INTO me;
    ELSE
        SELECT * INTO me FROM brm_admin_or_owner('redefinir a senha de outra pessoa');
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', u.db_role, p_verifier);
    IF u.active THEN
        EXECUTE format('ALTER ROLE %I LOGIN', u.db_role);
    END IF;
    UPDATE users SET password_hash = COALESCE(p_password_hash, password_hash), failed_logins = 0,
                     locked_until = NULL, updated_at = clock_timestamp() WHERE id = u.id;
    -- Reset by someone else (a password thought known to others): their open connections
    -- end too, as on deactivation.
    IF u.db_role <> session_user THEN
        ended := brm_end_connections(u.db_role);
    END IF;
    PERFORM brm_audit(me.id, me.full_name, 'REDEFINIR_SENHA', 'usuario', u.id, NULL, NULL, NULL,
                      CASE WHEN ended > 0 THEN format('Conexões encerradas: %s.', ended) END);
END
$$;

-- A person's name, e-mail and phone, by an administrator. A new e-mail renames their
-- login role (SCRAM verifiers do not depend on the name).
CREATE OR REPLACE FUNCTION brm_update_person(p_user uuid, p_full_name text, p_email text, p_phone text)
    RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    u users;
    r text := brm_person_role(p_email);
BEGIN
    SELECT * INTO me FROM brm_admin_or_owner('alterar o cadastro de pessoas');
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    IF u.id IS NULL OR u.db_role IS NULL THEN
        RAISE EXCEPTION 'Pessoa não encontrada.' USING ERRCODE = 'BR404';
    END IF;
    IF EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(btrim(p_email)) AND id <> u.id) THEN
        RAISE EXCEPTION 'email: Já existe uma pessoa com este e-mail.' USING ERRCODE = 'BR422';
    END IF;
    IF r <> u.db_role THEN
        EXECUTE format('ALTER ROLE %I RENAME TO %I', u.db_role, r);
    END IF;
    UPDATE users SET full_name = btrim(p_full_name), email = lower(btrim(p_email)),
                     phone = nullif(btrim(p_phone), ''), db_role = r, updated_at = clock_timestamp()
        WHERE id = u.id;
    PERFORM brm_audit(me.id, me.full_name, 'ALTERAR_USUARIO', 'usuario', u.id,
                      jsonb_build_object('full_name', u.full_name, 'email', u.email, 'phone', u.phone),
                      jsonb_build_object('full_name', btrim(p_full_name), 'email', lower(btrim(p_email)),
                                         'phone', nullif(btrim(p_phone), '')), NULL, NULL);
    RETURN r;
END
$$;

-- A robot machine's login (brm-desk worker, or a desktop made a robot machine), by an
-- administrator: a role of brm_robo named after the database and the machine's name.
CREATE OR REPLACE FUNCTION brm_create_robot(p_machine text, p_verifier text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    r text := 'brm_r_' || left(md5(current_database() || ':' || lower(btrim(p_machine))), 20);
BEGIN
    SELECT * INTO me FROM brm_admin_or_owner('cadastrar máquinas robô');
    IF btrim(COALESCE(p_machine, '')) = '' THEN
        RAISE EXCEPTION 'machine: Informe o nome da máquina robô.' USING ERRCODE = 'BR422';
    END IF;
    PERFORM brm_check_verifier(p_verifier);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', r, p_verifier);
    ELSE
        PERFORM brm_new_login(r, p_verifier, true, 'brm_robo');
    END IF;
    PERFORM brm_audit(me.id, me.full_name, 'CRIAR_USUARIO', 'robo', NULL, NULL,
                      jsonb_build_object('maquina', btrim(p_machine), 'db_role', r), NULL, NULL);
    RETURN r;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Logging in. The desk first asks the gate, as brm_entrada (a login whose password is
-- the product's own constant: it may only call the two functions below, and learns no
-- more than the login screen shows), then connects as the person. A failure is counted;
-- the fifth in a row locks the person's role (NOLOGIN) for 15 minutes, and the gate
-- opens it again once that has passed. PostgreSQL itself answers an unknown role and a
-- wrong password with the same message.
DO $$
BEGIN
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'brm_entrada') THEN
            CREATE ROLE brm_entrada LOGIN NOINHERIT PASSWORD 'brm_entrada';
        END IF;
    EXCEPTION WHEN unique_violation OR duplicate_object THEN
        NULL;
    END;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO brm_entrada', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO brm_entrada;

-- When the person's account is locked, until when; NULL otherwise (an unknown e-mail too).
CREATE OR REPLACE FUNCTION brm_login_gate(p_email text) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE email = lower(btrim(p_email)) FOR UPDATE;
    IF u.id IS NULL OR NOT u.active THEN
        RETURN NULL;
    END IF;
    IF u.locked_until > clock_timestamp() THEN
        PERFORM brm_audit(u.id, u.full_name, 'LOGIN_FALHOU', 'usuario', u.id, NULL, NULL, NULL, 'conta bloqueada');
        RETURN u.locked_until;
    END IF;
    IF u.locked_until IS NOT NULL THEN
        -- The 15 minutes have passed: the role logs in again (a person who has not made
        -- their own login yet has no role).
        IF u.db_role IS NOT NULL THEN
            EXECUTE format('ALTER ROLE %I LOGIN', u.db_role);
        END IF;
        UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE id = u.id;
    END IF;
    RETURN NULL;
END
$$;

-- A failed attempt at this e-mail: until when the account is now locked, when this
-- attempt locked it; NULL otherwise (an unknown e-mail too).
CREATE OR REPLACE FUNCTION brm_login_failed(p_email text) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    u users;
    until timestamptz;
BEGIN
    SELECT * INTO u FROM users WHERE email = lower(btrim(p_email)) AND db_role IS NOT NULL AND active FOR UPDATE;
    IF u.id IS NULL THEN
        RETURN NULL;
    END IF;
    IF u.failed_logins + 1 >= 5 THEN
        until := clock_timestamp() + interval '15 minutes';
        UPDATE users SET failed_logins = u.failed_logins + 1, locked_until = until WHERE id = u.id;
        EXECUTE format('ALTER ROLE %I NOLOGIN', u.db_role);
        PERFORM brm_audit(u.id, u.full_name, 'LOGIN_FALHOU', 'usuario', u.id, NULL, NULL, NULL,
                          '5 tentativas erradas; bloqueada por 15 minutos');
        RETURN until;
    END IF;
    UPDATE users SET failed_logins = u.failed_logins + 1 WHERE id = u.id;
    PERFORM brm_audit(u.id, u.full_name, 'LOGIN_FALHOU', 'usuario', u.id, NULL, NULL, NULL, 'senha errada');
    RETURN NULL;
END
$$;

-- Called by the person right after connecting: the count starts over, the login is
-- audited, and the desk learns who this is.
CREATE OR REPLACE FUNCTION brm_login_succeeded() RETURNS TABLE (id uuid, full_name text, email text, role text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR', 'APROVADOR', 'OPERADOR'], 'entrar');
    UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = clock_timestamp() WHERE users.id = me.id;
    PERFORM brm_audit(me.id, me.full_name, 'LOGIN_OK', 'usuario', me.id, NULL, NULL, NULL, NULL);
    RETURN QUERY SELECT w.id, w.full_name, w.email, w.role FROM brm_whoami() w;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Moving an installation that already ran the shared database with one account: its
-- people exist (users rows with argon2 app passwords) but have no login of their own.
-- At their first login after the upgrade, the desk proves it knows the person's app
-- password (it hashes what they typed with the salt and parameters of their stored
-- hash, brm_claim_salt, and sends that hash: the stored hash itself is readable by the
-- owner alone) and sends the SCRAM verifier of the same password: the database then
-- makes their login role. The stored hash is replaced by a new one at once, so the proof
-- cannot be used twice. An unknown e-mail gets a salt made from a secret of this
-- database, the same one every time, so the answer does not tell who has an account.
-- Someone whose stored hash is not argon2 (carried over from the old system and never
-- used since) gets a login from an administrator instead (brm_give_login).
CREATE TABLE IF NOT EXISTS brm_shared_secret (
    id      integer PRIMARY KEY CHECK (id = 1),
    secret  bytea NOT NULL
);
REVOKE ALL ON brm_shared_secret FROM PUBLIC;
INSERT INTO brm_shared_secret (id, secret)
    VALUES (1, sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')))
    ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION brm_claim_salt(p_email text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    prefix text;
BEGIN
    SELECT substring(u.password_hash FROM '^(\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+)\$')
        INTO prefix
        FROM users u
        WHERE u.email = lower(btrim(p_email)) AND u.db_role IS NULL AND u.active;
    IF prefix IS NOT NULL THEN
        RETURN prefix;
    END IF;
    RETURN '$argon2id$v=19$m=19456,t=2,p=1$'
        || rtrim(encode(substr(sha256((SELECT secret FROM brm_shared_secret) || convert_to(lower(btrim(p_email)), 'UTF8')), 1, 16), 'base64'), '=');
END
$$;

-- Makes the person's login when `p_proof` is their stored hash; false otherwise (and the
-- failure counts, as a failed login does).
CREATE OR REPLACE FUNCTION brm_claim_login(p_email text, p_proof text, p_verifier text, p_new_hash text)
    RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    u users;
    r text := brm_person_role(p_email);
BEGIN
    PERFORM brm_check_verifier(p_verifier);
    SELECT * INTO u FROM users WHERE email = lower(btrim(p_email)) AND db_role IS NULL AND active FOR UPDATE;
    IF u.id IS NULL OR u.password_hash IS DISTINCT FROM p_proof OR COALESCE(u.locked_until > clock_timestamp(), false)
       OR p_new_hash IS NULL OR p_new_hash NOT LIKE '$argon2id$%' THEN
        IF u.id IS NOT NULL AND NOT COALESCE(u.locked_until > clock_timestamp(), false) THEN
            UPDATE users SET failed_logins = failed_logins + 1,
                             locked_until = CASE WHEN failed_logins + 1 >= 5
                                                 THEN clock_timestamp() + interval '15 minutes' END
                WHERE id = u.id;
            PERFORM brm_audit(u.id, u.full_name, 'LOGIN_FALHOU', 'usuario', u.id, NULL, NULL, NULL,
                              'primeiro acesso próprio: senha errada');
        END IF;
        RETURN false;
    END IF;
    PERFORM brm_new_login(r, p_verifier, true, brm_profile_role(u.role));
    UPDATE users SET db_role = r, password_hash = p_new_hash, failed_logins = 0, locked_until = NULL,
                     updated_at = clock_timestamp() WHERE id = u.id;
    PERFORM brm_audit(u.id, u.full_name, 'ACESSO_PROPRIO', 'usuario', u.id, NULL, jsonb_build_object('db_role', r),
                      NULL, 'Primeiro acesso depois da atualização: acesso próprio ao banco criado.');
    RETURN true;
END
$$;

-- An administrator gives an existing person (no login of their own yet) a login with a
-- password the administrator chose and tells them.
CREATE OR REPLACE FUNCTION brm_give_login(p_user uuid, p_verifier text, p_password_hash text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    u users;
    r text;
BEGIN
    SELECT * INTO me FROM brm_admin_or_owner('dar acesso próprio a pessoas');
    PERFORM brm_check_verifier(p_verifier);
    SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
    IF u.id IS NULL THEN
        RAISE EXCEPTION 'Pessoa não encontrada.' USING ERRCODE = 'BR404';
    END IF;
    IF u.db_role IS NOT NULL THEN
        RAISE EXCEPTION 'Esta pessoa já tem acesso próprio: redefina a senha dela.' USING ERRCODE = 'BR409';
    END IF;
    r := brm_person_role(u.email);
    PERFORM brm_new_login(r, p_verifier, u.active, brm_profile_role(u.role));
    UPDATE users SET db_role = r, password_hash = COALESCE(p_password_hash, password_hash), failed_logins = 0,
                     locked_until = NULL, updated_at = clock_timestamp() WHERE id = u.id;
    PERFORM brm_audit(me.id, me.full_name, 'ACESSO_PROPRIO', 'usuario', u.id, NULL, jsonb_build_object('db_role', r),
                      NULL, 'Acesso próprio ao banco criado pelo administrador.');
    RETURN r;
END
$$;

-- Who this login is, for the desk after it connects: nothing for a login that is not an
-- active person.
CREATE OR REPLACE FUNCTION brm_whoami() RETURNS TABLE (id uuid, full_name text, email text, role text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT u.id, u.full_name, u.email, u.role FROM users u
   WHERE u.db_role = session_user AND u.active AND pg_has_role(session_user, brm_profile_role(u.role), 'MEMBER') $$;

-- ---------------------------------------------------------------------------------------
-- Ordinary privileges, by profile. Everything not granted here is refused.
-- Reading: everyone; a person's password hash, lock and failed-login count are not read
-- by anyone but the owner's functions.
GRANT SELECT (id, full_name, email, phone, role, active, last_login_at, created_at, updated_at, db_role)
    ON users TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT SELECT ON operators, clients, processes, executions, execution_logs, schedules, settings,
    audit_events, change_feed TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
-- Registry work (clients, the month's processes, robot runs, manual uploads): every
-- person; the robot machines create the month's processes (their schedule) and record
-- downloads and SAT uploads. processes_guard keeps decisions out of all of it.
GRANT INSERT, UPDATE ON clients TO brm_operador, brm_aprovador, brm_administrador;
GRANT INSERT, UPDATE ON processes, executions TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT INSERT ON execution_logs TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT DELETE ON execution_logs TO brm_robo;
-- Operators and schedules: administrators; the robot machines move a schedule's next run.
GRANT INSERT, UPDATE ON operators, schedules TO brm_administrador;
GRANT UPDATE (next_run_at, last_run_at, version, updated_at) ON schedules TO brm_robo;
-- The audit trail: append only, as oneself (audit_events_guard); never UPDATE, DELETE or
-- TRUNCATE, administrators included.
GRANT INSERT ON audit_events TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
-- The change feed's readers prune it.
GRANT DELETE ON change_feed TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO brm_operador, brm_aprovador, brm_administrador, brm_robo;

-- No function of the owner's is PUBLIC's (an extension's, such as pg_trgm's, is not the
-- owner's to revoke); then the ones a login may call, by profile.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = current_user::regrole LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
-- The functions a login may call. Everything else (the helpers) runs only inside them.
GRANT EXECUTE ON FUNCTION brm_whoami(), brm_today(), brm_profile_role(text), brm_status_label(text),
    brm_owner(), brm_reserved_action(text)
    TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT EXECUTE ON FUNCTION brm_set_password(uuid, text, text), brm_login_succeeded()
    TO brm_operador, brm_aprovador, brm_administrador;
GRANT EXECUTE ON FUNCTION brm_login_gate(text), brm_login_failed(text), brm_claim_salt(text),
    brm_claim_login(text, text, text, text) TO brm_entrada;
GRANT EXECUTE ON FUNCTION brm_approve(uuid, bigint, text), brm_reject(uuid, bigint, text, text),
    brm_type_values(uuid, bigint, bigint, date) TO brm_aprovador, brm_administrador;
GRANT EXECUTE ON FUNCTION brm_cancel(uuid, bigint, text), brm_set_setting(text, jsonb),
    brm_create_person(uuid, text, text, text, text, text, text), brm_set_profile(uuid, text),
    brm_set_active(uuid, boolean), brm_update_person(uuid, text, text, text), brm_create_robot(text, text),
    brm_give_login(uuid, text, text) TO brm_administrador;
