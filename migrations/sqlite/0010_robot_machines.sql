-- Robot machines (issue 19): each machine that runs robot work has its own key pair; the
-- public key is registered here, pending until an administrator approves it. Portal
-- passwords are sealed to the approved machines ("v2:" values, a new column: SQLite
-- cannot change the old column's CHECK without rebuilding the table). The old "v1:"
-- values stay in portal_password_enc until a machine holding the old data key re-seals
-- them. Same version number as migrations/postgres/0010.
CREATE TABLE robot_machines (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
    host           TEXT NOT NULL DEFAULT '',
    public_key     TEXT NOT NULL UNIQUE CHECK (public_key LIKE 'age1%'),
    fingerprint    TEXT NOT NULL UNIQUE CHECK (length(fingerprint) = 32),
    status         TEXT NOT NULL DEFAULT 'PENDENTE' CHECK (status IN ('PENDENTE', 'APROVADA', 'REMOVIDA')),
    first_seen_at  TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    decided_by     TEXT REFERENCES users (id),
    decided_at     TEXT,
    -- The marker this machine last wrote into the invoice folder (shared database with a
    -- folder): the folder as it names it, the random text written, when, or why not. A
    -- desktop that reads the same text in the same folder proves they share it.
    marker_folder  TEXT,
    marker_nonce   TEXT,
    marker_at      TEXT,
    marker_error   TEXT,
    -- The database login that registered it (shared mode): only it updates the row.
    db_role        TEXT
);

ALTER TABLE clients ADD COLUMN portal_password_sealed TEXT
    CHECK (portal_password_sealed IS NULL OR portal_password_sealed LIKE 'v2:%');
