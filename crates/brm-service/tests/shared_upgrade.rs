//! Moving an installation that already ran the shared database with one account (issue 17,
//! item 6): its people exist with their app passwords and no login of their own. After
//! "Preparar o banco compartilhado", each person's first login makes their login role from
//! the app password they type, proved without the stored hash leaving the database; the
//! proof cannot be used twice; a wrong password counts as a failed login; an unknown
//! e-mail gets the same kind of answer as a known one.

mod common;
mod shared_common;

use brm_core::Role;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{shared_login, Desk};
use brm_store::postgres::shared::{self, PersonLogin, ENTRY_PASSWORD, ENTRY_ROLE};
use brm_store::postgres::{PgStore, MIGRATOR};
use sqlx::postgres::PgPoolOptions;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_of_an_existing_installation_make_their_own_login_at_their_first_login() {
    let Some((options, database)) = shared_common::fresh_database().await else {
        return;
    };
    let owner = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone())
        .await
        .unwrap();
    // The version before: the ordinary migrations and people made through the desk.
    MIGRATOR.run(&owner).await.unwrap();
    let store: Arc<dyn brm_store::Store> = Arc::new(PgStore::from_pool(owner.clone()));
    let desk =
        Desk::new(store.clone()).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let ana = common::first_admin(&desk).await;
    common::create_user(
        &desk,
        &ana,
        "Bia Aprovadora",
        "bia@beg.com.br",
        Role::Aprovador,
    )
    .await;
    let old_hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'bia@beg.com.br'")
            .fetch_one(&owner)
            .await
            .unwrap();

    // The upgrade.
    shared::prepare(&owner).await.unwrap();

    // Bia's first login makes her login role; she is then connected as it.
    match shared_login::login(&options, "Bia@BEG.com.br", common::PW)
        .await
        .unwrap()
    {
        PersonLogin::Ok(pool, who) => {
            assert_eq!(
                (who.full_name.as_str(), who.role.as_str()),
                ("Bia Aprovadora", "APROVADOR")
            );
            let me: String = sqlx::query_scalar("SELECT session_user::text")
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(me, shared::person_role(&database, "bia@beg.com.br"));
        }
        other => panic!("{other:?}"),
    }
    let (role, hash): (Option<String>, String) =
        sqlx::query_as("SELECT db_role, password_hash FROM users WHERE email = 'bia@beg.com.br'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(role, Some(shared::person_role(&database, "bia@beg.com.br")));
    assert_ne!(hash, old_hash, "the proof was replaced at once");
    // Her next login is an ordinary one.
    assert!(matches!(
        shared_login::login(&options, "bia@beg.com.br", common::PW)
            .await
            .unwrap(),
        PersonLogin::Ok(..)
    ));

    // The entry login with the old hash as proof (someone who saw it) makes nothing.
    let entry = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .clone()
                .username(ENTRY_ROLE)
                .password(ENTRY_PASSWORD),
        )
        .await
        .unwrap();
    let replay: bool = sqlx::query_scalar("SELECT brm_claim_login('bia@beg.com.br', $1, $2, $3)")
        .bind(&old_hash)
        .bind(shared::scram_verifier("outra-senha-qualquer"))
        .bind(&old_hash)
        .fetch_one(&entry)
        .await
        .unwrap();
    assert!(!replay);

    // Ana: a wrong password counts as a failed login and makes nothing.
    assert!(matches!(
        shared_login::login(&options, "ana@beg.com.br", "senha-errada-1")
            .await
            .unwrap(),
        PersonLogin::Invalid
    ));
    let (failed, role): (i64, Option<String>) =
        sqlx::query_as("SELECT failed_logins, db_role FROM users WHERE email = 'ana@beg.com.br'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!((failed, role), (1, None));
    // An unknown e-mail: a salt of the same shape, the same every time, and the same answer.
    let salt = |email: &'static str| {
        let entry = entry.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT brm_claim_salt($1)")
                .bind(email)
                .fetch_one(&entry)
                .await
                .unwrap()
        }
    };
    let (real, fake) = (
        salt("ana@beg.com.br").await,
        salt("ninguem@beg.com.br").await,
    );
    assert_eq!(fake, salt("ninguem@beg.com.br").await);
    assert_eq!(real.len(), fake.len());
    assert_eq!(
        real[..real.rfind('$').unwrap()],
        fake[..fake.rfind('$').unwrap()]
    );
    assert!(matches!(
        shared_login::login(&options, "ninguem@beg.com.br", "senha-errada-1")
            .await
            .unwrap(),
        PersonLogin::Invalid
    ));
    // With her right password, on a desktop switched to personal logins (the app's own
    // login screen, Desk::for_person_logins), she makes her login too and is in.
    let desktop = Desk::for_person_logins(options.clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let out = desktop
        .login("ana@beg.com.br", common::PW.into())
        .await
        .unwrap();
    assert_eq!(out.user.role, Role::Administrador);
    let people = desktop
        .list_users(&out.token, Default::default())
        .await
        .unwrap();
    assert_eq!(people.total, 2, "her desk now reads as her own login");
    let trail: Vec<String> = sqlx::query_scalar(
        "SELECT actor_name || ':' || action FROM audit_events WHERE action IN ('ACESSO_PROPRIO', 'LOGIN_OK') ORDER BY seq",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|t| t.ends_with("ACESSO_PROPRIO"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            "Bia Aprovadora:ACESSO_PROPRIO",
            "Ana Administradora:ACESSO_PROPRIO"
        ]
    );
}
