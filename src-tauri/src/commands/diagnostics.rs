//! "Diagnóstico": the shell adds what only it knows (its versions, the webview's, where
//! the database and the logs are, the robot's health and address) and the desk builds
//! the report. Every logged-in role may ask for it.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_service::db_settings::startup::Source;
use brm_service::db_settings::DbKind;
use brm_service::{Diagnostics, DiagnosticsContext, RobotInfo};
use brm_worker::RobotState;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn get_diagnostics<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Diagnostics> {
    let desk = state.desk().await?;
    let ctx = DiagnosticsContext {
        app_version: app.package_info().version.to_string(),
        tauri_version: Some(tauri::VERSION.to_string()),
        webview_version: tauri::webview_version().ok(),
        database_location: database_location(&state),
        robot: Some(robot_info(&state)),
        storage: None,
        log_dir: crate::logging::dir().map(|d| d.display().to_string()),
        recent_events: brm_logging::RecentEvents::global().snapshot(),
    };
    desk.diagnostics(&token, ctx).await
}

/// Where the database is, without a password: the SQLite file, or user@server/base.
fn database_location(state: &AppState) -> Option<String> {
    let running = state.db_settings().running();
    match (running.kind, &running.postgres, &running.source) {
        (DbKind::Sqlite, _, Source::Env) => running
            .sqlite_path
            .clone()
            .map(|p| format!("{p} (BRM_DATABASE_URL)"))
            .or(Some("BRM_DATABASE_URL".into())),
        (DbKind::Sqlite, _, _) => running.sqlite_path.clone(),
        (DbKind::Postgres, Some(pg), _) => Some(format!(
            "{}@{}:{}/{}",
            pg.username, pg.host, pg.port, pg.database
        )),
        (DbKind::Postgres, None, _) => Some("servidor definido por BRM_DATABASE_URL".into()),
    }
}

fn robot_info(state: &AppState) -> RobotInfo {
    let h = state.robot_health();
    let (wire, label) = match h.state {
        RobotState::Desconhecido => ("desconhecido", "verificando"),
        RobotState::Ok => ("ok", "disponível"),
        RobotState::Indisponivel => ("indisponivel", "indisponível"),
        RobotState::TokenInvalido => ("token_invalido", "token inválido"),
        RobotState::NasMaquinasRobo => ("nas_maquinas_robo", "nas máquinas robô"),
    };
    RobotInfo {
        state: wire.into(),
        state_label: label.into(),
        message: h.message,
        checked_at: h.checked_at,
        url: state
            .robot_worker()
            .map(|w| w.robots().main().base_url().to_string()),
    }
}
