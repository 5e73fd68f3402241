//! E-mail (issue 21) on the prepared shared database with personal logins: the
//! administrator's desk saves the SMTP settings through the database's own functions
//! (brm_set_setting), seals the password to the approved robot machines (none approved:
//! refused plainly, nothing written), queues a test message past the outbox's guard;
//! an operator's desk is refused the settings and keeps their own preference. The
//! password appears in clear in no settings row and no audit row.

mod shared_common;

use brm_core::email::{SETTING_SMTP, SETTING_SMTP_PASSWORD, SMTP_PASSWORD_AAD};
use brm_core::ErrorCode;
use brm_secrets::{MemoryKeyStore, RobotIdentity, SecretBox};
use brm_service::email::{
    EmailRulesInput, EmailSettingsInput, MyEmailPreferenceInput, OutboxListFilter, SmtpInput,
};
use brm_service::Desk;
use shared_common::{shared, Shared};
use std::sync::Arc;
use uuid::Uuid;

const SMTP_PASSWORD: &str = "SenhaSmtp-Compartilhada-4Rz";

fn desk(db: &Shared) -> Desk {
    Desk::for_person_logins(db.options().clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
}

fn settings(password: Option<&str>, clear_password: bool) -> EmailSettingsInput {
    EmailSettingsInput {
        smtp: SmtpInput {
            host: "smtp.beg.com.br".into(),
            port: Some(465),
            security: "TLS".into(),
            user: "robo@beg.com.br".into(),
            sender_name: "BRM Faturas".into(),
            sender_address: "faturas@beg.com.br".into(),
            password: password.map(str::to_string),
            clear_password,
        },
        rules: EmailRulesInput {
            digest_hour: Some(9),
            due_soon_days: Some(3),
            reminder_after_hours: Some(24),
            escalate_within_days: Some(2),
        },
    }
}

/// Every settings row and audit row, as text, read by the owner.
async fn rows_text(db: &Shared) -> Vec<String> {
    let mut rows: Vec<String> = sqlx::query_scalar("SELECT x::text FROM settings x")
        .fetch_all(&db.owner)
        .await
        .unwrap();
    rows.extend(
        sqlx::query_scalar::<_, String>("SELECT x::text FROM audit_events x")
            .fetch_all(&db.owner)
            .await
            .unwrap(),
    );
    rows
}

async fn setting(db: &Shared, key: &str) -> Option<serde_json::Value> {
    sqlx::query_scalar("SELECT value_json FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.owner)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_settings_test_message_and_preferences_with_personal_logins() {
    let Some(db) = shared().await else { return };
    // The preparation wrote the two e-mail schedules (a robot login may not).
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM schedules ORDER BY kind")
        .fetch_all(&db.owner)
        .await
        .unwrap();
    assert_eq!(kinds, ["LEMBRETES_EMAIL", "RESUMO_EMAIL"]);
    let ana = db
        .create_person(
            &db.owner,
            "Ana Administradora",
            "ana@beg.com.br",
            "ADMINISTRADOR",
        )
        .await;
    let caio = db
        .create_person(&db.owner, "Caio Operador", "caio@beg.com.br", "OPERADOR")
        .await;
    let ana_desk = desk(&db);
    let ana_token = ana_desk
        .login("ana@beg.com.br", ana.password.clone())
        .await
        .unwrap()
        .token;
    let caio_desk = desk(&db);
    let caio_token = caio_desk
        .login("caio@beg.com.br", caio.password.clone())
        .await
        .unwrap()
        .token;

    // No robot machine approved: nothing to seal the password to, said plainly, and
    // nothing of the form written.
    let e = ana_desk
        .save_email_settings(&ana_token, settings(Some(SMTP_PASSWORD), false))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(e.message.contains("máquina robô"), "{}", e.message);
    assert_eq!(setting(&db, SETTING_SMTP).await, None);

    // A machine approved (as the owner would after Configurações → Máquinas robô).
    let machine = RobotIdentity::generate();
    sqlx::query(
        "INSERT INTO robot_machines (id, name, host, public_key, fingerprint, status,
                                     first_seen_at, last_seen_at)
         VALUES ($1, 'robo-1', 'robo-1', $2, $3, 'APROVADA', now(), now())",
    )
    .bind(Uuid::new_v4())
    .bind(machine.public_key())
    .bind(machine.fingerprint())
    .execute(&db.owner)
    .await
    .unwrap();

    let v = ana_desk
        .save_email_settings(&ana_token, settings(Some(SMTP_PASSWORD), false))
        .await
        .unwrap();
    assert!(v.configured && v.smtp.password_set);
    assert_eq!(v.smtp.port, 465);
    let Some(serde_json::Value::String(sealed)) = setting(&db, SETTING_SMTP_PASSWORD).await else {
        panic!("no sealed password");
    };
    assert!(sealed.starts_with("v2:"), "{sealed}");
    let keys = Arc::new(MemoryKeyStore::new());
    machine.save(&*keys).unwrap();
    assert_eq!(
        SecretBox::new(keys)
            .open_for(SMTP_PASSWORD_AAD, &sealed)
            .unwrap(),
        SMTP_PASSWORD,
        "the approved machine opens it"
    );
    // Audited by the database's function, in Ana's name.
    let by_ana: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events
         WHERE action = 'ALTERAR_CONFIGURACAO' AND actor_user_id = $1",
    )
    .bind(ana.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert!(by_ana >= 3, "{by_ana}");

    // The test message passes the outbox's guard (an administrator, a TESTE, pending).
    let row = ana_desk
        .send_test_email(&ana_token, "ana@beg.com.br")
        .await
        .unwrap();
    assert_eq!(row.state.as_str(), "PENDENTE");
    let listed = ana_desk
        .list_outbox(&ana_token, OutboxListFilter::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, row.id);
    let tested: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'EMAIL_TESTE' AND entity_id = $1",
    )
    .bind(row.id)
    .fetch_one(&db.owner)
    .await
    .unwrap();
    assert_eq!(tested, 1);

    // The operator: no settings, no outbox; their own preference, on every computer.
    for e in [
        caio_desk.get_email_settings(&caio_token).await.unwrap_err(),
        caio_desk
            .send_test_email(&caio_token, "caio@beg.com.br")
            .await
            .unwrap_err(),
        caio_desk
            .list_outbox(&caio_token, OutboxListFilter::default())
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    }
    assert!(caio_desk
        .process_emails(&caio_token, Uuid::new_v4())
        .await
        .unwrap()
        .is_empty());
    let p = caio_desk
        .save_my_email_preference(
            &caio_token,
            MyEmailPreferenceInput {
                receive: false,
                hour: Some(18),
            },
        )
        .await
        .unwrap();
    assert_eq!((p.receive, p.hour, p.effective_hour), (false, Some(18), 18));
    let p = caio_desk
        .get_my_email_preference(&caio_token)
        .await
        .unwrap();
    assert_eq!(p.email.as_deref(), Some("caio@beg.com.br"));
    let ana_pref = ana_desk.get_my_email_preference(&ana_token).await.unwrap();
    assert!(ana_pref.receive && ana_pref.is_admin);
    assert_eq!(ana_pref.effective_hour, 9, "the office's hour");

    // Removed: the setting holds null.
    let v = ana_desk
        .save_email_settings(&ana_token, settings(None, true))
        .await
        .unwrap();
    assert!(!v.smtp.password_set);
    assert_eq!(
        setting(&db, SETTING_SMTP_PASSWORD).await,
        Some(serde_json::Value::Null)
    );

    for row in rows_text(&db).await {
        assert!(!row.contains(SMTP_PASSWORD), "password in clear: {row}");
    }
}
