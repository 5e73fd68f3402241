//! The diagnostics report through `Desk`: every role reads it, nothing secret reaches
//! it (a database URL with a password, a robot URL with credentials and a token in its
//! query, secrets in logged events), and the recent failed executions are listed.

mod common;

use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus};
use brm_core::process::ProcessFilter;
use brm_core::{ErrorCode, Role};
use brm_logging::RecentEvent;
use brm_service::{Desk, DiagnosticsContext, RobotInfo};
use sqlx::SqlitePool;
use uuid::Uuid;

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
    let desk = Desk::with_clock(common::sqlite_store(&pool), clock.clone());
    let admin = common::first_admin(&desk).await;
    common::insert_user(&pool, "Olga", "olga@beg.com.br", Role::Operador).await;
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
        let d = desk.diagnostics(&token, context()).await.unwrap();
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
        ] {
            assert!(!d.text.contains(secret), "{secret}: {}", d.text);
            assert!(!json.contains(secret), "{secret}: {json}");
        }
    }
    let err = desk.diagnostics("sem-sessao", context()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
}
