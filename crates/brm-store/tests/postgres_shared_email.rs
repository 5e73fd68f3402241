//! The e-mail outbox and preferences on the prepared shared database (issue 21,
//! migrations/postgres-shared/0006_email.sql), attacked by people with a SQL client and
//! their own logins (SCRAM over TLS, sqlx straight, as psql would): an APROVADOR or an
//! OPERADOR writes nothing in the outbox; an ADMINISTRADOR only queues a test message;
//! each person writes only their own preference; only a robot login seals the SMTP
//! password again. Every refused statement must be refused by PostgreSQL as a missing
//! privilege (SQLSTATE 42501, not a typo or a constraint) and leave the outbox, the
//! preferences, the settings and the audit trail exactly as they were.
//!
//! Beside the refusals, what the same logins may do works, through SQL and through the
//! desk's own store (`PersonStore`, the robot's `PgStore`): a refusal is never a broken
//! set-up.

// The shared database's preparation and people's logins, as brm-service's shared-mode
// tests make them.
#[path = "../../brm-service/tests/shared_common/mod.rs"]
mod shared_common;
// The message builder of the e-mail cases; the rest of the suite is not used here.
#[allow(dead_code, unused_imports, unused_macros)]
mod suite;

use brm_core::audit::{Actor, AuditEvent};
use brm_core::email::plan::test_message;
use brm_core::email::{
    EmailOutcome, EmailPreference, OutboxRule, OutboxState, SETTING_SMTP_PASSWORD,
};
use brm_core::ErrorCode;
use brm_store::postgres::person_store::PersonStore;
use brm_store::postgres::{shared, PgStore};
use brm_store::{Store, StoreError};
use chrono::{Duration, Utc};
use shared_common::{Person, Shared};
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Everything an e-mail statement could have changed, as one text.
async fn state(owner: &PgPool) -> String {
    let mut parts = Vec::new();
    for table in [
        "email_outbox",
        "email_preferences",
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
    parts.join("\n")
}

struct Attacks<'a> {
    db: &'a Shared,
    refused: usize,
}

impl Attacks<'_> {
    /// `sql`, as `who`, must be refused with `sqlstate` and change nothing.
    async fn refused_as(&mut self, sqlstate: &str, who: &Person, pool: &PgPool, sql: &str) {
        let before = state(&self.db.owner).await;
        let result = sqlx::raw_sql(sql).execute(pool).await;
        let after = state(&self.db.owner).await;
        match result {
            Ok(_) => panic!("{} ({}) was allowed: {sql}", who.name, who.role),
            Err(e) => {
                let code = e
                    .as_database_error()
                    .and_then(|d| d.code())
                    .map(|c| c.to_string());
                assert_eq!(
                    code.as_deref(),
                    Some(sqlstate),
                    "{} refused for another reason: {e}\n{sql}",
                    who.name
                );
                eprintln!("refused for {}: {sql}\n    → {e}", who.name);
            }
        }
        assert_eq!(
            before, after,
            "{} changed the database with a refused statement: {sql}",
            who.name
        );
        self.refused += 1;
    }

    /// Refused as a missing privilege (PostgreSQL's own, or a guard's).
    async fn refused(&mut self, who: &Person, pool: &PgPool, sql: &str) {
        self.refused_as("42501", who, pool, sql).await;
    }
}

/// Works, as `who` (the control beside the refusals).
async fn allowed(who: &Person, pool: &PgPool, sql: &str) {
    if let Err(e) = sqlx::raw_sql(sql).execute(pool).await {
        panic!("{} may do this, but: {e}\n{sql}", who.name);
    }
}

/// An outbox row as psql would insert it.
fn insert(
    rule: &str,
    state: &str,
    attempts: i32,
    recipient_id: Option<Uuid>,
    process_id: Option<Uuid>,
) -> String {
    let opt = |v: Option<Uuid>| v.map_or("NULL".to_string(), |u| format!("'{u}'"));
    let id = Uuid::new_v4();
    format!(
        "INSERT INTO email_outbox (id, rule, recipient_id, recipient_email, process_id, subject_key,
                                   day, subject, body_text, body_html, state, attempts,
                                   next_attempt_at, created_at)
         VALUES ('{id}', '{rule}', {}, 'alvo@fora.example', {}, '{id}', CURRENT_DATE,
                 'Fatura liberada', 'Clique aqui', '<a href=\"http://fora.example\">aqui</a>',
                 '{state}', {attempts}, now(), now())",
        opt(recipient_id),
        opt(process_id)
    )
}

/// One process the reminders can be about, as the owner (the month's work) left it.
async fn a_process(owner: &PgPool) -> Uuid {
    let (operator, client, process) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    sqlx::raw_sql(&format!(
        "INSERT INTO operators (id, name, name_key, code, created_at, updated_at)
             VALUES ('{operator}', 'Vivo', 'vivo', 'VIVO', now(), now());
         INSERT INTO clients (id, legal_name, cnpj, operator_id, created_at, updated_at)
             VALUES ('{client}', 'Alvorada', '11222333000181', '{operator}', now(), now());
         INSERT INTO processes (id, client_id, operator_id, reference_month, status, created_at, updated_at)
             VALUES ('{process}', '{client}', '{operator}', '2026-11', 'AGUARDANDO_APROVACAO', now(), now());"
    ))
    .execute(owner)
    .await
    .unwrap();
    process
}

fn pref_event(p: &Person) -> AuditEvent {
    AuditEvent::new(
        Utc::now(),
        Actor::user(p.id, &p.name),
        "PREFERENCIA_EMAIL",
        "preferencias_email",
    )
    .on(p.id)
}

/// The desk's store for this person, logged in.
async fn desk(db: &Shared, p: &Person) -> PersonStore {
    let store = PersonStore::new(db.options().clone());
    store.attach(db.pool(p).await);
    store
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, StoreError>, what: &str) {
    match r {
        Err(StoreError::Refused(e)) => assert_eq!(e.code, ErrorCode::Forbidden, "{what}: {e:?}"),
        other => panic!("{what}: expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_people_with_a_sql_client_cannot_send_mail_or_touch_anothers_preference() {
    let Some(db) = shared_common::shared().await else {
        return;
    };
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
    let caio = db
        .create_person(&ana_pool, "Caio Operador", "caio@beg.com.br", "OPERADOR")
        .await;
    let (bia_pool, caio_pool) = (db.pool(&bia).await, db.pool(&caio).await);
    let process = a_process(&db.owner).await;

    // A robot machine's login, as `preparar-banco --robo robo-01` makes it.
    let robot_password = "senha-da-maquina-robo-1";
    let robot_role: String = sqlx::query_scalar("SELECT brm_create_robot('robo-01', $1)")
        .bind(shared::scram_verifier(robot_password))
        .fetch_one(&ana_pool)
        .await
        .unwrap();
    let robot = Person {
        id: Uuid::nil(),
        name: "robo-01".into(),
        role: robot_role.clone(),
        password: robot_password.into(),
    };
    let robot_pool = db.pool(&robot).await;

    // What the owner's side left: a queued digest and the sealed SMTP password.
    let owner_store = PgStore::from_pool(db.owner.clone());
    let now = Utc::now();
    let digest = suite::email::message(
        OutboxRule::Resumo,
        "resumo",
        "bia@beg.com.br",
        now.date_naive(),
        now,
    );
    assert_eq!(
        owner_store
            .enqueue_emails(std::slice::from_ref(&digest))
            .await
            .unwrap(),
        1
    );
    owner_store
        .put_setting(
            SETTING_SMTP_PASSWORD,
            &serde_json::json!("v2:antes"),
            &AuditEvent::new(now, Actor::anonymous("teste"), "CONFIGURAR", "configuracao"),
        )
        .await
        .unwrap();
    let msg = digest.id;

    let mut a = Attacks {
        db: &db,
        refused: 0,
    };

    // --- The outbox: an APROVADOR and an OPERADOR write nothing ---------------------------
    for (who, pool) in [(&bia, &bia_pool), (&caio, &caio_pool)] {
        for sql in [
            insert("LEMBRETE", "PENDENTE", 0, Some(bia.id), Some(process)),
            insert("TESTE", "PENDENTE", 0, None, None),
            format!(
                "UPDATE email_outbox SET state = 'ENVIADO', sent_at = now() WHERE id = '{msg}'"
            ),
            format!(
                "UPDATE email_outbox SET recipient_email = 'alvo@fora.example' WHERE id = '{msg}'"
            ),
            format!("DELETE FROM email_outbox WHERE id = '{msg}'"),
            "TRUNCATE email_outbox".into(),
            // Nor becomes a robot to do it.
            "SET ROLE brm_robo".into(),
        ] {
            a.refused(who, pool, &sql).await;
        }
    }

    // --- An ADMINISTRADOR queues a test message, and nothing else ------------------------
    for sql in [
        insert("LEMBRETE", "PENDENTE", 0, None, None),
        insert("RESUMO", "PENDENTE", 0, None, None),
        insert("ESCALONAMENTO", "PENDENTE", 0, None, None),
        insert("TESTE", "ENVIADO", 0, None, None),
        insert("TESTE", "ENVIANDO", 0, None, None),
        insert("TESTE", "FALHOU", 0, None, None),
        insert("TESTE", "PENDENTE", 3, None, None),
        insert("TESTE", "PENDENTE", 0, Some(bia.id), None),
        insert("TESTE", "PENDENTE", 0, None, Some(process)),
        // One good row does not carry a bad one through.
        format!(
            "{}; {}",
            insert("TESTE", "PENDENTE", 0, None, None),
            insert("LEMBRETE", "PENDENTE", 0, None, None)
        ),
        format!("UPDATE email_outbox SET state = 'ENVIADO', sent_at = now() WHERE id = '{msg}'"),
        format!("UPDATE email_outbox SET state = 'CANCELADO' WHERE id = '{msg}'"),
        format!(
            "{} ON CONFLICT (rule, subject_key, recipient_email, day) DO UPDATE SET state = 'ENVIADO'",
            insert("TESTE", "PENDENTE", 0, None, None)
        ),
        format!("DELETE FROM email_outbox WHERE id = '{msg}'"),
        "TRUNCATE email_outbox".into(),
        "SET ROLE brm_robo".into(),
    ] {
        a.refused(&ana, &ana_pool, &sql).await;
    }
    // The test message she may queue: whatever times, lease or error she writes, it is
    // queued now, free, with none.
    let test_id = Uuid::new_v4();
    allowed(
        &ana,
        &ana_pool,
        &format!(
            "INSERT INTO email_outbox (id, rule, recipient_email, subject_key, day, subject, body_text,
                                       body_html, state, attempts, next_attempt_at, lease_owner,
                                       last_error, created_at, sent_at)
             VALUES ('{test_id}', 'TESTE', 'ana@beg.com.br', '{test_id}', CURRENT_DATE, 'Teste', 't', 't',
                     'PENDENTE', 0, '2999-01-01', 'robo-01', 'falso', '2000-01-01', '2000-01-02')"
        ),
    )
    .await;
    let row = sqlx::query(
        "SELECT created_at > now() - interval '1 minute' AS fresh,
                next_attempt_at <= clock_timestamp() AS due,
                lease_owner IS NULL AND last_error IS NULL AND sent_at IS NULL AS clean
         FROM email_outbox WHERE id = $1",
    )
    .bind(test_id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(
        row.get::<bool, _>("fresh") && row.get::<bool, _>("due") && row.get::<bool, _>("clean")
    );
    // Once queued, not even her own test message is hers to change.
    a.refused(
        &ana,
        &ana_pool,
        &format!("UPDATE email_outbox SET state = 'ENVIADO' WHERE id = '{test_id}'"),
    )
    .await;

    // Through the desk's store as well, as Configurações → E-mail queues it (with its
    // audit event, under her name): a test message goes in, a reminder does not.
    let ana_desk = desk(&db, &ana).await;
    let asked = |id: Uuid| {
        AuditEvent::new(
            Utc::now(),
            Actor::user(ana.id, &ana.name),
            "EMAIL_TESTE",
            "email",
        )
        .on(id)
    };
    let desk_test = test_message("ana@beg.com.br", &ana.name, Utc::now());
    assert!(ana_desk
        .enqueue_email_audited(&desk_test, &asked(desk_test.id))
        .await
        .unwrap());
    let (actor, name): (Option<Uuid>, String) = sqlx::query_as(
        "SELECT actor_user_id, actor_name FROM audit_events
         WHERE action = 'EMAIL_TESTE' AND entity_id = $1",
    )
    .bind(desk_test.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!((actor, name.as_str()), (Some(ana.id), "Ana Administradora"));
    let mut reminder = suite::email::message(
        OutboxRule::Lembrete,
        &process.to_string(),
        "bia@beg.com.br",
        now.date_naive(),
        now,
    );
    reminder.process_id = Some(process);
    reminder.recipient_id = Some(bia.id);
    let before = state(&db.owner).await;
    forbidden(
        ana_desk
            .enqueue_email_audited(&reminder, &asked(reminder.id))
            .await,
        "an administrator's desk queues a reminder",
    );
    forbidden(
        ana_desk
            .enqueue_emails(std::slice::from_ref(&reminder))
            .await,
        "an administrator's desk queues a reminder",
    );
    assert_eq!(before, state(&db.owner).await);
    // A person's desk never claims or finishes a message.
    forbidden(
        ana_desk
            .claim_emails("robo-01", now, now + Duration::minutes(5), 10)
            .await,
        "a desk claims mail",
    );
    forbidden(
        ana_desk
            .finish_email(msg, "robo-01", &EmailOutcome::Sent { at: now })
            .await,
        "a desk finishes mail",
    );

    // --- Preferences: each person their own -----------------------------------------------
    allowed(
        &caio,
        &caio_pool,
        &format!(
            "INSERT INTO email_preferences (user_id, receive, digest_hour, updated_at)
             VALUES ('{}', true, 9, now())",
            caio.id
        ),
    )
    .await;
    allowed(
        &bia,
        &bia_pool,
        &format!(
            "INSERT INTO email_preferences (user_id, receive, digest_hour, updated_at)
             VALUES ('{0}', true, NULL, now());
             UPDATE email_preferences SET digest_hour = 7 WHERE user_id = '{0}';",
            bia.id
        ),
    )
    .await;
    let (b, c) = (bia.id, caio.id);
    for (who, pool) in [(&bia, &bia_pool), (&ana, &ana_pool)] {
        for sql in [
            format!("UPDATE email_preferences SET receive = false WHERE user_id = '{c}'"),
            // Her own row and Caio's in one statement: neither changes.
            "UPDATE email_preferences SET receive = false".into(),
            format!(
                "INSERT INTO email_preferences (user_id, receive, updated_at) VALUES ('{c}', false, now())
                 ON CONFLICT (user_id) DO UPDATE SET receive = false"
            ),
            format!("DELETE FROM email_preferences WHERE user_id = '{c}'"),
            format!("INSERT INTO email_preferences (user_id, receive, updated_at) VALUES ('{}', false, now())", ana.id),
        ] {
            if who.id == ana.id && sql.contains(&ana.id.to_string()) {
                continue; // her own row: allowed, below
            }
            a.refused(who, pool, &sql).await;
        }
    }
    a.refused(
        &bia,
        &bia_pool,
        &format!("UPDATE email_preferences SET user_id = '{c}' WHERE user_id = '{b}'"),
    )
    .await;
    a.refused(
        &robot,
        &robot_pool,
        &format!("INSERT INTO email_preferences (user_id, receive, updated_at) VALUES ('{b}', false, now())"),
    )
    .await;
    // Through the desk's store: her own preference, with its audit event under her name;
    // Caio's is refused and leaves no trace.
    let bia_desk = desk(&db, &bia).await;
    let quiet = EmailPreference {
        receive: false,
        hour: Some(18),
    };
    bia_desk
        .set_email_preference(bia.id, &quiet, &pref_event(&bia))
        .await
        .expect("Bia saves her own preference");
    assert_eq!(
        bia_desk.email_preference(bia.id).await.unwrap(),
        Some(quiet)
    );
    let (actor, name): (Option<Uuid>, String) = sqlx::query_as(
        "SELECT actor_user_id, actor_name FROM audit_events
         WHERE action = 'PREFERENCIA_EMAIL' AND entity_id = $1",
    )
    .bind(bia.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!((actor, name.as_str()), (Some(bia.id), "Bia Aprovadora"));
    let before = state(&db.owner).await;
    forbidden(
        bia_desk
            .set_email_preference(caio.id, &quiet, &pref_event(&bia).on(caio.id))
            .await,
        "Bia saves Caio's preference",
    );
    assert_eq!(before, state(&db.owner).await);
    assert_eq!(
        bia_desk.email_preference(caio.id).await.unwrap(),
        Some(EmailPreference {
            receive: true,
            hour: Some(9)
        })
    );

    // --- The SMTP password: sealed again only by a robot login ----------------------------
    for (who, pool) in [(&ana, &ana_pool), (&bia, &bia_pool), (&caio, &caio_pool)] {
        a.refused(
            who,
            pool,
            "SELECT brm_reseal_smtp_password('v2:antes', 'v2:de-uma-pessoa')",
        )
        .await;
        a.refused(
            who,
            pool,
            "UPDATE settings SET value_json = to_jsonb('v2:de-uma-pessoa'::text) WHERE key = 'email.smtp.senha'",
        )
        .await;
    }
    forbidden(
        ana_desk
            .reseal_smtp_password("v2:antes", "v2:x", &pref_event(&ana))
            .await,
        "a desk seals the SMTP password again",
    );
    // The robot itself only through the function, and only to a sealed value.
    a.refused(
        &robot,
        &robot_pool,
        "UPDATE settings SET value_json = to_jsonb('v2:direto'::text) WHERE key = 'email.smtp.senha'",
    )
    .await;
    a.refused_as(
        "BR422",
        &robot,
        &robot_pool,
        "SELECT brm_reseal_smtp_password('v2:antes', 'senha-em-claro')",
    )
    .await;

    // --- What a robot machine does do ---------------------------------------------------
    let url = format!(
        "postgres://{robot_role}:{robot_password}@{}:{}/{}?sslmode=verify-full&sslrootcert={}",
        db.options().get_host(),
        db.options().get_port(),
        db.database,
        std::env::var("BRM_TEST_PG_CA").unwrap()
    );
    let robot_store = PgStore::connect(&url)
        .await
        .expect("a robot login opens the prepared database");
    assert_eq!(
        robot_store
            .enqueue_emails(std::slice::from_ref(&reminder))
            .await
            .unwrap(),
        1
    );
    let later = Utc::now() + Duration::minutes(1);
    let claimed = robot_store
        .claim_emails("robo-01", later, later + Duration::minutes(5), 10)
        .await
        .unwrap();
    let mut got: Vec<Uuid> = claimed.iter().map(|m| m.id).collect();
    let mut expected = vec![msg, test_id, desk_test.id, reminder.id];
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    for m in &claimed {
        assert!(robot_store
            .finish_email(m.id, "robo-01", &EmailOutcome::Sent { at: later })
            .await
            .unwrap());
    }
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE state = $1")
        .bind(OutboxState::Enviado.as_str())
        .fetch_one(&db.owner)
        .await
        .unwrap();
    assert_eq!(sent, 4);
    assert_eq!(
        bia_desk.reminders_sent(&[process]).await.unwrap().len(),
        1,
        "the process screen reads the reminder as a person"
    );
    // Sealed again from the value it opened, once; a stale value changes nothing.
    let event = AuditEvent::new(
        later,
        Actor::anonymous("robo-01"),
        "SENHA_EMAIL_SELADA_DE_NOVO",
        "configuracao",
    );
    assert!(robot_store
        .reseal_smtp_password("v2:antes", "v2:depois", &event)
        .await
        .unwrap());
    assert!(!robot_store
        .reseal_smtp_password("v2:antes", "v2:outra-vez", &event)
        .await
        .unwrap());
    assert_eq!(
        owner_store
            .get_setting(SETTING_SMTP_PASSWORD)
            .await
            .unwrap(),
        Some(serde_json::json!("v2:depois"))
    );
    let by: Vec<String> = sqlx::query_scalar(
        "SELECT actor_name FROM audit_events WHERE action = 'SENHA_EMAIL_SELADA_DE_NOVO'",
    )
    .fetch_all(&db.owner)
    .await
    .unwrap();
    assert_eq!(by, vec![format!("Serviço de robôs ({robot_role})")]);
    eprintln!("# refused e-mail statements: {}", a.refused);
}
