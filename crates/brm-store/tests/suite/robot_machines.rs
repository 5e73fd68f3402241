//! Robot machines and re-sealed portal passwords (issue 19), the same on both backends.

use super::domain::client;
use super::{operator, t0};
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::robot_machine::{MachineHello, MachineStatus, Reseal};
use brm_store::{ClientWrite, PasswordWrite, Store};
use chrono::Duration;
use uuid::Uuid;

fn hello(name: &str, key: &str, approve: bool) -> MachineHello {
    MachineHello {
        id: Uuid::new_v4(),
        name: name.into(),
        host: format!("{name}.escritorio"),
        public_key: key.into(),
        fingerprint: format!("{:0>32}", key.len()),
        at: t0(),
        approve,
    }
}

fn ev(what: &str) -> AuditEvent {
    AuditEvent::new(t0(), Actor::anonymous("teste"), what, "maquina_robo")
}

/// A machine registers pending (or approved, in the embedded default), keeps its status
/// on later starts, and is approved or removed only by a decision. Re-sealed values are
/// written only where the stored value is still the one that was opened.
pub async fn robot_machines_register_decide_and_reseal(store: &dyn Store) {
    let a = store
        .robot_machine_hello(&hello("robo-a", "age1aaaa", false))
        .await
        .unwrap();
    assert_eq!(a.status, MachineStatus::Pendente);
    assert_eq!(a.decided_at, None);
    // A later start: same row, new host and last-seen time, still pending even when the
    // machine asks for approval.
    let mut again = hello("robo-a", "age1aaaa", true);
    again.host = "novo-host".into();
    again.at = t0() + Duration::hours(1);
    let a2 = store.robot_machine_hello(&again).await.unwrap();
    assert_eq!((a2.id, a2.status), (a.id, MachineStatus::Pendente));
    assert_eq!(a2.host, "novo-host");
    assert_eq!(a2.first_seen_at, t0());
    assert_eq!(a2.last_seen_at, t0() + Duration::hours(1));
    let b = store
        .robot_machine_hello(&hello("robo-b", "age1bbbbbb", true))
        .await
        .unwrap();
    assert_eq!(b.status, MachineStatus::Aprovada);
    assert_eq!(store.robot_machines().await.unwrap().len(), 2);

    let approved = store
        .decide_robot_machine(a.id, MachineStatus::Aprovada, &ev("MAQUINA_ROBO_APROVADA"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(approved.status, MachineStatus::Aprovada);
    assert!(approved.decided_at.is_some());
    let removed = store
        .decide_robot_machine(b.id, MachineStatus::Removida, &ev("MAQUINA_ROBO_REMOVIDA"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed.status, MachineStatus::Removida);
    assert!(store
        .decide_robot_machine(Uuid::new_v4(), MachineStatus::Aprovada, &ev("x"))
        .await
        .unwrap()
        .is_none());
    // A removed machine that starts again stays removed.
    let b2 = store
        .robot_machine_hello(&hello("robo-b", "age1bbbbbb", true))
        .await
        .unwrap();
    assert_eq!(b2.status, MachineStatus::Removida);

    // Passwords: an old v1 value and a v2 value, listed with their clients.
    let op = operator("Vivo", "VIVO");
    store
        .insert_operator(
            &op,
            &AuditEvent::new(t0(), Actor::anonymous("t"), action::CRIAR, "operadora"),
        )
        .await
        .unwrap();
    let old = client("h-old", "ANTIGA LTDA", "10141561000164", op.id);
    let new = client("h-new", "NOVA LTDA", "13878375000109", op.id);
    for (c, v) in [(&old, "v1:YW50aWdh"), (&new, "v2:aa:bm92YQ==")] {
        store
            .insert_client(
                &ClientWrite {
                    client: c.clone(),
                    password: PasswordWrite::Set(v.into()),
                },
                &AuditEvent::new(t0(), Actor::anonymous("t"), action::CRIAR, "cliente"),
            )
            .await
            .unwrap();
    }
    let stored = store.stored_passwords().await.unwrap();
    let names: Vec<_> = stored
        .iter()
        .map(|s| (s.client_name.as_str(), s.sealed.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("ANTIGA LTDA", "v1:YW50aWdh"),
            ("NOVA LTDA", "v2:aa:bm92YQ==")
        ]
    );
    assert!(
        store
            .client_by_id(old.id)
            .await
            .unwrap()
            .unwrap()
            .portal_password_set
    );

    // Re-sealed: the old one becomes v2; the other changed since it was read (stale), so
    // it is left alone.
    let written = store
        .reseal_passwords(
            &[
                Reseal {
                    client_id: old.id,
                    before: "v1:YW50aWdh".into(),
                    after: "v2:bb:YW50aWdh".into(),
                },
                Reseal {
                    client_id: new.id,
                    before: "v2:zz:outro".into(),
                    after: "v2:bb:bm92YQ==".into(),
                },
            ],
            &ev("SENHAS_SELADAS_DE_NOVO"),
        )
        .await
        .unwrap();
    assert_eq!(written, 1);
    assert_eq!(
        store
            .client_sealed_password(old.id)
            .await
            .unwrap()
            .as_deref(),
        Some("v2:bb:YW50aWdh")
    );
    assert_eq!(
        store
            .client_sealed_password(new.id)
            .await
            .unwrap()
            .as_deref(),
        Some("v2:aa:bm92YQ==")
    );
    // Clearing a password clears both columns.
    let mut cleared = store.client_by_id(old.id).await.unwrap().unwrap();
    let version = cleared.version;
    cleared.version += 1;
    assert!(store
        .update_client(
            &ClientWrite {
                client: cleared,
                password: PasswordWrite::Clear,
            },
            version,
            &AuditEvent::new(t0(), Actor::anonymous("t"), action::ALTERAR, "cliente"),
        )
        .await
        .unwrap());
    assert_eq!(store.client_sealed_password(old.id).await.unwrap(), None);
    assert!(
        !store
            .client_by_id(old.id)
            .await
            .unwrap()
            .unwrap()
            .portal_password_set
    );
}
