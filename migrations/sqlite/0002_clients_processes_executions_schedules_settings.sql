-- The rest of the domain: clients, processes, executions and their log lines,
-- schedules and settings. Same version number as the PostgreSQL migration.
-- Money is INTEGER cents (exact); the PostgreSQL schema uses numeric(14,2).

CREATE TABLE clients (
    id                   TEXT PRIMARY KEY NOT NULL,
    -- The spreadsheet's HASH: imports upsert by it. NULL for clients typed by hand.
    hash                 TEXT UNIQUE,
    legal_name           TEXT NOT NULL,
    sat_name             TEXT,
    cnpj                 TEXT NOT NULL CHECK (length(cnpj) = 14),
    operator_id          TEXT NOT NULL REFERENCES operators (id),
    account_filter       TEXT,
    service              TEXT NOT NULL DEFAULT '',
    service_key          TEXT NOT NULL DEFAULT '',
    sat_data             TEXT,
    unit                 TEXT NOT NULL DEFAULT '',
    unit_key             TEXT NOT NULL DEFAULT '',
    sat_category         TEXT,
    issue_site_url       TEXT,
    portal_login         TEXT,
    -- "v1:" + base64(nonce || XChaCha20-Poly1305 ciphertext); never plain text.
    portal_password_enc  TEXT CHECK (portal_password_enc IS NULL OR portal_password_enc LIKE 'v1:%'),
    cpf                  TEXT CHECK (cpf IS NULL OR length(cpf) = 11),
    notes                TEXT,
    -- Lower-cased, accent-free legal name, SAT name, CNPJ, HASH and account code, for
    -- the one LIKE the client searches run.
    search_text          TEXT NOT NULL DEFAULT '',
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CONSTRAINT clients_account_unique UNIQUE (cnpj, operator_id, unit_key, service_key)
);

CREATE INDEX clients_operator_active ON clients (operator_id, active);
CREATE INDEX clients_legal_name ON clients (legal_name);

CREATE TABLE processes (
    id                     TEXT PRIMARY KEY NOT NULL,
    client_id              TEXT NOT NULL REFERENCES clients (id),
    operator_id            TEXT NOT NULL REFERENCES operators (id),
    reference_month        TEXT NOT NULL CHECK (reference_month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    status                 TEXT NOT NULL CHECK (status IN ('AGUARDANDO_DOWNLOAD', 'AGUARDANDO_APROVACAO',
                               'AGUARDANDO_ENVIO_SAT', 'UPLOAD_REALIZADO', 'CANCELADO')),
    invoice_key            TEXT,
    invoice_file_name      TEXT,
    invoice_size           INTEGER,
    invoice_sha256         TEXT,
    due_date               TEXT,
    amount_cents           INTEGER,
    approved_by            TEXT REFERENCES users (id),
    approved_at            TEXT,
    sent_to_sat            INTEGER NOT NULL DEFAULT 0 CHECK (sent_to_sat IN (0, 1)),
    sent_at                TEXT,
    download_attempts      INTEGER NOT NULL DEFAULT 0,
    last_download_at       TEXT,
    sat_attempts           INTEGER NOT NULL DEFAULT 0,
    last_sat_at            TEXT,
    next_retry_at          TEXT,
    needs_attention        INTEGER NOT NULL DEFAULT 0 CHECK (needs_attention IN (0, 1)),
    manual_upload          INTEGER NOT NULL DEFAULT 0 CHECK (manual_upload IN (0, 1)),
    auto_created           INTEGER NOT NULL DEFAULT 0 CHECK (auto_created IN (0, 1)),
    created_by             TEXT REFERENCES users (id),
    notes                  TEXT,
    last_rejection_reason  TEXT,
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    CONSTRAINT processes_client_month UNIQUE (client_id, reference_month)
);

-- List filters: month first (every screen opens on a month), then status or operator.
CREATE INDEX processes_month_status ON processes (reference_month, status);
CREATE INDEX processes_month_operator ON processes (reference_month, operator_id, status);
CREATE INDEX processes_status_updated ON processes (status, updated_at);
-- The poller: what is due for a retry.
CREATE INDEX processes_retry ON processes (status, next_retry_at) WHERE next_retry_at IS NOT NULL;

CREATE TABLE executions (
    id             TEXT PRIMARY KEY NOT NULL,
    process_id     TEXT NOT NULL REFERENCES processes (id),
    kind           TEXT NOT NULL CHECK (kind IN ('DOWNLOAD_FATURA', 'UPLOAD_SAT', 'UPLOAD_MANUAL')),
    status         TEXT NOT NULL CHECK (status IN ('PENDENTE', 'EXECUTANDO', 'CONCLUIDO', 'FALHOU',
                       'TIMEOUT', 'CANCELADO')),
    job_id         TEXT UNIQUE,
    endpoint       TEXT,
    request_json   TEXT,
    result_json    TEXT,
    progress       INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    attempt        INTEGER NOT NULL DEFAULT 1,
    started_at     TEXT,
    finished_at    TEXT,
    error          TEXT,
    error_class    TEXT CHECK (error_class IS NULL OR error_class IN ('TRANSITORIO', 'NEGOCIO')),
    triggered_by   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE INDEX executions_process ON executions (process_id, created_at);
-- The poller asks the robot only about open jobs.
CREATE INDEX executions_open ON executions (status) WHERE status IN ('PENDENTE', 'EXECUTANDO');

CREATE TABLE execution_logs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id  TEXT NOT NULL REFERENCES executions (id),
    seq           INTEGER NOT NULL,
    at            TEXT NOT NULL,
    level         TEXT NOT NULL,
    message       TEXT NOT NULL,
    -- A line polled twice is stored once.
    CONSTRAINT execution_logs_once UNIQUE (execution_id, seq)
);

CREATE TABLE schedules (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    cron         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('CRIAR_PROCESSOS_MENSAIS', 'EXECUTAR_DOWNLOADS',
                     'EXECUTAR_ENVIOS_SAT', 'LIMPEZA_LOGS', 'BACKUP_DADOS')),
    operator_id  TEXT REFERENCES operators (id),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    next_run_at  TEXT,
    last_run_at  TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE INDEX schedules_due ON schedules (active, next_run_at);

-- Plain settings only; secrets live in the OS keyring.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY NOT NULL,
    value_json  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT REFERENCES users (id)
);
