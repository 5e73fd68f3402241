//! Requests and answers of the robot service, read tolerantly from JSON: a missing or
//! oddly typed field becomes `None`/a default, never a crash, and the raw answer is kept.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------
// Requests

/// Body of `POST /executar/{OPERADORA}`. `Debug` masks `senha`.
#[derive(Clone, Serialize, PartialEq, Eq)]
pub struct DownloadRequest {
    pub login: String,
    pub senha: String,
    pub filtro: String,
    pub cnpj: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processo_id: Option<String>,
    /// The invoice's month, `MM/AAAA`: an extra field of ours (the service's document
    /// 2.3.6 names no month; FastAPI ignores fields it does not know). The bundled
    /// simulator fetches that month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mes_referencia: Option<String>,
}

impl DownloadRequest {
    /// The JSON body as sent, with `"senha": "***"`: for the execution record and logs.
    pub fn redacted(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("senha".into(), Value::String("***".into()));
        }
        v
    }
}

impl fmt::Debug for DownloadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadRequest")
            .field("login", &self.login)
            .field("senha", &"***")
            .field("filtro", &self.filtro)
            .field("cnpj", &self.cnpj)
            .field("processo_id", &self.processo_id)
            .finish()
    }
}

/// Body of `POST /executar/sat`. `data_vencimento` is "DD/MM/YYYY".
#[derive(Clone, Serialize, Debug, PartialEq, Eq)]
pub struct SatRequest {
    pub cnpj: String,
    pub razao: String,
    pub operadora: String,
    pub nome_filtro: String,
    pub unidade: String,
    pub servico: String,
    pub dados_sat: String,
    pub nome_arquivo: String,
    pub data_vencimento: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processo_id: Option<String>,
}

impl SatRequest {
    /// The JSON body as sent (it carries no secret), for the execution record.
    pub fn redacted(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

// ---------------------------------------------------------------------------------------
// Answers

/// Answer of `POST /executar/...`: the job was queued.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobAccepted {
    pub job_id: String,
    pub status: String,
    pub message: Option<String>,
    pub status_url: Option<String>,
    pub raw: Value,
}

/// State of a robot job. `Unknown` keeps the text the service sent and counts as
/// still running.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobState {
    Pending,
    Running,
    Completed,
    Failed,
    Unknown(String),
}

impl JobState {
    /// Case-insensitive; anything else is kept as `Unknown` with the original text.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "PENDING" => Self::Pending,
            "RUNNING" => Self::Running,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            _ => Self::Unknown(s.to_string()),
        }
    }

    /// COMPLETED or FAILED: the robot will not change it any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }

    pub fn as_wire(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Unknown(s) => s,
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_wire())
    }
}

impl Serialize for JobState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_wire())
    }
}

/// Answer of `GET /status/{job_id}` (or `GET /jobs/{job_id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobStatus {
    pub job_id: String,
    pub operadora: Option<String>,
    pub state: JobState,
    /// 0..=100; missing → 0.
    pub progress: i64,
    pub result: Option<JobResult>,
    pub error: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub logs: Vec<RobotLogLine>,
    pub raw: Value,
}

/// The `result` of a job: a string (storage key or URL) per the document, or the old
/// client's object `{arquivo_fatura, valor_fatura, data_vencimento}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobResult {
    /// Storage key or URL of the invoice; `None` when the job brought no file.
    pub file: Option<String>,
    pub amount: Option<String>,
    pub due_date: Option<String>,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RobotLogLine {
    pub timestamp: Option<NaiveDateTime>,
    pub level: Option<String>,
    pub message: String,
}

/// Answer of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub healthy: bool,
    pub status: String,
    pub message: Option<String>,
    pub jobs_pending: Option<i64>,
    pub jobs_active: Option<i64>,
    /// The service answers the same job to a create repeated with the same
    /// `Idempotency-Key` (`"idempotency": true`; not in the integration document 2.3.6).
    pub idempotency: bool,
}

/// Answer of `GET /auth/token`. `Debug` masks the token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub token: String,
    /// Minutes.
    pub expires_in_minutes: Option<i64>,
    pub message: Option<String>,
}

impl fmt::Debug for TokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenInfo")
            .field("token", &"***")
            .field("expires_in_minutes", &self.expires_in_minutes)
            .field("message", &self.message)
            .finish()
    }
}

/// Answer of `GET /jobs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobList {
    pub total_jobs: i64,
    pub jobs: Vec<JobSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobSummary {
    pub job_id: String,
    pub operadora: Option<String>,
    pub state: JobState,
    pub progress: i64,
    pub created_at: Option<NaiveDateTime>,
}

/// One server-sent event of `GET /events/logs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobotEvent {
    /// The JSON `type` ("connection", "log", "system_status"); else the SSE event name.
    pub kind: String,
    pub level: Option<String>,
    pub message: Option<String>,
    pub operadora: Option<String>,
    pub job_id: Option<String>,
    pub timestamp: Option<NaiveDateTime>,
    pub jobs_pending: Option<i64>,
    pub jobs_active: Option<i64>,
    /// The parsed `data` (a JSON string when it was not JSON).
    pub raw: Value,
}

// ---------------------------------------------------------------------------------------
// Tolerant readers

/// Parses the robot's timestamps: ISO 8601 without zone (the contract), with or without
/// fraction, with a space instead of `T`, or a date alone (midnight). A timestamp with a
/// zone (`Z`, `+00:00`, `-0300`) is converted to UTC. Anything else → `None`.
pub fn parse_robot_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_utc());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.naive_utc());
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// A non-empty string, or a number/bool written as text.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The first key of `keys` that holds a usable text.
fn text_of(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| text(obj.get(*k)))
}

/// An integer from a number (fractions truncated) or a numeric string.
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
        }),
        Value::String(s) => {
            let s = s.trim().trim_end_matches('%').trim();
            s.parse::<i64>().ok().or_else(|| {
                s.replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
            })
        }
        _ => None,
    }
}

fn time(v: Option<&Value>) -> Option<NaiveDateTime> {
    match v? {
        Value::String(s) => parse_robot_time(s),
        _ => None,
    }
}

fn progress(v: Option<&Value>) -> i64 {
    int(v).unwrap_or(0).clamp(0, 100)
}

fn state(obj: &Map<String, Value>) -> JobState {
    match obj.get("status").or_else(|| obj.get("state")) {
        Some(Value::String(s)) => JobState::parse(s),
        Some(Value::Null) | None => JobState::Unknown(String::new()),
        Some(other) => JobState::Unknown(other.to_string()),
    }
}

const JOB_ID_KEYS: &[&str] = &["job_id", "id", "jobId"];

/// Reads `POST /executar/...`; `None` when the answer has no job id.
pub(crate) fn parse_job_accepted(v: &Value) -> Option<JobAccepted> {
    let obj = v.as_object()?;
    Some(JobAccepted {
        job_id: text_of(obj, JOB_ID_KEYS)?,
        status: text(obj.get("status")).unwrap_or_else(|| "PENDING".into()),
        message: text(obj.get("message")),
        status_url: text(obj.get("status_url")),
        raw: v.clone(),
    })
}

/// Reads a `result`: `None` when absent or null.
pub(crate) fn parse_job_result(v: &Value) -> Option<JobResult> {
    let (file, amount, due_date) = match v {
        Value::Null => return None,
        Value::String(s) => {
            let s = s.trim();
            ((!s.is_empty()).then(|| s.to_string()), None, None)
        }
        Value::Object(obj) => (
            text_of(obj, &["arquivo_fatura", "file", "arquivo", "url"]),
            text_of(obj, &["valor_fatura", "valor", "amount"]),
            text_of(obj, &["data_vencimento", "vencimento", "due_date"]),
        ),
        _ => (None, None, None),
    };
    Some(JobResult {
        file,
        amount,
        due_date,
        raw: v.clone(),
    })
}

/// Reads one log line: an object `{timestamp, level, message}` or a bare string.
pub(crate) fn parse_log_line(v: &Value) -> Option<RobotLogLine> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(RobotLogLine {
            timestamp: None,
            level: None,
            message: s.clone(),
        }),
        Value::Object(obj) => Some(RobotLogLine {
            timestamp: time(obj.get("timestamp").or_else(|| obj.get("time"))),
            level: text_of(obj, &["level", "nivel", "levelname"]),
            // A line without a message keeps its whole JSON, so nothing is lost.
            message: text_of(obj, &["message", "mensagem", "msg"]).unwrap_or_else(|| v.to_string()),
        }),
        other => Some(RobotLogLine {
            timestamp: None,
            level: None,
            message: other.to_string(),
        }),
    }
}

/// Reads a list of log lines: a JSON list, or an object with `logs` (or `lines`).
pub(crate) fn parse_log_lines(v: &Value) -> Option<Vec<RobotLogLine>> {
    let list = match v {
        Value::Array(a) => a,
        Value::Object(obj) => match obj.get("logs").or_else(|| obj.get("lines")) {
            Some(Value::Array(a)) => a,
            Some(Value::Null) => return Some(Vec::new()),
            _ => return None,
        },
        _ => return None,
    };
    Some(list.iter().filter_map(parse_log_line).collect())
}

/// Reads a `JobStatus`; `fallback_id` is the id asked for, used when the answer has none.
pub(crate) fn parse_job_status(v: &Value, fallback_id: &str) -> Option<JobStatus> {
    let obj = v.as_object()?;
    Some(JobStatus {
        job_id: text_of(obj, JOB_ID_KEYS).unwrap_or_else(|| fallback_id.to_string()),
        operadora: text(obj.get("operadora")),
        state: state(obj),
        progress: progress(obj.get("progress")),
        result: obj.get("result").and_then(parse_job_result),
        error: match obj.get("error") {
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        },
        created_at: time(obj.get("created_at")),
        started_at: time(obj.get("started_at")),
        completed_at: time(obj.get("completed_at")),
        logs: obj
            .get("logs")
            .and_then(parse_log_lines)
            .unwrap_or_default(),
        raw: v.clone(),
    })
}

pub(crate) fn parse_health(v: &Value) -> Option<Health> {
    let obj = v.as_object()?;
    let status = text(obj.get("status")).unwrap_or_default();
    Some(Health {
        healthy: status.trim().eq_ignore_ascii_case("healthy"),
        status,
        message: text(obj.get("message")),
        jobs_pending: int(obj.get("jobs_pending")),
        jobs_active: int(obj.get("jobs_active")),
        idempotency: obj.get("idempotency").and_then(Value::as_bool) == Some(true),
    })
}

pub(crate) fn parse_token_info(v: &Value) -> Option<TokenInfo> {
    let obj = v.as_object()?;
    Some(TokenInfo {
        token: text_of(obj, &["token", "access_token"])?,
        expires_in_minutes: int(obj.get("expires_in")),
        message: text(obj.get("message")),
    })
}

fn parse_job_summary(v: &Value) -> Option<JobSummary> {
    let obj = v.as_object()?;
    Some(JobSummary {
        job_id: text_of(obj, JOB_ID_KEYS)?,
        operadora: text(obj.get("operadora")),
        state: state(obj),
        progress: progress(obj.get("progress")),
        created_at: time(obj.get("created_at")),
    })
}

/// Reads `GET /jobs`: `{total_jobs, jobs: [...]}` or a bare list. Entries without a job
/// id are skipped.
pub(crate) fn parse_job_list(v: &Value) -> Option<JobList> {
    let (list, total) = match v {
        Value::Array(a) => (a, None),
        Value::Object(obj) => match obj.get("jobs") {
            Some(Value::Array(a)) => (a, int(obj.get("total_jobs"))),
            _ => return None,
        },
        _ => return None,
    };
    let jobs: Vec<JobSummary> = list.iter().filter_map(parse_job_summary).collect();
    Some(JobList {
        total_jobs: total.unwrap_or(jobs.len() as i64),
        jobs,
    })
}

/// Reads one SSE event; `event_name` is the SSE `event:` field ("message" by default).
pub(crate) fn parse_event(event_name: &str, data: &str) -> RobotEvent {
    let raw = serde_json::from_str::<Value>(data).unwrap_or_else(|_| Value::String(data.into()));
    match raw.as_object() {
        Some(obj) => RobotEvent {
            kind: text(obj.get("type")).unwrap_or_else(|| event_name.to_string()),
            level: text(obj.get("level")),
            message: text(obj.get("message")),
            operadora: text(obj.get("operadora")),
            job_id: text(obj.get("job_id")),
            timestamp: time(obj.get("timestamp")),
            jobs_pending: int(obj.get("jobs_pending")),
            jobs_active: int(obj.get("jobs_active")),
            raw,
        },
        None => RobotEvent {
            kind: event_name.to_string(),
            level: None,
            message: (!data.trim().is_empty()).then(|| data.to_string()),
            operadora: None,
            job_id: None,
            timestamp: None,
            jobs_pending: None,
            jobs_active: None,
            raw,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn times() {
        let t = dt("2024-01-15 10:30:00");
        assert_eq!(parse_robot_time("2024-01-15T10:30:00"), Some(t));
        assert_eq!(parse_robot_time("2024-01-15 10:30:00"), Some(t));
        assert_eq!(
            parse_robot_time("2024-01-15T10:30:00.123456"),
            Some(dt("2024-01-15 10:30:00.123456"))
        );
        assert_eq!(parse_robot_time("2024-01-15T10:30:00Z"), Some(t));
        assert_eq!(parse_robot_time("2024-01-15T07:30:00-03:00"), Some(t));
        assert_eq!(
            parse_robot_time("2024-01-15T07:30:00.5-0300"),
            Some(dt("2024-01-15 10:30:00.5"))
        );
        assert_eq!(parse_robot_time("2024-01-15T10:30"), Some(t));
        assert_eq!(
            parse_robot_time("2024-01-15"),
            Some(dt("2024-01-15 00:00:00"))
        );
        for bad in [
            "",
            "ontem",
            "2024-13-45T99:99:99",
            "1705314600",
            "15/01/2024",
        ] {
            assert_eq!(parse_robot_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn states() {
        assert_eq!(JobState::parse("completed"), JobState::Completed);
        let q = JobState::parse("QUEUED");
        assert_eq!(q, JobState::Unknown("QUEUED".into()));
        assert!(!q.is_terminal());
        assert_eq!(q.as_wire(), "QUEUED");
        assert!(JobState::Failed.is_terminal());
        assert_eq!(serde_json::to_value(JobState::Running).unwrap(), "RUNNING");
    }

    #[test]
    fn results() {
        let r = parse_job_result(&json!("faturas/oi_202401.pdf")).unwrap();
        assert_eq!(r.file.as_deref(), Some("faturas/oi_202401.pdf"));
        assert_eq!(parse_job_result(&json!("  ")).unwrap().file, None);
        assert_eq!(parse_job_result(&json!(null)), None);
        let r = parse_job_result(&json!({"arquivo_fatura": "a.pdf", "valor_fatura": 123.45,
            "data_vencimento": "10/02/2024"}))
        .unwrap();
        assert_eq!(r.file.as_deref(), Some("a.pdf"));
        assert_eq!(r.amount.as_deref(), Some("123.45"));
        assert_eq!(r.due_date.as_deref(), Some("10/02/2024"));
        let r = parse_job_result(
            &json!({"url": "http://x/a.pdf", "valor": "R$ 10,00", "vencimento": "x"}),
        )
        .unwrap();
        assert_eq!(r.file.as_deref(), Some("http://x/a.pdf"));
        assert_eq!(r.amount.as_deref(), Some("R$ 10,00"));
        let r = parse_job_result(&json!(42)).unwrap();
        assert_eq!((r.file, r.raw), (None, json!(42)));
    }

    #[test]
    fn progress_and_ints() {
        assert_eq!(progress(None), 0);
        assert_eq!(progress(Some(&json!(150))), 100);
        assert_eq!(progress(Some(&json!(-3))), 0);
        assert_eq!(progress(Some(&json!(42.9))), 42);
        assert_eq!(progress(Some(&json!("30"))), 30);
        assert_eq!(progress(Some(&json!("95%"))), 95);
        assert_eq!(progress(Some(&json!(1e300))), 100);
        assert_eq!(progress(Some(&json!([1]))), 0);
    }

    #[test]
    fn status_tolerant() {
        let s = parse_job_status(
            &json!({"status": "RUNNING", "extra": {"a": 1}, "logs": ["texto", {"timestamp": "x", "message": "m"}, {"foo": 1}]}),
            "abc",
        )
        .unwrap();
        assert_eq!(s.job_id, "abc");
        assert_eq!(s.state, JobState::Running);
        assert_eq!(s.progress, 0);
        assert_eq!(s.logs.len(), 3);
        assert_eq!(s.logs[0].message, "texto");
        assert_eq!(s.logs[1].timestamp, None);
        assert_eq!(s.logs[2].message, r#"{"foo":1}"#);
        assert!(parse_job_status(&json!([1, 2]), "abc").is_none());
        let s = parse_job_status(&json!({"job_id": 7, "status": null, "error": ""}), "x").unwrap();
        assert_eq!(s.job_id, "7");
        assert_eq!(s.state, JobState::Unknown(String::new()));
        assert_eq!(s.error, None);
    }

    #[test]
    fn redaction() {
        let r = DownloadRequest {
            login: "l".into(),
            senha: "segredo".into(),
            filtro: "f".into(),
            cnpj: "1".into(),
            processo_id: None,
            mes_referencia: None,
        };
        assert!(!format!("{r:?}").contains("segredo"));
        let v = r.redacted();
        assert_eq!(v["senha"], "***");
        assert!(v.get("processo_id").is_none());
        assert_eq!(serde_json::to_value(&r).unwrap()["senha"], "segredo");
        let t = TokenInfo {
            token: "jwt.secret".into(),
            expires_in_minutes: Some(1),
            message: None,
        };
        assert!(!format!("{t:?}").contains("jwt.secret"));
    }

    #[test]
    fn events() {
        let e = parse_event(
            "message",
            r#"{"type":"log","level":"INFO","message":"oi","jobs_pending":"2"}"#,
        );
        assert_eq!(e.kind, "log");
        assert_eq!(e.jobs_pending, Some(2));
        let e = parse_event("ping", "not json");
        assert_eq!(
            (e.kind.as_str(), e.message.as_deref()),
            ("ping", Some("not json"))
        );
    }
}
