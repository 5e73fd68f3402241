-- Desktop notifications (issue 6): every desktop where an approver is logged in asks, every
-- few seconds, which processes wait for approval or need attention. This partial index
-- holds only those rows, with every column the question reads, so the answer comes from
-- the index alone and never walks the whole processes table, however many months it
-- holds. The query repeats this WHERE word for word: SQLite uses a partial index only
-- when the query's condition contains the index's own.
-- Same version number as migrations/postgres/0008.
CREATE INDEX processes_alerts ON processes (status, needs_attention, id, version)
    WHERE status = 'AGUARDANDO_APROVACAO' OR needs_attention = 1;
