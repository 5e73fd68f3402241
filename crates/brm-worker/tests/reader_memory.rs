//! The invoice reader child cannot take more than 512 MB above its start, on every
//! platform (issue 18): a PDF that makes the parser hold about 720 MB ends the child,
//! never the caller, with "memória esgotada". Runs on Linux here and on the Windows and
//! macOS runners of the GitHub workflow (no shell, no database: only the reader binary).
//!
//! Two layers hold it (`brm_invoice::child_limits`): the heap cap of the reader's own
//! allocator, everywhere, and the system's limit beside it (Linux `RLIMIT_AS`, a Windows
//! job object). Each is shown alone where this machine can: the system's limit with the
//! heap cap out of reach is not separable, but the heap cap alone is (the environment
//! switch that leaves out the system's limit), which is what macOS has.

mod common;

use brm_invoice::{read_safely, set_isolation, Isolation, ReadError};
use chrono::NaiveDate;
use common::hostile_pdfs::busy;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn reader() -> Isolation {
    Isolation {
        program: PathBuf::from(env!("CARGO_BIN_EXE_brm-ler-fatura")),
        args: vec![],
        time_limit: Duration::from_secs(60),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn read_message(pdf: Vec<u8>) -> String {
    match read_safely(pdf, today()).await {
        Err(ReadError::TooBig(m)) | Err(ReadError::NotPdf(m)) => m,
        Ok(r) => panic!("the reader answered a reading: {r:?}"),
    }
}

// One test: the reader setting and the environment are process-wide.
#[tokio::test]
async fn the_reader_child_stops_at_its_memory_limit_and_the_caller_goes_on() {
    set_isolation(Some(reader()));

    // A small invoice of the same shape reads (the limit is not in the way).
    let small = read_safely(busy(1), today()).await;
    assert!(small.is_ok(), "{small:?}");

    // Both layers.
    let started = Instant::now();
    let m = read_message(busy(12)).await;
    eprintln!("reader, both limits: {:?}: {m}", started.elapsed());
    assert!(m.contains("memória esgotada"), "{m}");

    // The heap cap alone (macOS's case): without it the parse would succeed.
    std::env::set_var("BRM_READER_HEAP_LIMIT_ONLY", "1");
    let started = Instant::now();
    let m = read_message(busy(12)).await;
    eprintln!("reader, heap cap alone: {:?}: {m}", started.elapsed());
    std::env::remove_var("BRM_READER_HEAP_LIMIT_ONLY");
    assert!(m.contains("memória esgotada"), "{m}");

    // The caller is fine and the next reading works.
    assert!(read_safely(busy(1), today()).await.is_ok());
    set_isolation(None);
}
