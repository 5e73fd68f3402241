-- Indexes for the process list and the dashboard at a year of data (20,000 clients x 24
-- months = 480,000 processes), measured by crates/brm-store/examples/bench_store.rs.
-- Same version number as migrations/postgres/0003.

-- Clients in name order with their id: the list's order and its join key, so a page of a
-- month walks this index and stops after the page. Kept narrow: a deep page walks
-- thousands of entries through SQLite's small page cache. Replaces clients_legal_name,
-- its prefix.
DROP INDEX clients_legal_name;
CREATE INDEX clients_name_id ON clients (legal_name, id);

-- A search is LIKE '%text%' on search_text: it scans this index (every column it needs),
-- never the wider clients table.
CREATE INDEX clients_search ON clients (search_text, legal_name, id);

-- One month's processes by client, side by side: paging a month probes it once per client
-- (the unique (client_id, reference_month) index spreads a month over the whole file).
CREATE INDEX processes_month_client ON processes (reference_month, client_id);

-- The dashboard counts a month by status and "needs attention" from the index alone.
-- Replaces processes_month_status (reference_month, status), its prefix.
DROP INDEX processes_month_status;
CREATE INDEX processes_month_status ON processes (reference_month, status, needs_attention);
