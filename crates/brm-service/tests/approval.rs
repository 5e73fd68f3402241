//! The approval desk through `Desk`, as the window's commands call it, on a real SQLite
//! database and a real folder for the invoices: the queue and its checks, four eyes, the
//! manual uploader who may not approve, coded rejections, typed values, bulk approval,
//! the client's history and the invoice file.

mod common;

use base64::Engine as _;
use brm_core::process::{Process, ProcessStatus, ValueSource};
use brm_core::ErrorCode;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::approval_desk::BulkItem;
use brm_service::{ApprovalQueueFilter, ApprovalSettings, Desk, RobotHooks};
use brm_store::Store;
use common::{login, TempFolder};
use sqlx::SqlitePool;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

const MONTH: &str = "2026-11";

struct Office {
    desk: Desk,
    store: Arc<dyn Store>,
    pool: SqlitePool,
    admin: String,
    bruno: String,
    carla: String,
    davi: String,
    operator_id: Uuid,
    _folder: TempFolder,
}

async fn office(pool: &SqlitePool) -> Office {
    let store = common::sqlite_store(pool);
    let folder = TempFolder::new("brm-approval");
    let storage = Arc::new(brm_storage::LocalFolder::new(&folder.0).unwrap());
    let desk = Desk::with_clock(store.clone(), common::clock_at(2026, 11, 2, 17, 3))
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
        .with_robot(RobotHooks {
            storage,
            wake: Arc::new(|| {}),
        });
    let admin = common::first_admin(&desk).await;
    common::insert_team(pool).await;
    let operator_id = common::add_operator(&desk, &admin, "Vivo", "VIVO", false).await;
    Office {
        bruno: login(&desk, "bruno@beg.com.br").await,
        carla: login(&desk, "carla@beg.com.br").await,
        davi: login(&desk, "davi@beg.com.br").await,
        admin,
        store,
        pool: pool.clone(),
        operator_id,
        desk,
        _folder: folder,
    }
}

impl Office {
    async fn client(&self, n: u64, name: &str) -> Uuid {
        common::add_client(
            &self.desk,
            &self.admin,
            name,
            &common::cnpj(n),
            self.operator_id,
        )
        .await
    }

    async fn months(&self, months: &[&str]) {
        common::create_months(&self.desk, &self.admin, months).await
    }

    /// Puts a client's process of `month` in `status` with these values (SQL, as the
    /// robot would have left it).
    #[allow(clippy::too_many_arguments)]
    async fn set(
        &self,
        client: Uuid,
        month: &str,
        status: ProcessStatus,
        amount_cents: Option<i64>,
        due: Option<&str>,
        line: Option<&str>,
    ) -> Process {
        common::set_invoice(&self.pool, client, month, status, (amount_cents, due, line)).await;
        self.process(client, month).await
    }

    async fn process(&self, client: Uuid, month: &str) -> Process {
        common::process_of(&*self.store, &self.pool, client, month).await
    }

    async fn reload(&self, p: &Process) -> Process {
        self.store.process_by_id(p.id).await.unwrap().unwrap()
    }

    /// A client whose November invoice passes every check: three earlier months around
    /// R$ 100,00, a due date far enough, a valid payment line.
    async fn passing(&self, n: u64, name: &str) -> Process {
        let c = self.client(n, name).await;
        common::passing_history(&self.desk, &self.admin, &self.pool, c).await;
        self.process(c, MONTH).await
    }

    /// A client's first invoice: no earlier amount to compare with, so not every check passes.
    async fn failing(&self, n: u64, name: &str) -> Process {
        let c = self.client(n, name).await;
        self.months(&[MONTH]).await;
        self.set(
            c,
            MONTH,
            ProcessStatus::AguardandoAprovacao,
            Some(10_500),
            Some("2026-11-20"),
            Some("VALIDA"),
        )
        .await
    }

    async fn four_eyes(&self, on: bool) {
        self.desk
            .save_approval_settings(
                &self.admin,
                ApprovalSettings {
                    tolerance_pct: 20,
                    due_soon_days: 5,
                    four_eyes: on,
                },
            )
            .await
            .unwrap();
    }

    async fn last_audit(&self, id: Uuid) -> brm_core::audit::AuditEvent {
        self.store
            .audit_trail("processo", Some(id), 1)
            .await
            .unwrap()
            .pop()
            .unwrap()
    }
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn four_eyes_needs_a_second_different_approver(pool: SqlitePool) {
    let o = office(&pool).await;
    let p = o.failing(1, "ACME LTDA").await;
    let ok = o.passing(2, "BETA SA").await;

    // Settings: defaults, any role reads them, only an administrator saves them.
    let s = o.desk.get_approval_settings(&o.davi).await.unwrap();
    assert_eq!(
        (s.tolerance_pct, s.due_soon_days, s.four_eyes),
        (20, 5, false)
    );
    let e = o
        .desk
        .save_approval_settings(
            &o.bruno,
            ApprovalSettings {
                four_eyes: true,
                ..s
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = o
        .desk
        .save_approval_settings(
            &o.admin,
            ApprovalSettings {
                tolerance_pct: 1001,
                due_soon_days: -1,
                four_eyes: true,
            },
        )
        .await
        .unwrap_err();
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["tolerance_pct", "due_soon_days"]);
    assert!(
        !o.desk
            .get_approval_settings(&o.admin)
            .await
            .unwrap()
            .four_eyes
    );
    o.four_eyes(true).await;
    assert!(
        o.desk
            .get_approval_settings(&o.bruno)
            .await
            .unwrap()
            .four_eyes
    );

    // Bruno gives the first approval: the status stays, the version moves on.
    let r = o
        .desk
        .approve_process(&o.bruno, p.id, p.version, Some("conferi o PDF".into()))
        .await
        .unwrap();
    assert!(r.first_approval_only);
    assert_eq!(
        r.message,
        "Primeira aprovação registrada; falta a de outro aprovador."
    );
    assert_eq!(r.process.status, ProcessStatus::AguardandoAprovacao);
    assert_eq!(r.process.version, p.version + 1);
    let audit = o.last_audit(p.id).await;
    assert_eq!(audit.action, "PRIMEIRA_APROVACAO");
    assert!(audit.detail.unwrap().contains("conferi o PDF"));

    // The queue and the detail say who gave it and that Bruno cannot give the second.
    let q = o
        .desk
        .approval_queue(&o.bruno, Default::default())
        .await
        .unwrap();
    let item = q.items.iter().find(|i| i.row.id == p.id).unwrap();
    assert!(item.four_eyes_required);
    assert!(!item.all_passed);
    assert!(!item.can_bulk_approve);
    assert_eq!(
        item.first_approval.as_ref().unwrap().by_name,
        "Bruno Aprovador"
    );
    assert_eq!(
        item.blocked_reason.as_deref(),
        Some("Esta fatura precisa de um segundo aprovador, diferente de Bruno Aprovador.")
    );
    let passing = q.items.iter().find(|i| i.row.id == ok.id).unwrap();
    assert!(passing.all_passed && !passing.four_eyes_required && passing.can_bulk_approve);
    let q = o
        .desk
        .approval_queue(&o.carla, Default::default())
        .await
        .unwrap();
    assert_eq!(
        q.items
            .iter()
            .find(|i| i.row.id == p.id)
            .unwrap()
            .blocked_reason,
        None
    );
    let detail = o.desk.get_process(&o.bruno, p.id).await.unwrap();
    assert!(detail.four_eyes_required);
    assert_eq!(detail.first_approval.unwrap().by_name, "Bruno Aprovador");
    assert!(detail.blocked_reason.unwrap().contains("segundo aprovador"));

    // Bruno again: refused, nothing written.
    let e = o
        .desk
        .approve_process(&o.bruno, p.id, r.process.version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(
        e.message,
        "Esta fatura precisa de um segundo aprovador, diferente de Bruno Aprovador."
    );
    assert_eq!(o.reload(&p).await.version, r.process.version);

    // Carla approves: done, and the trail names both.
    let r2 = o
        .desk
        .approve_process(&o.carla, p.id, r.process.version, None)
        .await
        .unwrap();
    assert!(!r2.first_approval_only);
    assert_eq!(r2.process.status, ProcessStatus::AguardandoEnvioSat);
    assert!(r2.message.contains("Bruno Aprovador"), "{}", r2.message);
    let audit = o.last_audit(p.id).await;
    assert_eq!(audit.action, "APROVAR");
    let detail = audit.detail.unwrap();
    assert!(
        detail.contains("Bruno Aprovador") && detail.contains("Carla Aprovadora"),
        "{detail}"
    );
    assert_eq!(audit.actor.name, "Carla Aprovadora");

    // An invoice that passed everything needs one approval even with four eyes on.
    let r = o
        .desk
        .approve_process(&o.bruno, ok.id, ok.version, None)
        .await
        .unwrap();
    assert!(!r.first_approval_only);
    assert_eq!(r.process.status, ProcessStatus::AguardandoEnvioSat);

    // Setting off: a failing invoice is approved at once.
    o.four_eyes(false).await;
    let p3 = o.failing(3, "GAMA ME").await;
    let r = o
        .desk
        .approve_process(&o.bruno, p3.id, p3.version, None)
        .await
        .unwrap();
    assert!(!r.first_approval_only);
    assert_eq!(r.message, "Fatura aprovada.");
    assert_eq!(r.process.status, ProcessStatus::AguardandoEnvioSat);

    // Notes are limited; OPERADOR may not approve.
    let p4 = o.failing(4, "DELTA SA").await;
    let e = o
        .desk
        .approve_process(&o.bruno, p4.id, p4.version, Some("x".repeat(1001)))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "notes");
    let e = o
        .desk
        .approve_process(&o.davi, p4.id, p4.version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(o.reload(&p4).await.version, p4.version);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn nobody_approves_an_invoice_they_uploaded(pool: SqlitePool) {
    let o = office(&pool).await;
    let c = o.client(1, "ACME LTDA").await;
    o.months(&[MONTH]).await;
    let p = o.process(c, MONTH).await;
    // No invoice yet: the file cannot be shown.
    let e = o.desk.invoice_pdf(&o.bruno, p.id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);

    let pdf = b"%PDF-1.4\n%%EOF\n";
    o.desk
        .upload_invoice(&o.bruno, p.id, p.version, "fatura.pdf", &b64(pdf))
        .await
        .unwrap();
    let p = o.reload(&p).await;
    let bruno_id = p.uploaded_by.unwrap();
    // Read on arrival: this file has no readable text, so its payment line is invalid.
    assert_eq!(
        p.payment_line_status,
        Some(brm_core::process::PaymentLineStatus::Invalida)
    );
    assert_eq!(
        o.desk.invoice_pdf(&o.davi, p.id).await.unwrap(),
        pdf.to_vec()
    );

    let q = o
        .desk
        .approval_queue(&o.bruno, Default::default())
        .await
        .unwrap();
    assert_eq!(
        q.items[0].uploaded_by_name.as_deref(),
        Some("Bruno Aprovador")
    );
    assert!(q.items[0].manual_upload);
    assert_eq!(
        q.items[0].blocked_reason.as_deref(),
        Some("Você enviou esta fatura manualmente; outra pessoa precisa aprová-la.")
    );
    let q = o
        .desk
        .approval_queue(&o.davi, Default::default())
        .await
        .unwrap();
    assert_eq!(
        q.items[0].blocked_reason.as_deref(),
        Some("Seu perfil não permite aprovar faturas.")
    );

    let e = o
        .desk
        .approve_process(&o.bruno, p.id, p.version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(
        e.message,
        "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la."
    );
    assert_eq!(o.reload(&p).await.version, p.version);
    // The uploaded PDF's amount could not be read: "Valor —" is never approved; Carla
    // types it, then approves.
    let q = o
        .desk
        .approval_queue(&o.carla, Default::default())
        .await
        .unwrap();
    assert_eq!(
        q.items[0].blocked_reason.as_deref(),
        Some("O valor desta fatura não foi lido: digite o valor antes de aprovar.")
    );
    let e = o
        .desk
        .approve_process(&o.carla, p.id, p.version, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.fields[0].field.as_str()),
        (ErrorCode::Validation, "amount")
    );
    assert_eq!(o.reload(&p).await.version, p.version, "nothing written");
    let typed = o
        .desk
        .set_invoice_values(&o.carla, p.id, p.version, Some("123,45".into()), None)
        .await
        .unwrap();
    // Issue 19: an invoice this computer cannot read, or whose bytes are not the ones
    // the process keeps the hash of, is not approved here (refused in Rust, nothing
    // written), whatever the button showed.
    let key = o.reload(&p).await.invoice_key.unwrap();
    let file = o._folder.0.join(&key);
    let kept = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let e = o
        .desk
        .approve_process(&o.carla, p.id, typed.version, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(
        e.message.contains("não consegue ler a fatura"),
        "{}",
        e.message
    );
    assert_eq!(o.reload(&p).await.version, typed.version, "nothing written");
    std::fs::write(&file, b"%PDF-1.4\n% outra fatura\n%%EOF\n").unwrap();
    let e = o
        .desk
        .approve_process(&o.carla, p.id, typed.version, None)
        .await
        .unwrap_err();
    assert!(
        e.message.contains("não consegue ler a fatura"),
        "{}",
        e.message
    );
    assert_eq!(
        o.reload(&p).await.status,
        ProcessStatus::AguardandoAprovacao
    );
    std::fs::write(&file, kept).unwrap();
    let r = o
        .desk
        .approve_process(&o.carla, p.id, typed.version, None)
        .await
        .unwrap();
    assert_eq!(r.process.status, ProcessStatus::AguardandoEnvioSat);
    assert_eq!(o.reload(&p).await.uploaded_by, Some(bruno_id));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn rejections_take_a_code_from_the_list(pool: SqlitePool) {
    let o = office(&pool).await;
    let reasons = o.desk.rejection_reasons(&o.davi).unwrap();
    assert_eq!(reasons.len(), 6);
    assert_eq!(reasons[0].code, "VALOR_DIVERGENTE");
    assert!(
        reasons
            .iter()
            .find(|r| r.code == "OUTRO")
            .unwrap()
            .text_required
    );

    o.four_eyes(true).await;
    let p = o.failing(1, "ACME LTDA").await;
    let first = o
        .desk
        .approve_process(&o.bruno, p.id, p.version, None)
        .await
        .unwrap();
    let v = first.process.version;

    // OUTRO without text, and an unknown code: field errors, nothing written.
    let e = o
        .desk
        .reject_process(&o.carla, p.id, v, "  ", Some("OUTRO"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.fields[0].field.as_str()),
        (ErrorCode::Validation, "reason")
    );
    let e = o
        .desk
        .reject_process(&o.carla, p.id, v, "qualquer motivo", Some("INVENTADO"))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "reason_code");
    assert_eq!(o.reload(&p).await.version, v);

    // A code alone: the label is the reason; the first approval is gone.
    let row = o
        .desk
        .reject_process(&o.carla, p.id, v, "", Some("FATURA_DUPLICADA"))
        .await
        .unwrap();
    assert_eq!(row.status, ProcessStatus::AguardandoDownload);
    let stored = o.reload(&p).await;
    assert_eq!(
        stored.rejection_reason_code.as_deref(),
        Some("FATURA_DUPLICADA")
    );
    assert_eq!(
        stored.last_rejection_reason.as_deref(),
        Some("Fatura duplicada")
    );
    assert_eq!(stored.first_approved_by, None);
    assert_eq!(stored.first_approved_at, None);

    // Code and text; OUTRO with enough text; no code keeps the old rule.
    let p2 = o.failing(2, "BETA SA").await;
    o.desk
        .reject_process(
            &o.carla,
            p2.id,
            p2.version,
            " já paga  em outubro ",
            Some("VALOR_DIVERGENTE"),
        )
        .await
        .unwrap();
    assert_eq!(
        o.reload(&p2).await.last_rejection_reason.as_deref(),
        Some("Valor diferente do esperado: já paga em outubro")
    );
    let p3 = o.failing(3, "GAMA ME").await;
    o.desk
        .reject_process(&o.carla, p3.id, p3.version, "cliente pediu", Some("OUTRO"))
        .await
        .unwrap();
    assert_eq!(
        o.reload(&p3).await.last_rejection_reason.as_deref(),
        Some("Outro motivo: cliente pediu")
    );
    let p4 = o.failing(4, "DELTA SA").await;
    let e = o
        .desk
        .reject_process(&o.carla, p4.id, p4.version, "ab", None)
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "reason");
    o.desk
        .reject_process(&o.carla, p4.id, p4.version, "valor errado", None)
        .await
        .unwrap();
    let s = o.reload(&p4).await;
    assert_eq!(s.rejection_reason_code, None);
    assert_eq!(s.last_rejection_reason.as_deref(), Some("valor errado"));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn typed_values_are_marked_and_bad_input_changes_nothing(pool: SqlitePool) {
    let o = office(&pool).await;
    o.four_eyes(true).await;
    let p = o.failing(1, "ACME LTDA").await;
    let first = o
        .desk
        .approve_process(&o.bruno, p.id, p.version, None)
        .await
        .unwrap();
    let v = first.process.version;

    for (amount, due, field) in [
        (Some("abc"), None, "amount"),
        (Some("-1,00"), None, "amount"),
        (Some("1.000.000.000,00"), None, "amount"),
        (None, Some("20/11/2026"), "due_date"),
        (None, Some("2101-01-10"), "due_date"),
        (None, None, "amount"),
    ] {
        let e = o
            .desk
            .set_invoice_values(
                &o.carla,
                p.id,
                v,
                amount.map(Into::into),
                due.map(Into::into),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(e.fields[0].field, field, "{amount:?} {due:?}");
    }
    let unchanged = o.reload(&p).await;
    assert_eq!(unchanged.version, v);
    assert_eq!(unchanged.amount_cents, Some(10_500));
    assert_eq!(unchanged.amount_source, Some(ValueSource::LinhaDigitavel));
    assert!(unchanged.first_approved_by.is_some());

    let e = o
        .desk
        .set_invoice_values(&o.davi, p.id, v, Some("1,00".into()), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = o
        .desk
        .set_invoice_values(&o.carla, p.id, v - 1, Some("1,00".into()), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);

    let row = o
        .desk
        .set_invoice_values(
            &o.carla,
            p.id,
            v,
            Some("R$ 1.234,56".into()),
            Some("2026-11-25".into()),
        )
        .await
        .unwrap();
    assert_eq!(row.amount.as_deref(), Some("1234.56"));
    assert_eq!(row.version, v + 1);
    let s = o.reload(&p).await;
    assert_eq!(s.amount_source, Some(ValueSource::Digitado));
    assert_eq!(s.due_date_source, Some(ValueSource::Digitado));
    assert_eq!(s.due_date, chrono::NaiveDate::from_ymd_opt(2026, 11, 25));
    assert_eq!(
        s.first_approved_by, None,
        "typing clears the first approval"
    );
    let audit = o.last_audit(p.id).await;
    assert_eq!(audit.action, "VALORES_DIGITADOS");
    assert_eq!(audit.before.unwrap()["amount"], "105.00");
    assert_eq!(audit.after.unwrap()["amount"], "1234.56");

    // Only the amount: the due date keeps its source.
    o.desk
        .set_invoice_values(&o.carla, p.id, v + 1, Some("99,9".into()), None)
        .await
        .unwrap();
    let s2 = o.reload(&p).await;
    assert_eq!(s2.amount_cents, Some(9_990));
    assert_eq!(s2.due_date, s.due_date);

    // Not waiting for approval any more: refused.
    let r = o
        .desk
        .approve_process(&o.bruno, p.id, s2.version, None)
        .await
        .unwrap();
    assert!(r.first_approval_only);
    o.desk
        .approve_process(&o.carla, p.id, r.process.version, None)
        .await
        .unwrap();
    let done = o.reload(&p).await;
    let e = o
        .desk
        .set_invoice_values(&o.carla, p.id, done.version, Some("1,00".into()), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(
        e.message.contains("Aguardando envio ao SAT"),
        "{}",
        e.message
    );
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn bulk_approval_takes_only_what_passed_everything(pool: SqlitePool) {
    let o = office(&pool).await;
    let good = o.passing(1, "ACME LTDA").await;
    let bad = o.failing(2, "BETA SA").await;
    let stale = o.passing(3, "GAMA ME").await;
    let own = o.passing(4, "DELTA SA").await;
    sqlx::query("UPDATE processes SET uploaded_by = (SELECT id FROM users WHERE email = 'bruno@beg.com.br') WHERE id = ?")
        .bind(own.id.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let own = o.reload(&own).await;
    let missing = Uuid::new_v4();

    let items = vec![
        BulkItem {
            id: good.id,
            version: good.version,
        },
        BulkItem {
            id: bad.id,
            version: bad.version,
        },
        BulkItem {
            id: stale.id,
            version: stale.version - 1,
        },
        BulkItem {
            id: own.id,
            version: own.version,
        },
        BulkItem {
            id: missing,
            version: 1,
        },
    ];
    let r = o
        .desk
        .approve_many(&o.bruno, items, Some("lote de novembro".into()))
        .await
        .unwrap();
    assert_eq!(r.approved.len(), 1);
    assert_eq!(r.approved[0].id, good.id);
    assert_eq!(r.approved[0].status, ProcessStatus::AguardandoEnvioSat);
    assert_eq!(
        o.reload(&good).await.notes.as_deref(),
        Some("lote de novembro")
    );
    let skipped: std::collections::HashMap<Uuid, (String, String)> = r
        .skipped
        .into_iter()
        .map(|s| (s.id, (s.client_name, s.message)))
        .collect();
    assert_eq!(skipped.len(), 4);
    assert_eq!(skipped[&bad.id].0, "BETA SA");
    assert!(skipped[&bad.id]
        .1
        .contains("Nem todas as verificações passaram"));
    assert!(
        skipped[&stale.id].1.contains("Recarregue"),
        "{}",
        skipped[&stale.id].1
    );
    assert_eq!(
        skipped[&own.id].1,
        "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la."
    );
    assert!(skipped[&missing].1.starts_with("Processo não encontrado"));
    for p in [&bad, &stale, &own] {
        assert_eq!(o.reload(p).await.status, ProcessStatus::AguardandoAprovacao);
    }

    let too_many: Vec<BulkItem> = (0..501)
        .map(|_| BulkItem {
            id: Uuid::new_v4(),
            version: 1,
        })
        .collect();
    let e = o
        .desk
        .approve_many(&o.bruno, too_many, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.fields[0].field.as_str()),
        (ErrorCode::Validation, "items")
    );
    let e = o
        .desk
        .approve_many(&o.davi, vec![], None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn queue_sorts_filters_and_the_history_is_ascending(pool: SqlitePool) {
    let o = office(&pool).await;
    let a = o.client(1, "ACME LTDA").await;
    let b = o.client(2, "BETA SA").await;
    let c = o.client(3, "CASA ME").await;
    let months: Vec<String> = (1..=12)
        .map(|m| format!("2025-{m:02}"))
        .chain((1..=11).map(|m| format!("2026-{m:02}")))
        .collect();
    o.months(&months.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    o.set(
        a,
        MONTH,
        ProcessStatus::AguardandoAprovacao,
        Some(30_000),
        Some("2026-11-25"),
        Some("VALIDA"),
    )
    .await;
    o.set(
        b,
        MONTH,
        ProcessStatus::AguardandoAprovacao,
        Some(10_000),
        None,
        Some("AUSENTE"),
    )
    .await;
    o.set(
        c,
        MONTH,
        ProcessStatus::AguardandoAprovacao,
        None,
        Some("2026-11-10"),
        Some("VALIDA"),
    )
    .await;
    o.set(
        c,
        "2026-10",
        ProcessStatus::AguardandoAprovacao,
        Some(20_000),
        Some("2026-10-10"),
        Some("VALIDA"),
    )
    .await;

    let names = |q: &brm_service::ApprovalQueue| {
        q.items
            .iter()
            .map(|i| format!("{} {}", i.row.client_name, i.row.reference_month))
            .collect::<Vec<_>>()
    };
    let queue = |sort: &str, descending: bool| {
        o.desk.approval_queue(
            &o.bruno,
            ApprovalQueueFilter {
                sort: Some(sort.into()),
                descending,
                ..Default::default()
            },
        )
    };
    let q = queue("vencimento", false).await.unwrap();
    assert_eq!(q.total, 4);
    assert_eq!(
        names(&q),
        [
            "CASA ME 2026-10",
            "CASA ME 2026-11",
            "ACME LTDA 2026-11",
            "BETA SA 2026-11"
        ]
    );
    let q = queue("valor", true).await.unwrap();
    assert_eq!(
        names(&q),
        [
            "ACME LTDA 2026-11",
            "CASA ME 2026-10",
            "BETA SA 2026-11",
            "CASA ME 2026-11"
        ]
    );
    let q = queue("cliente", true).await.unwrap();
    assert_eq!(
        names(&q),
        [
            "CASA ME 2026-10",
            "CASA ME 2026-11",
            "BETA SA 2026-11",
            "ACME LTDA 2026-11"
        ]
    );
    let q = queue("operadora", false).await.unwrap();
    assert_eq!(q.items[0].row.operator_name, "Vivo");
    let e = queue("preço", false).await.unwrap_err();
    assert_eq!(e.fields[0].field, "sort");

    // Filters: month, text.
    let filtered = |month: Option<&str>, search: Option<&str>| {
        o.desk.approval_queue(
            &o.bruno,
            ApprovalQueueFilter {
                month: month.map(str::to_string),
                search: search.map(str::to_string),
                ..Default::default()
            },
        )
    };
    let q = filtered(Some("2026-10"), None).await.unwrap();
    assert_eq!(names(&q), ["CASA ME 2026-10"]);
    let q = filtered(None, Some("beta")).await.unwrap();
    assert_eq!(names(&q), ["BETA SA 2026-11"]);
    let e = filtered(Some("11/2026"), None).await.unwrap_err();
    assert_eq!(e.fields[0].field, "month");

    // Items carry values, sources and the checks read from the stored columns.
    let q = queue("vencimento", false).await.unwrap();
    let beta = q
        .items
        .iter()
        .find(|i| i.row.client_name == "BETA SA")
        .unwrap();
    assert_eq!(beta.amount_cents, Some(10_000));
    assert_eq!(beta.amount_source, Some(ValueSource::LinhaDigitavel));
    assert_eq!(beta.checks.len(), 5);
    assert!(!beta.all_passed);
    assert_eq!(beta.blocked_reason, None);
    let json = serde_json::to_value(beta).unwrap();
    for key in [
        "client_name",
        "amount",
        "checks",
        "all_passed",
        "four_eyes_required",
        "first_approval",
        "blocked_reason",
        "can_bulk_approve",
        "uploaded_by_name",
    ] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }

    // The history: the last 12 reference months, oldest first.
    for (i, m) in months.iter().enumerate().take(22) {
        o.set(
            a,
            m,
            ProcessStatus::UploadRealizado,
            Some(1_000 + i as i64),
            None,
            None,
        )
        .await;
    }
    let h = o
        .desk
        .client_invoice_history(&o.davi, a, None)
        .await
        .unwrap();
    assert_eq!(h.len(), 12);
    assert_eq!(h[0].reference_month, "2025-12");
    assert_eq!(h[11].reference_month, "2026-11");
    assert_eq!(h[10].status, ProcessStatus::UploadRealizado);
    assert_eq!(h[11].status, ProcessStatus::AguardandoAprovacao);
    assert_eq!(h[11].amount_cents, Some(30_000));
    assert_eq!(h[0].amount_cents, Some(1_011));
    let h = o
        .desk
        .client_invoice_history(&o.davi, a, Some(3))
        .await
        .unwrap();
    assert_eq!(
        h.iter()
            .map(|p| p.reference_month.as_str())
            .collect::<Vec<_>>(),
        ["2026-09", "2026-10", "2026-11"]
    );
    let e = o
        .desk
        .client_invoice_history(&o.davi, Uuid::new_v4(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = o
        .desk
        .client_invoice_history(&o.davi, a, Some(0))
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "months");
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_thousand_waiting_invoices_load_fast(pool: SqlitePool) {
    let o = office(&pool).await;
    const N: usize = 1000;
    for i in 0..N {
        o.client(10_000 + i as u64, &format!("CLIENTE {i:04} LTDA"))
            .await;
    }
    o.months(&["2026-07", "2026-08", "2026-09", "2026-10", MONTH])
        .await;
    sqlx::query(
        "UPDATE processes SET status = 'UPLOAD_REALIZADO', amount_cents = 10000 + abs(random() % 1000),
                due_date = reference_month || '-20', invoice_sha256 = lower(hex(randomblob(32))),
                payment_line_status = 'VALIDA'
         WHERE reference_month <> ?",
    )
    .bind(MONTH)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(&format!(
        "UPDATE processes SET status = 'AGUARDANDO_APROVACAO', amount_cents = 10000 + abs(random() % 5000),
                due_date = '2026-11-' || printf('%02d', 3 + abs(random() % 25)),
                amount_source = 'LINHA_DIGITAVEL', due_date_source = 'TEXTO_DA_FATURA',
                invoice_sha256 = lower(hex(randomblob(32))), payment_line_status = 'VALIDA',
                invoice_identity = {}
         WHERE reference_month = ?",
        common::IDENTITY_SQL
    ))
    .bind(MONTH)
    .execute(&pool)
    .await
    .unwrap();

    let started = Instant::now();
    let q = o
        .desk
        .approval_queue(&o.bruno, Default::default())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    println!("approval queue: {} invoices in {elapsed:?}", q.items.len());
    assert_eq!(q.items.len(), N);
    assert_eq!(q.total, N as i64);
    // Ordered by due date, and the checks saw each client's three earlier months.
    assert!(q
        .items
        .windows(2)
        .all(|w| w[0].row.due_date <= w[1].row.due_date));
    assert!(q
        .items
        .iter()
        .all(|i| i.checks[0].reason.contains("últimos 3 meses")));
    assert!(q.items.iter().any(|i| i.can_bulk_approve));
    // A debug build on a shared machine: generous, but one query per invoice would not fit.
    assert!(elapsed.as_millis() < 1000, "{elapsed:?}");
}
