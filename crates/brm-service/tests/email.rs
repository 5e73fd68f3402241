//! Configurações → E-mail, the test message, the outbox and each person's e-mail
//! preference through `Desk` (issue 21), on SQLite and on PostgreSQL (the throw-away
//! cluster of scripts/test.sh; without BRM_TEST_POSTGRES_URL the PostgreSQL half says so
//! and passes, unless CI or BRM_REQUIRE_POSTGRES demands it). An in-memory key store
//! stands in for the OS keyring (it holds this desktop's robot identity on SQLite).
//!
//! The SMTP password must come out sealed ("v2:", openable by the robot machine) and
//! nowhere in clear: every settings row and every audit row is searched for it.

mod common;

use brm_core::email::{SETTING_RULES, SETTING_SMTP, SETTING_SMTP_PASSWORD, SMTP_PASSWORD_AAD};
use brm_core::{Error, ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::email::{
    EmailRulesInput, EmailSettingsInput, MyEmailPreferenceInput, OutboxListFilter, SmtpInput,
};
use brm_service::Desk;
use brm_store::Store;
use serde_json::Value;
use std::sync::Arc;
use uuid::Uuid;

const SMTP_PASSWORD: &str = "SmtpSenha-Kx93-Qv!p";
const OTHER_PASSWORD: &str = "Outra-SenhaSmtp-71Lm";

enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    /// Every settings row and every audit row, as text.
    async fn settings_and_audit_text(&self) -> Vec<String> {
        match self {
            Db::Sqlite(p) => {
                let mut rows: Vec<String> =
                    sqlx::query_scalar("SELECT key || '=' || value_json FROM settings")
                        .fetch_all(p)
                        .await
                        .unwrap();
                rows.extend(
                    sqlx::query_scalar::<_, String>(
                        "SELECT actor_name || '|' || action || '|' || entity || '|' ||
                                coalesce(before_json, '') || '|' || coalesce(after_json, '') || '|' ||
                                coalesce(detail, '')
                         FROM audit_events",
                    )
                    .fetch_all(p)
                    .await
                    .unwrap(),
                );
                rows
            }
            Db::Postgres(p) => {
                let mut rows: Vec<String> = sqlx::query_scalar("SELECT x::text FROM settings x")
                    .fetch_all(p)
                    .await
                    .unwrap();
                rows.extend(
                    sqlx::query_scalar::<_, String>("SELECT x::text FROM audit_events x")
                        .fetch_all(p)
                        .await
                        .unwrap(),
                );
                rows
            }
        }
    }
}

struct World {
    store: Arc<dyn Store>,
    desk: Desk,
    db: Db,
    admin: String,
    operator: String,
    approver: String,
}

async fn world(store: Arc<dyn Store>, db: Db) -> World {
    let desk = Desk::with_clock(store.clone(), common::clock_at(2026, 11, 2, 12, 0))
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    if matches!(db, Db::Postgres(_)) {
        // On PostgreSQL an administrator approves the robot machines; SQLite makes this
        // desktop its own robot machine when it first seals.
        common::approve_this_machine(&desk).await;
    }
    let admin = common::first_admin(&desk).await;
    common::create_user(
        &desk,
        &admin,
        "Davi Operador",
        "davi@beg.com.br",
        Role::Operador,
    )
    .await;
    common::create_user(
        &desk,
        &admin,
        "Bruno Aprovador",
        "bruno@beg.com.br",
        Role::Aprovador,
    )
    .await;
    let operator = common::login(&desk, "davi@beg.com.br").await;
    let approver = common::login(&desk, "bruno@beg.com.br").await;
    World {
        store,
        desk,
        db,
        admin,
        operator,
        approver,
    }
}

fn input(host: &str, security: &str, sender: &str, password: Option<&str>) -> EmailSettingsInput {
    EmailSettingsInput {
        smtp: SmtpInput {
            host: host.into(),
            port: Some(587),
            security: security.into(),
            user: "robo@beg.com.br".into(),
            sender_name: "BRM Faturas".into(),
            sender_address: sender.into(),
            password: password.map(str::to_string),
            clear_password: false,
        },
        rules: EmailRulesInput {
            digest_hour: Some(7),
            due_soon_days: Some(5),
            reminder_after_hours: Some(12),
            escalate_within_days: Some(1),
        },
    }
}

fn good(password: Option<&str>) -> EmailSettingsInput {
    input(
        " smtp.beg.com.br ",
        "STARTTLS",
        "faturas@beg.com.br",
        password,
    )
}

/// The field names of a validation error.
fn fields(e: &Error) -> Vec<&str> {
    assert_eq!(e.code, ErrorCode::Validation, "{e:?}");
    e.fields.iter().map(|f| f.field.as_str()).collect()
}

/// The three settings and the number of configuration events: what a refused save must
/// leave as it was.
async fn snapshot(w: &World) -> (Vec<Option<Value>>, usize) {
    let mut values = Vec::new();
    for key in [SETTING_SMTP, SETTING_RULES, SETTING_SMTP_PASSWORD] {
        values.push(w.store.get_setting(key).await.unwrap());
    }
    let events = w
        .store
        .audit_trail("configuracao", None, 500)
        .await
        .unwrap()
        .len();
    (values, events)
}

async fn assert_password_nowhere_in_clear(w: &World) {
    for row in w.db.settings_and_audit_text().await {
        for secret in [SMTP_PASSWORD, OTHER_PASSWORD] {
            assert!(!row.contains(secret), "password in clear: {row}");
        }
    }
}

async fn sealed_password(w: &World) -> Option<String> {
    match w.store.get_setting(SETTING_SMTP_PASSWORD).await.unwrap() {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

async fn settings_scenario(w: &World) {
    let d = &w.desk;
    // Only administrators see or change the settings, send a test or read the outbox.
    for who in [&w.operator, &w.approver] {
        let forbidden = |e: Error| assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
        forbidden(d.get_email_settings(who).await.unwrap_err());
        forbidden(
            d.save_email_settings(who, good(Some(SMTP_PASSWORD)))
                .await
                .unwrap_err(),
        );
        forbidden(d.send_test_email(who, "ana@beg.com.br").await.unwrap_err());
        forbidden(
            d.list_outbox(who, OutboxListFilter::default())
                .await
                .unwrap_err(),
        );
        forbidden(d.get_outbox_message(who, Uuid::new_v4()).await.unwrap_err());
    }
    assert_eq!(
        d.get_email_settings("sem-sessao").await.unwrap_err().code,
        ErrorCode::Unauthenticated
    );
    assert_eq!(sealed_password(w).await, None);

    // Nothing saved yet: the defaults, not configured.
    let v = d.get_email_settings(&w.admin).await.unwrap();
    assert!(!v.configured && v.can_edit && !v.smtp.password_set);
    assert_eq!(v.smtp.port, 587);
    assert_eq!(v.rules.digest_hour, 8);
    let e = d
        .send_test_email(&w.admin, "ana@beg.com.br")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(e.message.contains("não está configurado"), "{}", e.message);

    // Refused forms: every wrong field named, nothing written.
    let before = snapshot(w).await;
    let cases: Vec<(EmailSettingsInput, Vec<&str>)> = vec![
        (
            input(
                "smtp beg.com.br",
                "STARTTLS",
                "faturas@beg.com.br",
                Some(SMTP_PASSWORD),
            ),
            vec!["smtp.host"],
        ),
        (
            input("", "STARTTLS", "faturas@beg.com.br", Some(SMTP_PASSWORD)),
            vec!["smtp.host"],
        ),
        (
            input(
                "smtp.beg.com.br",
                "NENHUMA",
                "faturas@beg.com.br",
                Some(SMTP_PASSWORD),
            ),
            vec!["smtp.security"],
        ),
        (
            input(
                "smtp.beg.com.br",
                "SSL",
                "faturas@beg.com.br",
                Some(SMTP_PASSWORD),
            ),
            vec!["smtp.security"],
        ),
        (
            input(
                "smtp.beg.com.br",
                "STARTTLS",
                "faturas",
                Some(SMTP_PASSWORD),
            ),
            vec!["smtp.sender_address"],
        ),
        (
            input("smtp.beg.com.br", "STARTTLS", "", Some(SMTP_PASSWORD)),
            vec!["smtp.sender_address"],
        ),
        (
            {
                let mut i = good(Some(SMTP_PASSWORD));
                i.smtp.port = Some(70000);
                i.rules.digest_hour = Some(24);
                i.rules.due_soon_days = None;
                i
            },
            vec!["smtp.port", "rules.digest_hour", "rules.due_soon_days"],
        ),
        (
            {
                let mut i = good(Some(SMTP_PASSWORD));
                i.smtp.clear_password = true;
                i
            },
            vec!["smtp.password"],
        ),
        (good(Some("duas\nlinhas")), vec!["smtp.password"]),
        (
            input("smtp beg", "NENHUMA", "faturas", Some(SMTP_PASSWORD)),
            vec!["smtp.host", "smtp.security", "smtp.sender_address"],
        ),
    ];
    for (bad, expected) in cases {
        let e = d.save_email_settings(&w.admin, bad).await.unwrap_err();
        let mut got = fields(&e);
        got.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(got, want, "{e:?}");
        assert!(e.fields.iter().all(|f| !f.message.is_empty()));
        assert!(!serde_json::to_string(&e).unwrap().contains(SMTP_PASSWORD));
        assert_eq!(
            snapshot(w).await,
            before,
            "a refused save changed something"
        );
    }
    // Plain SMTP only to this machine.
    let e = d
        .save_email_settings(
            &w.admin,
            input("smtp.beg.com.br", "NENHUMA", "faturas@beg.com.br", None),
        )
        .await
        .unwrap_err();
    assert!(e.fields[0].message.contains("127.0.0.1"), "{e:?}");

    // Saved: the view (trimmed), the password sealed to the robot machine and never shown.
    let v = d
        .save_email_settings(&w.admin, good(Some(SMTP_PASSWORD)))
        .await
        .unwrap();
    assert!(v.configured && v.smtp.password_set);
    assert_eq!(v.smtp.host, "smtp.beg.com.br");
    assert_eq!(v.smtp.sender_address, "faturas@beg.com.br");
    assert_eq!(v.rules.digest_hour, 7);
    assert_eq!(v.rules.reminder_after_hours, 12);
    assert!(!serde_json::to_string(&v).unwrap().contains(SMTP_PASSWORD));
    assert_eq!(d.get_email_settings(&w.admin).await.unwrap(), v);
    let sealed = sealed_password(w).await.expect("a sealed password");
    assert!(sealed.starts_with("v2:"), "{sealed}");
    assert_eq!(
        d.secrets().open_for(SMTP_PASSWORD_AAD, &sealed).unwrap(),
        SMTP_PASSWORD,
        "the robot machine opens it"
    );
    let smtp = w.store.get_setting(SETTING_SMTP).await.unwrap().unwrap();
    assert_eq!(smtp["host"], "smtp.beg.com.br");
    assert!(smtp.get("password").is_none(), "{smtp}");
    let events = w.store.audit_trail("configuracao", None, 50).await.unwrap();
    let details: Vec<&str> = events.iter().filter_map(|e| e.detail.as_deref()).collect();
    assert!(details.contains(&"Senha do e-mail alterada"), "{details:?}");
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("Servidor de e-mail: smtp.beg.com.br:587")),
        "{details:?}"
    );
    assert_password_nowhere_in_clear(w).await;

    // Saved again without a password: the sealed one stays, nothing new is audited.
    let n = snapshot(w).await.1;
    let v = d.save_email_settings(&w.admin, good(None)).await.unwrap();
    assert!(v.smtp.password_set);
    assert_eq!(sealed_password(w).await.as_deref(), Some(sealed.as_str()));
    assert_eq!(snapshot(w).await.1, n, "nothing changed, nothing audited");

    // A new one replaces it.
    d.save_email_settings(&w.admin, good(Some(OTHER_PASSWORD)))
        .await
        .unwrap();
    let resealed = sealed_password(w).await.unwrap();
    assert_ne!(resealed, sealed);
    assert_eq!(
        d.secrets().open_for(SMTP_PASSWORD_AAD, &resealed).unwrap(),
        OTHER_PASSWORD
    );
    assert_password_nowhere_in_clear(w).await;

    // Removed.
    let mut clear = good(None);
    clear.smtp.clear_password = true;
    let v = d.save_email_settings(&w.admin, clear).await.unwrap();
    assert!(!v.smtp.password_set && v.configured);
    assert_eq!(sealed_password(w).await, None);
    let last = &w.store.audit_trail("configuracao", None, 1).await.unwrap()[0];
    assert_eq!(last.detail.as_deref(), Some("Senha do e-mail removida"));
    assert_password_nowhere_in_clear(w).await;
}

async fn outbox_scenario(w: &World) {
    let d = &w.desk;
    for bad in [
        "",
        "  ",
        "ana",
        "ana@",
        "ana @beg.com.br",
        "<ana@beg.com.br>",
    ] {
        let e = d.send_test_email(&w.admin, bad).await.unwrap_err();
        assert_eq!(fields(&e), vec!["to"], "{bad:?}");
    }
    assert!(d
        .list_outbox(&w.admin, OutboxListFilter::default())
        .await
        .unwrap()
        .is_empty());

    let row = d
        .send_test_email(&w.admin, " Ana@BEG.com.br ")
        .await
        .unwrap();
    assert_eq!(row.rule.as_str(), "TESTE");
    assert_eq!(row.rule_label, "Teste");
    assert_eq!(row.state.as_str(), "PENDENTE");
    assert_eq!(row.state_label, "Na fila");
    assert_eq!(row.recipient_email, "ana@beg.com.br");
    assert_eq!(row.attempts, 0);
    assert!(row.process_id.is_none() && row.sent_at.is_none());
    let json = serde_json::to_value(&row).unwrap();
    for key in [
        "id",
        "rule",
        "rule_label",
        "recipient_name",
        "recipient_email",
        "process_id",
        "day",
        "subject",
        "state",
        "state_label",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ] {
        assert!(json.get(key).is_some(), "{key} missing: {json}");
    }
    assert_eq!(json["day"].as_str().unwrap().len(), 10, "{json}");

    let again = d.get_outbox_message(&w.admin, row.id).await.unwrap();
    assert_eq!(again.id, row.id);
    let e = d
        .get_outbox_message(&w.admin, Uuid::new_v4())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);

    let all = d
        .list_outbox(&w.admin, OutboxListFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, row.id);
    assert_eq!(all[0].state_label, "Na fila");
    let filtered = d
        .list_outbox(
            &w.admin,
            OutboxListFilter {
                state: Some("PENDENTE".into()),
                rule: Some("TESTE".into()),
                text: Some("ANA@".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    let none = d
        .list_outbox(
            &w.admin,
            OutboxListFilter {
                state: Some("ENVIADO".into()),
                rule: Some("".into()),
                text: None,
            },
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    let e = d
        .list_outbox(
            &w.admin,
            OutboxListFilter {
                state: Some("XYZ".into()),
                rule: Some("OUTRA".into()),
                text: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec!["state", "rule"]);

    let events = w
        .store
        .audit_trail("email", Some(row.id), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "EMAIL_TESTE");
    assert_eq!(
        events[0].actor.name, "Ana Administradora",
        "{:?}",
        events[0]
    );

    // The e-mails about an invoice: every role reads them.
    for who in [&w.admin, &w.operator, &w.approver] {
        assert!(d
            .process_emails(who, Uuid::new_v4())
            .await
            .unwrap()
            .is_empty());
    }
    assert_eq!(
        d.process_emails("sem-sessao", Uuid::new_v4())
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unauthenticated
    );
}

async fn preference_scenario(w: &World) {
    let d = &w.desk;
    // Each person, whatever the role, reads and sets their own.
    let p = d.get_my_email_preference(&w.approver).await.unwrap();
    assert_eq!(p.email.as_deref(), Some("bruno@beg.com.br"));
    assert!(p.active && p.receive && !p.is_admin);
    assert_eq!(p.hour, None);
    assert_eq!(p.effective_hour, 7, "the office's hour as saved");
    assert!(d.get_my_email_preference(&w.admin).await.unwrap().is_admin);

    let p = d
        .save_my_email_preference(
            &w.approver,
            MyEmailPreferenceInput {
                receive: true,
                hour: Some(6),
            },
        )
        .await
        .unwrap();
    assert_eq!((p.receive, p.hour, p.effective_hour), (true, Some(6), 6));
    assert_eq!(d.get_my_email_preference(&w.approver).await.unwrap(), p);

    for hour in [24, -1] {
        let e = d
            .save_my_email_preference(
                &w.approver,
                MyEmailPreferenceInput {
                    receive: false,
                    hour: Some(hour),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(fields(&e), vec!["hour"]);
        assert_eq!(d.get_my_email_preference(&w.approver).await.unwrap(), p);
    }

    let p = d
        .save_my_email_preference(
            &w.operator,
            MyEmailPreferenceInput {
                receive: false,
                hour: None,
            },
        )
        .await
        .unwrap();
    assert!(!p.receive && p.hour.is_none() && !p.is_admin);
    assert_eq!(p.email.as_deref(), Some("davi@beg.com.br"));
    // Only one's own: Bruno's choice did not move.
    assert_eq!(
        d.get_my_email_preference(&w.approver).await.unwrap().hour,
        Some(6)
    );
    let recipients = w.store.email_recipients().await.unwrap();
    let davi = recipients
        .iter()
        .find(|r| r.name == "Davi Operador")
        .unwrap();
    assert!(!davi.preference.receive);

    let events = w
        .store
        .audit_trail("preferencias_email", None, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e.action == "PREFERENCIA_EMAIL"));
    assert_eq!(
        d.get_my_email_preference("sem-sessao")
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unauthenticated
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn email_settings_outbox_and_preferences_on_sqlite(pool: sqlx::SqlitePool) {
    let w = world(common::sqlite_store(&pool), Db::Sqlite(pool.clone())).await;
    settings_scenario(&w).await;
    outbox_scenario(&w).await;
    preference_scenario(&w).await;
}

#[tokio::test]
async fn email_settings_outbox_and_preferences_on_postgres() {
    let Some(url) = common::fresh_postgres_url().await else {
        return;
    };
    let store = brm_store::connect(&url).await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let w = world(store, Db::Postgres(pool)).await;
    settings_scenario(&w).await;
    outbox_scenario(&w).await;
    preference_scenario(&w).await;
}
