-- E-mail to approvers (issue 21): every message goes through this outbox before the SMTP
-- server. (rule, subject_key, recipient_email, day) is unique: two robot machines, or
-- two scans, planning the same message write it once. A machine takes a message by
-- setting it ENVIANDO with its lease in next_attempt_at (an expired lease makes it
-- claimable again), then marks it ENVIADO, PENDENTE again (a retry later) or FALHOU.
-- Same version number as migrations/postgres/0011.
CREATE TABLE email_outbox (
    id               TEXT PRIMARY KEY NOT NULL,
    rule             TEXT NOT NULL CHECK (rule IN ('RESUMO', 'LEMBRETE', 'ESCALONAMENTO', 'TESTE')),
    recipient_id     TEXT REFERENCES users (id),
    recipient_email  TEXT NOT NULL CHECK (length(trim(recipient_email)) BETWEEN 3 AND 254),
    recipient_name   TEXT,
    process_id       TEXT REFERENCES processes (id) ON DELETE SET NULL,
    subject_key      TEXT NOT NULL CHECK (length(subject_key) BETWEEN 1 AND 64),
    day              TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'PENDENTE'
                     CHECK (state IN ('PENDENTE', 'ENVIANDO', 'ENVIADO', 'FALHOU', 'CANCELADO')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TEXT,
    lease_owner      TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
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
    user_id      TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    receive      INTEGER NOT NULL CHECK (receive IN (0, 1)),
    digest_hour  INTEGER CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at   TEXT NOT NULL
);

-- The two e-mail schedules (RESUMO_EMAIL, LEMBRETES_EMAIL): the kind's CHECK widened.
-- SQLite cannot change a CHECK in place: the table is rebuilt (nothing references it;
-- no trigger is on it). crates/brm-store/tests/schedule_kinds.rs saves every kind the
-- code has on both dialects, so the code and this list cannot part again.
CREATE TABLE schedules_new (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    cron         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('CRIAR_PROCESSOS_MENSAIS', 'EXECUTAR_DOWNLOADS',
                     'EXECUTAR_ENVIOS_SAT', 'LIMPEZA_LOGS', 'BACKUP_DADOS',
                     'RESUMO_EMAIL', 'LEMBRETES_EMAIL')),
    operator_id  TEXT REFERENCES operators (id),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    next_run_at  TEXT,
    last_run_at  TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
INSERT INTO schedules_new (id, name, cron, kind, operator_id, active, next_run_at, last_run_at,
                           version, created_at, updated_at)
    SELECT id, name, cron, kind, operator_id, active, next_run_at, last_run_at, version,
           created_at, updated_at FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_new RENAME TO schedules;
CREATE INDEX schedules_due ON schedules (active, next_run_at);
