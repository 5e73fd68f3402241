//! The approval desk on a real PostgreSQL server (the throw-away cluster that
//! scripts/test.sh starts and names in BRM_TEST_POSTGRES_URL), one fresh database per
//! test: four eyes, the queue's order and checks, typed values, a coded rejection and the
//! client's history, through the same `Desk` as on SQLite. Without that variable the test
//! says so and passes, unless CI or BRM_REQUIRE_POSTGRES demands PostgreSQL.

mod common;

use brm_core::audit::{Actor, AuditEvent};
use brm_core::process::{PaymentLineStatus, ProcessStatus, ValueSource};
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{ApprovalQueueFilter, ApprovalSettings, Desk};
use brm_store::Store;
use chrono::{NaiveDate, Utc};
use common::login;
use std::sync::Arc;
use uuid::Uuid;

/// Puts a process in `status` with these values, through the store (as the worker would).
async fn set(
    store: &Arc<dyn Store>,
    id: Uuid,
    status: ProcessStatus,
    amount_cents: Option<i64>,
    due: Option<&str>,
    sha: &str,
) {
    let mut p = store.process_by_id(id).await.unwrap().unwrap();
    let v = p.version;
    p.status = status;
    p.amount_cents = amount_cents;
    p.amount_source = amount_cents.map(|_| ValueSource::LinhaDigitavel);
    p.due_date = due.map(|d| d.parse::<NaiveDate>().unwrap());
    p.due_date_source = due.map(|_| ValueSource::TextoDaFatura);
    p.invoice_sha256 = Some(sha.repeat(64 / sha.len()));
    p.record_payment_line(Some("8".repeat(48)), None);
    // What the robot's invoice of this month and client says it is.
    let client = store.client_by_id(p.client_id).await.unwrap().unwrap();
    p.invoice_identity = Some(brm_core::approval::InvoiceIdentity {
        reference_month: Some(p.reference_month.clone()),
        cnpjs: vec![client.cnpj.chars().filter(char::is_ascii_digit).collect()],
        account: None,
    });
    p.version += 1;
    let ev = AuditEvent::new(Utc::now(), Actor::anonymous("teste"), "EDITAR", "processo").on(id);
    assert!(store.update_process(&p, v, &ev).await.unwrap());
}

#[tokio::test]
async fn four_eyes_and_the_queue_on_postgres() {
    let Some(url) = common::fresh_postgres_url().await else {
        return;
    };
    let store = brm_store::connect(&url).await.unwrap();
    let desk =
        Desk::new(store.clone()).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let admin = common::first_admin(&desk).await;
    for (name, email) in [
        ("Bruno Aprovador", "bruno@beg.com.br"),
        ("Carla Aprovadora", "carla@beg.com.br"),
    ] {
        common::create_user(&desk, &admin, name, email, Role::Aprovador).await;
    }
    let bruno = login(&desk, "bruno@beg.com.br").await;
    let carla = login(&desk, "carla@beg.com.br").await;
    let op = common::add_operator(&desk, &admin, "Vivo", "VIVO", false).await;
    let mut clients = Vec::new();
    for (name, cnpj) in [
        ("ACME LTDA", "13.878.375/0001-09"),
        ("BETA SA", "11.222.333/0001-81"),
    ] {
        clients.push(common::add_client(&desk, &admin, name, cnpj, op).await);
    }
    for m in ["2099-08", "2099-09", "2099-10", "2099-11"] {
        desk.create_month_processes(&admin, m, None).await.unwrap();
    }
    let id_of = |client: Uuid, month: &'static str| {
        let desk = desk.clone();
        let admin = admin.clone();
        async move {
            desk.client_invoice_history(&admin, client, Some(60))
                .await
                .unwrap()
                .into_iter()
                .find(|h| h.reference_month == month)
                .unwrap()
                .process_id
        }
    };
    // ACME: three earlier months around R$ 100,00, November within tolerance: passes.
    let acme = clients[0];
    for (m, due, sha) in [
        ("2099-08", "2099-08-20", "a1"),
        ("2099-09", "2099-09-20", "a2"),
        ("2099-10", "2099-10-20", "a3"),
    ] {
        let id = id_of(acme, m).await;
        set(
            &store,
            id,
            ProcessStatus::UploadRealizado,
            Some(10_000),
            Some(due),
            sha,
        )
        .await;
    }
    let good = id_of(acme, "2099-11").await;
    set(
        &store,
        good,
        ProcessStatus::AguardandoAprovacao,
        Some(10_500),
        Some("2099-11-20"),
        "a4",
    )
    .await;
    // BETA: a first invoice, nothing to compare with: does not pass.
    let bad = id_of(clients[1], "2099-11").await;
    set(
        &store,
        bad,
        ProcessStatus::AguardandoAprovacao,
        Some(50_000),
        Some("2099-11-10"),
        "b1",
    )
    .await;

    desk.save_approval_settings(
        &admin,
        ApprovalSettings {
            tolerance_pct: 20,
            due_soon_days: 5,
            four_eyes: true,
        },
    )
    .await
    .unwrap();

    let q = desk
        .approval_queue(
            &bruno,
            ApprovalQueueFilter {
                sort: Some("valor".into()),
                descending: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(q.total, 2);
    let ids: Vec<Uuid> = q.items.iter().map(|i| i.row.id).collect();
    assert_eq!(ids, [bad, good]);
    assert!(
        q.items[1].all_passed && q.items[1].can_bulk_approve,
        "{:?}",
        q.items[1].checks
    );
    assert!(q.items[0].four_eyes_required && !q.items[0].all_passed);
    let q = desk
        .approval_queue(&bruno, Default::default())
        .await
        .unwrap();
    assert_eq!(
        q.items.iter().map(|i| i.row.id).collect::<Vec<_>>(),
        [bad, good]
    );

    // Four eyes: Bruno first, Bruno again refused, Carla second.
    let v = store.process_by_id(bad).await.unwrap().unwrap().version;
    let r = desk.approve_process(&bruno, bad, v, None).await.unwrap();
    assert!(r.first_approval_only);
    let stored = store.process_by_id(bad).await.unwrap().unwrap();
    assert!(stored.first_approved_by.is_some() && stored.first_approved_at.is_some());
    assert_eq!(stored.payment_line_status, Some(PaymentLineStatus::Valida));
    let e = desk
        .approve_process(&bruno, bad, r.process.version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(
        e.message,
        "Esta fatura precisa de um segundo aprovador, diferente de Bruno Aprovador."
    );
    let r = desk
        .approve_process(&carla, bad, r.process.version, None)
        .await
        .unwrap();
    assert_eq!(r.process.status, ProcessStatus::AguardandoEnvioSat);

    // Typed values and a coded rejection on the passing one.
    let v = store.process_by_id(good).await.unwrap().unwrap().version;
    let row = desk
        .set_invoice_values(&carla, good, v, Some("1.234,56".into()), None)
        .await
        .unwrap();
    assert_eq!(row.amount.as_deref(), Some("1234.56"));
    assert_eq!(
        store
            .process_by_id(good)
            .await
            .unwrap()
            .unwrap()
            .amount_source,
        Some(ValueSource::Digitado)
    );
    desk.reject_process(&carla, good, row.version, "", Some("FATURA_DUPLICADA"))
        .await
        .unwrap();
    let p = store.process_by_id(good).await.unwrap().unwrap();
    assert_eq!(p.rejection_reason_code.as_deref(), Some("FATURA_DUPLICADA"));
    assert_eq!(p.last_rejection_reason.as_deref(), Some("Fatura duplicada"));

    let h = desk
        .client_invoice_history(&admin, acme, None)
        .await
        .unwrap();
    assert_eq!(
        h.iter()
            .map(|p| p.reference_month.as_str())
            .collect::<Vec<_>>(),
        ["2099-08", "2099-09", "2099-10", "2099-11"]
    );
    assert_eq!(h[0].amount_cents, Some(10_000));
}
