-- Approval decisions: the first of two approvals (four eyes), who uploaded an invoice by
-- hand (nobody approves their own upload), the payment line read on arrival (so the
-- checks need not read the PDF again) and the coded reason of the last rejection.
-- Same version number as migrations/postgres/0006.
ALTER TABLE processes ADD COLUMN first_approved_by TEXT REFERENCES users (id);
ALTER TABLE processes ADD COLUMN first_approved_at TEXT;
ALTER TABLE processes ADD COLUMN uploaded_by TEXT REFERENCES users (id);
ALTER TABLE processes ADD COLUMN payment_line TEXT;
ALTER TABLE processes ADD COLUMN payment_line_status TEXT
    CHECK (payment_line_status IS NULL OR payment_line_status IN ('VALIDA', 'INVALIDA', 'AUSENTE'));
ALTER TABLE processes ADD COLUMN payment_line_reason TEXT;
ALTER TABLE processes ADD COLUMN rejection_reason_code TEXT;
