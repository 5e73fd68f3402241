//! LocalFolder against a real temporary folder.

use std::sync::Arc;

use brm_storage::{sha256_hex, Bytes, InvoiceStorage, LocalFolder, StorageError};

fn folder() -> (tempfile::TempDir, LocalFolder) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFolder::new(dir.path().join("faturas")).unwrap();
    (dir, store)
}

#[tokio::test]
async fn new_creates_the_folder_and_describes_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("a").join("b").join("faturas");
    let store = LocalFolder::new(&root).unwrap();
    assert!(root.is_dir());
    assert_eq!(store.root(), root.as_path());
    assert_eq!(store.describe(), format!("pasta {}", root.display()));
    // Opening an existing folder again is fine.
    LocalFolder::new(&root).unwrap();
}

#[tokio::test]
async fn new_refuses_a_file_as_root() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x");
    std::fs::write(&file, b"x").unwrap();
    assert!(LocalFolder::new(&file).is_err());
}

#[tokio::test]
async fn put_get_head_delete_round_trip() {
    let (_dir, store) = folder();
    let body = Bytes::from_static(b"%PDF-1.4 fatura de teste");
    let stored = store.put("abc.pdf", body.clone()).await.unwrap();
    assert_eq!(stored.key, "abc.pdf");
    assert_eq!(stored.size, body.len() as u64);
    assert_eq!(stored.sha256, sha256_hex(&body));
    assert_eq!(stored.sha256.len(), 64);

    assert_eq!(store.get("abc.pdf").await.unwrap(), body);
    assert_eq!(
        store.get_checked("abc.pdf", &stored.sha256).await.unwrap(),
        body
    );
    assert_eq!(
        store.head("abc.pdf").await.unwrap(),
        Some(body.len() as u64)
    );

    store.delete("abc.pdf").await.unwrap();
    assert_eq!(store.head("abc.pdf").await.unwrap(), None);
    assert!(!store.root().join("abc.pdf").exists());
    // Deleting again (a missing key) is fine.
    store.delete("abc.pdf").await.unwrap();
}

#[tokio::test]
async fn put_replaces_and_reports_what_was_written() {
    let (_dir, store) = folder();
    store
        .put("a.pdf", Bytes::from_static(b"first"))
        .await
        .unwrap();
    let second = store
        .put("a.pdf", Bytes::from_static(b"second, longer"))
        .await
        .unwrap();
    assert_eq!(second.size, 14);
    assert_eq!(second.sha256, sha256_hex(b"second, longer"));
    assert_eq!(
        std::fs::read(store.root().join("a.pdf")).unwrap(),
        b"second, longer"
    );
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(store.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["a.pdf".to_string()]);
}

#[tokio::test]
async fn empty_file() {
    let (_dir, store) = folder();
    let stored = store.put("vazio.pdf", Bytes::new()).await.unwrap();
    assert_eq!(stored.size, 0);
    assert_eq!(store.head("vazio.pdf").await.unwrap(), Some(0));
    assert!(store.get("vazio.pdf").await.unwrap().is_empty());
}

#[tokio::test]
async fn nested_keys_create_subfolders() {
    let (_dir, store) = folder();
    let key = "faturas/2026-11/VIVO ção 123.pdf";
    store.put(key, Bytes::from_static(b"x")).await.unwrap();
    let path = store
        .root()
        .join("faturas")
        .join("2026-11")
        .join("VIVO ção 123.pdf");
    assert!(path.is_file(), "{path:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"x");
    assert_eq!(store.get(key).await.unwrap(), Bytes::from_static(b"x"));
    // A folder is not an invoice.
    assert_eq!(store.head("faturas/2026-11").await.unwrap(), None);
    let folder_get = store.get("faturas/2026-11").await;
    assert!(
        matches!(folder_get, Err(StorageError::NotFound(_))),
        "{folder_get:?}"
    );
    store.delete(key).await.unwrap();
    assert!(!path.exists());
}

#[tokio::test]
async fn invalid_keys_are_refused_before_touching_disk() {
    let (_dir, store) = folder();
    for key in [
        "../x",
        "/abs",
        "a\\b",
        "",
        "a/../../etc/passwd",
        "a//b",
        "x\n",
    ] {
        let put = store.put(key, Bytes::from_static(b"x")).await;
        assert!(
            matches!(put, Err(StorageError::InvalidKey(_))),
            "put {key:?}: {put:?}"
        );
        assert!(matches!(
            store.get(key).await,
            Err(StorageError::InvalidKey(_))
        ));
        assert!(matches!(
            store.head(key).await,
            Err(StorageError::InvalidKey(_))
        ));
        assert!(matches!(
            store.delete(key).await,
            Err(StorageError::InvalidKey(_))
        ));
    }
    // Nothing escaped the root.
    assert!(!store.root().parent().unwrap().join("x").exists());
    assert_eq!(std::fs::read_dir(store.root()).unwrap().count(), 0);
}

#[tokio::test]
async fn missing_key_is_not_found() {
    let (_dir, store) = folder();
    match store.get("faturas/nao-existe.pdf").await {
        Err(StorageError::NotFound(key)) => assert_eq!(key, "faturas/nao-existe.pdf"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let err = store.get("nao-existe.pdf").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "A fatura nao-existe.pdf não foi encontrada no armazenamento."
    );
    assert!(!err.is_transient());
    assert!(matches!(
        store.get_checked("nao-existe.pdf", &sha256_hex(b"")).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(store.head("nao-existe.pdf").await.unwrap(), None);
}

#[tokio::test]
async fn get_checked_detects_a_corrupted_file() {
    let (_dir, store) = folder();
    let stored = store
        .put(
            "faturas/2026-11/abc.pdf",
            Bytes::from_static(b"%PDF original"),
        )
        .await
        .unwrap();
    // Someone (or a bad disk) changes the file behind our back.
    let path = store.root().join("faturas/2026-11/abc.pdf");
    std::fs::write(&path, b"garbage garbage").unwrap();

    match store
        .get_checked("faturas/2026-11/abc.pdf", &stored.sha256)
        .await
    {
        Err(e @ StorageError::Integrity { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("corrompida"), "{msg}");
            assert!(msg.contains("faturas/2026-11/abc.pdf"), "{msg}");
            let StorageError::Integrity {
                key,
                expected,
                actual,
            } = e
            else {
                unreachable!()
            };
            assert_eq!(key, "faturas/2026-11/abc.pdf");
            assert_eq!(expected, stored.sha256);
            assert_eq!(actual, sha256_hex(b"garbage garbage"));
        }
        other => panic!("expected Integrity, got {other:?}"),
    }
    // A plain get still returns what is there.
    assert_eq!(
        store.get("faturas/2026-11/abc.pdf").await.unwrap(),
        Bytes::from_static(b"garbage garbage")
    );
}

#[tokio::test]
async fn key_under_an_existing_file_is_an_error_not_a_panic() {
    let (_dir, store) = folder();
    store.put("a", Bytes::from_static(b"x")).await.unwrap();
    let err = store
        .put("a/b.pdf", Bytes::from_static(b"y"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::Other(_) | StorageError::Unavailable(_)),
        "{err:?}"
    );
    eprintln!("key under a file: {err}");
    assert!(err.to_string().contains("a/b.pdf"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn read_only_folder_is_unavailable() {
    use std::os::unix::fs::PermissionsExt;
    // root ignores permission bits: the check only means something for other users.
    if running_as_root() {
        eprintln!("skipped: running as root, permission bits are not enforced");
        return;
    }
    let (_dir, store) = folder();
    std::fs::set_permissions(store.root(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let err = store
        .put("x.pdf", Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    std::fs::set_permissions(store.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(err.is_transient(), "{err:?}");
}

#[cfg(unix)]
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[tokio::test]
async fn readers_never_see_half_a_file() {
    let (_dir, store) = folder();
    let store = Arc::new(store);
    let a = Bytes::from(vec![b'a'; 4 << 20]);
    let b = Bytes::from(vec![b'b'; 4 << 20]);
    let sha_a = sha256_hex(&a);
    let sha_b = sha256_hex(&b);
    store.put("grande.pdf", a.clone()).await.unwrap();

    let writer = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for i in 0..20 {
                let body = if i % 2 == 0 { b.clone() } else { a.clone() };
                store.put("grande.pdf", body).await.unwrap();
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() || reads < 5 {
        let got = store.get("grande.pdf").await.unwrap();
        let sha = sha256_hex(&got);
        assert!(
            sha == sha_a || sha == sha_b,
            "read a mixed or partial file of {} bytes",
            got.len()
        );
        reads += 1;
        if reads > 500 {
            break;
        }
    }
    writer.await.unwrap();
    eprintln!("{reads} whole reads while 20 writes replaced the file");
}

#[tokio::test]
async fn usable_as_a_shared_trait_object() {
    let (_dir, store) = folder();
    let shared: Arc<dyn InvoiceStorage> = Arc::new(store);
    let stored = shared
        .put("x/y.pdf", Bytes::from_static(b"z"))
        .await
        .unwrap();
    assert_eq!(
        shared.get_checked("x/y.pdf", &stored.sha256).await.unwrap(),
        Bytes::from_static(b"z")
    );
    // Arc<T> implements the trait too, for generic callers.
    fn takes<S: InvoiceStorage>(s: S) -> String {
        s.describe()
    }
    assert!(takes(Arc::clone(&shared)).starts_with("pasta "));
}
