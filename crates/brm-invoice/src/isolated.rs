//! Reading an invoice in a child process: a PDF crafted to exhaust memory or keep the
//! parser busy takes down the child, never the desktop or the worker. The child is the
//! application's own binary with a subcommand (`brm-desk ler-fatura`), given the PDF on
//! its standard input; it answers one line of JSON. It limits its own memory first, to
//! 512 MB above what it holds at start, on every platform ([`crate::child_limits`]); the
//! parent kills it after [`CHILD_TIME_LIMIT`]. Any way the child ends without an answer is "fatura não
//! pôde ser lida": the approver types the values.

use crate::child_limits::ReaderHeap;
use crate::{read, ReadError, Reading};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::RwLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one reading may take in the child.
pub const CHILD_TIME_LIMIT: Duration = Duration::from_secs(20);

/// The most a PDF given to the child may weigh (invoices are capped at 20 MB before).
const MAX_INPUT: usize = 21 * 1024 * 1024;

/// Which program reads invoices, with which arguments before the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isolation {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub time_limit: Duration,
}

static ISOLATION: RwLock<Option<Isolation>> = RwLock::new(None);

/// Where invoices are read from now on; `None`: in this process (tests of crates that
/// have no reader binary; the limits of [`crate::read`] still apply).
pub fn set_isolation(isolation: Option<Isolation>) {
    *ISOLATION.write().expect("isolation") = isolation;
}

fn isolation() -> Option<Isolation> {
    ISOLATION.read().expect("isolation").clone()
}

/// The child's one line of answer.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Lida(Reading),
    NaoPdf(String),
    Grande(String),
}

/// Reads `pdf` in the configured child process (or here, when none is configured).
pub async fn read_safely(pdf: Vec<u8>, today: NaiveDate) -> Result<Reading, ReadError> {
    let Some(iso) = isolation() else {
        return match tokio::task::spawn_blocking(move || read(&pdf, today)).await {
            Ok(r) => r,
            Err(e) => Err(ReadError::NotPdf(format!("a leitura falhou ({e})"))),
        };
    };
    read_in_child(&iso, pdf, today).await
}

async fn read_in_child(
    iso: &Isolation,
    pdf: Vec<u8>,
    today: NaiveDate,
) -> Result<Reading, ReadError> {
    let mut child = tokio::process::Command::new(&iso.program)
        .args(&iso.args)
        .arg(today.format("%Y-%m-%d").to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            ReadError::TooBig(format!("o leitor de faturas não pôde ser iniciado ({e})"))
        })?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let talk = async {
        // A child that dies while reading its input closes the pipe: its exit says why.
        let _ = stdin.write_all(&pdf).await;
        drop(stdin);
        let mut answer = Vec::new();
        let _ = (&mut stdout)
            .take(4 * 1024 * 1024)
            .read_to_end(&mut answer)
            .await;
        let status = child.wait().await;
        (answer, status)
    };
    let Ok((answer, status)) = tokio::time::timeout(iso.time_limit, talk).await else {
        // kill_on_drop ends it when `child` goes out of scope here.
        let limit = if iso.time_limit >= Duration::from_secs(1) {
            format!("{} s", iso.time_limit.as_secs())
        } else {
            format!("{} ms", iso.time_limit.as_millis())
        };
        return Err(ReadError::TooBig(format!(
            "a leitura passou de {limit} e foi interrompida"
        )));
    };
    let ended_well = status.map(|s| s.success()).unwrap_or(false);
    match serde_json::from_slice::<Answer>(&answer) {
        Ok(Answer::Lida(r)) if ended_well => Ok(r),
        Ok(Answer::NaoPdf(m)) if ended_well => Err(ReadError::NotPdf(m)),
        Ok(Answer::Grande(m)) if ended_well => Err(ReadError::TooBig(m)),
        _ => Err(ReadError::TooBig(
            "o leitor de faturas parou antes de terminar (memória esgotada ou arquivo malformado)"
                .into(),
        )),
    }
}

/// The child's side: `args` is what follows the subcommand (the reference date,
/// `AAAA-MM-DD`); the PDF comes on standard input; `heap` is the binary's global
/// allocator. Returns the exit code.
pub fn run_child(args: &[String], heap: &ReaderHeap) -> i32 {
    crate::child_limits::apply(heap);
    let today = args
        .first()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut pdf = Vec::new();
    use std::io::Read;
    if std::io::stdin()
        .take(MAX_INPUT as u64)
        .read_to_end(&mut pdf)
        .is_err()
    {
        return 2;
    }
    let answer = match read(&pdf, today) {
        Ok(r) => Answer::Lida(r),
        Err(ReadError::NotPdf(m)) => Answer::NaoPdf(m),
        Err(ReadError::TooBig(m)) => Answer::Grande(m),
    };
    match serde_json::to_string(&answer) {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(_) => 3,
    }
}
