use std::sync::{Arc, Barrier};

use brm_core::ErrorCode;

use super::*;
use crate::{KeyStoreErrorKind, MemoryKeyStore};

fn boxed() -> (Arc<MemoryKeyStore>, SecretBox) {
    let store = Arc::new(MemoryKeyStore::new());
    let secret_box = SecretBox::new(store.clone());
    (store, secret_box)
}

#[test]
fn round_trip() {
    let (_, b) = boxed();
    for text in ["s3nh@ do portal", "", "çãõ €"] {
        let sealed = b.seal(text).unwrap();
        assert!(sealed.starts_with("v1:"));
        assert_eq!(b.open(&sealed).unwrap(), text);
    }
}

#[test]
fn key_is_created_once_and_reused() {
    let (store, b) = boxed();
    b.seal("primeira").unwrap();
    let key = store
        .get(DATA_KEY)
        .unwrap()
        .expect("chave criada no primeiro uso");
    assert_eq!(BASE64.decode(&key).unwrap().len(), 32);
    b.seal("segunda").unwrap();
    SecretBox::new(store.clone()).seal("terceira").unwrap();
    assert_eq!(store.get(DATA_KEY).unwrap().as_deref(), Some(key.as_str()));
    assert_eq!(store.writes(), 1);
}

#[test]
fn another_box_over_the_same_store_opens_it() {
    let (store, b) = boxed();
    let sealed = b.seal("senha").unwrap();
    let other = SecretBox::new(store);
    assert_eq!(other.open(&sealed).unwrap(), "senha");
}

#[test]
fn concurrent_first_use_creates_one_key() {
    let store = Arc::new(MemoryKeyStore::new());
    let barrier = Arc::new(Barrier::new(8));
    let sealed: Vec<String> = (0..8)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            std::thread::spawn(move || {
                let b = SecretBox::new(store);
                barrier.wait();
                b.seal(&format!("senha {i}")).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(store.writes(), 1);
    let reader = SecretBox::new(store);
    for (i, s) in sealed.iter().enumerate() {
        assert_eq!(reader.open(s).unwrap(), format!("senha {i}"));
    }
}

#[test]
fn each_seal_differs_and_hides_the_plaintext() {
    let (_, b) = boxed();
    let plaintext = "SenhaDoPortalVivo2024";
    let one = b.seal(plaintext).unwrap();
    let two = b.seal(plaintext).unwrap();
    assert_ne!(one, two);
    for sealed in [&one, &two] {
        assert!(!sealed.contains(plaintext));
        assert!(!sealed.contains(&BASE64.encode(plaintext)));
    }
}

#[test]
fn tampered_or_malformed_text_is_a_clear_error() {
    let (_, b) = boxed();
    let sealed = b.seal("senha").unwrap();
    let mut raw = BASE64.decode(&sealed[3..]).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let tampered = format!("v1:{}", BASE64.encode(&raw));
    let truncated = &sealed[..sealed.len() - 8];
    for bad in [
        tampered.as_str(),
        truncated,
        "v1:",
        "v1:não é base64!",
        "v1:AAAA",
    ] {
        let err = b.open(bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(err.message.contains("corrompida"), "{bad}: {}", err.message);
    }
    let err = b.open("senha em claro").unwrap_err();
    assert!(err.message.contains("formato desconhecido"));
}

#[test]
fn associated_data_binds_the_text_to_its_record() {
    let (_, b) = boxed();
    let sealed = b.seal_for("cliente-1", "senha").unwrap();
    assert_eq!(b.open_for("cliente-1", &sealed).unwrap(), "senha");
    assert!(b.open_for("cliente-2", &sealed).is_err());
    assert!(b.open(&sealed).is_err());
    assert!(b.open_for("cliente-1", &b.seal("senha").unwrap()).is_err());
}

#[test]
fn unavailable_store_fails_in_portuguese_and_stores_nothing() {
    let store = Arc::new(MemoryKeyStore::unavailable());
    let b = SecretBox::new(store.clone());
    let err = b.seal("senha").unwrap_err();
    assert_eq!(err.code, ErrorCode::Internal);
    assert_eq!(
        err.message,
        "O cofre de senhas do sistema (chaveiro) não está disponível; a senha não foi salva. \
         Desbloqueie o chaveiro da sua sessão e tente de novo."
    );
    assert!(store.is_empty());
    assert_eq!(store.writes(), 0);

    store.fail_with(Some(KeyStoreErrorKind::Locked));
    let err = b.seal("senha").unwrap_err();
    assert!(err
        .message
        .contains("está bloqueado; a senha não foi salva."));
    assert!(store.is_empty());

    // Once the keyring is back, the same box works (nothing half-initialised was kept).
    store.fail_with(None);
    let sealed = b.seal("senha").unwrap();
    assert_eq!(b.open(&sealed).unwrap(), "senha");
}

#[test]
fn open_reads_but_never_creates_the_key() {
    let (store, b) = boxed();
    let sealed = b.seal("senha").unwrap();
    store.delete(DATA_KEY).unwrap();
    let fresh = SecretBox::new(store.clone());
    let err = fresh.open(&sealed).unwrap_err();
    assert!(err.message.contains("não está no cofre"), "{}", err.message);
    assert!(store.is_empty());

    store.fail_with(Some(KeyStoreErrorKind::Unavailable));
    let err = SecretBox::new(store.clone()).open(&sealed).unwrap_err();
    assert!(err.message.contains("a senha guardada não pôde ser lida"));
}

#[test]
fn a_corrupt_data_key_is_reported_and_left_alone() {
    let (store, b) = boxed();
    store.set(DATA_KEY, "curta").unwrap();
    let err = b.seal("senha").unwrap_err();
    assert!(err.message.contains("chave de dados"), "{}", err.message);
    assert_eq!(store.get(DATA_KEY).unwrap().as_deref(), Some("curta"));
}

#[test]
fn debug_shows_no_key() {
    let (store, b) = boxed();
    b.seal("senha").unwrap();
    let key = store.get(DATA_KEY).unwrap().unwrap();
    let shown = format!("{b:?}");
    assert!(!shown.contains(&key));
    assert!(shown.contains("key_loaded: true"));
}
