//! This desktop's commands through Tauri's IPC on the mock runtime: the login command
//! hands its session to the notifications and logout takes it back, preferences refuse
//! bad times as `{code, message, fields}` and keep the old ones, a pending click is
//! answered once, and nothing answers without a session.

use super::roles_test::{block_on, first_admin, invoke, mock_app, TempDb, PW};
use crate::state::AppState;
use brm_core::notice::NoticeTarget;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::Desk;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

#[test]
fn desktop_commands_through_ipc() {
    let db = TempDb::new();
    let desk = block_on(async {
        let store = brm_store::connect(&db.url()).await.unwrap();
        let desk = Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        first_admin(&desk, PW).await;
        desk
    });
    let state = AppState::with_desk(desk);
    let desktop = state.desktop();
    let (_app, window) = mock_app(
        state,
        tauri::generate_handler![
            super::auth::login,
            super::auth::logout,
            super::desktop::get_desktop_preferences,
            super::desktop::save_desktop_preferences,
            super::desktop::take_pending_navigation,
        ],
    );

    // Without a session, nothing.
    for cmd in ["get_desktop_preferences", "take_pending_navigation"] {
        let e = invoke(&window, cmd, json!({"token": "nada"})).unwrap_err();
        assert_eq!(e["code"], "UNAUTHENTICATED", "{cmd}: {e}");
    }

    // The login command gives notifications this desktop's session.
    assert_eq!(desktop.token(), None);
    let out = invoke(
        &window,
        "login",
        json!({"email": "ana@beg.com.br", "password": PW}),
    )
    .unwrap();
    let token = out["token"].as_str().unwrap().to_string();
    assert_eq!(desktop.token().as_deref(), Some(token.as_str()));

    let view = invoke(&window, "get_desktop_preferences", json!({"token": token})).unwrap();
    assert_eq!(view["preferences"]["notify_waiting"], true);
    assert_eq!(view["preferences"]["quiet_start"], "19:00");
    assert!(view["notifications"]["actions"].is_boolean(), "{view}");

    // A bad time: VALIDATION on the field, the old preferences kept.
    let bad = json!({"notify_waiting": false, "notify_attention": true, "quiet_hours": true,
        "quiet_start": "25:00", "quiet_end": "08:00", "close_to_tray": true});
    let e = invoke(
        &window,
        "save_desktop_preferences",
        json!({"token": token, "preferences": bad}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "VALIDATION", "{e}");
    assert_eq!(e["fields"][0]["field"], "quiet_start", "{e}");
    assert!(desktop.prefs().notify_waiting, "unchanged after a refusal");

    let good = json!({"notify_waiting": false, "notify_attention": true, "quiet_hours": true,
        "quiet_start": " 22:00 ", "quiet_end": "07:30", "close_to_tray": false});
    let saved = invoke(
        &window,
        "save_desktop_preferences",
        json!({"token": token, "preferences": good}),
    )
    .unwrap();
    assert_eq!(saved["quiet_start"], "22:00");
    assert!(!desktop.prefs().notify_waiting && !desktop.prefs().close_to_tray);

    // A click that arrived before login is answered once.
    let id = Uuid::new_v4();
    desktop.set_pending(NoticeTarget::Processo { id, version: 0 });
    let pending = invoke(&window, "take_pending_navigation", json!({"token": token})).unwrap();
    assert_eq!(pending, json!({"to": "processo", "id": id, "version": 0}));
    let again = invoke(&window, "take_pending_navigation", json!({"token": token})).unwrap();
    assert_eq!(again, json!(null));

    // Logout takes the session away from the notifications.
    invoke(&window, "logout", json!({"token": token})).unwrap();
    assert_eq!(desktop.token(), None);
}
