//! Invoices crafted against the reader (issue 18): a decompression bomb and PDFs that
//! make the parser take too much memory or too long, read in the child process (`brm-ler-fatura`, the same code as
//! `brm-desk ler-fatura`). The worker records the job, marks the invoice unreadable,
//! stays up and never starts the job again; a worker that died while reading does not
//! read that file again.

mod common;

use brm_core::execution::ExecutionStatus;
use brm_core::process::{PaymentLineStatus, ProcessStatus};
use brm_simulator::Faults;
use chrono::Duration;
use common::hostile_pdfs::{bomb, busy};
use common::Rig;
use std::io::Write;
use std::path::{Path, PathBuf};

fn reader(time_limit: std::time::Duration) -> brm_invoice::Isolation {
    brm_invoice::Isolation {
        program: PathBuf::from(env!("CARGO_BIN_EXE_brm-ler-fatura")),
        args: vec![],
        time_limit,
    }
}

/// Every PDF under `dir` (the simulator's invoices).
fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(pdfs(&p));
        } else if p.extension().is_some_and(|e| e == "pdf") {
            out.push(p);
        }
    }
    out
}

/// One download whose PDF, once the robot wrote it, is replaced by `pdf`; the worker
/// then collects it.
async fn download_of(pdf: Vec<u8>, time_limit: std::time::Duration) -> (Rig, String) {
    brm_invoice::set_isolation(Some(reader(time_limit)));
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    assert_eq!(worker.cycle().await.unwrap().started, 1);
    rig.advance(Duration::seconds(61)).await;
    let written = pdfs(&rig.dir.path().join("faturas"));
    assert_eq!(written.len(), 1);
    std::fs::write(&written[0], &pdf).unwrap();
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.completed, 1, "{r:?}");
    let p = rig.process(rig.processes().await[0].id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoAprovacao);
    assert_eq!(p.payment_line_status, Some(PaymentLineStatus::Invalida));
    assert_eq!(p.amount_cents, None);
    let reason = p.payment_line_reason.clone().unwrap();
    // Stays up, and the job is not started again.
    for _ in 0..3 {
        rig.advance(Duration::minutes(31)).await;
        worker.cycle().await.unwrap();
    }
    assert_eq!(rig.sim.stats().jobs_created, 1);
    let e = rig.executions(p.id).await;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status, ExecutionStatus::Concluido);
    (rig, reason)
}

#[tokio::test]
async fn hostile_invoices_are_read_apart_and_never_read_twice() {
    // One test: the reader setting is process-wide.
    let bomb = bomb();
    assert!(bomb.len() < 4 * 1024 * 1024, "{}", bomb.len());
    let (_rig, reason) = download_of(bomb, std::time::Duration::from_secs(20)).await;
    assert!(reason.contains("passa de 64 MB"), "{reason}");

    // More than the child may map (512 MB above its start): it dies, the worker does not.
    let (_rig, reason) = download_of(busy(12), std::time::Duration::from_secs(20)).await;
    assert!(reason.contains("memória esgotada"), "{reason}");

    // Longer than the reader's time (about 0.6 s of parsing in a debug build; the
    // product allows 20 s): stopped.
    let started = std::time::Instant::now();
    let (_rig, reason) = download_of(busy(4), std::time::Duration::from_millis(100)).await;
    assert!(reason.contains("passou de 100 ms"), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));

    // A worker that dies while a file is being read (here: a reader that never answers)
    // leaves the mark; the next one finishes the job without reading it again.
    brm_invoice::set_isolation(Some(brm_invoice::Isolation {
        program: PathBuf::from("/bin/sh"),
        args: vec!["-c".into(), "sleep 60".into(), "sh".into()],
        time_limit: std::time::Duration::from_secs(120),
    }));
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let first = rig.worker_with(rig.config("desktop-a"));
    assert_eq!(first.cycle().await.unwrap().started, 1);
    rig.advance(Duration::seconds(61)).await;
    let handle = first.clone().spawn();
    let id = rig.processes().await[0].id;
    let mut marked = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let e = &rig.executions(id).await[0];
        if e.result
            .as_ref()
            .is_some_and(|r| r.get("brm_leitura").is_some())
        {
            marked = true;
            break;
        }
    }
    assert!(marked, "the reading is noted before it starts");
    handle.abort();
    drop(first);
    // Were it read again, this reader would answer: it is not asked.
    brm_invoice::set_isolation(Some(reader(std::time::Duration::from_secs(20))));
    let second = rig.worker_with(rig.config("desktop-b"));
    rig.advance(Duration::seconds(121)).await;
    let r = second.cycle().await.unwrap();
    assert_eq!(r.completed, 1, "{r:?}");
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoAprovacao);
    assert_eq!(p.payment_line_status, Some(PaymentLineStatus::Invalida));
    assert!(
        p.payment_line_reason
            .as_deref()
            .unwrap()
            .contains("leitura anterior deste arquivo não terminou"),
        "{p:?}"
    );
    assert_eq!(rig.sim.stats().jobs_created, 1);
    brm_invoice::set_isolation(None);
}

/// A good invoice read through the child gives the same values as in the process.
#[tokio::test]
async fn a_good_invoice_reads_the_same_through_the_child() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    worker.cycle().await.unwrap();
    let written = pdfs(&rig.dir.path().join("faturas"));
    let pdf = std::fs::read(&written[0]).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
    let here = brm_invoice::read(&pdf, today).unwrap();
    let iso = reader(std::time::Duration::from_secs(20));
    let mut child = std::process::Command::new(&iso.program)
        .arg("2026-11-10")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["lida"], serde_json::to_value(&here).unwrap());
    assert!(here.amount_cents.is_some());
}
