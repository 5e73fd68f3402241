//! Robot identities and `v2` values (issue 19): a value sealed to robot machines opens on
//! each of them and nowhere else, is bound to its client, and an exported identity needs
//! its passphrase.

use std::sync::Arc;

use brm_secrets::{
    check_passphrase, is_not_sealed_to_me, seal_to, sealed_recipients, KeyStore, MemoryKeyStore,
    RobotIdentity, SecretBox, ROBOT_IDENTITY,
};

fn machine() -> (Arc<MemoryKeyStore>, SecretBox) {
    let keys = Arc::new(MemoryKeyStore::new());
    let secrets = SecretBox::new(keys.clone());
    secrets.robot_identity_or_create().unwrap();
    (keys, secrets)
}

fn public(secrets: &SecretBox) -> String {
    secrets.robot_identity().unwrap().unwrap().public_key()
}

#[test]
fn each_recipient_opens_and_nobody_else_does() {
    let (_, a) = machine();
    let (_, b) = machine();
    let (_, c) = machine();
    let desktop = SecretBox::new(Arc::new(MemoryKeyStore::new()));
    let sealed = seal_to(&[public(&a), public(&b)], "cliente-1", "senha do portal").unwrap();
    assert!(sealed.starts_with("v2:"));
    assert!(!sealed.contains("senha do portal"));
    assert_eq!(sealed_recipients(&sealed).len(), 2);
    assert_eq!(a.open_for("cliente-1", &sealed).unwrap(), "senha do portal");
    assert_eq!(b.open_for("cliente-1", &sealed).unwrap(), "senha do portal");
    let err = c.open_for("cliente-1", &sealed).unwrap_err();
    assert!(is_not_sealed_to_me(&err), "{}", err.message);
    // A machine that forges its fingerprint into the list still has no stanza.
    let forged = sealed.replacen(
        "v2:",
        &format!("v2:{},", c.robot_identity().unwrap().unwrap().fingerprint()),
        1,
    );
    assert!(is_not_sealed_to_me(
        &c.open_for("cliente-1", &forged).unwrap_err()
    ));
    // The desktop that sealed it cannot open it.
    let err = desktop.open_for("cliente-1", &sealed).unwrap_err();
    assert!(
        err.message.contains("não é uma máquina robô"),
        "{}",
        err.message
    );
    // Copied to another client's row: refused, not opened.
    assert!(a.open_for("cliente-2", &sealed).is_err());
}

#[test]
fn nothing_to_seal_to_is_a_clear_refusal() {
    let err = seal_to(&[], "c", "senha").unwrap_err();
    assert!(
        err.message.contains("Nenhuma máquina robô está aprovada"),
        "{}",
        err.message
    );
}

#[test]
fn the_identity_is_made_once_and_kept_in_the_key_store() {
    let (keys, secrets) = machine();
    let stored = keys.get(ROBOT_IDENTITY).unwrap().unwrap();
    assert!(stored.starts_with("AGE-SECRET-KEY-1"));
    assert!(stored.len() < 100, "fits every OS store");
    let again = SecretBox::new(keys.clone());
    assert_eq!(
        again.robot_identity_or_create().unwrap().public_key(),
        public(&secrets)
    );
    assert!(!format!("{:?}", again.robot_identity().unwrap().unwrap()).contains("AGE-SECRET"));
}

#[test]
fn an_exported_identity_needs_its_passphrase() {
    let (_, old) = machine();
    let sealed = seal_to(&[public(&old)], "cliente-9", "segredo").unwrap();
    let file = old
        .robot_identity()
        .unwrap()
        .unwrap()
        .export("cavalo correto bateria grampo")
        .unwrap();
    assert!(file.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!file.contains("AGE-SECRET-KEY"));
    let err = RobotIdentity::import(&file, "cavalo errado bateria grampo").unwrap_err();
    assert!(
        err.message.contains("Frase-senha incorreta"),
        "{}",
        err.message
    );
    let err = RobotIdentity::import("não é um arquivo", "x").unwrap_err();
    assert!(
        err.message.contains("não é uma identidade"),
        "{}",
        err.message
    );
    // The right passphrase on a fresh key store: the replacement opens the old values.
    let imported = RobotIdentity::import(&file, "cavalo correto bateria grampo").unwrap();
    let fresh = Arc::new(MemoryKeyStore::new());
    imported.save(&*fresh).unwrap();
    let replacement = SecretBox::new(fresh);
    assert_eq!(
        replacement.open_for("cliente-9", &sealed).unwrap(),
        "segredo"
    );
}

#[test]
fn passphrase_rules_speak_pt_br() {
    for (bad, says) in [
        ("curta", "pelo menos 12"),
        ("123456789012345", "só números"),
        ("aaaaaaaaaaaaaaa", "repetido"),
        (" frase com espaço ", "espaço"),
    ] {
        let err = check_passphrase(bad).unwrap_err();
        assert!(err.message.contains(says), "{bad}: {}", err.message);
    }
    check_passphrase("uma frase longa o bastante").unwrap();
    let (_, m) = machine();
    assert!(m
        .robot_identity()
        .unwrap()
        .unwrap()
        .export("curta")
        .is_err());
}

#[test]
fn old_values_still_open_with_the_data_key_until_it_is_retired() {
    let keys = Arc::new(MemoryKeyStore::new());
    let secrets = SecretBox::new(keys.clone());
    let v1 = secrets.seal_for("cliente-1", "antiga").unwrap();
    assert!(secrets.has_data_key().unwrap());
    assert_eq!(secrets.open_for("cliente-1", &v1).unwrap(), "antiga");
    secrets.retire_data_key().unwrap();
    assert!(SecretBox::new(keys).open_for("cliente-1", &v1).is_err());
}
