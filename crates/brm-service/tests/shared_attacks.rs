//! A person with a SQL client and their own login to the shared database (issue 17): an
//! OPERADOR, an APROVADOR and an ADMINISTRADOR each connect with their own PostgreSQL
//! role, SCRAM over TLS, with sqlx straight (not the app), and try what the app would
//! never let them. Every statement must be refused and leave the database exactly as it
//! was: every table's rows, the role memberships and attributes, the triggers and the
//! functions are compared before and after each one.
//!
//! Beside each refusal, what the same people may do still works, so a refusal is never
//! just a broken set-up.

mod shared_common;

use shared_common::{shared, Person, Shared};
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Everything a statement could have changed, as one text.
async fn state(owner: &PgPool) -> String {
    let mut parts = Vec::new();
    for table in [
        "users",
        "operators",
        "clients",
        "processes",
        "executions",
        "execution_logs",
        "schedules",
        "settings",
        "audit_events",
    ] {
        let digest: String = sqlx::query_scalar(&format!(
            "SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM {table} x"
        ))
        .fetch_one(owner)
        .await
        .unwrap();
        parts.push(format!("{table}={digest}"));
    }
    for (what, sql) in [
        (
            "memberships",
            "SELECT coalesce(string_agg(r.rolname::text || '>' || m.rolname::text, ',' ORDER BY 1), '')
             FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
             WHERE m.rolname LIKE 'brm%' OR r.rolname LIKE 'brm%'",
        ),
        (
            "roles",
            "SELECT coalesce(string_agg(concat_ws(':', rolname, rolsuper, rolcanlogin, rolcreaterole,
                    rolcreatedb, rolbypassrls), ',' ORDER BY rolname), '')
             FROM pg_roles WHERE rolname LIKE 'brm%'",
        ),
        (
            "triggers",
            "SELECT coalesce(string_agg(tgname::text || tgenabled::text, ',' ORDER BY tgname), '')
             FROM pg_trigger WHERE NOT tgisinternal",
        ),
        (
            "objects",
            "SELECT coalesce(string_agg(relname::text || ':' || relowner::regrole::text, ',' ORDER BY relname), '')
             FROM pg_class WHERE relnamespace = 'public'::regnamespace",
        ),
        (
            "functions",
            "SELECT md5(coalesce(string_agg(proname::text || prosrc || prosecdef::text || proowner::regrole::text,
                    ',' ORDER BY proname, prosrc), ''))
             FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
        ),
        (
            "grants",
            "SELECT md5(coalesce(string_agg(relname::text || coalesce(relacl::text, ''), ',' ORDER BY relname), ''))
             FROM pg_class WHERE relnamespace = 'public'::regnamespace",
        ),
    ] {
        let v: String = sqlx::query_scalar(sql).fetch_one(owner).await.unwrap();
        parts.push(format!("{what}={v}"));
    }
    parts.join("\n")
}

struct Attacks<'a> {
    db: &'a Shared,
    refused: usize,
}

impl Attacks<'_> {
    /// `sql`, as `who`, must fail and change nothing.
    async fn refused(&mut self, who: &Person, pool: &PgPool, sql: &str) {
        let before = state(&self.db.owner).await;
        let result = sqlx::raw_sql(sql).execute(pool).await;
        let after = state(&self.db.owner).await;
        match result {
            Ok(_) => panic!("{} ({}) was allowed: {sql}", who.name, who.role),
            Err(e) => eprintln!("refused for {}: {sql}\n    → {e}", who.name),
        }
        assert_eq!(
            before, after,
            "{} changed the database with a refused statement: {sql}",
            who.name
        );
        self.refused += 1;
    }
}

/// Works, as `who` (the control beside the refusals).
async fn allowed(who: &Person, pool: &PgPool, sql: &str) {
    if let Err(e) = sqlx::raw_sql(sql).execute(pool).await {
        panic!("{} may do this, but: {e}\n{sql}", who.name);
    }
}

struct World {
    operator: Uuid,
    /// Waiting for approval, uploaded by hand by Bia; its checks fail (no history).
    bia_upload: Uuid,
    /// Waiting for approval, from the robot; its checks fail: four eyes.
    four_eyes: Uuid,
    /// Waiting for approval, from the robot.
    plain: Uuid,
}

/// Rows the owner writes as the robot and the months would have.
async fn seed(owner: &PgPool, bia: &Person) -> World {
    let operator = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO operators (id, name, name_key, code, created_at, updated_at)
         VALUES ($1, 'Vivo', 'vivo', 'VIVO', now(), now())",
    )
    .bind(operator)
    .execute(owner)
    .await
    .unwrap();
    let mut clients = Vec::new();
    for (i, name) in ["Pão e Tal", "Alvorada", "Cometa"].iter().enumerate() {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO clients (id, legal_name, cnpj, operator_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, now(), now())",
        )
        .bind(id)
        .bind(*name)
        .bind(format!("1122233300018{i}"))
        .bind(operator)
        .execute(owner)
        .await
        .unwrap();
        clients.push(id);
    }
    let mut processes = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO processes (id, client_id, operator_id, reference_month, status, amount, due_date,
                                    payment_line_status, uploaded_by, manual_upload, invoice_sha256,
                                    created_at, updated_at)
             VALUES ($1, $2, $3, '2026-11', 'AGUARDANDO_APROVACAO', 123.45, DATE '2099-12-20', 'VALIDA',
                     $4, $5, md5($1::text) || md5($2::text), now(), now())",
        )
        .bind(id)
        .bind(client)
        .bind(operator)
        .bind((i == 0).then_some(bia.id))
        .bind(i == 0)
        .execute(owner)
        .await
        .unwrap();
        processes.push(id);
    }
    World {
        operator,

        bia_upload: processes[0],
        four_eyes: processes[1],
        plain: processes[2],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_with_a_sql_client_are_refused_and_change_nothing() {
    let Some(db) = shared().await else { return };
    let ana = db
        .create_person(
            &db.owner,
            "Ana Administradora",
            "ana@beg.com.br",
            "ADMINISTRADOR",
        )
        .await;
    let ana_pool = db.pool(&ana).await;
    let bia = db
        .create_person(&ana_pool, "Bia Aprovadora", "bia@beg.com.br", "APROVADOR")
        .await;
    let beto = db
        .create_person(&ana_pool, "Beto Aprovador", "beto@beg.com.br", "APROVADOR")
        .await;
    let caio = db
        .create_person(&ana_pool, "Caio Operador", "caio@beg.com.br", "OPERADOR")
        .await;
    let w = seed(&db.owner, &bia).await;
    allowed(
        &ana,
        &ana_pool,
        "SELECT brm_set_setting('robo.url', '\"http://robo.escritorio:8080\"');
         SELECT brm_set_setting('aprovacao.quatro_olhos', 'true');",
    )
    .await;
    let (bia_pool, beto_pool, caio_pool) = (
        db.pool(&bia).await,
        db.pool(&beto).await,
        db.pool(&caio).await,
    );

    // Each login is encrypted and is who PostgreSQL authenticated.
    for (p, pool) in [(&ana, &ana_pool), (&bia, &bia_pool), (&caio, &caio_pool)] {
        let row = sqlx::query(
            "SELECT session_user::text AS who, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl,
                    (SELECT full_name FROM brm_whoami()) AS name",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(row.get::<String, _>("who"), p.role);
        assert!(row.get::<bool, _>("ssl"), "{} over TLS", p.name);
        assert_eq!(row.get::<String, _>("name"), p.name);
    }

    let mut a = Attacks {
        db: &db,
        refused: 0,
    };
    let (plain, four, upload) = (w.plain, w.four_eyes, w.bia_upload);
    let forged_audit = |actor: Uuid, name: &str, action: &str| {
        format!(
            "INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id)
             VALUES ('{}', now(), '{actor}', '{name}', '{action}', 'processo', '{plain}')",
            Uuid::new_v4()
        )
    };

    // --- OPERADOR ---------------------------------------------------------------------
    let op: [String; 27] = [
        format!("SELECT * FROM brm_approve('{plain}', 1, NULL)"),
        format!("UPDATE processes SET status = 'AGUARDANDO_ENVIO_SAT', approved_by = '{}', approved_at = now() WHERE id = '{plain}'", caio.id),
        format!("UPDATE processes SET status = 'AGUARDANDO_ENVIO_SAT' WHERE id = '{plain}'"),
        format!("UPDATE processes SET approved_by = '{}' WHERE id = '{plain}'", ana.id),
        format!("UPDATE processes SET amount = 1.00 WHERE id = '{four}'"),
        format!("UPDATE processes SET status = 'CANCELADO' WHERE id = '{plain}'"),
        format!("DELETE FROM processes WHERE id = '{plain}'"),
        format!("UPDATE users SET role = 'ADMINISTRADOR' WHERE id = '{}'", caio.id),
        format!("UPDATE users SET role = 'OPERADOR' WHERE id = '{}'", ana.id),
        format!("SELECT brm_set_profile('{}', 'ADMINISTRADOR')", caio.id),
        format!("GRANT brm_administrador TO {}", caio.role),
        "SET ROLE brm_administrador".into(),
        format!("ALTER ROLE {} CREATEROLE", caio.role),
        "UPDATE settings SET value_json = '\"http://robo.falso:9999\"' WHERE key = 'robo.url'".into(),
        "INSERT INTO settings (key, value_json, updated_at) VALUES ('robo.url', '\"http://robo.falso:9999\"', now())
             ON CONFLICT (key) DO UPDATE SET value_json = EXCLUDED.value_json".into(),
        "SELECT brm_set_setting('robo.url', '\"http://robo.falso:9999\"')".into(),
        forged_audit(ana.id, "Ana Administradora", "CRIAR_CLIENTE"),
        forged_audit(caio.id, "Caio Operador", "APROVAR"),
        "UPDATE audit_events SET detail = 'apagado'".into(),
        "DELETE FROM audit_events".into(),
        "TRUNCATE audit_events".into(),
        "DROP TRIGGER audit_events_no_change ON audit_events".into(),
        "ALTER TABLE audit_events DISABLE TRIGGER ALL".into(),
        "CREATE TABLE rascunho (a int)".into(),
        "CREATE SCHEMA meu".into(),
        "SELECT password_hash FROM users".into(),
        format!("SELECT brm_audit('{}', 'Ana Administradora', 'APROVAR', 'processo', '{plain}', NULL, NULL, NULL, NULL)", ana.id),
    ];
    for sql in &op {
        a.refused(&caio, &caio_pool, sql).await;
    }
    // What an operator does do: read, register a client, write their own audit events.
    allowed(
        &caio,
        &caio_pool,
        &format!(
            "SELECT count(*) FROM processes;
             INSERT INTO clients (id, legal_name, cnpj, operator_id, created_at, updated_at)
                 VALUES ('{}', 'Nova Cliente', '99888777000166', '{}', now(), now());
             INSERT INTO audit_events (id, at, actor_user_id, actor_name, action, entity)
                 VALUES ('{}', TIMESTAMPTZ '2001-01-01', '{}', 'Outro Nome', 'CRIAR_CLIENTE', 'cliente');",
            Uuid::new_v4(),
            w.operator,
            Uuid::new_v4(),
            caio.id
        ),
    )
    .await;
    // The event stands under his stored name, at the server's instant.
    let row = sqlx::query(
        "SELECT actor_name, at > now() - interval '1 minute' AS recent FROM audit_events
         WHERE action = 'CRIAR_CLIENTE' AND actor_user_id = $1",
    )
    .bind(caio.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("actor_name"), "Caio Operador");
    assert!(row.get::<bool, _>("recent"));

    // --- APROVADOR --------------------------------------------------------------------
    let ap: [String; 10] = [
        // Her own manual upload.
        format!("SELECT * FROM brm_approve('{upload}', 1, NULL)"),
        format!("UPDATE processes SET uploaded_by = '{}' WHERE id = '{upload}'", beto.id),
        format!("UPDATE processes SET status = 'AGUARDANDO_ENVIO_SAT', approved_by = '{}' WHERE id = '{upload}'", bia.id),
        // Four eyes alone: a first approval in someone else's name, or the setting off.
        format!("UPDATE processes SET first_approved_by = '{}', first_approved_at = now() WHERE id = '{four}'", beto.id),
        "SELECT brm_set_setting('aprovacao.quatro_olhos', 'false')".into(),
        "UPDATE settings SET value_json = 'false' WHERE key = 'aprovacao.quatro_olhos'".into(),
        format!("SELECT * FROM brm_cancel('{plain}', 1, 'Cliente encerrou o contrato')"),
        format!("SELECT brm_set_active('{}', false)", caio.id),
        "DELETE FROM audit_events WHERE action = 'ALTERAR_CONFIGURACAO'".into(),
        forged_audit(beto.id, "Beto Aprovador", "PRIMEIRA_APROVACAO"),
    ];
    for sql in &ap {
        a.refused(&bia, &bia_pool, sql).await;
    }
    // Four eyes: her first approval is recorded; her second is refused.
    let first: (String, i64, bool) =
        sqlx::query_as("SELECT * FROM brm_approve($1, 1, 'Conferido')")
            .bind(four)
            .fetch_one(&bia_pool)
            .await
            .unwrap();
    assert_eq!(first, ("AGUARDANDO_APROVACAO".into(), 2, true));
    a.refused(
        &bia,
        &bia_pool,
        &format!("SELECT * FROM brm_approve('{four}', 2, NULL)"),
    )
    .await;
    // Beto completes it; and approves Bia's upload (not his own).
    let second: (String, i64, bool) = sqlx::query_as("SELECT * FROM brm_approve($1, 2, NULL)")
        .bind(four)
        .fetch_one(&beto_pool)
        .await
        .unwrap();
    assert_eq!(second, ("AGUARDANDO_ENVIO_SAT".into(), 3, false));
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE entity_id = $1 AND action = 'APROVAR'",
    )
    .bind(four)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(
        detail.contains("Bia Aprovadora (primeira aprovação) e Beto Aprovador"),
        "{detail}"
    );

    // An approved invoice is not swapped before it reaches SAT.
    for sql in [
        format!("UPDATE processes SET amount = 1.00 WHERE id = '{four}'"),
        format!("UPDATE processes SET invoice_key = 'outra/fatura.pdf', invoice_sha256 = repeat('0', 64) WHERE id = '{four}'"),
        // Nor is what the invoice said about its month and client (issue 18), to pass
        // "Mês, CNPJ e conta" for last month's invoice.
        format!("UPDATE processes SET invoice_identity = '{{\"reference_month\":\"2020-01\"}}' WHERE id = '{four}'"),
    ] {
        a.refused(&caio, &caio_pool, &sql).await;
    }

    // --- ADMINISTRADOR ----------------------------------------------------------------
    let ad: [String; 17] = [
        "UPDATE audit_events SET actor_name = 'Ninguém'".into(),
        "DELETE FROM audit_events".into(),
        "TRUNCATE audit_events".into(),
        "DROP TRIGGER audit_events_guard ON audit_events".into(),
        "DROP TRIGGER processes_guard ON processes".into(),
        "ALTER TABLE processes DISABLE TRIGGER processes_guard".into(),
        "DROP FUNCTION audit_events_guard_insert() CASCADE".into(),
        "GRANT brm_dono TO brm_administrador".into(),
        format!("GRANT brm_dono TO {}", ana.role),
        format!("GRANT pg_signal_backend TO {}", ana.role),
        format!("GRANT pg_read_server_files TO {}", ana.role),
        "CREATE ROLE intruso LOGIN PASSWORD 'x'".into(),
        format!("ALTER ROLE {} PASSWORD 'trocada-pelo-admin'", bia.role),
        format!("SELECT brm_set_profile('{}', 'brm_dono')", bia.id),
        format!(
            "SELECT brm_create_person('{}', 'x@beg.com.br', 'X', NULL, 'pg_write_server_files', 'SCRAM-SHA-256$4096:c2FsdA==$YQ==:Yg==', NULL)",
            Uuid::new_v4()
        ),
        format!(
            "SELECT brm_create_person('{}', 'y@beg.com.br', 'Y', NULL, 'OPERADOR', 'senha-em-texto-puro', NULL)",
            Uuid::new_v4()
        ),
        // The last administrator cannot leave.
        format!("SELECT brm_set_active('{}', false)", ana.id),
    ];
    for sql in &ad {
        a.refused(&ana, &ana_pool, sql).await;
    }
    // What an administrator does do: people, through the functions.
    allowed(
        &ana,
        &ana_pool,
        &format!(
            "SELECT brm_set_profile('{}', 'APROVADOR'); SELECT brm_set_profile('{}', 'OPERADOR');",
            caio.id, caio.id
        ),
    )
    .await;
    // --- A robot machine -----------------------------------------------------------------
    let robot_password = "senha-da-maquina-robo-1";
    let robot_role: String = sqlx::query_scalar("SELECT brm_create_robot('robo-01', $1)")
        .bind(brm_store::postgres::shared::scram_verifier(robot_password))
        .fetch_one(&ana_pool)
        .await
        .unwrap();
    let robot = Person {
        id: Uuid::nil(),
        name: "robo-01".into(),
        role: robot_role,
        password: robot_password.into(),
    };
    let robot_pool = db.pool(&robot).await;
    let sent = w.four_eyes; // approved above by Bia and Beto: waiting for SAT
    let rb: [String; 7] = [
        format!("SELECT * FROM brm_approve('{plain}', 1, NULL)"),
        format!("UPDATE processes SET status = 'AGUARDANDO_ENVIO_SAT' WHERE id = '{plain}'"),
        format!(
            "UPDATE processes SET uploaded_by = '{}' WHERE id = '{plain}'",
            caio.id
        ),
        forged_audit(ana.id, "Ana Administradora", "DOWNLOAD_CONCLUIDO"),
        format!(
            "INSERT INTO clients (id, legal_name, cnpj, operator_id, created_at, updated_at)
             VALUES ('{}', 'Cliente do Robô', '55444333000122', '{}', now(), now())",
            Uuid::new_v4(),
            w.operator
        ),
        "UPDATE settings SET value_json = '\"http://robo.falso:9999\"' WHERE key = 'robo.url'"
            .into(),
        "SELECT * FROM brm_whoami(); SELECT brm_set_setting('robo.url', '\"x\"')".into(),
    ];
    for sql in &rb {
        a.refused(&robot, &robot_pool, sql).await;
    }
    // What a robot machine does do: record the SAT upload of an approved invoice.
    allowed(
        &robot,
        &robot_pool,
        &format!(
            "UPDATE processes SET status = 'UPLOAD_REALIZADO', sent_to_sat = true, sent_at = now(),
                                  version = version + 1 WHERE id = '{sent}';
             INSERT INTO audit_events (id, at, actor_name, action, entity, entity_id)
                 VALUES ('{}', now(), 'Robô', 'ENVIO_SAT_CONCLUIDO', 'processo', '{sent}');",
            Uuid::new_v4()
        ),
    )
    .await;

    let refused = a.refused;
    eprintln!(
        "# refused adversarial statements: {refused} (OPERADOR {}, APROVADOR {}, ADMINISTRADOR {}, robô {})",
        op.len() + 3,
        ap.len() + 1,
        ad.len(),
        rb.len()
    );
    assert_eq!(refused, op.len() + 3 + ap.len() + 1 + ad.len() + rb.len());
}
