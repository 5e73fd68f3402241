//! One rule, two places (issue 17): a decision on an invoice is checked by brm-core through
//! the desk on the embedded SQLite, and by the shared database's own functions
//! (brm_approve, brm_reject, brm_cancel) called by people logged in as themselves. One
//! table of cases (status × decision × profile × four eyes × the checks × own upload ×
//! version × an earlier first approval) runs through both; every outcome (the new status,
//! "first approval only", or the refusal's code) and the row left behind must be the same.

mod common;
mod shared_common;

use brm_core::audit::{Actor, AuditEvent};
use brm_core::clock::ManualClock;
use brm_core::process::{Month, PaymentLineStatus, ProcessStatus};
use brm_core::user::NewAdminInput;
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::ApprovalSettings;
use brm_service::Desk;
use brm_store::postgres::{shared, PgStore};
use brm_store::Store;
use chrono::{Duration, Utc};
use common::{add_operator, cnpj, create_user, login, sqlite_store};
use shared_common::Person;
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Act {
    Approve,
    Reject,
    Cancel,
}

/// Who decides: Ana (ADMINISTRADOR), Bia (APROVADOR), Caio (OPERADOR). Beto, another
/// APROVADOR, is "someone else" for an earlier first approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Ana,
    Bia,
    Caio,
    Beto,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum First {
    Nobody,
    Me,
    Other,
}

/// The invoice's checks (brm-core's approval::evaluate; the database's brm_checks_passed):
/// what the client's earlier months and the invoice itself look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checks {
    /// R$ 103,00 against last month's R$ 100,00, due in 60 days, a valid payment line.
    Pass,
    /// No earlier amount to compare with.
    NoHistory,
    /// R$ 120,01 against R$ 100,00 (20,01% above; the tolerance is 20%).
    AmountAbove,
    /// R$ 120,00 against R$ 100,00: exactly the tolerance.
    AtTolerance,
    /// R$ 79,99 against R$ 100,00.
    AmountBelow,
    /// The last three months (R$ 100, 110, 120) make the average, not the fourth (R$ 1.000).
    ThreeMonths,
    /// An earlier month has the same file.
    SameFile,
    /// An earlier month has the same amount and due date.
    SameBill,
    /// Due yesterday.
    PastDue,
    /// Due today (attention, not a failure).
    DueToday,
    /// No due date.
    NoDueDate,
    /// No amount.
    NoAmount,
    /// The payment line is invalid.
    LineInvalid,
    /// The invoice has no payment line (attention, not a failure).
    LineAbsent,
    /// Last month R$ 0,00 and this month R$ 0,00 (no variation to measure, none found).
    ZeroSame,
    /// Last month R$ 0,00 and this month R$ 5,00.
    ZeroDiffer,
    /// The invoice says last month (issue 18).
    WrongMonth,
    /// The invoice names only another company's CNPJ.
    WrongCnpj,
    /// The invoice names another account code.
    WrongAccount,
    /// The same account code, written with zeros, spaces and capitals: a pass.
    AccountWritten,
    /// The invoice was never read for its identity (older rows).
    IdentityUnread,
    /// Read, and it names no month, CNPJ or account: not a pass.
    IdentityBlank,
    /// Only the month printed, and right: a pass.
    MonthOnly,
}

impl Checks {
    const ALL: [Checks; 23] = [
        Checks::Pass,
        Checks::NoHistory,
        Checks::AmountAbove,
        Checks::AtTolerance,
        Checks::AmountBelow,
        Checks::ThreeMonths,
        Checks::SameFile,
        Checks::SameBill,
        Checks::PastDue,
        Checks::DueToday,
        Checks::NoDueDate,
        Checks::NoAmount,
        Checks::LineInvalid,
        Checks::LineAbsent,
        Checks::ZeroSame,
        Checks::ZeroDiffer,
        Checks::WrongMonth,
        Checks::WrongCnpj,
        Checks::WrongAccount,
        Checks::AccountWritten,
        Checks::IdentityUnread,
        Checks::IdentityBlank,
        Checks::MonthOnly,
    ];
}

#[derive(Clone, Copy, Debug)]
struct Case {
    status: ProcessStatus,
    act: Act,
    who: Who,
    four_eyes: bool,
    checks: Checks,
    own_upload: bool,
    stale: bool,
    first: First,
}

/// What happened, and the row left behind: (status, version moved, approved by the
/// decider, first approval by the decider).
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    outcome: Result<(ProcessStatus, bool), ErrorCode>,
    after: (ProcessStatus, i64, bool, bool),
}

const STATUSES: [ProcessStatus; 5] = [
    ProcessStatus::AguardandoDownload,
    ProcessStatus::AguardandoAprovacao,
    ProcessStatus::AguardandoEnvioSat,
    ProcessStatus::UploadRealizado,
    ProcessStatus::Cancelado,
];

fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    for status in STATUSES {
        for who in [Who::Ana, Who::Bia, Who::Caio] {
            for own_upload in [false, true] {
                for stale in [false, true] {
                    for four_eyes in [false, true] {
                        for checks in [Checks::NoHistory, Checks::Pass] {
                            for first in [First::Nobody, First::Me, First::Other] {
                                all.push(Case {
                                    status,
                                    act: Act::Approve,
                                    who,
                                    four_eyes,
                                    checks,
                                    own_upload,
                                    stale,
                                    first,
                                });
                            }
                        }
                    }
                    for act in [Act::Reject, Act::Cancel] {
                        all.push(Case {
                            status,
                            act,
                            who,
                            four_eyes: false,
                            checks: Checks::Pass,
                            own_upload,
                            stale,
                            first: First::Nobody,
                        });
                    }
                }
            }
        }
    }
    // Every kind of check, where it decides something: an approver under four eyes.
    for checks in Checks::ALL {
        all.push(Case {
            status: ProcessStatus::AguardandoAprovacao,
            act: Act::Approve,
            who: Who::Bia,
            four_eyes: true,
            checks,
            own_upload: false,
            stale: false,
            first: First::Nobody,
        });
    }
    all
}

/// How one backend decides, as `who`.
enum Decider {
    Desk(Desk, HashMap<Who, String>),
    /// A desk per person on personal database logins, as each one's desktop would be.
    PersonDesks(HashMap<Who, (Desk, String)>),
    Functions(HashMap<Who, PgPool>),
}

impl Decider {
    async fn decide(
        &self,
        who: Who,
        act: Act,
        id: Uuid,
        version: i64,
    ) -> Result<(ProcessStatus, bool), ErrorCode> {
        const REASON: &str = "Valor muito acima do contrato";
        const CANCEL: &str = "Cliente encerrou o contrato";
        let one;
        let (desk, t) = match self {
            Decider::Desk(desk, tokens) => (desk, &tokens[&who]),
            Decider::PersonDesks(desks) => {
                one = &desks[&who];
                (&one.0, &one.1)
            }
            Decider::Functions(_) => return self.decide_in_sql(who, act, id, version).await,
        };
        {
            {
                let r = match act {
                    Act::Approve => desk
                        .approve_process(t, id, version, None)
                        .await
                        .map(|r| (r.process.status, r.first_approval_only)),
                    Act::Reject => desk
                        .reject_process(t, id, version, REASON, Some("VALOR_DIVERGENTE"))
                        .await
                        .map(|p| (p.status, false)),
                    Act::Cancel => desk
                        .cancel_process(t, id, version, CANCEL)
                        .await
                        .map(|p| (p.status, false)),
                };
                r.map_err(|e| e.code)
            }
        }
    }

    async fn decide_in_sql(
        &self,
        who: Who,
        act: Act,
        id: Uuid,
        version: i64,
    ) -> Result<(ProcessStatus, bool), ErrorCode> {
        const REASON: &str = "Valor muito acima do contrato";
        const CANCEL: &str = "Cliente encerrou o contrato";
        match self {
            Decider::Desk(..) | Decider::PersonDesks(_) => unreachable!(),
            Decider::Functions(pools) => {
                let pool = &pools[&who];
                let r = match act {
                    Act::Approve => sqlx::query(
                        "SELECT status, first_approval_only FROM brm_approve($1, $2, NULL)",
                    )
                    .bind(id)
                    .bind(version)
                    .fetch_one(pool)
                    .await
                    .map(|r| {
                        (
                            r.get::<String, _>("status"),
                            r.get::<bool, _>("first_approval_only"),
                        )
                    }),
                    Act::Reject => {
                        sqlx::query("SELECT status FROM brm_reject($1, $2, $3, 'VALOR_DIVERGENTE')")
                            .bind(id)
                            .bind(version)
                            .bind(REASON)
                            .fetch_one(pool)
                            .await
                            .map(|r| (r.get::<String, _>("status"), false))
                    }
                    Act::Cancel => sqlx::query("SELECT status FROM brm_cancel($1, $2, $3)")
                        .bind(id)
                        .bind(version)
                        .bind(CANCEL)
                        .fetch_one(pool)
                        .await
                        .map(|r| (r.get::<String, _>("status"), false)),
                };
                match r {
                    Ok((s, first)) => {
                        Ok((ProcessStatus::parse(&s).expect("a known status"), first))
                    }
                    Err(e) => Err(shared::refusal(&e)
                        .unwrap_or_else(|| panic!("an unexpected failure: {e}"))
                        .code),
                }
            }
        }
    }
}

/// One backend, seeded with a process per case.
struct Backend {
    seeder: Desk,
    seeder_token: String,
    store: Arc<dyn Store>,
    ids: HashMap<Who, Uuid>,
    decider: Decider,
}

fn month_of(d: chrono::NaiveDate) -> Month {
    Month::parse(&d.format("%Y-%m").to_string()).unwrap()
}

/// A client and its current-month process for every case; the process set as the case
/// says (through the store, as the robot and earlier decisions would have left it).
async fn seed(b: &Backend, cases: &[Case], today: chrono::NaiveDate) -> Vec<(Uuid, i64)> {
    let (desk, token, store) = (&b.seeder, &b.seeder_token, &b.store);
    let op = add_operator(desk, token, "Vivo", "VIVO", true).await;
    let mut clients = Vec::new();
    for i in 0..cases.len() {
        let made = desk
            .create_client(
                token,
                brm_core::client::ClientInput {
                    legal_name: format!("Cliente {i:04}"),
                    cnpj: cnpj(i as u64 + 1),
                    operator_id: Some(op),
                    account_filter: Some(format!("conta-{i}")),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        clients.push((made.id, i));
    }
    let month = month_of(today);
    let mut m = month;
    for _ in 0..5 {
        desk.create_month_processes(token, &m.to_string(), None)
            .await
            .unwrap();
        m = m.previous();
    }
    let now = Utc::now();
    let seed_event =
        |id: Uuid| AuditEvent::new(now, Actor::anonymous("Teste"), "SEMEAR", "processo").on(id);
    let sha = || format!("{:064x}", Uuid::new_v4().as_u128());
    let days = |n: i64| Some(today + Duration::days(n));
    let mut out = Vec::new();
    for (case, (client, i)) in cases.iter().zip(clients) {
        // Newest first: this month, then the four before it.
        let history = store.client_history(client, 5).await.unwrap();
        assert_eq!(history[0].reference_month, month.to_string());
        let current = &history[0];
        // This month's values, and the earlier months' (amount, due date, file).
        let mut amount = Some(10_300);
        let mut due = days(60);
        let mut line = Some(PaymentLineStatus::Valida);
        // What the invoice says it is: this month, the operator's CNPJ and the client's,
        // the client's account.
        let operator_cnpj = "02558157000162".to_string();
        let mut identity = Some(brm_core::approval::InvoiceIdentity {
            reference_month: Some(month.to_string()),
            cnpjs: vec![operator_cnpj.clone(), cnpj(i as u64 + 1)],
            account: Some(format!("conta-{i}")),
        });
        let file = sha();
        let mut earlier: Vec<(Option<i64>, Option<chrono::NaiveDate>, String)> =
            vec![(Some(10_000), days(-10), sha())];
        match case.checks {
            Checks::Pass => {}
            Checks::NoHistory => earlier.clear(),
            Checks::AmountAbove => amount = Some(12_001),
            Checks::AtTolerance => amount = Some(12_000),
            Checks::AmountBelow => amount = Some(7_999),
            Checks::ThreeMonths => {
                amount = Some(13_000);
                earlier = [12_000, 11_000, 10_000, 100_000]
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (Some(*c), days(-10 - 30 * i as i64), sha()))
                    .collect();
            }
            Checks::SameFile => earlier[0].2 = file.clone(),
            Checks::SameBill => earlier[0] = (Some(10_300), days(60), sha()),
            Checks::PastDue => due = days(-1),
            Checks::DueToday => due = days(0),
            Checks::NoDueDate => due = None,
            Checks::NoAmount => amount = None,
            Checks::LineInvalid => line = Some(PaymentLineStatus::Invalida),
            Checks::LineAbsent => line = Some(PaymentLineStatus::Ausente),
            Checks::ZeroSame => {
                amount = Some(0);
                earlier[0].0 = Some(0);
            }
            Checks::ZeroDiffer => {
                amount = Some(500);
                earlier[0].0 = Some(0);
            }
            Checks::WrongMonth => {
                identity.as_mut().unwrap().reference_month = Some(month.previous().to_string())
            }
            Checks::WrongCnpj => identity.as_mut().unwrap().cnpjs = vec![operator_cnpj],
            Checks::WrongAccount => identity.as_mut().unwrap().account = Some("conta-x".into()),
            Checks::AccountWritten => {
                identity.as_mut().unwrap().account = Some(format!("00 CONTA {i}"))
            }
            Checks::IdentityUnread => identity = None,
            Checks::IdentityBlank => identity = Some(Default::default()),
            Checks::MonthOnly => {
                identity = Some(brm_core::approval::InvoiceIdentity {
                    reference_month: Some(month.to_string()),
                    ..Default::default()
                })
            }
        }
        for (before, (cents, due, file)) in history[1..].iter().zip(earlier) {
            let mut p = before.clone();
            p.status = ProcessStatus::UploadRealizado;
            p.amount_cents = cents;
            p.due_date = due;
            p.invoice_sha256 = Some(file);
            p.payment_line_status = Some(PaymentLineStatus::Valida);
            p.version += 1;
            assert!(store
                .update_process(&p, before.version, &seed_event(p.id))
                .await
                .unwrap());
        }
        let mut p = current.clone();
        p.status = case.status;
        p.amount_cents = amount;
        p.due_date = due;
        p.invoice_sha256 = Some(file);
        p.payment_line_status = line;
        p.invoice_identity = identity;
        p.uploaded_by = case.own_upload.then(|| b.ids[&case.who]);
        p.manual_upload = case.own_upload;
        (p.first_approved_by, p.first_approved_at) = match case.first {
            First::Nobody => (None, None),
            First::Me => (Some(b.ids[&case.who]), Some(now)),
            First::Other => (Some(b.ids[&Who::Beto]), Some(now)),
        };
        p.version += 1;
        assert!(store
            .update_process(&p, current.version, &seed_event(p.id))
            .await
            .unwrap());
        out.push((p.id, p.version));
    }
    out
}

async fn four_eyes(b: &Backend, on: bool) {
    b.seeder
        .save_approval_settings(
            &b.seeder_token,
            ApprovalSettings {
                tolerance_pct: 20,
                due_soon_days: 5,
                four_eyes: on,
            },
        )
        .await
        .unwrap();
}

/// Runs every case, four eyes off first, then on.
async fn run(b: &Backend, cases: &[Case], rows: &[(Uuid, i64)]) -> Vec<Seen> {
    let mut seen = Vec::new();
    for phase in [false, true] {
        four_eyes(b, phase).await;
        for (case, (id, version)) in cases.iter().zip(rows) {
            if case.four_eyes != phase {
                continue;
            }
            let asked = if case.stale { version - 1 } else { *version };
            let outcome = b.decider.decide(case.who, case.act, *id, asked).await;
            let p = b.store.process_by_id(*id).await.unwrap().unwrap();
            let me = Some(b.ids[&case.who]);
            seen.push((
                cases.iter().position(|c| std::ptr::eq(c, case)).unwrap(),
                Seen {
                    outcome,
                    after: (
                        p.status,
                        p.version - version,
                        p.approved_by == me && me.is_some(),
                        p.first_approved_by == me,
                    ),
                },
            ));
        }
    }
    seen.sort_by_key(|(i, _)| *i);
    seen.into_iter().map(|(_, s)| s).collect()
}

fn with_secrets(desk: Desk) -> Desk {
    desk.with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())))
}

async fn sqlite_backend(pool: &SqlitePool) -> Backend {
    let store = sqlite_store(pool);
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let desk = with_secrets(Desk::with_clock(store.clone(), clock));
    let ana = common::first_admin(&desk).await;
    for (name, email, role) in [
        ("Bia Aprovadora", "bia@beg.com.br", Role::Aprovador),
        ("Beto Aprovador", "beto@beg.com.br", Role::Aprovador),
        ("Caio Operador", "caio@beg.com.br", Role::Operador),
    ] {
        create_user(&desk, &ana, name, email, role).await;
    }
    let mut tokens = HashMap::new();
    let mut ids = HashMap::new();
    for (who, email) in [
        (Who::Ana, "ana@beg.com.br"),
        (Who::Bia, "bia@beg.com.br"),
        (Who::Beto, "beto@beg.com.br"),
        (Who::Caio, "caio@beg.com.br"),
    ] {
        tokens.insert(who, login(&desk, email).await);
        ids.insert(who, store.user_by_email(email).await.unwrap().unwrap().id);
    }
    Backend {
        seeder: desk.clone(),
        seeder_token: tokens[&Who::Ana].clone(),
        store,
        ids,
        decider: Decider::Desk(desk, tokens),
    }
}

/// `personal`: each person decides through their own desk on a personal login (the
/// desk's checks, then the database function); otherwise through the functions in SQL.
async fn postgres_backend(db: &shared_common::Shared, personal: bool) -> Backend {
    // The rows are seeded by a desk on the owner's connection (as a robot and the months
    // would have left them); the decisions are the people's own.
    let store: Arc<dyn Store> = Arc::new(PgStore::from_pool(db.owner.clone()));
    let seeder = with_secrets(Desk::new(store.clone()));
    seeder
        .create_first_admin(NewAdminInput {
            full_name: "Semeadora do Teste".into(),
            email: "semeadora@beg.com.br".into(),
            password: common::PW.into(),
            password_confirmation: common::PW.into(),
        })
        .await
        .unwrap();
    let seeder_token = login(&seeder, "semeadora@beg.com.br").await;
    let ana = db
        .create_person(
            &db.owner,
            "Ana Administradora",
            "ana@beg.com.br",
            "ADMINISTRADOR",
        )
        .await;
    let ana_pool = db.pool(&ana).await;
    let people: Vec<(Who, Person)> = vec![
        (
            Who::Bia,
            db.create_person(&ana_pool, "Bia Aprovadora", "bia@beg.com.br", "APROVADOR")
                .await,
        ),
        (
            Who::Beto,
            db.create_person(&ana_pool, "Beto Aprovador", "beto@beg.com.br", "APROVADOR")
                .await,
        ),
        (
            Who::Caio,
            db.create_person(&ana_pool, "Caio Operador", "caio@beg.com.br", "OPERADOR")
                .await,
        ),
    ];
    let mut ids = HashMap::from([(Who::Ana, ana.id)]);
    if personal {
        let mut desks = HashMap::new();
        let emails = [
            "ana@beg.com.br",
            "bia@beg.com.br",
            "beto@beg.com.br",
            "caio@beg.com.br",
        ];
        let everyone = std::iter::once((Who::Ana, ana)).chain(people);
        for ((who, p), email) in everyone.zip(emails) {
            ids.insert(who, p.id);
            let desk = with_secrets(Desk::for_person_logins(db.options().clone()));
            let out = desk
                .login(email, p.password.clone())
                .await
                .unwrap_or_else(|e| panic!("{} logs in on her desk: {e:?}", p.name));
            assert_eq!(out.user.id, p.id);
            desks.insert(who, (desk, out.token));
        }
        return Backend {
            seeder,
            seeder_token,
            store,
            ids,
            decider: Decider::PersonDesks(desks),
        };
    }
    let mut pools = HashMap::from([(Who::Ana, ana_pool)]);
    for (who, p) in people {
        ids.insert(who, p.id);
        pools.insert(who, db.pool(&p).await);
    }
    Backend {
        seeder,
        seeder_token,
        store,
        ids,
        decider: Decider::Functions(pools),
    }
}

#[sqlx::test(migrations = "../../migrations/sqlite")]
async fn one_case_table_same_outcomes_on_sqlite_and_in_the_database(pool: SqlitePool) {
    let Some(db) = shared_common::shared().await else {
        return;
    };
    let cases = cases();
    // Today in Brasília, as both count the due date's days (the desk from its clock, the
    // database from its own): dates are relative to it, far from either edge.
    let today: chrono::NaiveDate = sqlx::query_scalar("SELECT brm_today()")
        .fetch_one(&db.owner)
        .await
        .unwrap();

    let lite = sqlite_backend(&pool).await;
    let lite_rows = seed(&lite, &cases, today).await;
    let lite_seen = run(&lite, &cases, &lite_rows).await;

    let pg = postgres_backend(&db, false).await;
    let pg_rows = seed(&pg, &cases, today).await;
    let pg_seen = run(&pg, &cases, &pg_rows).await;

    // The third place: each person's own desk on a personal login to another prepared
    // database (brm-core's checks, then the function), as the app runs in shared mode.
    let db2 = shared_common::shared().await.expect("a second database");
    let desks = postgres_backend(&db2, true).await;
    let desk_rows = seed(&desks, &cases, today).await;
    let desk_seen = run(&desks, &cases, &desk_rows).await;

    let mut differ = Vec::new();
    for (((case, a), b), c) in cases.iter().zip(&lite_seen).zip(&pg_seen).zip(&desk_seen) {
        if a != b || a != c {
            differ.push(format!(
                "{case:?}\n    SQLite (brm-core): {a:?}\n    PostgreSQL (funções): {b:?}\n    PostgreSQL (app com login próprio): {c:?}"
            ));
        }
    }
    let done = lite_seen.iter().filter(|s| s.outcome.is_ok()).count();
    let firsts = lite_seen
        .iter()
        .filter(|s| matches!(s.outcome, Ok((_, true))))
        .count();
    eprintln!(
        "# rule agreement: {} cases ({done} decided, {firsts} of them first approvals, {} refused), {} differ among SQLite, the functions and the app on personal logins",
        cases.len(),
        cases.len() - done,
        differ.len()
    );
    // On personal logins every decision went through a function: the guard refuses
    // these actions from anything else, and each decision wrote exactly one.
    let decisions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events
          WHERE action IN ('APROVAR', 'PRIMEIRA_APROVACAO', 'REJEITAR', 'CANCELAR')",
    )
    .fetch_one(&db2.owner)
    .await
    .unwrap();
    assert_eq!(
        decisions as usize,
        desk_seen.iter().filter(|s| s.outcome.is_ok()).count()
    );
    assert!(
        differ.is_empty(),
        "the two places disagree:\n{}",
        differ.join("\n")
    );
    // The table is not trivial: every kind of outcome occurs.
    for code in [
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::Validation,
    ] {
        assert!(
            lite_seen.iter().any(|s| s.outcome == Err(code)),
            "{code:?} occurs"
        );
    }
    assert!(firsts > 0 && done > firsts);
    // Each kind of check decided as brm-core says: a first approval only when one failed.
    let base = cases.len() - Checks::ALL.len();
    let failing: Vec<Checks> = Checks::ALL
        .iter()
        .zip(&lite_seen[base..])
        .filter(|(_, s)| s.outcome == Ok((ProcessStatus::AguardandoAprovacao, true)))
        .map(|(c, _)| *c)
        .collect();
    use Checks::*;
    assert_eq!(
        failing,
        [
            NoHistory,
            AmountAbove,
            AmountBelow,
            SameFile,
            SameBill,
            PastDue,
            NoDueDate,
            LineInvalid,
            ZeroDiffer,
            WrongMonth,
            WrongCnpj,
            WrongAccount,
            IdentityUnread,
            IdentityBlank
        ]
    );
    // An amount not read is never approved, in either place, four eyes or not: typed first.
    let no_amount = Checks::ALL.iter().position(|c| *c == NoAmount).unwrap();
    assert_eq!(
        lite_seen[base + no_amount].outcome,
        Err(ErrorCode::Validation)
    );
    assert!(cases
        .iter()
        .zip(&lite_seen)
        .filter(|(c, _)| c.checks == NoAmount && c.act == Act::Approve)
        .all(|(_, s)| s.outcome.is_err()));
}
