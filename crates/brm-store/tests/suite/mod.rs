//! The store contract, written once against `&dyn Store`: every backend runs these same
//! functions (SQLite now; PostgreSQL calls them unchanged when it lands).

pub mod alerts;
pub mod domain;
pub mod email;
pub mod legacy;
pub mod live;
pub mod robot_machines;
pub mod robot_work;

use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::operator::{Operator, OperatorFilter};
use brm_core::user::User;
use brm_core::Role;
use brm_store::{Store, StoreError};
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

pub fn user(email: &str) -> User {
    User {
        id: Uuid::new_v4(),
        full_name: "Ana Admin".into(),
        email: email.into(),
        phone: None,
        role: Role::Administrador,
        active: true,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        failed_logins: 0,
        locked_until: None,
        last_login_at: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn operator(name: &str, code: &str) -> Operator {
    Operator {
        id: Uuid::new_v4(),
        name: name.into(),
        code: code.into(),
        has_rpa: true,
        rpa_outsourced: false,
        rpa_endpoint_url: None,
        portal_url: Some("https://portal.exemplo.com.br".into()),
        access_instructions: None,
        timeout_secs: 300,
        max_attempts: 3,
        active: true,
        version: 1,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn event(action: &str, entity: &str, id: Uuid) -> AuditEvent {
    AuditEvent::new(t0(), Actor::anonymous("teste"), action, entity).on(id)
}

pub async fn first_admin_only_once(store: &dyn Store) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    let a = user("ana@empresa.com.br");
    assert!(store
        .create_first_admin(&a, &event(action::CRIAR, "usuario", a.id))
        .await
        .unwrap());
    let b = user("bia@empresa.com.br");
    assert!(!store
        .create_first_admin(&b, &event(action::CRIAR, "usuario", b.id))
        .await
        .unwrap());
    assert_eq!(store.count_users().await.unwrap(), 1);
    let got = store
        .user_by_email("ana@empresa.com.br")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, a);
    assert_eq!(
        store.user_by_id(a.id).await.unwrap().unwrap().email,
        a.email
    );
    assert!(store
        .user_by_email("bia@empresa.com.br")
        .await
        .unwrap()
        .is_none());
    // Only the winner's audit event was written.
    let trail = store.audit_trail("usuario", None, 10).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].entity_id, Some(a.id));
}

pub async fn login_failures_lock_and_expire(store: &dyn Store) {
    let u = user("ana@empresa.com.br");
    store
        .create_first_admin(&u, &event(action::CRIAR, "usuario", u.id))
        .await
        .unwrap();
    let lock_until = t0() + Duration::minutes(15);
    let fail = |n: i64| event(action::LOGIN_FALHOU, "usuario", u.id).detail(format!("{n}"));
    let lockout = event(action::CONTA_BLOQUEADA, "usuario", u.id);
    for n in 1..=4 {
        let r = store
            .record_login_failure(u.id, t0(), 5, lock_until, &fail(n), &lockout)
            .await
            .unwrap();
        assert_eq!(
            (r.failed_logins, r.locked_until, r.locked_now),
            (n, None, false)
        );
    }
    let r = store
        .record_login_failure(u.id, t0(), 5, lock_until, &fail(5), &lockout)
        .await
        .unwrap();
    assert_eq!(
        (r.failed_logins, r.locked_until, r.locked_now),
        (5, Some(lock_until), true)
    );
    // While locked, another failure counts but does not move the lock nor log it twice.
    let later = t0() + Duration::minutes(1);
    let r = store
        .record_login_failure(
            u.id,
            later,
            5,
            later + Duration::minutes(15),
            &fail(6),
            &lockout,
        )
        .await
        .unwrap();
    assert_eq!((r.locked_until, r.locked_now), (Some(lock_until), false));
    let trail = store.audit_trail("usuario", Some(u.id), 50).await.unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == action::CONTA_BLOQUEADA)
            .count(),
        1
    );
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == action::LOGIN_FALHOU)
            .count(),
        6
    );
    // After the lock ran out, the count starts again.
    let after = lock_until + Duration::seconds(1);
    let r = store
        .record_login_failure(
            u.id,
            after,
            5,
            after + Duration::minutes(15),
            &fail(7),
            &lockout,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.failed_logins, r.locked_until, r.locked_now),
        (1, None, false)
    );
    // Success clears everything and stamps the login.
    store
        .record_login_success(u.id, after, &event(action::LOGIN_OK, "usuario", u.id))
        .await
        .unwrap();
    let got = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(
        (got.failed_logins, got.locked_until, got.last_login_at),
        (0, None, Some(after))
    );
}

pub async fn operators_unique_paged_and_versioned(store: &dyn Store) {
    let names = [
        ("Vivo", "VIVO"),
        ("Oi", "OI"),
        ("Embratel", "EMBRATEL"),
        ("Digitalnet", "DIGITALNET"),
        ("Net", "NET"),
    ];
    for (n, c) in names {
        let op = operator(n, c);
        store
            .insert_operator(&op, &event(action::CRIAR, "operadora", op.id))
            .await
            .unwrap();
    }
    // Unique name ignores case and spacing; unique code; both reported by field.
    let dup_name = operator("  VIVO ", "VIVO2");
    match store
        .insert_operator(&dup_name, &event(action::CRIAR, "operadora", dup_name.id))
        .await
    {
        Err(StoreError::Unique(f)) => assert_eq!(f, "name"),
        other => panic!("expected unique name, got {other:?}"),
    }
    let dup_code = operator("Vivo Fixo", "VIVO");
    match store
        .insert_operator(&dup_code, &event(action::CRIAR, "operadora", dup_code.id))
        .await
    {
        Err(StoreError::Unique(f)) => assert_eq!(f, "code"),
        other => panic!("expected unique code, got {other:?}"),
    }
    // A refused insert leaves neither the row nor its audit event behind.
    assert_eq!(
        store
            .audit_trail("operadora", None, 100)
            .await
            .unwrap()
            .len(),
        5
    );
    let c = store.operator_conflicts("vivo", "OI", None).await.unwrap();
    assert!(c.name && c.code);

    // Pagination and ordering happen in the database.
    let page = |page, page_size| OperatorFilter {
        page,
        page_size,
        ..Default::default()
    };
    let p0 = store.list_operators(&page(0, 2)).await.unwrap();
    let p2 = store.list_operators(&page(2, 2)).await.unwrap();
    assert_eq!(p0.total, 5);
    assert_eq!(
        p0.items.iter().map(|o| o.code.as_str()).collect::<Vec<_>>(),
        ["DIGITALNET", "EMBRATEL"]
    );
    assert_eq!(
        p2.items.iter().map(|o| o.code.as_str()).collect::<Vec<_>>(),
        ["VIVO"]
    );
    let search = OperatorFilter {
        search: Some("em".into()),
        ..Default::default()
    };
    let found = store.list_operators(&search).await.unwrap();
    assert_eq!(
        found
            .items
            .iter()
            .map(|o| o.code.as_str())
            .collect::<Vec<_>>(),
        ["EMBRATEL"]
    );
    // "_" and "%" typed by a person are letters, not wildcards.
    let wild = OperatorFilter {
        search: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(store.list_operators(&wild).await.unwrap().total, 0);

    // Optimistic version: the second writer with the old version loses.
    let vivo = store
        .list_operators(&OperatorFilter {
            search: Some("VIVO".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let mut a = vivo.clone();
    a.active = false;
    a.version = vivo.version + 1;
    assert!(store
        .update_operator(
            &a,
            vivo.version,
            &event(action::DESATIVAR, "operadora", a.id)
        )
        .await
        .unwrap());
    let mut b = vivo.clone();
    b.name = "Vivo Empresas".into();
    b.version = vivo.version + 1;
    assert!(!store
        .update_operator(&b, vivo.version, &event(action::ALTERAR, "operadora", b.id))
        .await
        .unwrap());
    let now = store.operator_by_id(vivo.id).await.unwrap().unwrap();
    assert_eq!(
        (now.name.as_str(), now.active, now.version),
        ("Vivo", false, 2)
    );
    let active_only = OperatorFilter {
        active: Some(true),
        ..Default::default()
    };
    assert_eq!(store.list_operators(&active_only).await.unwrap().total, 4);
    // Renaming onto another operator's code is a unique violation, nothing written.
    let mut c = now.clone();
    c.code = "OI".into();
    c.version = now.version + 1;
    assert!(matches!(
        store.update_operator(&c, now.version, &event(action::ALTERAR, "operadora", c.id)).await,
        Err(StoreError::Unique(f)) if f == "code"
    ));
    assert_eq!(
        store
            .audit_trail("operadora", Some(vivo.id), 10)
            .await
            .unwrap()
            .len(),
        2
    );
}
