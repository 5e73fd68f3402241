-- Users, operators and the audit trail: what the walking skeleton needs.
-- SQLite keeps UUIDs as hyphenated TEXT and timestamps as fixed-width UTC TEXT
-- ("2026-11-28T15:40:48.123456Z"), so text order is time order.

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    full_name       TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    phone           TEXT,
    role            TEXT NOT NULL CHECK (role IN ('ADMINISTRADOR', 'APROVADOR', 'OPERADOR')),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    password_hash   TEXT NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    last_login_at   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE operators (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    -- lower-cased, single-spaced name: "Vivo " and "VIVO" are one operator.
    name_key             TEXT NOT NULL UNIQUE,
    code                 TEXT NOT NULL UNIQUE,
    has_rpa              INTEGER NOT NULL DEFAULT 1 CHECK (has_rpa IN (0, 1)),
    rpa_outsourced       INTEGER NOT NULL DEFAULT 0 CHECK (rpa_outsourced IN (0, 1)),
    rpa_endpoint_url     TEXT,
    portal_url           TEXT,
    access_instructions  TEXT,
    timeout_secs         INTEGER NOT NULL DEFAULT 300,
    max_attempts         INTEGER NOT NULL DEFAULT 3,
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CHECK (rpa_outsourced = 0 OR rpa_endpoint_url IS NOT NULL)
);

CREATE INDEX operators_active_name ON operators (active, name_key);

CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY NOT NULL,
    at              TEXT NOT NULL,
    actor_user_id   TEXT REFERENCES users (id),
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT,
    before_json     TEXT,
    after_json      TEXT,
    invoice_sha256  TEXT,
    detail          TEXT
);

CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, at);
CREATE INDEX audit_events_at ON audit_events (at);

-- Append-only: the trail cannot be edited or deleted through SQL either.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
