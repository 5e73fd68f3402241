-- Approval decisions: the first of two approvals (four eyes), who uploaded an invoice by
-- hand (nobody approves their own upload), the payment line read on arrival (so the
-- checks need not read the PDF again) and the coded reason of the last rejection.
-- Same version number as migrations/sqlite/0006.
ALTER TABLE processes
    ADD COLUMN first_approved_by uuid REFERENCES users (id),
    ADD COLUMN first_approved_at timestamptz,
    ADD COLUMN uploaded_by uuid REFERENCES users (id),
    ADD COLUMN payment_line text,
    ADD COLUMN payment_line_status text
        CHECK (payment_line_status IS NULL OR payment_line_status IN ('VALIDA', 'INVALIDA', 'AUSENTE')),
    ADD COLUMN payment_line_reason text,
    ADD COLUMN rejection_reason_code text;
