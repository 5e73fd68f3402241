//! S3Storage against a real S3-compatible server on loopback (moto in server mode):
//!
//! ```sh
//! eval "$(bash scripts/s3-test-server.sh start)"
//! BRM_REQUIRE_S3=1 cargo test -p brm-storage
//! ```
//!
//! Without `BRM_S3_TEST_ENDPOINT` the server tests print a skip line and pass, unless
//! `BRM_REQUIRE_S3=1` (CI), where they fail. The unreachable-endpoint test needs no server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use brm_storage::{sha256_hex, Bytes, InvoiceStorage, S3Config, S3Storage, StorageError};

const ACCESS_KEY: &str = "AKIABRMTESTACCESS01";
const SECRET_KEY: &str = "brm-test-secret/Kq9vZ2xW7pL4mN8rT1yU";

/// The test server's address, or None (after printing why) when the test should skip.
fn endpoint(test: &str) -> Option<String> {
    match std::env::var("BRM_S3_TEST_ENDPOINT") {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().trim_end_matches('/').to_string()),
        _ => {
            if std::env::var("BRM_REQUIRE_S3").as_deref() == Ok("1") {
                panic!(
                    "BRM_REQUIRE_S3=1 but BRM_S3_TEST_ENDPOINT is not set: start the test \
                     server with `eval \"$(bash scripts/s3-test-server.sh start)\"`"
                );
            }
            eprintln!(
                "SKIPPED {test}: BRM_S3_TEST_ENDPOINT is not set (start a server with \
                 `eval \"$(bash scripts/s3-test-server.sh start)\"`)"
            );
            None
        }
    }
}

fn config(endpoint: &str, bucket: &str) -> S3Config {
    S3Config {
        endpoint: endpoint.to_string(),
        region: "us-east-1".to_string(),
        bucket: bucket.to_string(),
        access_key: ACCESS_KEY.to_string(),
        secret_key: SECRET_KEY.to_string(),
        allow_http: true,
        path_style: true,
    }
}

/// A bucket name no other test (or earlier run against the same server) uses.
fn unique_bucket() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "brm-test-{}-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates `bucket` with an unsigned `PUT /<bucket>` (moto accepts it).
async fn create_bucket(endpoint: &str, bucket: &str) {
    let resp = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating bucket {bucket} at {endpoint}: {e}"));
    assert!(
        resp.status().is_success(),
        "creating bucket {bucket}: HTTP {}",
        resp.status()
    );
}

async fn fresh_store(endpoint: &str) -> S3Storage {
    let bucket = unique_bucket();
    create_bucket(endpoint, &bucket).await;
    S3Storage::new(config(endpoint, &bucket)).unwrap()
}

#[tokio::test]
async fn s3_put_get_head_delete() {
    let Some(endpoint) = endpoint("s3_put_get_head_delete") else {
        return;
    };
    let store = fresh_store(&endpoint).await;
    assert!(store.describe().starts_with("S3 bucket brm-test-"));
    assert!(store.describe().ends_with(&format!("em {endpoint}")));

    let key = "faturas/2026-11/VIVO 123 ção.pdf";
    let body = Bytes::from(b"%PDF-1.4 fatura S3".repeat(1000));
    let stored = store.put(key, body.clone()).await.unwrap();
    assert_eq!(stored.key, key);
    assert_eq!(stored.size, body.len() as u64);
    assert_eq!(stored.sha256, sha256_hex(&body));

    assert_eq!(store.get(key).await.unwrap(), body);
    assert_eq!(store.get_checked(key, &stored.sha256).await.unwrap(), body);
    assert_eq!(store.head(key).await.unwrap(), Some(body.len() as u64));

    // Replacing reports the new content.
    let stored2 = store.put(key, Bytes::from_static(b"v2")).await.unwrap();
    assert_eq!(stored2.size, 2);
    assert_eq!(store.get(key).await.unwrap(), Bytes::from_static(b"v2"));

    store.delete(key).await.unwrap();
    assert_eq!(store.head(key).await.unwrap(), None);
    // Deleting a missing key is fine.
    store.delete(key).await.unwrap();

    // Empty object.
    let empty = store.put("vazio.pdf", Bytes::new()).await.unwrap();
    assert_eq!(empty.size, 0);
    assert_eq!(store.head("vazio.pdf").await.unwrap(), Some(0));
    assert!(store.get("vazio.pdf").await.unwrap().is_empty());
}

#[tokio::test]
async fn s3_missing_key_is_not_found() {
    let Some(endpoint) = endpoint("s3_missing_key_is_not_found") else {
        return;
    };
    let store = fresh_store(&endpoint).await;
    match store.get("faturas/nao-existe.pdf").await {
        Err(StorageError::NotFound(key)) => assert_eq!(key, "faturas/nao-existe.pdf"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(matches!(
        store.get_checked("nao-existe.pdf", &sha256_hex(b"")).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(store.head("nao-existe.pdf").await.unwrap(), None);
}

#[tokio::test]
async fn s3_get_checked_detects_other_content() {
    let Some(endpoint) = endpoint("s3_get_checked_detects_other_content") else {
        return;
    };
    let store = fresh_store(&endpoint).await;
    let original = store
        .put("a.pdf", Bytes::from_static(b"original"))
        .await
        .unwrap();
    // The object changes behind our back (another writer, a restored backup...).
    store
        .put("a.pdf", Bytes::from_static(b"garbage"))
        .await
        .unwrap();
    match store.get_checked("a.pdf", &original.sha256).await {
        Err(StorageError::Integrity {
            key,
            expected,
            actual,
        }) => {
            assert_eq!(key, "a.pdf");
            assert_eq!(expected, original.sha256);
            assert_eq!(actual, sha256_hex(b"garbage"));
        }
        other => panic!("expected Integrity, got {other:?}"),
    }
}

#[tokio::test]
async fn s3_invalid_keys_are_refused() {
    let Some(endpoint) = endpoint("s3_invalid_keys_are_refused") else {
        return;
    };
    let store = fresh_store(&endpoint).await;
    for key in ["../x", "/abs", "a\\b", ""] {
        assert!(
            matches!(
                store.put(key, Bytes::from_static(b"x")).await,
                Err(StorageError::InvalidKey(_))
            ),
            "{key:?}"
        );
    }
}

#[tokio::test]
async fn s3_missing_bucket_is_unavailable() {
    let Some(endpoint) = endpoint("s3_missing_bucket_is_unavailable") else {
        return;
    };
    let bucket = unique_bucket(); // never created
    let store = S3Storage::new(config(&endpoint, &bucket)).unwrap();
    let err = store
        .put("a.pdf", Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    let msg = err.to_string();
    eprintln!("missing bucket: {msg}");
    assert!(msg.contains(&bucket) && msg.contains("não existe"), "{msg}");
    assert!(
        !msg.contains(SECRET_KEY) && !msg.contains(ACCESS_KEY),
        "{msg}"
    );
    let err = store.get("a.pdf").await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

/// Needs no server: a port nobody listens on.
#[tokio::test]
async fn s3_unreachable_endpoint_is_unavailable_quickly_without_secrets() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again here
    let endpoint = format!("http://127.0.0.1:{port}");
    let store = S3Storage::new(config(&endpoint, "beg")).unwrap();
    assert_eq!(store.describe(), format!("S3 bucket beg em {endpoint}"));

    let started = Instant::now();
    let err = store
        .put("faturas/a.pdf", Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
    assert!(err.is_transient(), "{err:?}");
    let StorageError::Unavailable(msg) = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    eprintln!("unreachable after {elapsed:?}: {msg}");
    assert!(msg.contains("indisponível"), "{msg}");
    assert!(msg.contains("faturas/a.pdf"), "{msg}");
    assert!(msg.contains(&endpoint), "{msg}");
    for text in [msg.clone(), format!("{err:?}")] {
        assert!(!text.contains(SECRET_KEY), "{text}");
        assert!(!text.contains(ACCESS_KEY), "{text}");
    }

    for result in [
        store.get("a.pdf").await.map(|_| ()),
        store.head("a.pdf").await.map(|_| ()),
        store.delete("a.pdf").await,
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
        assert!(!err.to_string().contains(SECRET_KEY));
    }
}

/// Needs no server: a listener whose accept queue is full, so new connections hang like
/// a dead host. The 5 s connect timeout and the bounded retries must end it within ~15 s.
#[tokio::test]
async fn s3_hanging_endpoint_times_out_within_15_seconds() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap(); // never accepts
    let addr = listener.local_addr().unwrap();
    // Fill the accept queue: further SYNs are dropped and connects hang.
    let _filler =
        tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
            .await
            .expect("first connection fills the queue")
            .unwrap();
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect(addr),
    )
    .await;
    if probe.is_ok() {
        eprintln!("SKIPPED s3_hanging_endpoint_times_out_within_15_seconds: this kernel accepts connections past a full backlog");
        return;
    }

    let endpoint = format!("http://{addr}");
    let store = S3Storage::new(config(&endpoint, "beg")).unwrap();
    let started = Instant::now();
    let err = store
        .put("faturas/a.pdf", Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("hanging endpoint after {elapsed:?}: {err}");
    assert!(elapsed < Duration::from_secs(16), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_secs(4), "took only {elapsed:?}");
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains(SECRET_KEY));
    drop(listener);
}
