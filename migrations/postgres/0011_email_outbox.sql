-- E-mail to approvers (issue 21): every message goes through this outbox before the SMTP
-- server. (rule, subject_key, recipient_email, day) is unique: two robot machines, or
-- two scans, planning the same message write it once. A machine takes a message by
-- setting it ENVIANDO with its lease in next_attempt_at (an expired lease makes it
-- claimable again; FOR UPDATE SKIP LOCKED keeps two machines off one message), then
-- marks it ENVIADO, PENDENTE again (a retry later) or FALHOU.
-- Same version number as migrations/sqlite/0011.
CREATE TABLE email_outbox (
    id               uuid PRIMARY KEY,
    rule             text NOT NULL CHECK (rule IN ('RESUMO', 'LEMBRETE', 'ESCALONAMENTO', 'TESTE')),
    recipient_id     uuid REFERENCES users (id),
    recipient_email  text NOT NULL CHECK (length(btrim(recipient_email)) BETWEEN 3 AND 254),
    recipient_name   text,
    process_id       uuid REFERENCES processes (id) ON DELETE SET NULL,
    subject_key      text NOT NULL CHECK (length(subject_key) BETWEEN 1 AND 64),
    day              date NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text NOT NULL,
    state            text NOT NULL DEFAULT 'PENDENTE'
                     CHECK (state IN ('PENDENTE', 'ENVIANDO', 'ENVIADO', 'FALHOU', 'CANCELADO')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz,
    lease_owner      text,
    last_error       text,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    UNIQUE (rule, subject_key, recipient_email, day)
);
-- The sender's question ("what is due now?") reads only open messages.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at)
    WHERE state IN ('PENDENTE', 'ENVIANDO');
CREATE INDEX email_outbox_process ON email_outbox (process_id, created_at)
    WHERE process_id IS NOT NULL;
CREATE INDEX email_outbox_recent ON email_outbox (created_at);

-- Each person's own choice (Preferências → E-mail): in the database, not on a computer,
-- because the robot machines plan from it. No row: the defaults (receive, office's hour).
CREATE TABLE email_preferences (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    receive      boolean NOT NULL,
    digest_hour  integer CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at   timestamptz NOT NULL
);

-- The two e-mail schedules (RESUMO_EMAIL, LEMBRETES_EMAIL): the kind's CHECK widened.
-- crates/brm-store/tests/schedule_kinds.rs saves every kind the code has on both
-- dialects, so the code and this list cannot part again.
ALTER TABLE schedules DROP CONSTRAINT schedules_kind_check;
ALTER TABLE schedules ADD CONSTRAINT schedules_kind_check
    CHECK (kind IN ('CRIAR_PROCESSOS_MENSAIS', 'EXECUTAR_DOWNLOADS', 'EXECUTAR_ENVIOS_SAT',
                    'LIMPEZA_LOGS', 'BACKUP_DADOS', 'RESUMO_EMAIL', 'LEMBRETES_EMAIL'));
