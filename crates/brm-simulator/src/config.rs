//! What a simulator is told at start: seed, token, queue size, job durations, operators,
//! faults and the shape of `result`.

use serde::{Deserialize, Serialize};

/// Injected faults. Rates are probabilities in 0..=1, drawn deterministically per job
/// (job faults) or per request (HTTP faults) from the seed; all default to off.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Faults {
    /// Job ends FAILED with a transient robot error (portal timeout).
    pub failure_rate: f64,
    /// Job ends FAILED with a business error (wrong portal password). Always applies when
    /// the request's `senha` is `senha-errada`.
    pub business_rate: f64,
    /// Job ends COMPLETED with no file (`result` empty): the invoice is not out yet.
    pub no_invoice_rate: f64,
    /// Job vanishes while running: 404 afterwards.
    pub lost_rate: f64,
    /// Every answer of the robot API is delayed by this many (real) milliseconds.
    pub slow_ms: u64,
    /// The request is answered `500 {"detail":"Internal Server Error"}` without effect.
    pub error_500_rate: f64,
    /// The request takes effect, then the connection is closed without an answer.
    pub drop_rate: f64,
    /// The request takes effect, then the JSON answer is cut in the middle.
    pub malformed_rate: f64,
    /// Every authenticated call of the robot API answers 401.
    pub unauthorized: bool,
    /// What a download's business failure says (default: a wrong portal password in the
    /// simulator's own words); for the phrases other robot services use.
    pub business_error: Option<String>,
    /// A careless or hostile robot's log: each download job also writes this many extra
    /// lines, the first of them echoing the portal password it was given.
    pub log_flood: usize,
    /// A create (`POST /executar/...`) makes its job, then its answer is lost: in turn a
    /// dropped connection, a `500` and a cut JSON answer. The defect a client must
    /// reconcile (`GET /jobs`) rather than create again.
    pub lost_answer_rate: f64,
    /// The request takes effect, then its answer waits `hang_ms` (real) milliseconds.
    pub hang_rate: f64,
    pub hang_ms: u64,
    /// A download's invoice is of the month before the one asked for (a portal that
    /// still shows last month's invoice).
    pub wrong_month_rate: f64,
    /// A download's invoice is another client's (another account code and CNPJ).
    pub wrong_account_rate: f64,
    /// Not a fault: the service honours `Idempotency-Key` on creates (the same key
    /// answers the same job) and says so in `/health` (`"idempotency": true`).
    pub idempotency: bool,
}

impl Faults {
    /// pt-BR complaint about the first rate outside 0..=1, if any.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("failure_rate", self.failure_rate),
            ("business_rate", self.business_rate),
            ("no_invoice_rate", self.no_invoice_rate),
            ("lost_rate", self.lost_rate),
            ("error_500_rate", self.error_500_rate),
            ("drop_rate", self.drop_rate),
            ("malformed_rate", self.malformed_rate),
            ("lost_answer_rate", self.lost_answer_rate),
            ("hang_rate", self.hang_rate),
            ("wrong_month_rate", self.wrong_month_rate),
            ("wrong_account_rate", self.wrong_account_rate),
        ];
        for (name, v) in rates {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} deve estar entre 0 e 1 (recebido {v})"));
            }
        }
        Ok(())
    }
}

/// The shape of a COMPLETED download's `result`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub enum ResultShape {
    /// The storage key, as the integration document says: `"faturas/oi/....pdf"`.
    #[default]
    Key,
    /// The old client's object: `{arquivo_fatura, valor_fatura, data_vencimento}`.
    Object,
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Every random choice derives from this seed and the job's (or request's) index.
    pub seed: u64,
    /// The bearer token the API accepts.
    pub token: String,
    /// Jobs RUNNING at once; the rest wait FIFO.
    pub workers: usize,
    /// Job duration range in simulated seconds (inclusive).
    pub job_secs: (u64, u64),
    /// Ended jobs are deleted this long after they end.
    pub purge_after: chrono::Duration,
    /// Known operator codes, case-sensitive.
    pub operators: Vec<String>,
    pub faults: Faults,
    pub result_shape: ResultShape,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            token: "token-simulador".into(),
            workers: 5,
            job_secs: (20, 60),
            purge_after: chrono::Duration::hours(24),
            operators: ["OI", "VIVO", "EMBRATEL", "DIGITALNET"]
                .into_iter()
                .map(String::from)
                .collect(),
            faults: Faults::default(),
            result_shape: ResultShape::Key,
        }
    }
}
