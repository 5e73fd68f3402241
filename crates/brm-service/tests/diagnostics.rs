//! The diagnostics report through `Desk`: every role reads it, nothing secret reaches
//! it (a database URL with a password, a robot URL with credentials and a token in its
//! query, secrets in logged events, the SMTP password saved in Configurações → E-mail),
//! and the recent failed executions are listed.

mod common;

use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus};
use brm_core::process::ProcessFilter;
use brm_core::{ErrorCode, Role};
use brm_logging::{LogSetup, RecentEvent, RecentEvents};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::email::{EmailRulesInput, EmailSettingsInput, SmtpInput};
use brm_service::{Desk, DiagnosticsContext, RobotInfo};
use sqlx::SqlitePool;
use std::sync::Arc;
use uuid::Uuid;

const SMTP_PASSWORD: &str = "SenhaSmtp-Diag-83Kq";

/// Configurações → E-mail with the SMTP password and this sender.
fn smtp_input(sender: &str) -> EmailSettingsInput {
    EmailSettingsInput {
        smtp: SmtpInput {
            host: "smtp.beg.com.br".into(),
            port: Some(587),
            security: "STARTTLS".into(),
            user: "robo@beg.com.br".into(),
            sender_name: "BRM Faturas".into(),
            sender_address: sender.into(),
            password: Some(SMTP_PASSWORD.into()),
            clear_password: false,
        },
        rules: EmailRulesInput {
            digest_hour: Some(8),
            due_soon_days: Some(3),
            reminder_after_hours: Some(24),
            escalate_within_days: Some(2),
        },
    }
}

fn context() -> DiagnosticsContext {
    DiagnosticsContext {
        app_version: "0.1.0".into(),
        tauri_version: Some("2.12.5".into()),
        webview_version: Some("2.50.6".into()),
        database_location: Some("postgres://brm:Senha%40Banco-77@db.beg:5432/brm".into()),
        robot: Some(RobotInfo {
            state: "token_invalido".into(),
            state_label: "token inválido".into(),
            message: "O robô recusou o token.".into(),
            checked_at: None,
            url: Some("https://usuario:SenhaRobo-9@robo.beg.com.br/api?token=TokRobo-123".into()),
        }),
        storage: Some("pasta /dados/faturas".into()),
        log_dir: Some("/home/ana/.local/share/br.com.brmsolutions.rpadesk/logs".into()),
        recent_events: vec![RecentEvent {
            at: chrono::Utc::now(),
            level: "ERROR".into(),
            target: "brm_worker".into(),
            message: "falhou senha=SenhaPortal-5 url=postgres://u:Outra-6@h/db".into(),
        }],
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn every_role_reads_a_report_without_secrets(pool: SqlitePool) {
    let clock = common::clock_at(2026, 11, 2, 12, 0);
    let desk = Desk::with_clock(common::sqlite_store(&pool), clock.clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let admin = common::first_admin(&desk).await;
    // The SMTP password saved (sealed to this desktop's robot identity), refused once
    // (a bad sender) and once by role, and a test message queued, all logged at TRACE
    // through the shared set-up: neither the log file nor the report may carry it.
    common::insert_user(&pool, "Olga", "olga@beg.com.br", Role::Operador).await;
    let olga = common::login(&desk, "olga@beg.com.br").await;
    let logs = tempfile::tempdir().unwrap();
    let recent = RecentEvents::new(50);
    let (dispatch, handle) = brm_logging::build(
        &LogSetup {
            dir: Some(logs.path().to_path_buf()),
            filter: Some("trace".into()),
            stderr: false,
            max_files: 2,
        },
        recent.clone(),
    );
    let logging = tracing::dispatcher::set_default(&dispatch);
    let refused = desk
        .save_email_settings(&admin, smtp_input("faturas"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Validation);
    let refused = desk
        .save_email_settings(&olga, smtp_input("faturas@beg.com.br"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let saved = desk
        .save_email_settings(&admin, smtp_input("faturas@beg.com.br"))
        .await
        .unwrap();
    assert!(saved.smtp.password_set);
    desk.send_test_email(&admin, "ana@beg.com.br")
        .await
        .unwrap();
    drop(logging);
    drop(handle);
    let logged: String = std::fs::read_dir(logs.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(logged.contains("email settings saved"), "{logged}");
    assert!(logged.contains("refused by role"), "{logged}");
    assert!(!logged.contains(SMTP_PASSWORD), "{logged}");
    let warnings = recent.snapshot();
    assert!(!warnings.is_empty());
    common::insert_user(&pool, "Abel", "abel@beg.com.br", Role::Aprovador).await;
    let op = common::add_operator(&desk, &admin, "Vivo", "VIVO", true).await;
    common::add_client(&desk, &admin, "Cliente Um Ltda", &common::cnpj(1), op).await;
    common::create_months(&desk, &admin, &["2026-11"]).await;
    let process = desk
        .list_processes(&admin, ProcessFilter::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let now = chrono::Utc::now();
    desk.store()
        .insert_execution(&Execution {
            id: Uuid::new_v4(),
            process_id: process,
            kind: ExecutionKind::DownloadFatura,
            status: ExecutionStatus::Falhou,
            job_id: None,
            endpoint: None,
            request: None,
            result: None,
            progress: 0,
            attempt: 1,
            started_at: Some(now),
            finished_at: Some(now),
            error: Some("Senha do portal recusada".into()),
            error_class: Some(ErrorClass::Negocio),
            triggered_by: "sistema".into(),
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();

    for email in [None, Some("olga@beg.com.br"), Some("abel@beg.com.br")] {
        let token = match email {
            None => admin.clone(),
            Some(e) => common::login(&desk, e).await,
        };
        let mut ctx = context();
        ctx.recent_events.extend(warnings.iter().cloned());
        let d = desk.diagnostics(&token, ctx).await.unwrap();
        assert_eq!(d.database.backend, "SQLite");
        assert!(d
            .database
            .server_version
            .as_deref()
            .unwrap()
            .starts_with('3'));
        assert!(d.database.migration.unwrap() >= 1);
        assert_eq!(
            d.database.location.as_deref(),
            Some("postgres://brm:***@db.beg:5432/brm")
        );
        let robot = d.robot.as_ref().unwrap();
        assert_eq!(robot.url.as_deref(), Some("https://robo.beg.com.br/api"));
        assert_eq!(d.failed_executions.len(), 1);
        assert_eq!(d.failed_executions[0].client, "Cliente Um Ltda");
        assert_eq!(
            d.failed_executions[0].error.as_deref(),
            Some("Senha do portal recusada")
        );
        assert_eq!(
            d.recent_events[0].message,
            "falhou senha=*** url=postgres://u:***@h/db"
        );
        for shown in [
            "Aplicativo: 0.1.0",
            "Tipo: SQLite",
            "Situação: token inválido",
            "Senha do portal recusada",
        ] {
            assert!(d.text.contains(shown), "{shown}: {}", d.text);
        }
        let json = serde_json::to_string(&d).unwrap();
        for secret in [
            "Senha%40Banco-77",
            "SenhaRobo-9",
            "TokRobo-123",
            "SenhaPortal-5",
            "Outra-6",
            common::PW,
            SMTP_PASSWORD,
        ] {
            assert!(!d.text.contains(secret), "{secret}: {}", d.text);
            assert!(!json.contains(secret), "{secret}: {json}");
        }
    }
    let err = desk.diagnostics("sem-sessao", context()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
}
