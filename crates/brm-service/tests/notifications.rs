//! The alert scan and the approval from a desktop notification (issue 6), through `Desk`
//! as the desktop shell calls it, on a real SQLite database (and once on PostgreSQL):
//! priming, what counts as new, "Aprovar" offered exactly when the approval queue would
//! bulk-approve, attention alerts with their reason, and "Aprovar" clicked: approved with
//! the origin in the audit trail, or the window opened with a follow-up saying why not.

mod common;

use brm_core::audit::{Actor, AuditEvent};
use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus};
use brm_core::notice::{AlertKind, NoticeTarget};
use brm_core::process::{Process, ProcessStatus, ValueSource};
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::approval_desk::NOTIFICATION_ORIGIN;
use brm_service::{ActionOutcome, AlertTracker, ApprovalSettings, Desk};
use brm_store::Store;
use chrono::{NaiveDate, Utc};
use common::login;
use sqlx::SqlitePool;
use std::sync::Arc;
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
}

async fn office(pool: &SqlitePool) -> Office {
    let store = common::sqlite_store(pool);
    let desk = Desk::with_clock(store.clone(), common::clock_at(2026, 11, 2, 17, 3))
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
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

    /// Puts a client's process of `month` in `status` with an invoice and these values
    /// (SQL, as the robot would have left it; the version does not move).
    async fn set(&self, client: Uuid, month: &str, status: ProcessStatus, cents: i64, due: &str) {
        let values = (Some(cents), Some(due), Some("VALIDA"));
        common::set_invoice(&self.pool, client, month, status, values).await
    }

    async fn process(&self, client: Uuid, month: &str) -> Process {
        common::process_of(&*self.store, &self.pool, client, month).await
    }

    async fn reload(&self, p: &Process) -> Process {
        self.store.process_by_id(p.id).await.unwrap().unwrap()
    }

    /// A client whose November invoice passes every check: three earlier months of
    /// R$ 100,00, R$ 105,00 due on 20/11 (the clock says 02/11), a valid payment line.
    async fn passing(&self, n: u64, name: &str) -> Process {
        let c = self.client(n, name).await;
        common::passing_history(&self.desk, &self.admin, &self.pool, c).await;
        self.process(c, MONTH).await
    }

    /// A client's first invoice: nothing to compare its amount with, so not every check
    /// passes.
    async fn failing(&self, n: u64, name: &str) -> Process {
        let c = self.client(n, name).await;
        self.months(&[MONTH]).await;
        self.set(
            c,
            MONTH,
            ProcessStatus::AguardandoAprovacao,
            10_500,
            "2026-11-20",
        )
        .await;
        self.process(c, MONTH).await
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

    async fn user_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
            .bind(email)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn trail_len(&self, id: Uuid) -> usize {
        self.store
            .audit_trail("processo", Some(id), 500)
            .await
            .unwrap()
            .len()
    }
}

fn target(p: &Process) -> NoticeTarget {
    NoticeTarget::Processo {
        id: p.id,
        version: p.version,
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn the_first_scan_primes_silently_and_later_ones_tell_what_is_new(pool: SqlitePool) {
    let o = office(&pool).await;
    let acme = o.passing(1, "ACME LTDA").await;
    let mut bruno = AlertTracker::default();

    // Opening the app: the queue is not announced, but the totals are there.
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(bruno.is_primed());
    assert!(s.batch.alerts.is_empty());
    assert_eq!((s.batch.new_waiting, s.batch.new_attention), (0, 0));
    assert_eq!((s.waiting_total, s.attention_total), (1, 0));
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(s.batch.alerts.is_empty());

    // A new invoice that passes every check: one alert, "Aprovar" offered.
    let beta = o.passing(2, "BETA SA").await;
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert_eq!((s.batch.new_waiting, s.batch.new_attention), (1, 0));
    assert_eq!(s.waiting_total, 2);
    assert_eq!(s.batch.alerts.len(), 1);
    let a = &s.batch.alerts[0];
    assert_eq!(a.kind, AlertKind::Aguardando);
    assert_eq!((a.process_id, a.version), (beta.id, beta.version));
    assert_eq!(
        (a.client_name.as_str(), a.operator_name.as_str()),
        ("BETA SA", "Vivo")
    );
    assert_eq!(a.reference_month, MONTH);
    assert_eq!(a.amount_cents, Some(10_500));
    assert_eq!(a.due_date, NaiveDate::from_ymd_opt(2026, 11, 20));
    assert!(a.can_approve);
    assert_eq!(a.detail, None);
    // Told once.
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(s.batch.alerts.is_empty());

    // A new version of an invoice still waiting (typed values) is not news.
    o.desk
        .set_invoice_values(&o.carla, acme.id, acme.version, Some("106,00".into()), None)
        .await
        .unwrap();
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(s.batch.alerts.is_empty());
    assert_eq!(s.batch.new_waiting, 0);

    // Rejected (it leaves the queue, forgotten), downloaded again: news again.
    o.desk
        .reject_process(
            &o.carla,
            beta.id,
            beta.version,
            "",
            Some("FATURA_DUPLICADA"),
        )
        .await
        .unwrap();
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(s.batch.alerts.is_empty());
    assert_eq!(s.waiting_total, 1);
    o.set(
        beta.client_id,
        MONTH,
        ProcessStatus::AguardandoAprovacao,
        10_400,
        "2026-11-21",
    )
    .await;
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert_eq!(s.batch.alerts.len(), 1);
    assert_eq!(s.batch.alerts[0].process_id, beta.id);
    assert_eq!(s.batch.alerts[0].kind, AlertKind::Aguardando);
    assert_eq!(s.batch.alerts[0].amount_cents, Some(10_400));

    // Another desktop's tracker is its own: Carla's first scan primes, silently.
    let mut carla = AlertTracker::default();
    let s = o.desk.scan_alerts(&o.carla, &mut carla).await.unwrap();
    assert!(s.batch.alerts.is_empty() && s.waiting_total == 2);
    // A reset tracker primes again.
    bruno.reset();
    assert!(!bruno.is_primed());
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(s.batch.alerts.is_empty());

    // Only approvers are told; the tray's number is for everybody logged in.
    let mut davi = AlertTracker::default();
    let e = o.desk.scan_alerts(&o.davi, &mut davi).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(!davi.is_primed());
    assert_eq!(o.desk.waiting_total(&o.davi).await.unwrap(), 2);
    assert_eq!(o.desk.waiting_total(&o.admin).await.unwrap(), 2);
    o.desk.logout(&o.davi).await.unwrap();
    let e = o.desk.waiting_total(&o.davi).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    let e = o
        .desk
        .scan_alerts("token-inventado", &mut davi)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
}

/// "Aprovar" is offered exactly when the approval queue would bulk-approve the invoice
/// for this session: not under four eyes with a failing check, not on one's own upload.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn aprovar_is_offered_exactly_when_the_queue_would_bulk_approve(pool: SqlitePool) {
    let o = office(&pool).await;
    o.four_eyes(true).await;
    let (mut bruno, mut carla) = (AlertTracker::default(), AlertTracker::default());
    o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    o.desk.scan_alerts(&o.carla, &mut carla).await.unwrap();

    let good = o.passing(1, "ACME LTDA").await;
    let bad = o.failing(2, "BETA SA").await;
    let own = o.passing(3, "GAMA ME").await;
    sqlx::query("UPDATE processes SET uploaded_by = ?, manual_upload = 1 WHERE id = ?")
        .bind(o.user_id("bruno@beg.com.br").await)
        .bind(own.id.to_string())
        .execute(&pool)
        .await
        .unwrap();

    for (token, tracker, own_ok) in [(&o.bruno, &mut bruno, false), (&o.carla, &mut carla, true)] {
        let s = o.desk.scan_alerts(token, tracker).await.unwrap();
        assert_eq!(s.batch.new_waiting, 3);
        assert_eq!(s.batch.alerts.len(), 3);
        let offered = |id: Uuid| {
            s.batch
                .alerts
                .iter()
                .find(|a| a.process_id == id)
                .unwrap()
                .can_approve
        };
        assert!(offered(good.id));
        assert!(!offered(bad.id), "four eyes and a failing check");
        assert_eq!(offered(own.id), own_ok, "the session's own upload");
        let queue = o
            .desk
            .approval_queue(token, Default::default())
            .await
            .unwrap();
        for item in &queue.items {
            assert_eq!(
                offered(item.row.id),
                item.can_bulk_approve,
                "{}",
                item.row.client_name
            );
        }
    }
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn attention_alerts_say_why(pool: SqlitePool) {
    let o = office(&pool).await;
    let c = o.client(1, "ACME LTDA").await;
    o.months(&[MONTH]).await;
    let p = o.process(c, MONTH).await;
    let mut bruno = AlertTracker::default();
    o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();

    // The robot failed for good, as the worker leaves it: a failed execution with its
    // error, then the process marked as needing attention.
    let at = Utc::now();
    o.store
        .insert_execution(&Execution {
            id: Uuid::new_v4(),
            process_id: p.id,
            kind: ExecutionKind::DownloadFatura,
            status: ExecutionStatus::Falhou,
            job_id: None,
            endpoint: None,
            request: None,
            result: None,
            progress: 100,
            attempt: 1,
            started_at: Some(at),
            finished_at: Some(at),
            error: Some("Senha do portal incorreta.".into()),
            error_class: Some(ErrorClass::Negocio),
            triggered_by: "teste".into(),
            created_at: at,
            updated_at: at,
        })
        .await
        .unwrap();
    let mark = |on: bool| {
        sqlx::query("UPDATE processes SET needs_attention = ? WHERE id = ?")
            .bind(on)
            .bind(p.id.to_string())
            .execute(&pool)
    };
    mark(true).await.unwrap();
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert_eq!((s.batch.new_waiting, s.batch.new_attention), (0, 1));
    assert_eq!((s.waiting_total, s.attention_total), (0, 1));
    assert_eq!(s.batch.alerts.len(), 1);
    let a = &s.batch.alerts[0];
    assert_eq!(a.kind, AlertKind::Atencao);
    assert_eq!(a.process_id, p.id);
    assert_eq!(a.client_name, "ACME LTDA");
    assert!(!a.can_approve);
    assert_eq!(
        a.detail.as_deref(),
        Some("Download da fatura: Senha do portal incorreta.")
    );
    assert!(o
        .desk
        .scan_alerts(&o.bruno, &mut bruno)
        .await
        .unwrap()
        .batch
        .alerts
        .is_empty());

    // Retried by a person (attention cleared), failed for good again: told again.
    mark(false).await.unwrap();
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert!(s.batch.alerts.is_empty() && s.attention_total == 0);
    mark(true).await.unwrap();
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert_eq!(s.batch.alerts.len(), 1);
    assert_eq!(s.batch.alerts[0].kind, AlertKind::Atencao);
}

/// Many at once: the counts are the true numbers, the details stop at 50.
#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_burst_counts_everything_and_details_fifty(pool: SqlitePool) {
    let o = office(&pool).await;
    for n in 1..=60 {
        o.client(n, &format!("CLIENTE {n:02}")).await;
    }
    o.months(&[MONTH]).await;
    let mut bruno = AlertTracker::default();
    o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    sqlx::query(
        "UPDATE processes SET status = 'AGUARDANDO_APROVACAO', amount_cents = 100,
                due_date = '2026-11-20', invoice_sha256 = lower(hex(randomblob(32)))",
    )
    .execute(&pool)
    .await
    .unwrap();
    let s = o.desk.scan_alerts(&o.bruno, &mut bruno).await.unwrap();
    assert_eq!(s.batch.new_waiting, 60);
    assert_eq!(s.waiting_total, 60);
    assert_eq!(s.batch.alerts.len(), 50);
    assert!(s
        .batch
        .alerts
        .iter()
        .all(|a| a.kind == AlertKind::Aguardando));
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn aprovar_on_a_notification_approves_or_opens_the_window_saying_why(pool: SqlitePool) {
    let o = office(&pool).await;
    let p = o.passing(1, "ACME LTDA").await;

    // Approved with Bruno's session and the version the notification showed.
    let before = o.trail_len(p.id).await;
    let out = o
        .desk
        .notification_action(Some(&o.bruno), "aprovar", target(&p))
        .await;
    let ActionOutcome::Approved { follow_up } = out else {
        panic!("expected an approval: {out:?}");
    };
    let now = o.reload(&p).await;
    assert_eq!(now.status, ProcessStatus::AguardandoEnvioSat);
    assert_eq!(now.version, p.version + 1);
    assert_eq!(follow_up.title, "Fatura aprovada");
    assert_eq!(
        follow_up.body,
        "ACME LTDA · Vivo · 11/2026\nFatura aprovada."
    );
    assert!(!follow_up.approve);
    assert_eq!(follow_up.target, target(&now));
    let trail = o
        .store
        .audit_trail("processo", Some(p.id), 5)
        .await
        .unwrap();
    assert_eq!(trail.len(), before + 1);
    assert_eq!(trail[0].action, "APROVAR");
    assert_eq!(trail[0].actor.name, "Bruno Aprovador");
    let detail = trail[0].detail.clone().unwrap();
    assert!(detail.contains("notificação"), "{detail}");
    assert_eq!(detail, NOTIFICATION_ORIGIN);

    // Carla clicks her (older) notification of the same invoice: decided first by Bruno.
    let out = o
        .desk
        .notification_action(Some(&o.carla), "aprovar", target(&p))
        .await;
    let ActionOutcome::Open {
        target: open,
        follow_up: Some(n),
    } = out
    else {
        panic!("expected the window with a follow-up: {out:?}");
    };
    assert_eq!(
        open,
        target(&now),
        "the window opens on the current version"
    );
    assert_eq!(n.title, "Não foi possível aprovar pela notificação");
    assert!(n.body.starts_with("Fatura de ACME LTDA: "), "{}", n.body);
    assert!(
        n.body.contains("já foi decidido por Bruno Aprovador"),
        "{}",
        n.body
    );
    assert!(!n.approve);
    assert_eq!(o.reload(&p).await, now);
    assert_eq!(o.trail_len(p.id).await, before + 1);

    // The session ended (or nobody is logged in): the window, and a follow-up that says so.
    let q = o.passing(2, "BETA SA").await;
    o.desk.logout(&o.carla).await.unwrap();
    for token in [Some(o.carla.as_str()), None] {
        let out = o
            .desk
            .notification_action(token, "aprovar", target(&q))
            .await;
        let ActionOutcome::Open {
            target: open,
            follow_up: Some(n),
        } = out
        else {
            panic!("expected the window with a follow-up: {out:?}");
        };
        assert_eq!(open, target(&q));
        assert_eq!(
            n.body,
            "Sua sessão terminou. Entre novamente para decidir a fatura de BETA SA."
        );
        assert!(n.body.contains("sessão terminou"));
    }
    assert_eq!(o.reload(&q).await, q);

    // An OPERADOR may not approve, from a notification either.
    let out = o
        .desk
        .notification_action(Some(&o.davi), "aprovar", target(&q))
        .await;
    let ActionOutcome::Open {
        follow_up: Some(n), ..
    } = out
    else {
        panic!("expected the window with a follow-up: {out:?}");
    };
    assert!(
        n.body.contains("Seu perfil não permite aprovar faturas"),
        "{}",
        n.body
    );
    assert_eq!(o.reload(&q).await, q);

    // "Abrir", a click on the body, anything unknown, or "Aprovar" on a summary: open.
    for action in ["abrir", "tap", "default", "qualquer-coisa"] {
        assert_eq!(
            o.desk
                .notification_action(Some(&o.bruno), action, target(&q))
                .await,
            ActionOutcome::Open {
                target: target(&q),
                follow_up: None
            }
        );
    }
    for summary in [NoticeTarget::Aprovacao, NoticeTarget::Atencao] {
        assert_eq!(
            o.desk
                .notification_action(Some(&o.bruno), "aprovar", summary)
                .await,
            ActionOutcome::Open {
                target: summary,
                follow_up: None
            }
        );
    }
    assert_eq!(o.reload(&q).await, q);
}

#[sqlx::test(migrator = "brm_store::sqlite::MIGRATOR")]
async fn a_notification_never_approves_what_must_be_looked_at(pool: SqlitePool) {
    let o = office(&pool).await;
    let bad = o.failing(1, "ACME LTDA").await;
    let trail = o.trail_len(bad.id).await;

    // A check not passed: CONFLICT, nothing written, even with four eyes off (where the
    // window would approve it at once).
    let e = o
        .desk
        .approve_from_notification(&o.bruno, bad.id, bad.version)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(
        e.message
            .starts_with("Esta fatura precisa ser conferida na janela: Variação do valor: "),
        "{}",
        e.message
    );
    assert!(!e.message.contains("quatro olhos"), "{}", e.message);
    assert_eq!(o.reload(&bad).await, bad);
    assert_eq!(o.trail_len(bad.id).await, trail);

    // Four eyes on: the message says so; no first approval is recorded.
    o.four_eyes(true).await;
    let e = o
        .desk
        .approve_from_notification(&o.bruno, bad.id, bad.version)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("quatro olhos"), "{}", e.message);
    let out = o
        .desk
        .notification_action(Some(&o.bruno), "aprovar", target(&bad))
        .await;
    let ActionOutcome::Open {
        target: open,
        follow_up: Some(n),
    } = out
    else {
        panic!("expected the window with a follow-up: {out:?}");
    };
    assert_eq!(open, target(&bad));
    assert_eq!(n.body, format!("Fatura de ACME LTDA: {}", e.message));
    let unchanged = o.reload(&bad).await;
    assert_eq!(unchanged, bad);
    assert_eq!(unchanged.first_approved_by, None);
    assert_eq!(o.trail_len(bad.id).await, trail);

    // One's own upload: refused as in the window, nothing written.
    let own = o.passing(2, "BETA SA").await;
    sqlx::query("UPDATE processes SET uploaded_by = ?, manual_upload = 1 WHERE id = ?")
        .bind(o.user_id("bruno@beg.com.br").await)
        .bind(own.id.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let own = o.reload(&own).await;
    let e = o
        .desk
        .approve_from_notification(&o.bruno, own.id, own.version)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(
        e.message,
        "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la."
    );
    assert_eq!(o.reload(&own).await, own);

    // The window's own approval of the same failing invoice is unchanged: four eyes
    // takes a first approval, with no origin in its detail.
    let r = o
        .desk
        .approve_process(&o.bruno, bad.id, bad.version, None)
        .await
        .unwrap();
    assert!(r.first_approval_only);
    let last = o
        .store
        .audit_trail("processo", Some(bad.id), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(last.action, "PRIMEIRA_APROVACAO");
    assert!(!last.detail.unwrap().contains("notificação"));
}

/// Puts a process in `status` with these values, through the store (as the worker would).
async fn pg_set(
    store: &Arc<dyn Store>,
    id: Uuid,
    status: ProcessStatus,
    cents: i64,
    due: &str,
    sha: &str,
) {
    let mut p = store.process_by_id(id).await.unwrap().unwrap();
    let v = p.version;
    p.status = status;
    p.amount_cents = Some(cents);
    p.amount_source = Some(ValueSource::LinhaDigitavel);
    p.due_date = Some(due.parse().unwrap());
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

/// The scan and "Aprovar" from a notification on PostgreSQL: priming, a new invoice with
/// "Aprovar" offered, approved with the origin audited, then the stale click opens the
/// window saying who decided.
#[tokio::test]
async fn scan_and_approve_from_a_notification_on_postgres() {
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
    let acme = common::add_client(&desk, &admin, "ACME LTDA", "13.878.375/0001-09", op).await;
    for m in ["2099-08", "2099-09", "2099-10", "2099-11"] {
        desk.create_month_processes(&admin, m, None).await.unwrap();
    }
    let history = desk
        .client_invoice_history(&admin, acme, Some(60))
        .await
        .unwrap();
    let id_of = |m: &str| {
        history
            .iter()
            .find(|h| h.reference_month == m)
            .unwrap()
            .process_id
    };
    for (m, due, sha) in [
        ("2099-08", "2099-08-20", "a1"),
        ("2099-09", "2099-09-20", "a2"),
        ("2099-10", "2099-10-20", "a3"),
    ] {
        pg_set(
            &store,
            id_of(m),
            ProcessStatus::UploadRealizado,
            10_000,
            due,
            sha,
        )
        .await;
    }
    let mut tracker = AlertTracker::default();
    let s = desk.scan_alerts(&bruno, &mut tracker).await.unwrap();
    assert!(s.batch.alerts.is_empty() && s.waiting_total == 0);

    let id = id_of("2099-11");
    pg_set(
        &store,
        id,
        ProcessStatus::AguardandoAprovacao,
        10_500,
        "2099-11-20",
        "a4",
    )
    .await;
    let s = desk.scan_alerts(&bruno, &mut tracker).await.unwrap();
    assert_eq!((s.batch.new_waiting, s.waiting_total), (1, 1));
    let a = &s.batch.alerts[0];
    assert_eq!((a.kind, a.process_id), (AlertKind::Aguardando, id));
    assert_eq!(
        (a.client_name.as_str(), a.operator_name.as_str()),
        ("ACME LTDA", "Vivo")
    );
    assert_eq!(a.amount_cents, Some(10_500));
    assert!(a.can_approve);
    let shown = NoticeTarget::Processo {
        id,
        version: a.version,
    };

    let out = desk
        .notification_action(Some(&bruno), "aprovar", shown)
        .await;
    let ActionOutcome::Approved { follow_up } = out else {
        panic!("expected an approval: {out:?}");
    };
    assert_eq!(
        follow_up.body,
        "ACME LTDA · Vivo · 11/2099\nFatura aprovada."
    );
    let p = store.process_by_id(id).await.unwrap().unwrap();
    assert_eq!(p.status, ProcessStatus::AguardandoEnvioSat);
    assert_eq!(
        follow_up.target,
        NoticeTarget::Processo {
            id,
            version: p.version
        }
    );
    let last = store
        .audit_trail("processo", Some(id), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(last.action, "APROVAR");
    assert!(last.detail.unwrap().contains("notificação"));

    let out = desk
        .notification_action(Some(&carla), "aprovar", shown)
        .await;
    let ActionOutcome::Open {
        follow_up: Some(n), ..
    } = out
    else {
        panic!("expected the window with a follow-up: {out:?}");
    };
    assert!(
        n.body.contains("já foi decidido por Bruno Aprovador"),
        "{}",
        n.body
    );
    assert_eq!(store.process_by_id(id).await.unwrap().unwrap(), p);
    let s = desk.scan_alerts(&bruno, &mut tracker).await.unwrap();
    assert!(s.batch.alerts.is_empty() && s.waiting_total == 0);
}
