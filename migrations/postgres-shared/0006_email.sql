-- E-mail to approvers (issue 21). The robot machines plan and send: they write the
-- outbox. An administrator may only queue a test message (Configurações → E-mail →
-- "Enviar e-mail de teste"). Nobody else writes it: a person with psql and their own
-- login can neither queue mail through the office's server nor mark a message as sent.
-- Each person writes only their own e-mail preference. Everyone reads both (the process
-- screen lists the reminders sent about an invoice).

CREATE OR REPLACE FUNCTION email_outbox_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
BEGIN
    IF current_user = brm_owner() OR pg_has_role(session_user, 'brm_robo', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.rule = 'TESTE' AND NEW.state = 'PENDENTE' AND NEW.attempts = 0
       AND NEW.recipient_id IS NULL AND NEW.process_id IS NULL
       AND EXISTS (SELECT 1 FROM brm_whoami() w WHERE w.role = 'ADMINISTRADOR') THEN
        NEW.created_at := clock_timestamp();
        NEW.next_attempt_at := clock_timestamp();
        NEW.lease_owner := NULL;
        NEW.sent_at := NULL;
        NEW.last_error := NULL;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Só as máquinas robô escrevem na fila de e-mails; um administrador só pede um e-mail de teste.'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS email_outbox_guard ON email_outbox;
CREATE TRIGGER email_outbox_guard BEFORE INSERT OR UPDATE ON email_outbox
    FOR EACH ROW EXECUTE FUNCTION email_outbox_guard();

CREATE OR REPLACE FUNCTION email_preferences_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
BEGIN
    IF current_user = brm_owner() THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM brm_whoami() w WHERE w.id = NEW.user_id)
       OR (TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id) THEN
        RAISE EXCEPTION 'Cada pessoa muda só as próprias preferências de e-mail.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS email_preferences_guard ON email_preferences;
CREATE TRIGGER email_preferences_guard BEFORE INSERT OR UPDATE ON email_preferences
    FOR EACH ROW EXECUTE FUNCTION email_preferences_guard();

-- The SMTP password is sealed to the approved robot machines (setting email.smtp.senha).
-- When that set changes, a robot machine that can open it seals it again to the new set:
-- only that one value, only from what it was (a value saved meanwhile wins), only a
-- sealed ("v2:") value, audited.
CREATE OR REPLACE FUNCTION brm_reseal_smtp_password(p_before text, p_after text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    n integer;
BEGIN
    IF NOT pg_has_role(session_user, 'brm_robo', 'MEMBER') THEN
        RAISE EXCEPTION 'Só uma máquina robô sela de novo a senha do e-mail.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_after NOT LIKE 'v2:%' THEN
        RAISE EXCEPTION 'A senha do e-mail só é guardada selada.' USING ERRCODE = 'BR422';
    END IF;
    UPDATE settings SET value_json = to_jsonb(p_after), updated_at = clock_timestamp()
        WHERE key = 'email.smtp.senha' AND value_json = to_jsonb(p_before);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM brm_audit(NULL, 'Serviço de robôs (' || session_user || ')', 'SENHA_EMAIL_SELADA_DE_NOVO',
                          'configuracao', NULL, NULL, NULL, NULL,
                          'senha do e-mail selada para as máquinas robô aprovadas');
    END IF;
    RETURN n > 0;
END
$$;

-- The e-mail schedules (Agendamentos), written here by the owner: a robot login, which
-- plans from them, may not create schedules (only administrators may), so without this a
-- shared database would have none until someone made them by hand. Once, like the
-- embedded database's (brm_worker::schedule::seed_email_schedules, same names, same
-- setting): one an administrator removed stays removed. next_run_at is left to the first
-- robot machine that sees them.
INSERT INTO schedules (id, name, cron, kind, operator_id, active, next_run_at, last_run_at,
                       version, created_at, updated_at)
SELECT gen_random_uuid(), v.name, v.cron, v.kind, NULL, true, NULL, NULL, 1,
       clock_timestamp(), clock_timestamp()
FROM (VALUES ('Resumo diário por e-mail', '0 * * * *', 'RESUMO_EMAIL'),
             ('Lembretes e escalonamentos por e-mail', '*/15 * * * *', 'LEMBRETES_EMAIL'))
     AS v (name, cron, kind)
WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'agendamentos.email_criados')
ON CONFLICT (name) DO NOTHING;
INSERT INTO settings (key, value_json, updated_at)
VALUES ('agendamentos.email_criados', 'true', clock_timestamp())
ON CONFLICT (key) DO NOTHING;

GRANT SELECT ON email_outbox, email_preferences
    TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT INSERT, UPDATE ON email_outbox TO brm_robo;
GRANT INSERT ON email_outbox TO brm_administrador;
GRANT INSERT, UPDATE ON email_preferences TO brm_operador, brm_aprovador, brm_administrador;
REVOKE ALL ON FUNCTION brm_reseal_smtp_password(text, text), email_outbox_guard(),
    email_preferences_guard() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION brm_reseal_smtp_password(text, text) TO brm_robo;
