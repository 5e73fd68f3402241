-- Desktop notifications (issue 6): every desktop where an approver is logged in asks, every
-- few seconds, which processes wait for approval or need attention. This partial index
-- holds only those rows, with every column the question reads (an index-only scan), so
-- the answer never walks the whole processes table, however many months it holds.
-- Same version number as migrations/sqlite/0008.
CREATE INDEX processes_alerts ON processes (status, needs_attention) INCLUDE (id, version)
    WHERE status = 'AGUARDANDO_APROVACAO' OR needs_attention;
