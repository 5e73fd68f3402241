-- The invoice must be the one the process asks for (issue 18): what its text says it is
-- (month, CNPJs, account code) is kept on the process as it arrives, cannot be changed
-- afterwards by an ordinary UPDATE, and counts in the four-eyes checks exactly as
-- brm-core's approval::evaluate counts "Mês, CNPJ e conta" (tests/shared_rules_agree.rs
-- runs one table of cases through both).

-- An account code compared without punctuation, case or leading zeros, as brm-core's
-- approval::norm_account.
CREATE OR REPLACE FUNCTION brm_norm_account(a text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS
$$ SELECT ltrim(upper(regexp_replace(COALESCE(a, ''), '[^A-Za-z0-9]', '', 'g')), '0') $$;

CREATE OR REPLACE FUNCTION processes_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
DECLARE
    me uuid;
    robot boolean := pg_has_role(session_user, 'brm_robo', 'MEMBER');
BEGIN
    IF current_user = brm_owner() THEN
        RETURN NEW;
    END IF;
    SELECT u.id INTO me FROM users u WHERE u.db_role = session_user AND u.active;
    IF me IS NULL AND NOT robot THEN
        RAISE EXCEPTION 'Este acesso ao banco não é de uma pessoa ativa do BRM.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'AGUARDANDO_DOWNLOAD' OR NEW.approved_by IS NOT NULL OR NEW.approved_at IS NOT NULL
           OR NEW.first_approved_by IS NOT NULL OR NEW.uploaded_by IS NOT NULL
           OR NEW.amount_source = 'DIGITADO' OR NEW.due_date_source = 'DIGITADO' THEN
            RAISE EXCEPTION 'Um processo novo começa aguardando o download, sem decisão.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by OR NEW.approved_at IS DISTINCT FROM OLD.approved_at
       OR NEW.first_approved_by IS DISTINCT FROM OLD.first_approved_by
       OR NEW.first_approved_at IS DISTINCT FROM OLD.first_approved_at
       OR NEW.last_rejection_reason IS DISTINCT FROM OLD.last_rejection_reason
       OR NEW.rejection_reason_code IS DISTINCT FROM OLD.rejection_reason_code
       OR NEW.id IS DISTINCT FROM OLD.id OR NEW.client_id IS DISTINCT FROM OLD.client_id
       OR NEW.reference_month IS DISTINCT FROM OLD.reference_month THEN
        RAISE EXCEPTION 'Aprovação, rejeição e identidade do processo só mudam pelas funções do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.amount_source = 'DIGITADO' AND OLD.amount_source IS DISTINCT FROM 'DIGITADO')
       OR (NEW.due_date_source = 'DIGITADO' AND OLD.due_date_source IS DISTINCT FROM 'DIGITADO') THEN
        RAISE EXCEPTION 'Valores digitados só entram pela função do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Once downloaded: what the approver judges (or judged) does not change under them,
    -- before the decision or after it (an approved invoice swapped before it reaches SAT).
    IF OLD.status <> 'AGUARDANDO_DOWNLOAD'
       AND (NEW.amount IS DISTINCT FROM OLD.amount OR NEW.due_date IS DISTINCT FROM OLD.due_date
            OR NEW.invoice_sha256 IS DISTINCT FROM OLD.invoice_sha256
            OR NEW.invoice_key IS DISTINCT FROM OLD.invoice_key
            OR NEW.payment_line_status IS DISTINCT FROM OLD.payment_line_status
            OR NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by
            OR NEW.invoice_identity IS DISTINCT FROM OLD.invoice_identity) THEN
        RAISE EXCEPTION 'Depois do download, valor, vencimento e arquivo da fatura só mudam pelas funções do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF OLD.status = 'AGUARDANDO_DOWNLOAD' AND NEW.status = 'AGUARDANDO_APROVACAO' THEN
            -- A download (the robot) or a manual upload (a person, who is then its uploader).
            IF NOT robot AND NEW.uploaded_by IS DISTINCT FROM me THEN
                RAISE EXCEPTION 'Uma fatura enviada por uma pessoa fica em nome de quem a enviou.'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSIF OLD.status = 'AGUARDANDO_ENVIO_SAT' AND NEW.status = 'UPLOAD_REALIZADO' AND robot THEN
            NULL;
        ELSE
            RAISE EXCEPTION 'Mudar o status de % para % só pelas funções do banco.', OLD.status, NEW.status
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by
          AND NOT (NEW.uploaded_by IS NULL OR NEW.uploaded_by = me) THEN
        RAISE EXCEPTION 'Uma fatura enviada por uma pessoa fica em nome de quem a enviou.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION brm_checks_passed(p processes, today date) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    tolerance integer := brm_setting_int('aprovacao.tolerancia_percentual', 20, 0, 1000);
    since text := to_char(to_date(p.reference_month || '-01', 'YYYY-MM-DD') - interval '24 months', 'YYYY-MM');
    cents bigint := (p.amount * 100)::bigint;
    n bigint;
    total numeric;
    diff numeric;
    id jsonb;
    cl record;
    matched integer := 0;
BEGIN
    -- Amount variation against the average of the last three earlier months with one.
    IF cents IS NULL THEN
        RETURN false;
    END IF;
    SELECT count(*), sum(c) INTO n, total FROM (
        SELECT (o.amount * 100)::bigint AS c FROM processes o
        WHERE o.client_id = p.client_id AND o.id <> p.id AND o.amount IS NOT NULL
          AND o.reference_month >= since AND o.reference_month < p.reference_month
        ORDER BY o.reference_month DESC LIMIT 3) w;
    IF n = 0 THEN
        RETURN false;
    END IF;
    diff := cents * n - total;
    IF total = 0 THEN
        IF diff <> 0 THEN RETURN false; END IF;
    ELSIF abs(diff) * 100 > tolerance * abs(total) THEN
        RETURN false;
    END IF;
    -- A possible duplicate: another month's invoice with the same file, or the same
    -- amount and due date.
    IF EXISTS (SELECT 1 FROM processes o
               WHERE o.client_id = p.client_id AND o.reference_month <> p.reference_month
                 AND o.reference_month >= since
                 AND ((p.invoice_sha256 IS NOT NULL AND btrim(p.invoice_sha256) <> ''
                       AND lower(btrim(o.invoice_sha256)) = lower(btrim(p.invoice_sha256)))
                   OR (p.due_date IS NOT NULL AND o.amount = p.amount AND o.due_date = p.due_date))) THEN
        RETURN false;
    END IF;
    -- Due date: known and not past (today and the next days only ask for attention).
    IF p.due_date IS NULL OR p.due_date < today THEN
        RETURN false;
    END IF;
    -- Payment line: valid, or absent from the invoice (attention); invalid or unread fails.
    IF p.payment_line_status IS NULL OR p.payment_line_status NOT IN ('VALIDA', 'AUSENTE') THEN
        RETURN false;
    END IF;
    -- Month, CNPJ and account (issue 18): never read fails; each part the invoice names
    -- must match the process and its client; at least one must be named.
    IF p.invoice_identity IS NULL THEN
        RETURN false;
    END IF;
    BEGIN
        id := p.invoice_identity::jsonb;
    EXCEPTION WHEN others THEN
        RETURN false;
    END;
    SELECT c.cnpj, c.account_filter INTO cl FROM clients c WHERE c.id = p.client_id;
    IF jsonb_typeof(id -> 'reference_month') = 'string' THEN
        IF id ->> 'reference_month' <> p.reference_month THEN
            RETURN false;
        END IF;
        matched := matched + 1;
    END IF;
    IF jsonb_typeof(id -> 'cnpjs') = 'array' AND jsonb_array_length(id -> 'cnpjs') > 0 THEN
        IF NOT (id -> 'cnpjs') ? regexp_replace(COALESCE(cl.cnpj, ''), '[^0-9]', '', 'g') THEN
            RETURN false;
        END IF;
        matched := matched + 1;
    END IF;
    IF jsonb_typeof(id -> 'account') = 'string' AND nullif(btrim(cl.account_filter), '') IS NOT NULL THEN
        IF brm_norm_account(id ->> 'account') <> brm_norm_account(cl.account_filter) THEN
            RETURN false;
        END IF;
        matched := matched + 1;
    END IF;
    RETURN matched > 0;
END
$$;
