-- What an invoice's text says it is (issue 18): its reference month, the CNPJs it names
-- and its account code, as JSON ({"reference_month", "cnpjs", "account"}), read when the
-- invoice arrives. The approval check "Mês, CNPJ e conta" compares them with the
-- process and its client. NULL: not read (rows from before this version).
-- Same version number as migrations/sqlite/0009.
ALTER TABLE processes ADD COLUMN invoice_identity TEXT;
