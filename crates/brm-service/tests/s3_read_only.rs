//! Read-only S3 keys for the desktops (issue 19, item 5): on a real S3 server that checks
//! keys and permissions (moto with IAM, scripts/s3-test-server.sh start-auth), a robot
//! machine's keys write an invoice; a desktop with keys that may only read shows it (the
//! PDF preview) and cannot write (a manual upload is refused with the reason, the process
//! unchanged). Without the server the test prints a skip line and passes, unless
//! BRM_REQUIRE_S3 demands it.

mod common;

use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::robot_actions::RobotHooks;
use brm_service::Desk;
use brm_storage::{InvoiceStorage, S3Config, S3Storage};
use sqlx::SqlitePool;
use std::sync::Arc;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn storage(key: &str, secret: &str) -> S3Storage {
    S3Storage::new(S3Config {
        endpoint: var("BRM_S3_AUTH_ENDPOINT"),
        region: "us-east-1".into(),
        bucket: var("BRM_S3_AUTH_BUCKET"),
        access_key: var(key),
        secret_key: var(secret),
        allow_http: true,
        path_style: true,
    })
    .unwrap()
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_desktop_with_read_only_keys_previews_but_cannot_write(pool: SqlitePool) {
    if std::env::var_os("BRM_S3_AUTH_ENDPOINT").is_none() {
        assert!(
            std::env::var_os("BRM_REQUIRE_S3").is_none(),
            "BRM_REQUIRE_S3=1 but the S3 server with keys (start-auth) is not running"
        );
        eprintln!("skipped: BRM_S3_AUTH_ENDPOINT is not set");
        return;
    }
    let robot = storage("BRM_S3_WRITER_KEY", "BRM_S3_WRITER_SECRET");
    let desktop: Arc<dyn InvoiceStorage> =
        Arc::new(storage("BRM_S3_READER_KEY", "BRM_S3_READER_SECRET"));
    let pdf = brm_storage::Bytes::from_static(b"%PDF-1.4\n% fatura de teste\n%%EOF\n");
    let key = format!("2026-11/{}.pdf", uuid::Uuid::new_v4());
    let stored = robot.put(&key, pdf.clone()).await.unwrap();
    // The reader's keys really are checked: a write is refused by the server.
    let e = desktop
        .put("2026-11/intruso.pdf", pdf.clone())
        .await
        .unwrap_err();
    assert!(!e.to_string().is_empty());
    assert_eq!(desktop.head("2026-11/intruso.pdf").await.unwrap(), None);

    let store = common::sqlite_store(&pool);
    let desk = Desk::new(store.clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
        .with_robot(RobotHooks {
            storage: desktop.clone(),
            wake: Arc::new(|| {}),
        });
    let admin = common::first_admin(&desk).await;
    let op = common::add_operator(&desk, &admin, "Vivo", "VIVO", true).await;
    let client = desk
        .create_client(
            &admin,
            brm_core::client::ClientInput {
                legal_name: "PÃO E TAL TRANSPORTES S/A".into(),
                cnpj: "13.878.375/0001-09".into(),
                operator_id: Some(op),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    desk.create_month_processes(&admin, "2026-11", None)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE processes SET status = 'AGUARDANDO_APROVACAO', invoice_key = ?, invoice_sha256 = ?
         WHERE client_id = ?",
    )
    .bind(&key)
    .bind(&stored.sha256)
    .bind(client.id.to_string())
    .execute(&pool)
    .await
    .unwrap();
    let pid: String = sqlx::query_scalar("SELECT id FROM processes WHERE client_id = ?")
        .bind(client.id.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    let pid: uuid::Uuid = pid.parse().unwrap();
    // The preview: read with the read-only keys, hash checked.
    assert_eq!(desk.invoice_pdf(&admin, pid).await.unwrap(), pdf.to_vec());
    // A manual upload from this desktop cannot write: refused with the reason, nothing
    // changed (the process waits for its download).
    sqlx::query("UPDATE processes SET status = 'AGUARDANDO_DOWNLOAD', invoice_key = NULL, invoice_sha256 = NULL WHERE id = ?")
        .bind(pid.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let before = store.process_by_id(pid).await.unwrap().unwrap();
    use base64::Engine as _;
    let e = desk
        .upload_invoice(
            &admin,
            pid,
            before.version,
            "outra.pdf",
            &base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4\n%%EOF\n"),
        )
        .await
        .unwrap_err();
    assert!(
        e.message.starts_with("Não foi possível guardar a fatura")
            && e.message.contains("Nada foi alterado"),
        "{}",
        e.message
    );
    let after = store.process_by_id(pid).await.unwrap().unwrap();
    assert_eq!(
        (after.version, after.status, after.invoice_key),
        (before.version, before.status, None)
    );
    eprintln!("manual upload with read-only keys: {}", e.message);
}
