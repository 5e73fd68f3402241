//! The simulated robot service: jobs, the FIFO queue of workers, each job's timeline and
//! the purge, advanced to the clock's "now" by [`Engine::tick`] as a discrete-event
//! simulation (events are applied in time order, so it does not matter how often or how
//! late `tick` runs).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use brm_core::clock::{Clock, ManualClock};
use brm_storage::{Bytes, InvoiceStorage};
use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use crate::config::{Faults, ResultShape, SimConfig};
use crate::pdf::{self, Invoice};

/// The message the contract names for an unknown job.
pub(crate) fn job_not_found(id: &str) -> String {
    format!("Job '{id}' não encontrado")
}

pub const TRANSIENT_ERROR: &str = "Tempo esgotado aguardando o portal da operadora";
pub const BUSINESS_ERROR: &str = "Login ou senha inválidos no portal da operadora";
pub const NO_INVOICE: &str = "Nenhuma fatura disponível ainda";
const SAT_TRANSIENT_ERROR: &str = "Tempo esgotado aguardando o SAT";
const SAT_BUSINESS_ERROR: &str = "O SAT recusou os dados da fatura";
/// The password that always fails the portal login.
pub const WRONG_PASSWORD: &str = "senha-errada";

/// Domains of the random streams, so a job's and a request's draws never coincide.
const DOMAIN_JOB: u64 = 1;
pub(crate) const DOMAIN_REQUEST: u64 = 2;

/// The random stream of (seed, domain, index): ChaCha8, whose output is fixed by its
/// specification, so the same seed gives the same run on every machine.
pub(crate) fn stream(seed: u64, domain: u64, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&domain.to_le_bytes());
    key[16..24].copy_from_slice(&index.to_le_bytes());
    key[24..].copy_from_slice(b"brm-sim!");
    ChaCha8Rng::from_seed(key)
}

/// Brazil (Brasília) time: reference months and due dates are local dates.
fn brasilia() -> FixedOffset {
    FixedOffset::west_opt(3 * 3600).expect("valid offset")
}

/// ISO 8601 without zone, as Python's `datetime.isoformat()` prints a naive UTC time:
/// microseconds only when not zero.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    let n = t.naive_utc();
    if t.timestamp_subsec_micros() == 0 {
        n.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        n.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum JobState {
    Pending,
    Running,
    Completed,
    Failed,
}

impl JobState {
    fn ended(self) -> bool {
        matches!(self, JobState::Completed | JobState::Failed)
    }
}

/// The CNPJ on the invoice the `wrong_account_rate` fault serves (valid, nobody's).
pub const OTHER_CLIENT_CNPJ: &str = "11222333000181";

/// What a job was asked to do.
#[derive(Clone, Debug)]
pub(crate) enum JobRequest {
    Download {
        senha: String,
        filtro: String,
        cnpj: String,
        /// The month asked for (`mes_referencia`, an extra field of ours): the simulated
        /// portal has that month's invoice. Without it, the month of the download.
        month: Option<(i32, u32)>,
    },
    Sat {
        nome_arquivo: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Business,
    Transient,
    NoInvoice,
    Lost,
}

#[derive(Clone, Debug)]
enum Step {
    Log(String),
    Progress(u8, String),
    /// Progress 95: the result is captured (for an invoice, the PDF is written).
    Capture,
    Complete,
    Fail(String),
    /// The job disappears (lost by the service).
    Vanish,
}

struct LogLine {
    at: DateTime<Utc>,
    message: String,
}

pub(crate) struct Job {
    id: String,
    index: u64,
    operadora: String,
    processo_id: Option<String>,
    request: JobRequest,
    state: JobState,
    progress: u8,
    result: Option<Value>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    logs: Vec<LogLine>,
    outcome: Outcome,
    amount_cents: i64,
    due_days: i64,
    /// The portal shows the month before the one asked for.
    wrong_month: bool,
    /// The portal shows another client's account (another account code and CNPJ).
    wrong_account: bool,
    /// (offset from start in ms, step), in time order.
    steps: Vec<(i64, Step)>,
    next_step: usize,
    captured: Option<Value>,
}

impl Job {
    fn next_time(&self) -> Option<DateTime<Utc>> {
        if self.state != JobState::Running {
            return None;
        }
        let (offset, _) = self.steps.get(self.next_step)?;
        Some(self.started_at? + Duration::milliseconds(*offset))
    }

    pub(crate) fn status_json(&self) -> Value {
        json!({
            "job_id": self.id,
            "operadora": self.operadora,
            "status": self.state,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
            "created_at": iso(self.created_at),
            "started_at": self.started_at.map(iso),
            "completed_at": self.completed_at.map(iso),
            "logs": self.logs_json(),
        })
    }

    /// What the tests' counters need: whose job it is and how it stands.
    pub(crate) fn record(&self) -> crate::SimJob {
        crate::SimJob {
            job_id: self.id.clone(),
            processo_id: self.processo_id.clone(),
            sat: matches!(self.request, JobRequest::Sat { .. }),
            state: match self.state {
                JobState::Pending => "PENDING",
                JobState::Running => "RUNNING",
                JobState::Completed => "COMPLETED",
                JobState::Failed => "FAILED",
            }
            .to_string(),
        }
    }

    pub(crate) fn summary_json(&self) -> Value {
        json!({
            "job_id": self.id,
            "operadora": self.operadora,
            "status": self.state,
            "progress": self.progress,
            "created_at": iso(self.created_at),
        })
    }

    pub(crate) fn logs_json(&self) -> Value {
        Value::Array(
            self.logs
                .iter()
                .map(|l| json!({"timestamp": iso(l.at), "message": l.message}))
                .collect(),
        )
    }
}

#[derive(Default)]
pub(crate) struct State {
    jobs: BTreeMap<u64, Job>,
    ids: HashMap<String, u64>,
    queue: VecDeque<u64>,
    running: Vec<u64>,
    /// One entry per idle worker: since when it is idle.
    idle_since: Vec<DateTime<Utc>>,
    pub(crate) jobs_created: u64,
    pub(crate) downloads_created: u64,
    pub(crate) sat_created: u64,
    pub(crate) by_processo: BTreeMap<String, u64>,
    /// `Idempotency-Key` → the job it created.
    pub(crate) by_key: HashMap<String, String>,
    /// Creates answered with an existing job because their key was seen before.
    pub(crate) replays: u64,
}

impl State {
    pub(crate) fn job(&self, id: &str) -> Option<&Job> {
        self.ids.get(id).and_then(|i| self.jobs.get(i))
    }

    pub(crate) fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values()
    }

    pub(crate) fn pending(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn active(&self) -> usize {
        self.running.len()
    }
}

/// A PDF to write outside the state lock before the capture step is applied.
struct PendingWrite {
    index: u64,
    at: DateTime<Utc>,
    key: String,
    bytes: Vec<u8>,
    result: Value,
}

pub(crate) struct Engine {
    pub(crate) cfg: SimConfig,
    pub(crate) storage: Arc<dyn InvoiceStorage>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) manual_clock: Option<Arc<ManualClock>>,
    faults: Mutex<Faults>,
    state: Mutex<State>,
    tick_lock: tokio::sync::Mutex<()>,
    pub(crate) events: broadcast::Sender<String>,
    /// Requests of the robot API seen so far (the index of HTTP fault draws).
    pub(crate) requests: AtomicU64,
    /// Creates whose job was made and whose answer the `lost_answer_rate` fault lost.
    pub(crate) answers_lost: AtomicU64,
    /// Never fires: the "closing" signal of routers not served by `serve`.
    pub(crate) never_closing: watch::Sender<bool>,
}

impl Engine {
    pub(crate) fn new(
        mut cfg: SimConfig,
        storage: Arc<dyn InvoiceStorage>,
        clock: Arc<dyn Clock>,
        manual_clock: Option<Arc<ManualClock>>,
    ) -> Self {
        cfg.workers = cfg.workers.max(1);
        if cfg.job_secs.0 > cfg.job_secs.1 {
            cfg.job_secs = (cfg.job_secs.1, cfg.job_secs.0);
        }
        let start = DateTime::<Utc>::MIN_UTC;
        let state = State {
            idle_since: vec![start; cfg.workers],
            ..State::default()
        };
        Self {
            faults: Mutex::new(cfg.faults.clone()),
            cfg,
            storage,
            clock,
            manual_clock,
            state: Mutex::new(state),
            tick_lock: tokio::sync::Mutex::new(()),
            events: broadcast::channel(1024).0,
            requests: AtomicU64::new(0),
            answers_lost: AtomicU64::new(0),
            never_closing: watch::channel(false).0,
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn set_faults(&self, f: Faults) {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner()) = f;
    }

    /// Sends a live event to the `/events/logs` listeners (if any).
    fn emit(
        &self,
        st: &State,
        kind: &str,
        level: &str,
        message: &str,
        job: Option<(&str, &str)>,
        at: DateTime<Utc>,
    ) {
        if self.events.receiver_count() == 0 {
            return;
        }
        let ev = json!({
            "type": kind,
            "level": level,
            "message": message,
            "operadora": job.map(|j| j.1),
            "job_id": job.map(|j| j.0),
            "timestamp": iso(at),
            "jobs_pending": st.pending(),
            "jobs_active": st.active(),
        });
        let _ = self.events.send(ev.to_string());
    }

    pub(crate) fn system_status_event(&self, st: &State, message: &str) -> String {
        json!({
            "type": "system_status",
            "level": "info",
            "message": message,
            "operadora": null,
            "job_id": null,
            "timestamp": iso(self.clock.now()),
            "jobs_pending": st.pending(),
            "jobs_active": st.active(),
        })
        .to_string()
    }

    fn emit_status(&self, st: &State, at: DateTime<Utc>) {
        let msg = format!(
            "{} job(s) em execução, {} na fila",
            st.active(),
            st.pending()
        );
        self.emit(st, "system_status", "info", &msg, None, at);
    }

    fn log(&self, st: &mut State, index: u64, at: DateTime<Utc>, level: &str, message: String) {
        let Some(job) = st.jobs.get_mut(&index) else {
            return;
        };
        let (id, op) = (job.id.clone(), job.operadora.clone());
        job.logs.push(LogLine {
            at,
            message: message.clone(),
        });
        self.emit(st, "log", level, &message, Some((&id, &op)), at);
    }

    /// Creates a job (PENDING, progress 0) and queues it. Returns its id.
    /// A create carrying an `Idempotency-Key`: the job that key made before, if any,
    /// else a new one remembered under the key.
    pub(crate) fn create_once(
        &self,
        operadora: String,
        processo_id: Option<String>,
        request: JobRequest,
        key: Option<String>,
    ) -> String {
        if let Some(k) = &key {
            let mut st = self.state();
            if let Some(id) = st.by_key.get(k).cloned() {
                st.replays += 1;
                return id;
            }
        }
        let id = self.create(operadora, processo_id, request);
        if let Some(k) = key {
            self.state().by_key.insert(k, id.clone());
        }
        id
    }

    pub(crate) fn create(
        &self,
        operadora: String,
        processo_id: Option<String>,
        request: JobRequest,
    ) -> String {
        let now = self.clock.now();
        let faults = self.faults();
        let mut st = self.state();
        let index = st.jobs_created;
        st.jobs_created += 1;
        match request {
            JobRequest::Download { .. } => st.downloads_created += 1,
            JobRequest::Sat { .. } => st.sat_created += 1,
        }
        if let Some(p) = &processo_id {
            *st.by_processo.entry(p.clone()).or_default() += 1;
        }

        // Every draw, in a fixed order, whatever the faults: changing a rate changes
        // outcomes, never the other draws.
        let mut rng = stream(self.cfg.seed, DOMAIN_JOB, index);
        let mut id_bytes = [0u8; 16];
        rng.fill_bytes(&mut id_bytes);
        let id = uuid::Builder::from_random_bytes(id_bytes)
            .into_uuid()
            .to_string();
        let (lo, hi) = self.cfg.job_secs;
        let duration_ms = rng.gen_range(lo * 1000..=hi * 1000) as i64;
        let amount_cents = rng.gen_range(5_000..=500_000i64);
        let due_days = rng.gen_range(10..=25i64);
        let u_business: f64 = rng.gen();
        let u_failure: f64 = rng.gen();
        let u_lost: f64 = rng.gen();
        let u_no_invoice: f64 = rng.gen();
        // Drawn last: adding these faults changed no earlier draw.
        let u_wrong_month: f64 = rng.gen();
        let u_wrong_account: f64 = rng.gen();

        let wrong_password =
            matches!(&request, JobRequest::Download { senha, .. } if senha == WRONG_PASSWORD);
        let is_download = matches!(request, JobRequest::Download { .. });
        let outcome = if wrong_password || u_business < faults.business_rate {
            Outcome::Business
        } else if u_failure < faults.failure_rate {
            Outcome::Transient
        } else if u_lost < faults.lost_rate {
            Outcome::Lost
        } else if is_download && u_no_invoice < faults.no_invoice_rate {
            Outcome::NoInvoice
        } else {
            Outcome::Ok
        };
        let mut steps = plan_steps(&operadora, &request, outcome, duration_ms);
        if let (true, JobRequest::Download { senha, .. }) = (faults.log_flood > 0, &request) {
            let at = steps.first().map(|(t, _)| *t).unwrap_or(0);
            let flood = (0..faults.log_flood).map(|i| {
                let line = if i == 0 {
                    format!("Entrando no portal com a senha {senha}")
                } else {
                    format!("linha de depuração {i} {}", "x".repeat(3_000))
                };
                (at, Step::Log(line))
            });
            let rest = steps.split_off(1.min(steps.len()));
            steps.extend(flood);
            steps.extend(rest);
        }
        if let (Some(text), JobRequest::Download { .. }) = (&faults.business_error, &request) {
            for (_, step) in steps.iter_mut() {
                if matches!(step, Step::Fail(m) if m == BUSINESS_ERROR) {
                    *step = Step::Fail(text.clone());
                }
            }
        }
        let first_log = match &request {
            JobRequest::Download { filtro, .. } => {
                format!("Job criado para a operadora {operadora} (conta {filtro}); aguardando um robô livre")
            }
            JobRequest::Sat { nome_arquivo } => {
                format!("Job criado para lançar a fatura {nome_arquivo} no SAT; aguardando um robô livre")
            }
        };
        let job = Job {
            id: id.clone(),
            index,
            operadora,
            processo_id,
            request,
            state: JobState::Pending,
            progress: 0,
            result: None,
            error: None,
            created_at: now,
            started_at: None,
            completed_at: None,
            logs: Vec::new(),
            outcome,
            amount_cents,
            due_days,
            wrong_month: is_download && u_wrong_month < faults.wrong_month_rate,
            wrong_account: is_download && u_wrong_account < faults.wrong_account_rate,
            steps,
            next_step: 0,
            captured: None,
        };
        st.ids.insert(id.clone(), index);
        st.jobs.insert(index, job);
        st.queue.push_back(index);
        self.log(&mut st, index, now, "info", first_log);
        self.emit_status(&st, now);
        id
    }

    /// Advances every job to the clock's now: starts queued jobs as workers free up,
    /// applies each job's steps in time order, writes invoices, deletes old jobs.
    pub(crate) async fn tick(&self) {
        let _serial = self.tick_lock.lock().await;
        let now = self.clock.now();
        loop {
            let write = {
                let mut st = self.state();
                self.advance(&mut st, now)
            };
            let Some(w) = write else { break };
            let stored = self.storage.put(&w.key, Bytes::from(w.bytes)).await;
            let mut st = self.state();
            let Some(job) = st.jobs.get_mut(&w.index) else {
                continue;
            };
            job.next_step += 1;
            match stored {
                Ok(_) => {
                    job.progress = 95;
                    job.captured = Some(w.result);
                    self.log(
                        &mut st,
                        w.index,
                        w.at,
                        "info",
                        format!("Resultado capturado: fatura gravada em {}", w.key),
                    );
                }
                Err(e) => {
                    let msg = format!("Falha ao gravar a fatura no armazenamento: {e}");
                    self.end(&mut st, w.index, w.at, JobState::Failed, Some(msg));
                }
            }
        }
        let mut st = self.state();
        self.purge(&mut st, now);
    }

    /// Applies events up to `now`; stops early at a capture that needs a storage write.
    fn advance(&self, st: &mut State, now: DateTime<Utc>) -> Option<PendingWrite> {
        loop {
            self.start_queued(st);
            let next = st
                .running
                .iter()
                .filter_map(|i| st.jobs[i].next_time().map(|t| (t, *i)))
                .filter(|(t, _)| *t <= now)
                .min();
            let (at, index) = next?;
            let job = st.jobs.get_mut(&index).expect("running job exists");
            let step = job.steps[job.next_step].1.clone();
            match step {
                Step::Capture => {
                    if let Some(w) = self.capture(job, at) {
                        return Some(w);
                    }
                    let job = st.jobs.get_mut(&index).expect("running job exists");
                    job.next_step += 1;
                    job.progress = 95;
                    let msg = match &job.captured {
                        Some(Value::String(s)) if s.is_empty() => {
                            "Resultado capturado: nenhuma fatura para baixar".to_string()
                        }
                        Some(Value::String(s)) => format!("Resultado capturado: {s}"),
                        _ => "Resultado capturado".to_string(),
                    };
                    self.log(st, index, at, "info", msg);
                }
                Step::Log(msg) => {
                    job.next_step += 1;
                    self.log(st, index, at, "info", msg);
                }
                Step::Progress(p, msg) => {
                    job.next_step += 1;
                    job.progress = p;
                    self.log(st, index, at, "info", msg);
                }
                Step::Complete => {
                    job.next_step += 1;
                    job.progress = 100;
                    job.result = Some(job.captured.take().unwrap_or(Value::String(String::new())));
                    self.log(st, index, at, "info", "Job concluído".to_string());
                    self.end(st, index, at, JobState::Completed, None);
                }
                Step::Fail(msg) => {
                    job.next_step += 1;
                    self.end(st, index, at, JobState::Failed, Some(msg));
                }
                Step::Vanish => {
                    st.running.retain(|i| *i != index);
                    st.idle_since.push(at);
                    if let Some(job) = st.jobs.remove(&index) {
                        st.ids.remove(&job.id);
                        tracing::debug!(job = %job.id, "simulated job lost");
                    }
                    self.emit_status(st, at);
                }
            }
        }
    }

    /// Gives queued jobs to idle workers, first come first served.
    fn start_queued(&self, st: &mut State) {
        while !st.queue.is_empty() && !st.idle_since.is_empty() {
            let (slot, _) = st
                .idle_since
                .iter()
                .enumerate()
                .min_by_key(|(_, t)| **t)
                .expect("an idle worker");
            let idle_since = st.idle_since.swap_remove(slot);
            let index = st.queue.pop_front().expect("a queued job");
            let job = st.jobs.get_mut(&index).expect("queued job exists");
            let at = idle_since.max(job.created_at);
            job.state = JobState::Running;
            job.started_at = Some(at);
            job.progress = 30;
            let msg = match &job.request {
                JobRequest::Download { .. } => {
                    format!(
                        "Robô iniciado: abrindo o portal da operadora {}",
                        job.operadora
                    )
                }
                JobRequest::Sat { .. } => "Robô iniciado: abrindo o SAT".to_string(),
            };
            st.running.push(index);
            self.log(st, index, at, "info", msg);
            self.emit_status(st, at);
        }
    }

    /// The result of the capture step; for an invoice, the PDF to write first.
    fn capture(&self, job: &mut Job, at: DateTime<Utc>) -> Option<PendingWrite> {
        match (&job.request, job.outcome) {
            (JobRequest::Download { .. }, Outcome::NoInvoice) => {
                job.captured = Some(match self.cfg.result_shape {
                    ResultShape::Key => Value::String(String::new()),
                    ResultShape::Object => json!({
                        "arquivo_fatura": "",
                        "valor_fatura": null,
                        "data_vencimento": null,
                    }),
                });
                None
            }
            (
                JobRequest::Download {
                    filtro,
                    cnpj,
                    month,
                    ..
                },
                _,
            ) => {
                let local = at.with_timezone(&brasilia()).date_naive();
                let due = local + Duration::days(job.due_days);
                let (mut year, mut month) = month.unwrap_or((local.year(), local.month()));
                if job.wrong_month {
                    (year, month) = if month == 1 {
                        (year - 1, 12)
                    } else {
                        (year, month - 1)
                    };
                }
                let yyyymm = format!("{year:04}{month:02}");
                let (filtro, cnpj) = if job.wrong_account {
                    (&format!("{filtro}-OUTRA"), &OTHER_CLIENT_CNPJ.to_string())
                } else {
                    (filtro, cnpj)
                };
                let cnpj_digits: String = cnpj.chars().filter(char::is_ascii_digit).collect();
                let cnpj_key = if cnpj_digits.is_empty() {
                    "sem-cnpj".to_string()
                } else {
                    cnpj_digits.clone()
                };
                let key = format!(
                    "faturas/{}/{}_{}_{}_{}.pdf",
                    safe_segment(&job.operadora.to_lowercase()),
                    cnpj_key,
                    safe_segment(filtro),
                    yyyymm,
                    &job.id[..8]
                );
                let free = format!(
                    "{:0>8}{}{:011}",
                    &cnpj_digits[..cnpj_digits.len().min(8)],
                    yyyymm,
                    job.index % 100_000_000_000
                );
                let line = brm_core::payment_line::generate_collection(
                    4,
                    job.amount_cents,
                    &company_id(&job.operadora),
                    &free,
                );
                let invoice = Invoice {
                    operadora: job.operadora.clone(),
                    cnpj: cnpj_digits,
                    filtro: filtro.clone(),
                    month,
                    year,
                    issued: local,
                    due,
                    amount_cents: job.amount_cents,
                    payment_line: line,
                    job_id: job.id.clone(),
                };
                let result = match self.cfg.result_shape {
                    ResultShape::Key => Value::String(key.clone()),
                    ResultShape::Object => json!({
                        "arquivo_fatura": key,
                        "valor_fatura": job.amount_cents as f64 / 100.0,
                        "data_vencimento": pdf::format_date(due),
                    }),
                };
                Some(PendingWrite {
                    index: job.index,
                    at,
                    key,
                    bytes: pdf::invoice_pdf(&invoice),
                    result,
                })
            }
            (JobRequest::Sat { .. }, _) => {
                let name = job.processo_id.as_deref().unwrap_or(&job.id);
                job.captured = Some(Value::String(format!("sat/{}.ok", safe_segment(name))));
                None
            }
        }
    }

    /// Ends a running job (COMPLETED or FAILED) and frees its worker.
    fn end(
        &self,
        st: &mut State,
        index: u64,
        at: DateTime<Utc>,
        state: JobState,
        error: Option<String>,
    ) {
        st.running.retain(|i| *i != index);
        st.idle_since.push(at);
        let Some(job) = st.jobs.get_mut(&index) else {
            return;
        };
        job.state = state;
        job.completed_at = Some(at);
        if let Some(e) = error {
            job.error = Some(e.clone());
            job.result = None;
            self.log(st, index, at, "error", format!("Erro: {e}"));
        }
        self.emit_status(st, at);
    }

    /// Deletes jobs ended more than `purge_after` ago.
    fn purge(&self, st: &mut State, now: DateTime<Utc>) {
        let limit = now - self.cfg.purge_after;
        let old: Vec<u64> = st
            .jobs
            .values()
            .filter(|j| j.state.ended() && j.completed_at.is_some_and(|t| t <= limit))
            .map(|j| j.index)
            .collect();
        for index in old {
            if let Some(job) = st.jobs.remove(&index) {
                st.ids.remove(&job.id);
            }
        }
    }
}

/// The steps of a job, from its start, given its outcome.
fn plan_steps(
    operadora: &str,
    request: &JobRequest,
    outcome: Outcome,
    duration_ms: i64,
) -> Vec<(i64, Step)> {
    let at = |permille: i64| duration_ms * permille / 1000;
    let mut steps = Vec::new();
    match request {
        JobRequest::Download { filtro, cnpj, .. } => {
            steps.push((
                at(150),
                Step::Log(format!("Portal da operadora {operadora} carregado")),
            ));
            if outcome == Outcome::Business {
                steps.push((at(300), Step::Fail(BUSINESS_ERROR.to_string())));
                return steps;
            }
            steps.push((
                at(300),
                Step::Log("Login realizado no portal da operadora".into()),
            ));
            if outcome == Outcome::Lost {
                steps.push((at(500), Step::Vanish));
                return steps;
            }
            steps.push((
                at(500),
                Step::Log(format!(
                    "Buscando as faturas da conta {filtro} (CNPJ {})",
                    pdf::format_cnpj(cnpj)
                )),
            ));
            if outcome == Outcome::Transient {
                steps.push((at(600), Step::Fail(TRANSIENT_ERROR.to_string())));
                return steps;
            }
            let found = if outcome == Outcome::NoInvoice {
                NO_INVOICE.to_string()
            } else {
                "Fatura encontrada; baixando o PDF".to_string()
            };
            steps.push((at(700), Step::Log(found)));
        }
        JobRequest::Sat { nome_arquivo } => {
            steps.push((at(150), Step::Log("SAT carregado".into())));
            if outcome == Outcome::Business {
                steps.push((at(300), Step::Fail(SAT_BUSINESS_ERROR.to_string())));
                return steps;
            }
            if outcome == Outcome::Lost {
                steps.push((at(500), Step::Vanish));
                return steps;
            }
            steps.push((
                at(500),
                Step::Log(format!("Lançando a fatura {nome_arquivo} no SAT")),
            ));
            if outcome == Outcome::Transient {
                steps.push((at(600), Step::Fail(SAT_TRANSIENT_ERROR.to_string())));
                return steps;
            }
        }
    }
    steps.push((
        at(850),
        Step::Progress(90, "Finalizando: fechando o navegador do robô".into()),
    ));
    steps.push((at(950), Step::Capture));
    steps.push((duration_ms, Step::Complete));
    steps
}

/// A key segment made only of letters, digits, '-' and '_'.
fn safe_segment(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if out.is_empty() {
        "_".into()
    } else {
        out
    }
}

/// A made-up, stable 4-digit FEBRABAN company code per operator.
fn company_id(operadora: &str) -> String {
    let h = operadora
        .bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    format!("{:04}", h % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_looks_like_python() {
        let t = DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(iso(t), "2026-11-01T12:00:00");
        assert_eq!(
            iso(t + Duration::milliseconds(1500)),
            "2026-11-01T12:00:01.500000"
        );
    }

    #[test]
    fn segments_are_safe() {
        assert_eq!(safe_segment("A/B C:1"), "A_B_C_1");
        assert_eq!(safe_segment(""), "_");
        assert_eq!(company_id("OI").len(), 4);
    }
}
