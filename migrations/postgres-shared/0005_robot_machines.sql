-- Robot machines (issue 19). A robot login registers its own machine (its public key)
-- with an ordinary INSERT, always pending; only an administrator approves or removes a
-- machine, through brm_decide_robot_machine, which audits it. A person with psql and their
-- own login cannot add a key of theirs to the machines passwords are sealed to.
-- The robot machines re-seal portal passwords when the approved set changes: they may
-- write those two columns of clients, nothing else there.

CREATE OR REPLACE FUNCTION brm_reserved_action(action text) RETURNS boolean
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS
$$ SELECT action IN ('APROVAR', 'PRIMEIRA_APROVACAO', 'REJEITAR', 'CANCELAR', 'VALORES_DIGITADOS',
                     'CRIAR_USUARIO', 'ALTERAR_PERFIL', 'DESATIVAR_USUARIO', 'REATIVAR_USUARIO',
                     'REDEFINIR_SENHA', 'ALTERAR_CONFIGURACAO', 'CONFIGURACAO_APROVACAO', 'ALTERAR_USUARIO',
                     'PREPARAR_BANCO', 'LOGIN_OK', 'LOGIN_FALHOU', 'ACESSO_PROPRIO',
                     'MAQUINA_ROBO_APROVADA', 'MAQUINA_ROBO_REMOVIDA') $$;

-- With the writer's rights, as processes_guard: current_user tells the owner's write (or
-- a function's) from a login's own.
CREATE OR REPLACE FUNCTION robot_machines_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS
$$
BEGIN
    IF current_user = brm_owner() THEN
        RETURN NEW;
    END IF;
    IF NOT pg_has_role(session_user, 'brm_robo', 'MEMBER') THEN
        RAISE EXCEPTION 'Só uma máquina robô registra a própria chave; um administrador a aprova em Configurações → Máquinas robô.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'PENDENTE' OR NEW.decided_by IS NOT NULL OR NEW.decided_at IS NOT NULL THEN
            RAISE EXCEPTION 'Uma máquina robô nova começa aguardando aprovação: só um administrador a aprova.'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.db_role := session_user;
        NEW.first_seen_at := clock_timestamp();
        NEW.last_seen_at := clock_timestamp();
        RETURN NEW;
    END IF;
    IF OLD.db_role IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'Uma máquina robô só atualiza o próprio registro.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.public_key IS DISTINCT FROM OLD.public_key
       OR NEW.fingerprint IS DISTINCT FROM OLD.fingerprint OR NEW.decided_by IS DISTINCT FROM OLD.decided_by
       OR NEW.decided_at IS DISTINCT FROM OLD.decided_at OR NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'A aprovação de uma máquina robô só muda pela função do banco.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.last_seen_at := clock_timestamp();
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS robot_machines_guard ON robot_machines;
CREATE TRIGGER robot_machines_guard BEFORE INSERT OR UPDATE ON robot_machines
    FOR EACH ROW EXECUTE FUNCTION robot_machines_guard();

-- Approves ('APROVADA') or removes ('REMOVIDA') a machine, by an administrator, audited.
-- NULL: no such machine.
CREATE OR REPLACE FUNCTION brm_decide_robot_machine(p_id uuid, p_status text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    me record;
    m robot_machines;
BEGIN
    SELECT * INTO me FROM brm_actor(ARRAY['ADMINISTRADOR'], 'aprovar ou remover máquinas robô');
    IF p_status NOT IN ('APROVADA', 'REMOVIDA') THEN
        RAISE EXCEPTION 'status: Decisão desconhecida: "%".', p_status USING ERRCODE = 'BR422';
    END IF;
    UPDATE robot_machines SET status = p_status, decided_by = me.id, decided_at = clock_timestamp()
        WHERE id = p_id RETURNING * INTO m;
    IF m.id IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM brm_audit(me.id, me.full_name,
                      CASE p_status WHEN 'APROVADA' THEN 'MAQUINA_ROBO_APROVADA' ELSE 'MAQUINA_ROBO_REMOVIDA' END,
                      'maquina_robo', m.id, NULL,
                      jsonb_build_object('nome', m.name, 'host', m.host, 'impressao_digital', m.fingerprint,
                                         'situacao', p_status),
                      NULL, NULL);
    RETURN m.id;
END
$$;

GRANT SELECT ON robot_machines TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
GRANT INSERT ON robot_machines TO brm_robo;
GRANT UPDATE (name, host, last_seen_at, marker_folder, marker_nonce, marker_at, marker_error)
    ON robot_machines TO brm_robo;
GRANT UPDATE (portal_password_enc, portal_password_sealed) ON clients TO brm_robo;
REVOKE ALL ON FUNCTION brm_decide_robot_machine(uuid, text), robot_machines_guard() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION brm_decide_robot_machine(uuid, text) TO brm_administrador;
