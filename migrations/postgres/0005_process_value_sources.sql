-- Where an invoice's amount and due date came from (the boleto's linha digitável, the
-- invoice's text, the operator's robot, or typed by a person), so whoever approves it
-- knows how far to trust them. NULL: unknown, or no value yet.
-- Same version number as migrations/sqlite/0005.
ALTER TABLE processes
    ADD COLUMN amount_source text
        CHECK (amount_source IS NULL OR amount_source IN ('LINHA_DIGITAVEL', 'TEXTO_DA_FATURA', 'ROBO', 'DIGITADO')),
    ADD COLUMN due_date_source text
        CHECK (due_date_source IS NULL OR due_date_source IN ('LINHA_DIGITAVEL', 'TEXTO_DA_FATURA', 'ROBO', 'DIGITADO'));

-- A client's invoice history (newest month first) needs no new index: the unique
-- constraint processes_client_month (client_id, reference_month) of 0002 serves it.
