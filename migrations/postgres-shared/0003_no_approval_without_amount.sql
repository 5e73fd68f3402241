-- An invoice whose amount could not be read is not approved until a person types it
-- (issue 18). The same rule as brm-core's approve (crates/brm-service/src/approval_desk.rs);
-- tests/shared_rules_agree.rs runs one table of cases through both.
CREATE OR REPLACE FUNCTION brm_approve(p_id uuid, p_version bigint, p_notes text DEFAULT NULL)
    RETURNS TABLE (status text, version bigint, first_approval_only boolean)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    p processes;
    n processes;
    notes text := nullif(btrim(p_notes), '');
    four_eyes boolean;
    first_name text;
    now_ timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR', 'APROVADOR'], 'aprovar faturas');
    IF char_length(notes) > 1000 THEN
        RAISE EXCEPTION 'notes: As observações podem ter no máximo 1000 caracteres.' USING ERRCODE = 'BR422';
    END IF;
    p := brm_locked_process(p_id, p_version);
    IF p.status <> 'AGUARDANDO_APROVACAO' THEN
        PERFORM brm_illegal(p, 'aprovar');
    END IF;
    IF p.uploaded_by = me.id THEN
        RAISE EXCEPTION 'Você enviou esta fatura manualmente; outra pessoa precisa aprová-la.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- An amount that could not be read is typed first (brm_type_values): "Valor —" is
    -- never approved, nor sent to the SAT.
    IF p.amount IS NULL THEN
        RAISE EXCEPTION 'amount: O valor desta fatura não foi lido: digite o valor antes de aprovar.'
            USING ERRCODE = 'BR422';
    END IF;
    four_eyes := COALESCE((SELECT value_json = 'true'::jsonb FROM settings WHERE key = 'aprovacao.quatro_olhos'), false)
                 AND NOT brm_checks_passed(p, brm_today());
    n := p;
    n.notes := COALESCE(notes, p.notes);
    n.version := p.version + 1;
    n.updated_at := now_;
    IF four_eyes AND p.first_approved_by IS NULL THEN
        UPDATE processes SET notes = n.notes, first_approved_by = me.id, first_approved_at = now_,
                             version = n.version, updated_at = now_
            WHERE id = p.id RETURNING * INTO n;
        PERFORM brm_audit(me.id, me.full_name, 'PRIMEIRA_APROVACAO', 'processo', p.id, brm_process_view(p),
                          brm_process_view(n), p.invoice_sha256,
                          'Primeira aprovação (quatro olhos).' || COALESCE(' Observações: ' || notes, ''));
        RETURN QUERY SELECT n.status, n.version, true;
        RETURN;
    END IF;
    IF four_eyes AND p.first_approved_by = me.id THEN
        RAISE EXCEPTION 'Esta fatura precisa de um segundo aprovador, diferente de %.', me.full_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF four_eyes THEN
        SELECT u.full_name INTO first_name FROM users u WHERE u.id = p.first_approved_by;
    END IF;
    UPDATE processes SET status = 'AGUARDANDO_ENVIO_SAT', notes = n.notes, approved_by = me.id,
                         approved_at = now_, version = n.version, updated_at = now_
        WHERE id = p.id RETURNING * INTO n;
    PERFORM brm_audit(me.id, me.full_name, 'APROVAR', 'processo', p.id, brm_process_view(p), brm_process_view(n),
                      p.invoice_sha256,
                      nullif(concat_ws(' ',
                          CASE WHEN four_eyes THEN format('Aprovada por %s (primeira aprovação) e %s (segunda aprovação).',
                                                          first_name, me.full_name) END,
                          'Observações: ' || notes), ''));
    RETURN QUERY SELECT n.status, n.version, false;
END
$$;
