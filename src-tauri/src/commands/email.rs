//! E-mail (issue 21): Configurações → E-mail, the test message, the outbox and each
//! person's own preference. Thin commands over `Desk`, which checks the role, validates,
//! seals the SMTP password and audits.

use crate::error::CmdResult;
use crate::state::AppState;
use brm_service::email::{
    EmailSettingsInput, EmailSettingsView, MyEmailPreference, MyEmailPreferenceInput,
    OutboxListFilter, OutboxRow,
};
use tauri::State;
use uuid::Uuid;

#[tauri::command(rename_all = "snake_case")]
pub async fn get_email_settings(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<EmailSettingsView> {
    state.desk().await?.get_email_settings(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_email_settings(
    state: State<'_, AppState>,
    token: String,
    input: EmailSettingsInput,
) -> CmdResult<EmailSettingsView> {
    state.desk().await?.save_email_settings(&token, input).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn send_test_email(
    state: State<'_, AppState>,
    token: String,
    to: String,
) -> CmdResult<OutboxRow> {
    let row = state.desk().await?.send_test_email(&token, &to).await?;
    // The embedded worker sends it now rather than at its next round (on a desktop of
    // the shared mode no worker runs here: a robot machine's round picks it up).
    if let Some(worker) = state.robot_worker() {
        worker.wake_mail();
    }
    Ok(row)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_outbox_message(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
) -> CmdResult<OutboxRow> {
    state.desk().await?.get_outbox_message(&token, id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_outbox(
    state: State<'_, AppState>,
    token: String,
    filter: Option<OutboxListFilter>,
) -> CmdResult<Vec<OutboxRow>> {
    state
        .desk()
        .await?
        .list_outbox(&token, filter.unwrap_or_default())
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn process_emails(
    state: State<'_, AppState>,
    token: String,
    process_id: Uuid,
) -> CmdResult<Vec<OutboxRow>> {
    state.desk().await?.process_emails(&token, process_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_my_email_preference(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<MyEmailPreference> {
    state.desk().await?.get_my_email_preference(&token).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_my_email_preference(
    state: State<'_, AppState>,
    token: String,
    input: MyEmailPreferenceInput,
) -> CmdResult<MyEmailPreference> {
    state
        .desk()
        .await?
        .save_my_email_preference(&token, input)
        .await
}
