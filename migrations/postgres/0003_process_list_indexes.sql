-- Indexes for the process list and the dashboard at a year of data (20,000 clients x 24
-- months = 480,000 processes), measured by crates/brm-store/examples/bench_store.rs.
-- Same version number as migrations/sqlite/0003.

-- Clients in name order with their id: the list's order and its join key, so a page of a
-- month walks clients in order and stops after 50. Replaces clients_legal_name, its prefix.
DROP INDEX clients_legal_name;
CREATE INDEX clients_name_id ON clients (legal_name, id);

-- One month's processes by client: the page's keys come from this index alone.
CREATE INDEX processes_month_client ON processes (reference_month, client_id);

-- The dashboard counts a month by status and "needs attention" from the index alone.
-- Replaces processes_month_status (reference_month, status), its prefix.
DROP INDEX processes_month_status;
CREATE INDEX processes_month_status ON processes (reference_month, status, needs_attention);

-- A search is LIKE '%text%' on clients.search_text: a trigram index answers it without
-- reading every client. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension, but a server without it, or a role that may not create extensions, must
-- still run the desktop: then the search reads the clients table, slower but correct.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX clients_search_trgm ON clients USING gin (search_text gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm indisponível (%): a busca de clientes lerá a tabela', SQLERRM;
END
$$;
