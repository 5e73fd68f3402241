//! Sessions end where they should, on every desktop: two desks on one database stand for
//! two desktops (on PostgreSQL, two pools, as two computers would have). The
//! administrator acts on desktop A; the person is logged in on desktop B, whose session
//! guard (a revalidation round every `REVALIDATE_EVERY`, as src-tauri runs it) must end
//! or demote the session within 5 s, with no click on B.
//!
//! Before this, B kept the role it logged in with for as long as it stayed open.

mod common;

use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::session_checks::REVALIDATE_EVERY;
use brm_service::Desk;
use brm_store::Store;
use common::{create_user, first_admin, login, PW};
use sqlx::SqlitePool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const WITHIN: Duration = Duration::from_secs(5);

fn desk(store: Arc<dyn Store>) -> Desk {
    Desk::new(store).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
}

/// Desktop B's session guard, as the app runs it.
fn guard(desk: Desk) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            desk.revalidate_sessions().await;
            tokio::time::sleep(REVALIDATE_EVERY).await;
        }
    })
}

/// Waits until `check` holds, at most WITHIN: how long it took.
async fn within(what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !check() {
        assert!(t.elapsed() < WITHIN, "{what}: not within {WITHIN:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t.elapsed()
}

async fn id_of(a: &Desk, admin: &str, email: &str) -> Uuid {
    a.list_users(admin, Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|u| u.email == email)
        .unwrap()
        .id
}

async fn two_desktops(store_a: Arc<dyn Store>, store_b: Arc<dyn Store>) {
    let a = desk(store_a.clone());
    let b = desk(store_b);
    let admin = first_admin(&a).await;
    create_user(
        &a,
        &admin,
        "Bia Aprovadora",
        "bia@beg.com.br",
        Role::Aprovador,
    )
    .await;
    create_user(
        &a,
        &admin,
        "Caio Operador",
        "caio@beg.com.br",
        Role::Operador,
    )
    .await;
    create_user(
        &a,
        &admin,
        "Dani Aprovadora",
        "dani@beg.com.br",
        Role::Aprovador,
    )
    .await;
    let bia = login(&b, "bia@beg.com.br").await;
    let caio = login(&b, "caio@beg.com.br").await;
    let dani = login(&b, "dani@beg.com.br").await;
    let guard = guard(b.clone());

    // Deactivated on A: B's next command is UNAUTHENTICATED within 5 s.
    let bia_id = id_of(&a, &admin, "bia@beg.com.br").await;
    a.set_user_active(&admin, bia_id, false).await.unwrap();
    let took = within("deactivation reaches B", || {
        b.current_session(&bia).is_err()
    })
    .await;
    eprintln!("deactivation reached the other desktop in {took:?}");
    let e = b
        .approve_process(&bia, Uuid::new_v4(), 1, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    assert!(b.current_session(&dani).is_ok() && b.current_session(&caio).is_ok());

    // Demoted on A: B's session carries OPERADOR and may no longer approve.
    let dani_id = id_of(&a, &admin, "dani@beg.com.br").await;
    a.set_user_role(&admin, dani_id, Role::Operador)
        .await
        .unwrap();
    within("demotion reaches B", || {
        b.current_session(&dani).map(|u| u.role) == Ok(Role::Operador)
    })
    .await;
    let e = b
        .approve_process(&dani, Uuid::new_v4(), 1, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    // Password reset on A: B's session with the old password ends; a login with the new
    // one lives on through later rounds.
    let caio_id = id_of(&a, &admin, "caio@beg.com.br").await;
    let new_pw = "outra-senha-bem-forte";
    a.reset_user_password(&admin, caio_id, new_pw.into(), new_pw.into())
        .await
        .unwrap();
    within("password reset reaches B", || {
        b.current_session(&caio).is_err()
    })
    .await;
    assert!(b.login("caio@beg.com.br", PW.into()).await.is_err());
    let caio_again = b
        .login("caio@beg.com.br", new_pw.into())
        .await
        .unwrap()
        .token;
    tokio::time::sleep(REVALIDATE_EVERY * 2 + Duration::from_millis(300)).await;
    assert!(b.current_session(&caio_again).is_ok());
    // The administrator's own session on A is untouched by B's guard.
    assert!(a.current_session(&admin).is_ok());

    // Each end is in the audit trail, with why.
    let ended = b.revalidate_sessions().await;
    assert!(ended.is_empty(), "{ended:?}");
    guard.abort();
    let trail = store_a.audit_trail("usuario", None, 500).await.unwrap();
    let details: Vec<String> = trail
        .iter()
        .filter(|e| e.action == "LOGOUT")
        .filter_map(|e| e.detail.clone())
        .collect();
    assert!(
        details.contains(&"sessão encerrada: usuario_desativado".to_string()),
        "{details:?}"
    );
    assert!(
        details.contains(&"sessão encerrada: senha_trocada".to_string()),
        "{details:?}"
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn sqlite_two_desks_on_one_file(pool: SqlitePool) {
    two_desktops(common::sqlite_store(&pool), common::sqlite_store(&pool)).await;
}

#[tokio::test]
async fn postgres_two_desktops_two_pools() {
    let Some(url) = common::fresh_postgres_url().await else {
        return;
    };
    let a = brm_store::connect(&url).await.unwrap();
    let b = brm_store::connect(&url).await.unwrap();
    two_desktops(a, b).await;
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_idle_limit_comes_from_the_settings_and_a_touch_keeps_the_session(pool: SqlitePool) {
    let d = desk(common::sqlite_store(&pool));
    let admin = first_admin(&d).await;
    // An out-of-range value is ignored (8 h stays); a valid one applies at the next round.
    let ana = d.current_session(&admin).unwrap();
    for bad in [
        serde_json::json!(0),
        serde_json::json!(25),
        serde_json::json!("2"),
    ] {
        let ev = brm_core::audit::AuditEvent::new(
            chrono::Utc::now(),
            brm_core::audit::Actor::user(ana.id, &ana.full_name),
            "ALTERAR",
            "configuracao",
        );
        d.store()
            .put_setting(brm_service::session_checks::SETTING_IDLE_HOURS, &bad, &ev)
            .await
            .unwrap();
        assert!(d.revalidate_sessions().await.is_empty());
        assert!(d.current_session(&admin).is_ok());
    }
    // Through Configurações → Sessões: administrators only, 1 to 24 hours, audited.
    use brm_service::session_checks::SessionSettings;
    assert_eq!(d.get_session_settings(&admin).await.unwrap().idle_hours, 8);
    create_user(
        &d,
        &admin,
        "Caio Operador",
        "caio@beg.com.br",
        Role::Operador,
    )
    .await;
    let caio = login(&d, "caio@beg.com.br").await;
    let e = d
        .save_session_settings(&caio, SessionSettings { idle_hours: 1 })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    for bad in [0, 25] {
        let e = d
            .save_session_settings(&admin, SessionSettings { idle_hours: bad })
            .await
            .unwrap_err();
        assert_eq!(e.fields[0].field, "idle_hours");
        assert_eq!(
            e.fields[0].message,
            "O tempo sem uso deve ficar entre 1 e 24 horas."
        );
    }
    let saved = d
        .save_session_settings(&admin, SessionSettings { idle_hours: 4 })
        .await
        .unwrap();
    assert_eq!(saved.idle_hours, 4);
    let trail = d
        .store()
        .audit_trail("configuracao", None, 10)
        .await
        .unwrap();
    assert!(
        trail.iter().any(
            |e| e.detail.as_deref() == Some("sessao.inatividade_horas: 2 → 4")
                || e.detail.as_deref() == Some("sessao.inatividade_horas: 8 → 4")
        ),
        "{:?}",
        trail.iter().map(|e| &e.detail).collect::<Vec<_>>()
    );
    d.touch_session(&admin).unwrap();
    assert_eq!(
        d.touch_session("token-que-nao-existe").unwrap_err().code,
        ErrorCode::Unauthenticated
    );
}
