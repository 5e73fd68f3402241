-- The rest of the domain: clients, processes, executions and their log lines,
-- schedules and settings. Same version number as migrations/sqlite/0002.
-- Native uuid, timestamptz, date and numeric; money is numeric(14,2), never a float.

CREATE TABLE clients (
    id                   uuid PRIMARY KEY,
    hash                 text UNIQUE,
    legal_name           text NOT NULL,
    sat_name             text,
    cnpj                 char(14) NOT NULL CHECK (cnpj ~ '^[0-9]{14}$'),
    operator_id          uuid NOT NULL REFERENCES operators (id),
    account_filter       text,
    service              text NOT NULL DEFAULT '',
    service_key          text NOT NULL DEFAULT '',
    sat_data             text,
    unit                 text NOT NULL DEFAULT '',
    unit_key             text NOT NULL DEFAULT '',
    sat_category         text,
    issue_site_url       text,
    portal_login         text,
    -- "v1:" + base64(nonce || XChaCha20-Poly1305 ciphertext); never plain text.
    portal_password_enc  text CHECK (portal_password_enc IS NULL OR portal_password_enc LIKE 'v1:%'),
    cpf                  char(11) CHECK (cpf IS NULL OR cpf ~ '^[0-9]{11}$'),
    notes                text,
    search_text          text NOT NULL DEFAULT '',
    active               boolean NOT NULL DEFAULT true,
    version              bigint NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT clients_account_unique UNIQUE (cnpj, operator_id, unit_key, service_key)
);

CREATE INDEX clients_operator_active ON clients (operator_id, active);
CREATE INDEX clients_legal_name ON clients (legal_name);

CREATE TABLE processes (
    id                     uuid PRIMARY KEY,
    client_id              uuid NOT NULL REFERENCES clients (id),
    operator_id            uuid NOT NULL REFERENCES operators (id),
    reference_month        char(7) NOT NULL CHECK (reference_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    status                 text NOT NULL CHECK (status IN ('AGUARDANDO_DOWNLOAD', 'AGUARDANDO_APROVACAO',
                               'AGUARDANDO_ENVIO_SAT', 'UPLOAD_REALIZADO', 'CANCELADO')),
    invoice_key            text,
    invoice_file_name      text,
    invoice_size           bigint,
    invoice_sha256         char(64),
    due_date               date,
    amount                 numeric(14, 2),
    approved_by            uuid REFERENCES users (id),
    approved_at            timestamptz,
    sent_to_sat            boolean NOT NULL DEFAULT false,
    sent_at                timestamptz,
    download_attempts      bigint NOT NULL DEFAULT 0,
    last_download_at       timestamptz,
    sat_attempts           bigint NOT NULL DEFAULT 0,
    last_sat_at            timestamptz,
    next_retry_at          timestamptz,
    needs_attention        boolean NOT NULL DEFAULT false,
    manual_upload          boolean NOT NULL DEFAULT false,
    auto_created           boolean NOT NULL DEFAULT false,
    created_by             uuid REFERENCES users (id),
    notes                  text,
    last_rejection_reason  text,
    version                bigint NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    CONSTRAINT processes_client_month UNIQUE (client_id, reference_month)
);

CREATE INDEX processes_month_status ON processes (reference_month, status);
CREATE INDEX processes_month_operator ON processes (reference_month, operator_id, status);
CREATE INDEX processes_status_updated ON processes (status, updated_at);
CREATE INDEX processes_retry ON processes (status, next_retry_at) WHERE next_retry_at IS NOT NULL;

CREATE TABLE executions (
    id             uuid PRIMARY KEY,
    process_id     uuid NOT NULL REFERENCES processes (id),
    kind           text NOT NULL CHECK (kind IN ('DOWNLOAD_FATURA', 'UPLOAD_SAT', 'UPLOAD_MANUAL')),
    status         text NOT NULL CHECK (status IN ('PENDENTE', 'EXECUTANDO', 'CONCLUIDO', 'FALHOU',
                       'TIMEOUT', 'CANCELADO')),
    job_id         text UNIQUE,
    endpoint       text,
    request_json   jsonb,
    result_json    jsonb,
    progress       integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    attempt        bigint NOT NULL DEFAULT 1,
    started_at     timestamptz,
    finished_at    timestamptz,
    error          text,
    error_class    text CHECK (error_class IS NULL OR error_class IN ('TRANSITORIO', 'NEGOCIO')),
    triggered_by   text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE INDEX executions_process ON executions (process_id, created_at);
CREATE INDEX executions_open ON executions (status) WHERE status IN ('PENDENTE', 'EXECUTANDO');

CREATE TABLE execution_logs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_id  uuid NOT NULL REFERENCES executions (id),
    seq           bigint NOT NULL,
    at            timestamptz NOT NULL,
    level         text NOT NULL,
    message       text NOT NULL,
    CONSTRAINT execution_logs_once UNIQUE (execution_id, seq)
);

CREATE TABLE schedules (
    id           uuid PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    cron         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('CRIAR_PROCESSOS_MENSAIS', 'EXECUTAR_DOWNLOADS',
                     'EXECUTAR_ENVIOS_SAT', 'LIMPEZA_LOGS', 'BACKUP_DADOS')),
    operator_id  uuid REFERENCES operators (id),
    active       boolean NOT NULL DEFAULT true,
    next_run_at  timestamptz,
    last_run_at  timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE INDEX schedules_due ON schedules (active, next_run_at);

CREATE TABLE settings (
    key         text PRIMARY KEY,
    value_json  jsonb NOT NULL,
    updated_at  timestamptz NOT NULL,
    updated_by  uuid REFERENCES users (id)
);
