//! The users screen (administrators only; the `Desk` refuses every other role).

use crate::error::CmdResult;
use crate::state::AppState;
use brm_core::operator::Page;
use brm_core::user::{NewUserInput, UserFilter, UserListItem};
use brm_core::Role;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub async fn list_users(
    state: State<'_, AppState>,
    token: String,
    filter: UserFilter,
) -> CmdResult<Page<UserListItem>> {
    state.desk().await?.list_users(&token, filter).await
}

#[tauri::command]
pub async fn create_user(
    state: State<'_, AppState>,
    token: String,
    input: NewUserInput,
) -> CmdResult<UserListItem> {
    state.desk().await?.create_user(&token, input).await
}

#[tauri::command]
pub async fn set_user_role(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    role: Role,
) -> CmdResult<UserListItem> {
    state.desk().await?.set_user_role(&token, id, role).await
}

#[tauri::command]
pub async fn set_user_active(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    active: bool,
) -> CmdResult<UserListItem> {
    state
        .desk()
        .await?
        .set_user_active(&token, id, active)
        .await
}

/// The window sends `password_confirmation` as it is named in the forms, snake_case.
#[tauri::command(rename_all = "snake_case")]
pub async fn reset_user_password(
    state: State<'_, AppState>,
    token: String,
    id: Uuid,
    password: String,
    password_confirmation: String,
) -> CmdResult<UserListItem> {
    state
        .desk()
        .await?
        .reset_user_password(&token, id, password, password_confirmation)
        .await
}
