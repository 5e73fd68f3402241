//! Benchmark of the daily e-mail digest (issue 21): the time from a digest's scheduled
//! minute to the last message accepted by the mail server, with 500 invoices waiting for
//! approval and 10 approvers, on SQLite and (when `BRM_TEST_POSTGRES_URL` names a server)
//! on PostgreSQL, against the real SMTP test server (STARTTLS, AUTH, its own CA).
//!
//! Each of `--runs` rounds (default 5) measures, with a manual clock pinned at the
//! digest's minute (08:00 in Brasília) and the outbox emptied before each step:
//! - (a) `Worker::plan_digests`: reading the 500 waiting invoices and the people,
//!   rendering 10 digests of 500 lines, writing them into the outbox; beside it the same
//!   steps timed one by one through the store (where the time goes);
//! - (b) `Worker::send_due_emails` until the server accepted all 10;
//! - (c) scheduled minute → last message accepted, the RESUMO_EMAIL schedule run by
//!   `Worker::cycle()` and then the sender (one after the other);
//! - (d) the same through the app's own loops (`Worker::spawn`: the cycle loop plans and
//!   wakes the mail loop), until the 10th message is on the server's disk;
//! - the baseline: the same 10 rendered messages sent straight through `brm_mail::Mailer`
//!   (a new mailer, as each sender round makes one), no database.
//!
//! Every step checks that the server received exactly 10 messages (its .eml files).
//! Prints figures; it is not a test. Run: `scripts/bench-email.sh` (starts the SMTP test
//! server and a throw-away PostgreSQL cluster, builds this in release, stops them).

use brm_core::audit::{Actor, AuditEvent};
use brm_core::clock::ManualClock;
use brm_core::email::plan::{self, WaitingInvoice};
use brm_core::email::{
    EmailRules, SmtpSecurity, SmtpSettings, SETTING_RULES, SETTING_SMTP, SETTING_SMTP_PASSWORD,
    SMTP_PASSWORD_AAD,
};
use brm_core::operator::Operator;
use brm_core::process::{ProcessFilter, ProcessStatus, ValueSource};
use brm_core::robot_machine::MachineHello;
use brm_core::schedule::{Schedule, ScheduleKind};
use brm_core::user::User;
use brm_core::Role;
use brm_mail::{Mailer, Outgoing, Security, SmtpConfig};
use brm_robot::{RobotClient, RobotConfig};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_storage::LocalFolder;
use brm_store::{ClientWrite, MonthRequest, PasswordWrite, Store};
use brm_worker::{RobotDirectory, Worker, WorkerConfig};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const INVOICES: usize = 500;
const APPROVERS: usize = 10;
/// 250 clients with an invoice waiting in each of two months.
const CLIENTS: usize = 250;
const MONTHS: [&str; 2] = ["2026-10", "2026-11"];
const OPERATORS: [(&str, &str); 4] = [
    ("Vivo", "VIVO"),
    ("Oi", "OI"),
    ("Embratel", "EMBRATEL"),
    ("DigitalNet", "DIGITALNET"),
];

/// Friday 20 November 2026, 08:00 in Brasília: the office's digest hour (the default
/// rules), the minute the hourly RESUMO_EMAIL schedule runs.
fn scheduled_minute() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 11, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

// --- the SMTP test server ----------------------------------------------------------------

struct SmtpServer {
    dir: PathBuf,
    /// The server's process id (its pid file), for its CPU time.
    pid: String,
    host: String,
    port: u16,
    user: String,
    password: String,
    ca: Vec<u8>,
}

impl SmtpServer {
    /// From what `eval "$(scripts/smtp-test-server.sh start)"` exports.
    fn from_env() -> SmtpServer {
        let get = |k: &str| {
            std::env::var(k).unwrap_or_else(|_| {
                eprintln!(
                    "{k} is not set: run scripts/bench-email.sh, or first \
                     eval \"$(scripts/smtp-test-server.sh start)\""
                );
                std::process::exit(2)
            })
        };
        let dir: PathBuf = get("BRM_SMTP_DIR").into();
        SmtpServer {
            pid: std::fs::read_to_string(dir.join("server.pid"))
                .map(|p| p.trim().to_string())
                .unwrap_or_default(),
            dir,
            host: get("BRM_SMTP_HOST"),
            port: get("BRM_SMTP_PORT").parse().expect("BRM_SMTP_PORT"),
            user: get("BRM_SMTP_USER"),
            password: get("BRM_SMTP_PASSWORD"),
            ca: std::fs::read(get("BRM_SMTP_CA")).expect("BRM_SMTP_CA"),
        }
    }

    fn mail_dir(&self) -> PathBuf {
        self.dir.join("mail")
    }

    /// The messages the server accepted and wrote so far (the .eml files).
    fn received(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.mail_dir())
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Checks that exactly `want` messages arrived since the last call and removes them
    /// (so the next step counts from zero); returns the largest file's size.
    fn take(&self, want: usize, step: &str) -> u64 {
        let got = self.received();
        assert_eq!(
            got.len(),
            want,
            "{step}: the server received {} messages, expected {want}",
            got.len()
        );
        let mut largest = 0;
        for p in got {
            largest = largest.max(std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0));
            let _ = std::fs::remove_file(p);
        }
        largest
    }

    fn mailer_config(&self) -> SmtpConfig {
        SmtpConfig {
            host: self.host.clone(),
            port: self.port,
            security: Security::StartTls,
            user: Some(self.user.clone()),
            password: Some(zeroize::Zeroizing::new(self.password.clone())),
            sender_name: "BRM Faturas".into(),
            sender_address: "faturas@brm-teste.localhost".into(),
            extra_root_pem: Some(self.ca.clone()),
            timeout: Duration::from_secs(30),
        }
    }
}

// --- figures -------------------------------------------------------------------------------

#[derive(Default, Clone)]
struct Series(Vec<Duration>);

impl Series {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }
    fn sorted_ms(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        v.sort_by(f64::total_cmp);
        v
    }
    fn median(&self) -> f64 {
        let v = self.sorted_ms();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }
    fn max(&self) -> f64 {
        self.sorted_ms().last().copied().unwrap_or(f64::NAN)
    }
}

/// Row names, in the order the table prints them.
const ROWS: [&str; 22] = [
    "(a) plan_digests: read, render, write 10",
    "    settings (2 reads)",
    "    people (email_recipients)",
    "    500 waiting: alert_candidates+details",
    "    render 10 digests (pure, no DB)",
    "    write 10 into the outbox",
    "(b) send_due_emails until 10 accepted",
    "    open the sealed SMTP password",
    "(c) minute -> last accepted: cycle()+send",
    "    of which cycle() (plans by schedule)",
    "(d) minute -> 10th on server: app loops",
    "baseline: Mailer, 10 sends, no database",
    "    Mailer::new (OS roots + extra CA)",
    "    1st send (TCP, STARTTLS, AUTH, DATA)",
    "    9 more sends (pooled connection)",
    "    10 one-line messages, same connection",
    "CPU in (b): this process",
    "CPU in (b): SMTP server (Python)",
    "CPU in baseline: this process",
    "CPU in baseline: SMTP server (Python)",
    "ratio (b) / baseline",
    "ratio (c) / baseline",
];

/// CPU time of every thread of process `pid` ("self" for this one), from the
/// scheduler's nanosecond counters (/proc/PID/task/*/schedstat, Linux).
fn cpu_time(pid: &str) -> Duration {
    let mut ns: u64 = 0;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
                ns += s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Duration::from_nanos(ns)
}

/// CPU time of this process and of the SMTP server, read together.
fn cpu_pair(server_pid: &str) -> (Duration, Duration) {
    (cpu_time("self"), cpu_time(server_pid))
}

#[derive(Default)]
struct Figures {
    rows: std::collections::BTreeMap<&'static str, Series>,
}

impl Figures {
    fn add(&mut self, row: &'static str, d: Duration) {
        assert!(ROWS.contains(&row), "unknown row {row}");
        self.rows.entry(row).or_default().push(d);
    }
    fn get(&self, row: &str) -> Option<&Series> {
        self.rows.get(row)
    }
}

struct Sizes {
    subject: String,
    text: usize,
    html: usize,
    lines: usize,
    eml: u64,
}

// --- seeding -------------------------------------------------------------------------------

fn cnpj(n: u32) -> String {
    let mut d: Vec<u32> = format!("{:08}0001", 30_000_000 + n)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let dv = |d: &[u32], w: &[u32]| {
        let s: u32 = d.iter().zip(w).map(|(a, b)| a * b).sum();
        match s % 11 {
            0 | 1 => 0,
            r => 11 - r,
        }
    };
    let a = dv(&d, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    d.push(a);
    let b = dv(&d, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    d.push(b);
    d.iter().map(|x| x.to_string()).collect()
}

fn event(at: DateTime<Utc>, action: &str, entity: &str) -> AuditEvent {
    AuditEvent::new(at, Actor::anonymous("benchmark"), action, entity)
}

/// Operators, clients, approvers, 500 invoices waiting for approval (through the store:
/// each update is the app's own transaction with its audit event), the robot machine
/// identity, the e-mail settings and the RESUMO_EMAIL schedule due at the minute.
async fn seed(store: &dyn Store, secrets: &SecretBox, smtp: &SmtpServer) -> Uuid {
    let now = scheduled_minute();
    let seeded_at = now - TimeDelta::days(3);
    let mut operators = Vec::new();
    for (name, code) in OPERATORS {
        let op = Operator {
            id: Uuid::new_v4(),
            name: name.into(),
            code: code.into(),
            has_rpa: true,
            rpa_outsourced: false,
            rpa_endpoint_url: None,
            portal_url: None,
            access_instructions: None,
            timeout_secs: 300,
            max_attempts: 3,
            active: true,
            version: 1,
            created_at: seeded_at,
            updated_at: seeded_at,
        };
        store
            .insert_operator(&op, &event(seeded_at, "CRIAR", "operadora").on(op.id))
            .await
            .expect("operator");
        operators.push(op);
    }
    const NAMES: [&str; 10] = [
        "Comércio de Grãos",
        "Transportes São João",
        "Agropecuária Boa Vista",
        "Clínica Santa Luzia",
        "Construtora Araguaia",
        "Supermercados Pantanal",
        "Indústria Cerrado",
        "Escola Nossa Senhora",
        "Hotel Chapada",
        "Auto Peças Cuiabá",
    ];
    for i in 0..CLIENTS {
        let op = &operators[i % operators.len()];
        let c = brm_core::client::Client {
            id: Uuid::new_v4(),
            hash: Some(format!("bench{i:04}")),
            legal_name: format!("{} {:03} Ltda", NAMES[i % NAMES.len()], i),
            sat_name: None,
            cnpj: cnpj(i as u32),
            operator_id: op.id,
            operator_name: String::new(),
            operator_code: String::new(),
            account_filter: Some(format!("{}", 1_000_000 + i * 7)),
            service: "Telefonia".into(),
            sat_data: None,
            unit: format!("Unidade {i}"),
            sat_category: None,
            issue_site_url: None,
            portal_login: Some(format!("login{i}@exemplo.com.br")),
            portal_password_set: false,
            cpf: None,
            notes: None,
            active: true,
            version: 1,
            created_at: seeded_at,
            updated_at: seeded_at,
        };
        let id = c.id;
        store
            .insert_client(
                &ClientWrite {
                    client: c,
                    password: PasswordWrite::Keep,
                },
                &event(seeded_at, "CRIAR", "cliente").on(id),
            )
            .await
            .expect("client");
    }
    for month in MONTHS {
        store
            .create_month_processes(
                &MonthRequest {
                    month: month.into(),
                    operator_id: None,
                    created_by: None,
                    auto: true,
                    now: seeded_at,
                },
                &event(seeded_at, "CRIAR_PROCESSOS_MES", "processo"),
            )
            .await
            .expect("month processes");
    }
    // The invoices arrive: amount and due date read, waiting for approval. Due dates
    // spread so each group of the digest (overdue, due within 3 days, later) stays under
    // its 200-line cap: every one of the 500 is listed (150 / 150 / 200).
    let mut ids = Vec::new();
    for page in 0.. {
        let rows = store
            .list_processes(&ProcessFilter {
                page,
                page_size: 200,
                ..Default::default()
            })
            .await
            .expect("process list")
            .items;
        if rows.is_empty() {
            break;
        }
        ids.extend(rows.into_iter().map(|r| r.id));
    }
    assert_eq!(ids.len(), INVOICES, "processes created");
    for (i, id) in ids.into_iter().enumerate() {
        let mut p = store.process_by_id(id).await.unwrap().unwrap();
        let expected = p.version;
        let due = match i % 10 {
            0..=2 => today() - TimeDelta::days(1 + (i % 9) as i64),
            3..=5 => today() + TimeDelta::days((i % 4) as i64),
            _ => today() + TimeDelta::days(4 + (i % 20) as i64),
        };
        let downloaded = seeded_at + TimeDelta::minutes(i as i64);
        p.status = ProcessStatus::AguardandoAprovacao;
        p.invoice_key = Some(format!("faturas/{}/{}.pdf", p.reference_month, p.id));
        p.invoice_file_name = Some(format!("fatura-{}.pdf", p.reference_month));
        p.invoice_size = Some(120_000 + i as i64);
        p.invoice_sha256 = Some(format!("{:064x}", i + 1));
        p.due_date = Some(due);
        p.amount_cents = Some(5_000 + (i as i64 * 7_919) % 2_500_000);
        p.amount_source = Some(ValueSource::Robo);
        p.due_date_source = Some(ValueSource::Robo);
        p.download_attempts = 1;
        p.last_download_at = Some(downloaded);
        p.version += 1;
        p.updated_at = downloaded;
        let ok = store
            .update_process(
                &p,
                expected,
                &event(downloaded, "FATURA_BAIXADA", "processo").on(p.id),
            )
            .await
            .expect("process update");
        assert!(ok, "process update refused");
    }
    for i in 1..=APPROVERS {
        let u = User {
            id: Uuid::new_v4(),
            full_name: format!("Aprovador {i:02} da Silva"),
            email: format!("aprovador{i:02}@brm-teste.localhost"),
            phone: None,
            role: Role::Aprovador,
            active: true,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: seeded_at,
            updated_at: seeded_at,
        };
        store
            .insert_user(&u, &event(seeded_at, "CRIAR", "usuario").on(u.id))
            .await
            .expect("approver");
    }
    // This machine's robot identity, approved: the SMTP password is sealed to it.
    let identity = secrets.robot_identity_or_create().unwrap();
    store
        .robot_machine_hello(&MachineHello {
            id: Uuid::new_v4(),
            name: "robo-do-benchmark".into(),
            host: "benchmark".into(),
            public_key: identity.public_key(),
            fingerprint: identity.fingerprint(),
            at: seeded_at,
            approve: true,
        })
        .await
        .unwrap();
    let sealed =
        brm_secrets::seal_to(&[identity.public_key()], SMTP_PASSWORD_AAD, &smtp.password).unwrap();
    let settings = SmtpSettings {
        host: smtp.host.clone(),
        port: smtp.port,
        security: SmtpSecurity::StartTls,
        user: smtp.user.clone(),
        sender_name: "BRM Faturas".into(),
        sender_address: "faturas@brm-teste.localhost".into(),
    };
    for (k, v) in [
        (SETTING_SMTP, serde_json::to_value(&settings).unwrap()),
        (
            SETTING_RULES,
            serde_json::to_value(EmailRules::default()).unwrap(),
        ),
        (SETTING_SMTP_PASSWORD, serde_json::json!(sealed)),
    ] {
        store
            .put_setting(
                k,
                &v,
                &event(seeded_at, "ALTERAR_CONFIGURACAO", "configuracao"),
            )
            .await
            .unwrap();
    }
    let schedule = Schedule {
        id: Uuid::new_v4(),
        name: "Resumo diário por e-mail".into(),
        cron: "0 * * * *".into(),
        kind: ScheduleKind::ResumoEmail,
        operator_id: None,
        active: true,
        next_run_at: Some(now),
        last_run_at: None,
        version: 1,
        created_at: seeded_at,
        updated_at: seeded_at,
    };
    store
        .save_schedule(
            &schedule,
            None,
            &event(seeded_at, "CRIAR_AGENDAMENTO", "agendamento").on(schedule.id),
        )
        .await
        .unwrap();
    schedule.id
}

// --- direct database access (only to empty the outbox and read its bodies) -----------------

enum Raw {
    Lite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

type Rendered = (String, Option<String>, String, String, String);

impl Raw {
    async fn clear_outbox(&self) {
        let sql = "DELETE FROM email_outbox";
        match self {
            Raw::Lite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Raw::Pg(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .expect("empty the outbox");
    }

    /// The digests as the worker rendered and wrote them.
    async fn digests(&self) -> Vec<Rendered> {
        let sql = "SELECT recipient_email, recipient_name, subject, body_text, body_html
                   FROM email_outbox WHERE rule = 'RESUMO' ORDER BY recipient_email";
        match self {
            Raw::Lite(p) => sqlx::query_as(sql).fetch_all(p).await,
            Raw::Pg(p) => sqlx::query_as(sql).fetch_all(p).await,
        }
        .expect("read the outbox")
    }

    async fn sent(&self) -> i64 {
        let sql = "SELECT COUNT(*) FROM email_outbox WHERE state = 'ENVIADO'";
        let (n,): (i64,) = match self {
            Raw::Lite(p) => sqlx::query_as(sql).fetch_one(p).await,
            Raw::Pg(p) => sqlx::query_as(sql).fetch_one(p).await,
        }
        .expect("count sent");
        n
    }
}

// --- the steps -------------------------------------------------------------------------------

struct Bench {
    store: Arc<dyn Store>,
    raw: Raw,
    secrets: Arc<SecretBox>,
    clock: Arc<ManualClock>,
    storage: Arc<LocalFolder>,
    smtp: Arc<SmtpServer>,
    schedule: Uuid,
}

impl Bench {
    fn worker(&self, owner: &str) -> Arc<Worker> {
        // No robot service answers here: the cycle's robot steps find nothing to do
        // (every process waits for approval), and the health check is refused at once.
        let robot = RobotClient::new(
            RobotConfig::new("http://127.0.0.1:9", None)
                .with_request_timeout(Duration::from_secs(2)),
        )
        .unwrap();
        let mut config = WorkerConfig::new(owner);
        config.smtp_extra_ca_pem = Some(self.smtp.ca.clone());
        Arc::new(Worker::new(
            self.store.clone(),
            self.storage.clone(),
            Arc::new(RobotDirectory::new(robot, None)),
            self.secrets.clone(),
            self.clock.clone(),
            config,
        ))
    }

    /// Sender rounds until `want` messages were accepted.
    async fn send_all(&self, worker: &Worker, want: u32) {
        let mut sent = 0;
        for _ in 0..5 {
            let r = worker.send_due_emails().await.expect("send_due_emails");
            assert!(
                r.retried == 0 && r.failed == 0,
                "the server refused messages: {r:?} (see {}/server.log)",
                self.smtp.dir.display()
            );
            sent += r.sent;
            if sent >= want {
                return;
            }
        }
        panic!("only {sent} of {want} messages sent");
    }

    /// Makes the RESUMO_EMAIL schedule due at the clock's minute again (as if the next
    /// day had come) and empties the outbox.
    async fn rewind(&self) {
        self.raw.clear_outbox().await;
        let now = scheduled_minute();
        let s = self
            .store
            .list_schedules()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.id == self.schedule)
            .unwrap();
        if s.next_run_at != Some(now) {
            assert!(self
                .store
                .advance_schedule(s.id, s.next_run_at, now - TimeDelta::days(1), Some(now))
                .await
                .unwrap());
        }
    }

    /// plan_digests' own steps, one by one through the same store calls (mirrors
    /// `Worker::mail_subjects`), to show where its time goes.
    async fn plan_breakdown(&self, f: &mut Figures) {
        self.raw.clear_outbox().await;
        let now = scheduled_minute();
        let t = Instant::now();
        let _ = self.store.get_setting(SETTING_SMTP).await.unwrap();
        let rules: EmailRules = self
            .store
            .get_setting(SETTING_RULES)
            .await
            .unwrap()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        f.add(ROWS[1], t.elapsed());

        let t = Instant::now();
        let people = self.store.email_recipients().await.unwrap();
        f.add(ROWS[2], t.elapsed());

        let t = Instant::now();
        let ids: Vec<Uuid> = self
            .store
            .alert_candidates()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut waiting = Vec::new();
        for chunk in ids.chunks(1000) {
            for d in self.store.alert_details(chunk).await.unwrap() {
                let p = &d.process;
                if p.status == ProcessStatus::AguardandoAprovacao {
                    waiting.push(WaitingInvoice {
                        process_id: p.id,
                        client_name: d.client_name.clone(),
                        operator_name: d.operator_name.clone(),
                        month: p.reference_month.clone(),
                        amount_cents: p.amount_cents,
                        due_date: p.due_date,
                        waiting_since: p.last_download_at.unwrap_or(p.updated_at),
                        first_approved_by: p.first_approved_by,
                    });
                }
            }
        }
        f.add(ROWS[3], t.elapsed());
        assert_eq!(waiting.len(), INVOICES);

        let t = Instant::now();
        let planned = plan::digests(now, &rules, &people, &waiting, &[]);
        f.add(ROWS[4], t.elapsed());
        assert_eq!(planned.len(), APPROVERS);

        let t = Instant::now();
        let written = self.store.enqueue_emails(&planned).await.unwrap();
        f.add(ROWS[5], t.elapsed());
        assert_eq!(written as usize, APPROVERS);
        self.raw.clear_outbox().await;
    }

    /// The 10 rendered digests straight through a new Mailer, no database.
    async fn baseline(&self, messages: &[Outgoing], f: &mut Figures) {
        let cpu = cpu_pair(&self.smtp.pid);
        let t = Instant::now();
        let mailer = Mailer::new(self.smtp.mailer_config()).expect("mailer");
        let made = t.elapsed();
        let t1 = Instant::now();
        mailer.send(&messages[0]).await.expect("baseline send");
        let first = t1.elapsed();
        let t2 = Instant::now();
        for m in &messages[1..] {
            mailer.send(m).await.expect("baseline send");
        }
        let rest = t2.elapsed();
        f.add(ROWS[11], t.elapsed());
        let after = cpu_pair(&self.smtp.pid);
        f.add(ROWS[18], after.0 - cpu.0);
        f.add(ROWS[19], after.1 - cpu.1);
        f.add(ROWS[12], made);
        f.add(ROWS[13], first);
        f.add(ROWS[14], rest);
        self.smtp.take(APPROVERS, "baseline");
        // What the server costs per message whatever its size (round trips, its write
        // and fsync of the .eml): one-line messages on the connection already open.
        let t = Instant::now();
        for m in messages {
            let small = Outgoing {
                to_email: m.to_email.clone(),
                to_name: m.to_name.clone(),
                subject: "Teste".into(),
                text: "Uma linha.\n".into(),
                html: "<p>Uma linha.</p>\n".into(),
                message_id: format!("<{}@brm-bench>", Uuid::new_v4()),
            };
            mailer.send(&small).await.expect("small send");
        }
        f.add(ROWS[15], t.elapsed());
        self.smtp.take(APPROVERS, "one-line messages");
    }

    async fn run(&self, label: &str, runs: usize, f: &mut Figures) -> Sizes {
        let now = scheduled_minute();
        let mut sizes = None;
        let mut messages: Vec<Outgoing> = Vec::new();
        for run in 1..=runs {
            // (a) planning alone, then (b) sending alone.
            self.rewind().await;
            let worker = self.worker("bench-ab");
            let t = Instant::now();
            let r = worker.plan_digests(now).await.expect("plan_digests");
            f.add(ROWS[0], t.elapsed());
            assert_eq!(r.planned as usize, APPROVERS, "digests planned: {r:?}");
            if messages.is_empty() {
                let rendered = self.raw.digests().await;
                assert_eq!(rendered.len(), APPROVERS);
                let (_, _, subject, text, html) = &rendered[0];
                sizes = Some(Sizes {
                    subject: subject.clone(),
                    text: text.len(),
                    html: html.len(),
                    lines: text.matches("brm-desk://processo/").count(),
                    eml: 0,
                });
                messages = rendered
                    .into_iter()
                    .map(|(to, name, subject, text, html)| Outgoing {
                        to_email: to,
                        to_name: name,
                        subject,
                        text,
                        html,
                        message_id: format!("<{}@brm-bench>", Uuid::new_v4()),
                    })
                    .collect();
            }
            let cpu = cpu_pair(&self.smtp.pid);
            let t = Instant::now();
            self.send_all(&worker, APPROVERS as u32).await;
            f.add(ROWS[6], t.elapsed());
            let after = cpu_pair(&self.smtp.pid);
            f.add(ROWS[16], after.0 - cpu.0);
            f.add(ROWS[17], after.1 - cpu.1);
            assert_eq!(self.raw.sent().await as usize, APPROVERS);
            let eml = self.smtp.take(APPROVERS, "(b) send_due_emails");
            if let Some(s) = sizes.as_mut() {
                s.eml = s.eml.max(eml);
            }

            // What opening the sealed password costs (each sender round does it once).
            let sealed = match self.store.get_setting(SETTING_SMTP_PASSWORD).await.unwrap() {
                Some(serde_json::Value::String(s)) => s,
                other => panic!("sealed password: {other:?}"),
            };
            let secrets = self.secrets.clone();
            let t = Instant::now();
            tokio::task::spawn_blocking(move || secrets.open_for(SMTP_PASSWORD_AAD, &sealed))
                .await
                .unwrap()
                .expect("open the SMTP password");
            f.add(ROWS[7], t.elapsed());

            // plan_digests step by step.
            self.plan_breakdown(f).await;

            // (c) the schedule through cycle(), then the sender.
            self.rewind().await;
            let worker = self.worker("bench-c");
            let t = Instant::now();
            let r = worker.cycle().await.expect("cycle");
            let cycle = t.elapsed();
            assert_eq!(r.schedules_run, 1, "the digest schedule did not run: {r:?}");
            self.send_all(&worker, APPROVERS as u32).await;
            f.add(ROWS[8], t.elapsed());
            f.add(ROWS[9], cycle);
            self.smtp.take(APPROVERS, "(c) cycle + send");

            // (d) the app's loops: the cycle loop runs the schedule and wakes the mail loop.
            self.rewind().await;
            let worker = self.worker("bench-d");
            let t = Instant::now();
            let handle = worker.spawn();
            loop {
                if self.smtp.received().len() >= APPROVERS {
                    break;
                }
                assert!(
                    t.elapsed() < Duration::from_secs(120),
                    "(d): the app loops did not deliver 10 messages in 2 minutes"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            f.add(ROWS[10], t.elapsed());
            handle.shutdown().await;
            self.smtp.take(APPROVERS, "(d) app loops");

            // The baseline, in the same round.
            self.baseline(&messages, f).await;
            let last = |row: &str| f.get(row).and_then(|s| s.0.last()).unwrap().as_secs_f64();
            println!(
                "  {label} {run}: (a) {:.0} ms, (b) {:.0} ms, (c) {:.0} ms, (d) {:.0} ms, baseline {:.0} ms",
                last(ROWS[0]) * 1e3,
                last(ROWS[6]) * 1e3,
                last(ROWS[8]) * 1e3,
                last(ROWS[10]) * 1e3,
                last(ROWS[11]) * 1e3
            );
        }
        sizes.expect("at least one run")
    }
}

async fn bench_backend(
    name: &str,
    url: &str,
    raw: Raw,
    smtp: Arc<SmtpServer>,
    work: &Path,
    runs: usize,
) -> (Figures, Sizes) {
    println!("\n== {name} ==");
    let t = Instant::now();
    let store = brm_store::connect(url).await.expect("database");
    let secrets = Arc::new(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let schedule = seed(&*store, &secrets, &smtp).await;
    println!(
        "seeded {INVOICES} invoices waiting for approval ({CLIENTS} clients x {} months, {} \
         operators) and {APPROVERS} approvers in {:.1} s",
        MONTHS.len(),
        OPERATORS.len(),
        t.elapsed().as_secs_f64()
    );
    let bench = Bench {
        store,
        raw,
        secrets,
        clock: Arc::new(ManualClock::new(scheduled_minute())),
        storage: Arc::new(LocalFolder::new(work.join(format!("faturas-{name}"))).unwrap()),
        smtp,
        schedule,
    };
    // A warm-up round (connections opened, pages cached), not counted.
    let mut warm = Figures::default();
    bench.run("warm-up", 1, &mut warm).await;
    let mut f = Figures::default();
    let sizes = bench.run("run", runs, &mut f).await;
    (f, sizes)
}

fn print_table(runs: usize, backends: &[(String, Figures)]) {
    let mut head = format!("{:<44}", format!("median / max of {runs} runs, ms"));
    for (name, _) in backends {
        head.push_str(&format!(" {:>21}", name));
    }
    println!("\n{head}");
    println!("{}", "-".repeat(head.chars().count()));
    for row in ROWS {
        let mut line = format!("{row:<44}");
        for (_, f) in backends {
            let cell = match row {
                "ratio (b) / baseline" | "ratio (c) / baseline" => {
                    let num = if row.contains("(b)") {
                        ROWS[6]
                    } else {
                        ROWS[8]
                    };
                    match (f.get(num), f.get(ROWS[11])) {
                        (Some(a), Some(b)) => format!("{:.2} x", a.median() / b.median()),
                        _ => "-".into(),
                    }
                }
                _ => match f.get(row) {
                    Some(s) => format!("{:>9.1} / {:>7.1}", s.median(), s.max()),
                    None => "-".into(),
                },
            };
            line.push_str(&format!(" {cell:>21}"));
        }
        println!("{line}");
    }
}

#[tokio::main]
async fn main() {
    let mut runs = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .expect("--runs N")
            }
            _ => {
                eprintln!("usage: email_digest_bench [--runs N]");
                std::process::exit(2)
            }
        }
    }
    let smtp = Arc::new(SmtpServer::from_env());
    // Leftovers of an earlier run on the same server would spoil the counts.
    for p in smtp.received() {
        let _ = std::fs::remove_file(p);
    }
    println!(
        "e-mail digest benchmark: {INVOICES} invoices waiting, {APPROVERS} approvers, {runs} \
         runs per backend after one warm-up; SMTP test server {}:{} (STARTTLS + AUTH)",
        smtp.host, smtp.port
    );
    let work = tempfile::tempdir().unwrap();
    let mut backends = Vec::new();
    let mut sizes = None;

    let file = work.path().join("bench.sqlite3");
    let url = format!("sqlite:{}", file.display());
    // Creates the file and its schema first, so the raw pool opens the same database.
    drop(brm_store::connect(&url).await.expect("sqlite"));
    let raw = Raw::Lite(sqlx::SqlitePool::connect(&url).await.unwrap());
    let (f, s) = bench_backend("SQLite", &url, raw, smtp.clone(), work.path(), runs).await;
    backends.push(("SQLite".to_string(), f));
    sizes.get_or_insert(s);

    match std::env::var("BRM_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let admin = sqlx::PgPool::connect(&admin_url)
                .await
                .expect("BRM_TEST_POSTGRES_URL");
            let db = format!("brm_email_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {db}"))
                .execute(&admin)
                .await
                .unwrap();
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            let url = format!("{base}/{db}");
            let raw = Raw::Pg(sqlx::PgPool::connect(&url).await.unwrap());
            let (f, s) =
                bench_backend("PostgreSQL", &url, raw, smtp.clone(), work.path(), runs).await;
            backends.push(("PostgreSQL".to_string(), f));
            sizes.get_or_insert(s);
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                .execute(&admin)
                .await;
        }
        Err(_) => println!(
            "\nPostgreSQL skipped: BRM_TEST_POSTGRES_URL is not set \
             (scripts/bench-email.sh starts a throw-away cluster)"
        ),
    }

    print_table(runs, &backends);
    // The figures are wall times on a shared machine: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average at the end (1, 5, 15 min): {} on {} cores",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let s = sizes.unwrap();
    println!(
        "\none digest: {} invoice lines; text {} bytes, HTML {} bytes; {} bytes as the \
         server stored it (.eml, MIME-encoded)\nsubject: {}",
        s.lines, s.text, s.html, s.eml, s.subject
    );
    println!(
        "notes: (a)-(d) start with the worker looking at the schedule at the minute; in the \
         app the cycle loop looks every poll_interval ({} s), so a digest is planned up to \
         that much after its minute. The baseline makes a new Mailer as each sender round \
         does. Every step checked: 10 messages on the server's disk.",
        WorkerConfig::new("x").poll_interval.as_secs()
    );
}
