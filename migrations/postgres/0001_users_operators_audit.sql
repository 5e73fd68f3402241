-- Users, operators and the audit trail: what the walking skeleton needs.
-- Same version number as migrations/sqlite/0001: the same change in each dialect.

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    full_name       text NOT NULL,
    email           text NOT NULL UNIQUE,
    phone           text,
    role            text NOT NULL CHECK (role IN ('ADMINISTRADOR', 'APROVADOR', 'OPERADOR')),
    active          boolean NOT NULL DEFAULT true,
    password_hash   text NOT NULL,
    failed_logins   bigint NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE operators (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL,
    name_key             text NOT NULL UNIQUE,
    code                 text NOT NULL UNIQUE,
    has_rpa              boolean NOT NULL DEFAULT true,
    rpa_outsourced       boolean NOT NULL DEFAULT false,
    rpa_endpoint_url     text,
    portal_url           text,
    access_instructions  text,
    timeout_secs         bigint NOT NULL DEFAULT 300,
    max_attempts         bigint NOT NULL DEFAULT 3,
    active               boolean NOT NULL DEFAULT true,
    version              bigint NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CHECK (NOT rpa_outsourced OR rpa_endpoint_url IS NOT NULL)
);

CREATE INDEX operators_active_name ON operators (active, name_key);

CREATE TABLE audit_events (
    id              uuid PRIMARY KEY,
    -- insertion order, to order events that share one instant (SQLite uses its rowid)
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    at              timestamptz NOT NULL,
    actor_user_id   uuid REFERENCES users (id),
    actor_name      text NOT NULL,
    action          text NOT NULL,
    entity          text NOT NULL,
    entity_id       uuid,
    before_json     jsonb,
    after_json      jsonb,
    invoice_sha256  text,
    detail          text
);

CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, at);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
