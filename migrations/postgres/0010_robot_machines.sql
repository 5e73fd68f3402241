-- Robot machines (issue 19): each machine that runs robot work has its own key pair; the
-- public key is registered here, pending until an administrator approves it. Portal
-- passwords are sealed to the approved machines ("v2:" values, in a new column as in
-- SQLite). The old "v1:" values stay in portal_password_enc until a machine holding the
-- old data key re-seals them. Same version number as migrations/sqlite/0010.
CREATE TABLE robot_machines (
    id             uuid PRIMARY KEY,
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    host           text NOT NULL DEFAULT '',
    public_key     text NOT NULL UNIQUE CHECK (public_key LIKE 'age1%'),
    fingerprint    text NOT NULL UNIQUE CHECK (fingerprint ~ '^[0-9a-f]{32}$'),
    status         text NOT NULL DEFAULT 'PENDENTE' CHECK (status IN ('PENDENTE', 'APROVADA', 'REMOVIDA')),
    first_seen_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    decided_by     uuid REFERENCES users (id),
    decided_at     timestamptz,
    -- The marker this machine last wrote into the invoice folder (shared database with a
    -- folder): the folder as it names it, the random text written, when, or why not. A
    -- desktop that reads the same text in the same folder proves they share it.
    marker_folder  text,
    marker_nonce   text,
    marker_at      timestamptz,
    marker_error   text,
    -- The database login that registered it (shared mode): only it updates the row.
    db_role        text
);

ALTER TABLE clients ADD COLUMN portal_password_sealed text
    CHECK (portal_password_sealed IS NULL OR portal_password_sealed LIKE 'v2:%');
