//! The monthly cycle through the worker, over real HTTP against the simulator, on a
//! real SQLite database: downloads, invoices stored and hashed, log lines once, retries
//! with backoff, business failures, deferrals, lost jobs, a refused token, HTTP faults,
//! a worker killed mid-poll, the robot down for a while, SAT uploads, schedules and the
//! manual upload.

mod common;

use base64::Engine as _;
use brm_core::execution::{ExecutionKind, ExecutionStatus};
use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use brm_worker::{RobotState, WorkerEvent};
use chrono::Duration;
use common::*;

#[tokio::test]
async fn downloads_reach_approval_with_their_pdfs_stored_and_hashed() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 4, 1, "senha-portal").await;
    rig.clients("OI", 3, 100, "senha-portal").await;
    rig.month().await;
    let mut cfg = rig.config("w1");
    cfg.per_operator_cap = 3;
    let worker = rig.worker_with(cfg);
    let mut events = worker.subscribe();

    let r = worker.cycle().await.unwrap();
    // Per-operator cap: 3 VIVO + 3 OI now, the 4th VIVO next time.
    assert_eq!(r.started, 6, "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 6);

    rig.advance(Duration::seconds(61)).await;
    let r = worker.cycle().await.unwrap();
    // 5 run at once on the robot; jobs of 20-60 s let a 6th finish within the minute.
    assert!(r.completed >= 5, "{r:?}");
    // The slot freed by the completions goes to the 4th VIVO client.
    assert_eq!(r.started, 1);
    for _ in 0..3 {
        rig.advance(Duration::seconds(61)).await;
        worker.cycle().await.unwrap();
    }
    let rows = rig.processes().await;
    assert_eq!(rows.len(), 7);
    for row in &rows {
        assert_eq!(row.status, ProcessStatus::AguardandoAprovacao, "{row:?}");
        let p = rig.process(row.id).await;
        let key = p.invoice_key.clone().unwrap();
        assert!(
            key.starts_with(&format!("faturas/{MONTH}/{}-", p.id)),
            "{key}"
        );
        let bytes = rig
            .storage
            .get_checked(&key, p.invoice_sha256.as_deref().unwrap())
            .await
            .unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(p.invoice_size, Some(bytes.len() as i64));
        assert_eq!(p.download_attempts, 1);
        let ex = rig.store.executions_of(p.id).await.unwrap();
        assert_eq!(ex.len(), 1);
        let (e, logs) = &ex[0];
        assert_eq!(e.status, ExecutionStatus::Concluido);
        assert_eq!(e.progress, 100);
        assert!(e.job_id.is_some());
        assert_eq!(e.request.as_ref().unwrap()["senha"], "***");
        assert!(logs.len() >= 3, "{logs:?}");
        // The audit trail has the download with the file's hash.
        let trail = rig
            .store
            .audit_trail("processo", Some(p.id), 10)
            .await
            .unwrap();
        let done = trail
            .iter()
            .find(|a| a.action == "DOWNLOAD_CONCLUIDO")
            .unwrap();
        assert_eq!(done.invoice_sha256, p.invoice_sha256);
    }
    // Nothing more to do, no job twice, no log line twice.
    let lines_before = log_count(&rig).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.started, r.polled), (0, 0));
    assert_eq!(rig.sim.stats().downloads_created, 7);
    assert!(rig.sim.stats().by_processo.values().all(|n| *n == 1));
    assert_eq!(log_count(&rig).await, lines_before);
    // The window heard about it.
    let mut processes = 0;
    while let Ok(e) = events.try_recv() {
        if matches!(e, WorkerEvent::ProcessChanged(_)) {
            processes += 1;
        }
    }
    assert!(processes >= 7);
}

async fn log_count(rig: &Rig) -> usize {
    let mut n = 0;
    for row in rig.processes().await {
        for (_, logs) in rig.store.executions_of(row.id).await.unwrap() {
            n += logs.len();
        }
    }
    n
}

#[tokio::test]
async fn transient_failures_back_off_then_need_attention() {
    let rig = Rig::sqlite(Faults {
        failure_rate: 1.0,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    let id = rig.processes().await[0].id;

    for attempt in 1..=3 {
        let r = worker.cycle().await.unwrap();
        assert_eq!(r.started, 1, "attempt {attempt}: {r:?}");
        rig.advance(Duration::seconds(61)).await;
        let r = worker.cycle().await.unwrap();
        assert_eq!(r.failed, 1, "attempt {attempt}: {r:?}");
        let p = rig.process(id).await;
        assert_eq!(p.download_attempts, attempt);
        assert_eq!(p.status, ProcessStatus::AguardandoDownload);
        let expected = [30, 60][..].get(attempt as usize - 1).copied();
        match expected {
            Some(minutes) => {
                assert!(!p.needs_attention);
                let wait = p.next_retry_at.unwrap() - rig.sim.now();
                assert_eq!(wait, Duration::minutes(minutes), "attempt {attempt}");
                // Not due yet: nothing starts.
                assert_eq!(worker.cycle().await.unwrap().started, 0);
                rig.advance(Duration::minutes(minutes)).await;
            }
            None => {
                assert!(p.needs_attention);
                assert!(p.next_retry_at.is_none());
            }
        }
    }
    rig.advance(Duration::hours(5)).await;
    assert_eq!(worker.cycle().await.unwrap().started, 0);
    assert_eq!(rig.sim.stats().downloads_created, 3);
    let ex = rig.executions(id).await;
    assert!(ex.iter().all(|e| e.status == ExecutionStatus::Falhou
        && e.error_class == Some(brm_core::execution::ErrorClass::Transitorio)));
    let trail = rig
        .store
        .audit_trail("processo", Some(id), 10)
        .await
        .unwrap();
    assert!(trail.iter().any(|a| a.action == "PRECISA_ATENCAO"));
}

#[tokio::test]
async fn a_wrong_portal_password_is_not_retried() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("OI", 1, 1, "senha-errada").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.failed, r.needs_attention), (1, 1), "{r:?}");
    let p = rig.process(rig.processes().await[0].id).await;
    assert!(p.needs_attention && p.next_retry_at.is_none());
    let e = &rig.executions(p.id).await[0];
    assert_eq!(
        e.error_class,
        Some(brm_core::execution::ErrorClass::Negocio)
    );
    rig.advance(Duration::hours(3)).await;
    assert_eq!(worker.cycle().await.unwrap().started, 0);
    assert_eq!(rig.sim.stats().downloads_created, 1);
}

/// Every credential phrase the robot services are known to use (brm-core's tests list
/// them) stops at the first failure, as a wrong password does: "Erro de autenticação na
/// operadora" used to be retried up to the operator's limit.
#[tokio::test]
async fn credential_failures_in_other_words_are_not_retried_either() {
    for phrase in [
        "Erro de autenticação na operadora",
        "Captcha não resolvido no portal",
        "Conta bloqueada por excesso de tentativas",
    ] {
        let rig = Rig::sqlite(Faults {
            business_rate: 1.0,
            business_error: Some(phrase.into()),
            ..Default::default()
        })
        .await;
        rig.clients("OI", 1, 1, "senha-portal").await;
        rig.month().await;
        let worker = rig.worker();
        worker.cycle().await.unwrap();
        rig.advance(Duration::seconds(61)).await;
        let r = worker.cycle().await.unwrap();
        assert_eq!((r.failed, r.needs_attention), (1, 1), "{phrase}: {r:?}");
        let p = rig.process(rig.processes().await[0].id).await;
        assert!(p.needs_attention && p.next_retry_at.is_none(), "{phrase}");
        let e = &rig.executions(p.id).await[0];
        assert_eq!(e.error.as_deref(), Some(phrase));
        assert_eq!(
            e.error_class,
            Some(brm_core::execution::ErrorClass::Negocio)
        );
        rig.advance(Duration::hours(3)).await;
        assert_eq!(worker.cycle().await.unwrap().started, 0, "{phrase}");
        assert_eq!(
            rig.sim.stats().downloads_created,
            1,
            "{phrase}: one login only"
        );
    }
}

/// A robot that echoes the portal password and writes without end: what is stored has
/// the password masked, at most 500 lines (and one saying the rest was left out), each
/// line cut at 1,000 characters; the invoice still arrives.
#[tokio::test]
async fn robot_log_lines_are_bounded_and_never_keep_the_portal_password() {
    let rig = Rig::sqlite(Faults {
        log_flood: 1_200,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "Senha-Do-Portal-77").await;
    rig.month().await;
    let worker = rig.worker();
    for _ in 0..5 {
        worker.cycle().await.unwrap();
        rig.advance(Duration::seconds(61)).await;
    }
    let p = rig.processes().await[0].clone();
    assert_eq!(p.status, ProcessStatus::AguardandoAprovacao);
    let (_, logs) = rig.store.executions_of(p.id).await.unwrap().remove(0);
    use brm_core::execution::{MASK, MAX_LOG_LINES, MAX_LOG_LINE_CHARS};
    assert_eq!(logs.len(), MAX_LOG_LINES + 1, "500 lines and the note");
    assert!(logs
        .iter()
        .all(|l| !l.message.contains("Senha-Do-Portal-77")));
    assert!(logs
        .iter()
        .any(|l| l.message.contains(&format!("com a senha {MASK}"))));
    assert!(logs
        .iter()
        .all(|l| l.message.chars().count() <= MAX_LOG_LINE_CHARS + 20));
    let last = logs.last().unwrap();
    assert!(
        last.message.contains("só as primeiras 500 foram guardadas"),
        "{}",
        last.message
    );
}

#[tokio::test]
async fn completed_without_a_file_is_deferred_not_failed() {
    let rig = Rig::sqlite(Faults {
        no_invoice_rate: 1.0,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.deferred, r.failed), (1, 0), "{r:?}");
    let p = rig.process(rig.processes().await[0].id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoDownload);
    assert_eq!(p.download_attempts, 0);
    assert!(!p.needs_attention);
    assert_eq!(p.next_retry_at.unwrap() - rig.sim.now(), Duration::hours(6));
    let e = &rig.executions(p.id).await[0];
    assert_eq!(e.status, ExecutionStatus::Concluido);
    assert!(e.error.as_deref().unwrap().contains("não encontrou fatura"));
}

#[tokio::test]
async fn a_lost_job_counts_an_attempt_and_is_retried() {
    let rig = Rig::sqlite(Faults {
        lost_rate: 1.0,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.failed, 1, "{r:?}");
    let p = rig.process(rig.processes().await[0].id).await;
    assert_eq!(p.download_attempts, 1);
    assert!(p.next_retry_at.is_some() && !p.needs_attention);
    let e = &rig.executions(p.id).await[0];
    assert!(e.error.as_deref().unwrap().contains("perdido"), "{e:?}");
}

#[tokio::test]
async fn a_refused_token_stops_every_call_until_it_is_replaced() {
    let rig = Rig::sqlite(Faults {
        unauthorized: true,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 3, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.started, 0, "{r:?}");
    assert_eq!(worker.health().snapshot().state, RobotState::TokenInvalido);
    assert!(worker.health().snapshot().message.contains("token"));
    // No attempt counted; the executions that could not start are cancelled.
    for row in rig.processes().await {
        let p = rig.process(row.id).await;
        assert_eq!(p.download_attempts, 0);
        assert!(!p.needs_attention);
    }
    // Further cycles call nothing (the simulator would answer 401 again).
    rig.sim.set_faults(Faults::default());
    for _ in 0..3 {
        let r = worker.cycle().await.unwrap();
        assert_eq!((r.started, r.polled), (0, 0));
    }
    assert_eq!(rig.sim.stats().jobs_created, 0);
    // An administrator saves a new token: work resumes.
    worker.token_replaced();
    assert_eq!(worker.cycle().await.unwrap().started, 3);
}

#[tokio::test]
async fn http_faults_are_survived_and_every_invoice_arrives_once() {
    let rig = Rig::sqlite(Faults {
        error_500_rate: 0.3,
        drop_rate: 0.15,
        malformed_rate: 0.15,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 3, 1, "senha-portal").await;
    rig.clients("EMBRATEL", 3, 50, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    for _ in 0..40 {
        worker.cycle().await.unwrap();
        if rig
            .processes()
            .await
            .iter()
            .all(|p| p.status == ProcessStatus::AguardandoAprovacao)
        {
            break;
        }
        rig.advance(Duration::minutes(31)).await;
    }
    for row in rig.processes().await {
        assert_eq!(row.status, ProcessStatus::AguardandoAprovacao, "{row:?}");
        let done = rig
            .executions(row.id)
            .await
            .into_iter()
            .filter(|e| e.status == ExecutionStatus::Concluido)
            .count();
        assert_eq!(done, 1);
    }
}

#[tokio::test]
async fn a_worker_killed_mid_poll_is_resumed_on_the_same_jobs() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 3, 1, "senha-portal").await;
    rig.clients("OI", 2, 40, "senha-portal").await;
    rig.month().await;
    let first = rig.worker_with(rig.config("desktop-a"));
    assert_eq!(first.cycle().await.unwrap().started, 5);
    let jobs: std::collections::BTreeSet<String> = all_job_ids(&rig).await;
    assert_eq!(jobs.len(), 5);
    // Slow answers: the next poll is in flight when the worker dies.
    rig.sim.set_faults(Faults {
        slow_ms: 800,
        ..Default::default()
    });
    let handle = first.clone().spawn();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    handle.abort();
    drop(first);
    rig.sim.set_faults(Faults::default());

    let second = rig.worker_with(rig.config("desktop-b"));
    // The first worker's leases are still live: the second leaves its jobs alone.
    let r = second.cycle().await.unwrap();
    assert_eq!((r.started, r.polled), (0, 0), "{r:?}");
    // Once they expire, it takes the same jobs over.
    rig.advance(Duration::seconds(121)).await;
    let r = second.cycle().await.unwrap();
    assert_eq!((r.polled, r.completed, r.started), (5, 5, 0), "{r:?}");
    assert_eq!(all_job_ids(&rig).await, jobs);
    assert_eq!(rig.sim.stats().downloads_created, 5);
}

async fn all_job_ids(rig: &Rig) -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    for row in rig.processes().await {
        for e in rig.executions(row.id).await {
            ids.insert(e.job_id.unwrap());
        }
    }
    ids
}

#[tokio::test]
async fn the_robot_down_for_a_while_then_back() {
    let mut rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 2, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.check_health().await;
    assert_eq!(worker.health().snapshot().state, RobotState::Ok);
    assert_eq!(worker.cycle().await.unwrap().started, 2);
    let port: u16 = rig.url.rsplit(':').next().unwrap().parse().unwrap();
    rig.running.take().unwrap().shutdown().await;

    for _ in 0..3 {
        worker.check_health().await;
    }
    let h = worker.health().snapshot();
    assert_eq!(h.state, RobotState::Indisponivel, "{h:?}");
    rig.advance(Duration::seconds(61)).await;
    rig.clients("VIVO", 1, 9, "senha-portal").await;
    rig.desk
        .create_month_processes(&rig.admin, MONTH, None)
        .await
        .unwrap();
    // While it is down: polls fail quietly, nothing new starts, no attempt is spent.
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.started, r.failed), (0, 0), "{r:?}");
    for row in rig.processes().await {
        assert_eq!(rig.process(row.id).await.download_attempts, 0);
    }
    // Back on the same port, same jobs.
    rig.running = Some(rig.sim.serve(port).await.unwrap());
    worker.check_health().await;
    assert_eq!(worker.health().snapshot().state, RobotState::Ok);
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.completed, r.started), (2, 1), "{r:?}");
}

#[tokio::test]
async fn approved_invoices_go_to_the_sat_and_end_uploaded() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 2, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    worker.cycle().await.unwrap();
    let rows = rig.processes().await;
    // The simulator's invoices carry no amount/due date in the answer: type the due
    // date as an approver would (issue 5 reads it from the PDF).
    for row in &rows {
        let mut p = rig.process(row.id).await;
        assert_eq!(p.status, ProcessStatus::AguardandoAprovacao);
        p.due_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 10);
        let v = p.version;
        p.version += 1;
        let ev = brm_core::audit::AuditEvent::new(
            rig.sim.now(),
            brm_core::audit::Actor::anonymous("teste"),
            "EDITAR",
            "processo",
        );
        assert!(rig.store.update_process(&p, v, &ev).await.unwrap());
        rig.desk
            .approve_process(&rig.admin, p.id, p.version, None)
            .await
            .unwrap();
    }
    // Automatic sending off: nothing goes until a person asks.
    let ev = brm_core::audit::AuditEvent::new(
        rig.sim.now(),
        brm_core::audit::Actor::anonymous("teste"),
        "ALTERAR_CONFIGURACAO",
        "configuracao",
    );
    rig.store
        .put_setting(
            brm_worker::engine::SETTING_AUTO_SAT,
            &serde_json::json!(false),
            &ev,
        )
        .await
        .unwrap();
    assert_eq!(worker.cycle().await.unwrap().started, 0);
    let desk = rig.desk_for(&worker);
    let first = rig.process(rows[0].id).await;
    desk.send_to_sat(&rig.admin, first.id, first.version)
        .await
        .unwrap();
    assert_eq!(worker.cycle().await.unwrap().started, 1);
    rig.advance(Duration::seconds(61)).await;
    assert_eq!(worker.cycle().await.unwrap().completed, 1);
    let p = rig.process(first.id).await;
    assert_eq!(p.status, ProcessStatus::UploadRealizado);
    assert!(p.sent_to_sat && p.sent_at.is_some());
    let sat = rig
        .executions(p.id)
        .await
        .into_iter()
        .find(|e| e.kind == ExecutionKind::UploadSat)
        .unwrap();
    assert_eq!(
        sat.request.as_ref().unwrap()["data_vencimento"],
        "10/12/2026"
    );
    assert_eq!(rig.sim.stats().sat_created, 1);
    // Back on: the other one goes by itself.
    let ev = brm_core::audit::AuditEvent::new(
        rig.sim.now(),
        brm_core::audit::Actor::anonymous("teste"),
        "ALTERAR_CONFIGURACAO",
        "configuracao",
    );
    rig.store
        .put_setting(
            brm_worker::engine::SETTING_AUTO_SAT,
            &serde_json::json!(true),
            &ev,
        )
        .await
        .unwrap();
    assert_eq!(worker.cycle().await.unwrap().started, 1);
    rig.advance(Duration::seconds(61)).await;
    worker.cycle().await.unwrap();
    assert_eq!(
        rig.process(rows[1].id).await.status,
        ProcessStatus::UploadRealizado
    );
}

#[tokio::test]
async fn schedules_run_once_on_time_in_brasilia() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 2, 1, "senha-portal").await;
    rig.schedule(
        "Criar processos do mês",
        "0 6 1 * *",
        brm_core::schedule::ScheduleKind::CriarProcessosMensais,
    )
    .await;
    let a = rig.worker_with(rig.config("a"));
    let b = rig.worker_with(rig.config("b"));
    assert_eq!(a.cycle().await.unwrap().schedules_run, 0);
    let s = &rig.store.list_schedules().await.unwrap()[0];
    // 06:00 in Brasília on 1 December is 09:00 UTC.
    assert_eq!(
        s.next_run_at.unwrap().to_rfc3339(),
        "2026-12-01T09:00:00+00:00"
    );
    rig.advance(Duration::days(21)).await;
    assert!(rig.sim.now() > s.next_run_at.unwrap());
    let ran = a.cycle().await.unwrap().schedules_run + b.cycle().await.unwrap().schedules_run;
    assert_eq!(ran, 1);
    let rows = rig.processes().await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.reference_month == "2026-12"));
    let s = &rig.store.list_schedules().await.unwrap()[0];
    assert_eq!(
        s.next_run_at.unwrap().to_rfc3339(),
        "2027-01-01T09:00:00+00:00"
    );
}

#[tokio::test]
async fn a_pdf_uploaded_by_hand_is_stored_hashed_and_waits_for_approval() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    let desk = rig.desk_for(&worker);
    let p = rig.process(rig.processes().await[0].id).await;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let err = desk
        .upload_invoice(
            &rig.admin,
            p.id,
            p.version,
            "fatura.pdf",
            &b64(b"PK\x03\x04zip"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, brm_core::ErrorCode::Validation);
    assert!(err.fields[0].message.contains("PDF"), "{err:?}");
    let big = vec![b'%'; brm_core::invoice::MAX_BYTES + 1];
    let err = desk
        .upload_invoice(&rig.admin, p.id, p.version, "f.pdf", &b64(&big))
        .await
        .unwrap_err();
    assert!(err.fields[0].message.contains("limite"), "{err:?}");
    assert_eq!(
        rig.process(p.id).await.version,
        p.version,
        "nothing changed"
    );

    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let detail = desk
        .upload_invoice(
            &rig.admin,
            p.id,
            p.version,
            "C:\\faturas\\vivo-11.pdf",
            &b64(pdf),
        )
        .await
        .unwrap();
    assert_eq!(
        detail.process.row.status,
        ProcessStatus::AguardandoAprovacao
    );
    let p2 = rig.process(p.id).await;
    assert!(p2.manual_upload);
    assert_eq!(p2.invoice_file_name.as_deref(), Some("vivo-11.pdf"));
    assert_eq!(
        p2.invoice_sha256.as_deref(),
        Some(brm_storage::sha256_hex(pdf).as_str())
    );
    let stored = rig
        .storage
        .get_checked(
            p2.invoice_key.as_deref().unwrap(),
            p2.invoice_sha256.as_deref().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(&stored[..], pdf);
    let e = &rig.executions(p.id).await[0];
    assert_eq!(
        (e.kind, e.status),
        (ExecutionKind::UploadManual, ExecutionStatus::Concluido)
    );
    assert_eq!(e.triggered_by, "Ana Administradora");
    let trail = rig
        .store
        .audit_trail("processo", Some(p.id), 5)
        .await
        .unwrap();
    let up = trail.iter().find(|a| a.action == "UPLOAD_MANUAL").unwrap();
    assert_eq!(up.invoice_sha256, p2.invoice_sha256);
    // The same version again: someone already changed it.
    let again = desk
        .upload_invoice(&rig.admin, p.id, p.version, "x.pdf", &b64(pdf))
        .await
        .unwrap_err();
    assert_eq!(again.code, brm_core::ErrorCode::Conflict);
}

#[tokio::test]
async fn download_now_and_retry_make_a_process_due_at_once() {
    let rig = Rig::sqlite(Faults {
        business_rate: 1.0,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    let desk = rig.desk_for(&worker);
    let id = rig.processes().await[0].id;
    worker.cycle().await.unwrap();
    // While the robot works on it, "Baixar agora" is refused.
    let p = rig.process(id).await;
    let busy = desk
        .download_now(&rig.admin, id, p.version)
        .await
        .unwrap_err();
    assert!(busy.message.contains("já está trabalhando"), "{busy:?}");
    rig.advance(Duration::seconds(61)).await;
    worker.cycle().await.unwrap();
    let p = rig.process(id).await;
    assert!(p.needs_attention);
    let d = desk.get_process(&rig.admin, id).await.unwrap();
    assert!(d.can_retry && d.can_download_now && d.can_upload);
    assert!(!d.can_send_to_sat);
    rig.sim.set_faults(Faults::default());
    let d = desk.retry_process(&rig.admin, id, p.version).await.unwrap();
    assert!(!d.process.row.needs_attention);
    assert_eq!(worker.cycle().await.unwrap().started, 1);
    let trail = rig
        .store
        .audit_trail("processo", Some(id), 10)
        .await
        .unwrap();
    assert!(trail
        .iter()
        .any(|a| a.action == "RETENTAR" && a.actor.name == "Ana Administradora"));
}

#[tokio::test]
async fn a_new_installation_gets_its_default_schedules_once() {
    let rig = Rig::sqlite(Faults::default()).await;
    let now = rig.sim.now();
    assert_eq!(
        brm_worker::schedule::seed_defaults(&*rig.store, now)
            .await
            .unwrap(),
        2
    );
    let names: Vec<String> = rig
        .store
        .list_schedules()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        ["Criar processos do mês", "Limpar registros antigos"]
    );
    // Deleted by an administrator: not written again.
    let s = rig.store.list_schedules().await.unwrap().remove(0);
    let ev = brm_core::audit::AuditEvent::new(
        now,
        brm_core::audit::Actor::anonymous("teste"),
        "EXCLUIR_AGENDAMENTO",
        "agendamento",
    );
    assert!(rig.store.delete_schedule(s.id, &ev).await.unwrap());
    assert_eq!(
        brm_worker::schedule::seed_defaults(&*rig.store, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(rig.store.list_schedules().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_nightly_copy_seeded_by_earlier_versions_is_switched_off_once() {
    let rig = Rig::sqlite(Faults::default()).await;
    let now = rig.sim.now();
    // What an earlier version seeded, and a copy schedule an administrator made.
    rig.schedule(
        "Cópia de segurança diária",
        "0 2 * * *",
        brm_core::schedule::ScheduleKind::BackupDados,
    )
    .await;
    rig.schedule(
        "Cópia extra do administrador",
        "0 12 * * *",
        brm_core::schedule::ScheduleKind::BackupDados,
    )
    .await;
    assert!(brm_worker::schedule::retire_seeded_backup(&*rig.store, now)
        .await
        .unwrap());
    let by_name = |name: &str, all: &[brm_core::schedule::Schedule]| {
        all.iter().find(|s| s.name == name).unwrap().clone()
    };
    let all = rig.store.list_schedules().await.unwrap();
    let seeded = by_name("Cópia de segurança diária", &all);
    assert!(!seeded.active);
    assert_eq!(seeded.next_run_at, None);
    assert!(by_name("Cópia extra do administrador", &all).active);
    let audit = rig
        .store
        .audit_trail("agendamento", Some(seeded.id), 10)
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "ALTERAR_AGENDAMENTO"
        && a.detail
            .as_deref()
            .unwrap_or("")
            .contains("Cópias de segurança")));
    // Turned on again by an administrator: left alone from then on.
    let on = brm_core::schedule::Schedule {
        active: true,
        version: seeded.version + 1,
        ..seeded.clone()
    };
    let ev = brm_core::audit::AuditEvent::new(
        now,
        brm_core::audit::Actor::anonymous("teste"),
        "ALTERAR_AGENDAMENTO",
        "agendamento",
    );
    assert!(rig
        .store
        .save_schedule(&on, Some(seeded.version), &ev)
        .await
        .unwrap());
    assert!(
        !brm_worker::schedule::retire_seeded_backup(&*rig.store, now)
            .await
            .unwrap()
    );
    let all = rig.store.list_schedules().await.unwrap();
    assert!(by_name("Cópia de segurança diária", &all).active);
}

#[tokio::test]
async fn slow_answers_within_the_timeout_change_nothing_and_slower_ones_wait() {
    let rig = Rig::sqlite(Faults {
        slow_ms: 300,
        ..Default::default()
    })
    .await;
    rig.clients("VIVO", 2, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    assert_eq!(worker.cycle().await.unwrap().started, 2);
    // Answers slower than the client's 5 s timeout: the poll gives up, counts nothing
    // and asks again next time.
    rig.sim.set_faults(Faults {
        slow_ms: 6000,
        ..Default::default()
    });
    rig.advance(Duration::seconds(61)).await;
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.completed, r.failed), (0, 0), "{r:?}");
    rig.sim.set_faults(Faults::default());
    let r = worker.cycle().await.unwrap();
    assert_eq!(r.completed, 2, "{r:?}");
    assert_eq!(rig.sim.stats().downloads_created, 2);
}

#[tokio::test]
async fn an_outsourced_robot_gets_its_own_endpoint_and_token() {
    use brm_secrets::KeyStore;
    let rig = Rig::sqlite(Faults::default()).await;
    // DigitalNet's robot runs elsewhere (here: a second simulator) with its own token.
    let other = brm_simulator::Simulator::with_manual_clock(
        brm_simulator::SimConfig {
            token: "token-da-digitalnet".into(),
            ..Default::default()
        },
        rig.storage.clone(),
        rig.clock.clone(),
    );
    let other_running = other.serve(0).await.unwrap();
    let op = rig
        .desk
        .create_operator(
            &rig.admin,
            brm_core::operator::OperatorInput {
                name: "DigitalNet".into(),
                code: "DIGITALNET".into(),
                has_rpa: true,
                rpa_outsourced: true,
                rpa_endpoint_url: Some(other_running.base_url()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let keys = std::sync::Arc::new(brm_secrets::MemoryKeyStore::new());
    let worker_with_keys = |keys: std::sync::Arc<brm_secrets::MemoryKeyStore>| {
        let main = brm_robot::RobotClient::new(brm_robot::RobotConfig::new(
            rig.url.clone(),
            Some(rig.token.clone()),
        ))
        .unwrap();
        std::sync::Arc::new(brm_worker::Worker::new(
            rig.store.clone(),
            rig.storage.clone(),
            std::sync::Arc::new(brm_worker::RobotDirectory::new(main, Some(keys))),
            rig.secrets.clone(),
            rig.clock.clone(),
            rig.config("w"),
        ))
    };
    rig.clients_at(op.id, 1, 1, "senha-portal").await;
    rig.clients("VIVO", 1, 2, "senha-portal").await;
    rig.month().await;
    // Without its token in the keyring: a person must fix it, no retry.
    let worker = worker_with_keys(keys.clone());
    let r = worker.cycle().await.unwrap();
    assert_eq!((r.started, r.needs_attention), (1, 1), "{r:?}");
    let dn = rig
        .processes()
        .await
        .into_iter()
        .find(|p| p.operator_id == op.id)
        .unwrap();
    let e = &rig.executions(dn.id).await[0];
    assert!(e.error.as_deref().unwrap().contains("token"), "{e:?}");
    // With it: the job goes to the operator's own robot, not the main one.
    keys.set(
        &brm_worker::robots::operator_token_key(op.id),
        "token-da-digitalnet",
    )
    .unwrap();
    let p = rig.process(dn.id).await;
    rig.desk_for(&worker)
        .retry_process(&rig.admin, p.id, p.version)
        .await
        .unwrap();
    assert_eq!(worker.cycle().await.unwrap().started, 1);
    assert_eq!(other.stats().downloads_created, 1);
    assert_eq!(
        rig.sim.stats().downloads_created,
        1,
        "only VIVO's job on the main robot"
    );
    let e = rig
        .executions(dn.id)
        .await
        .into_iter()
        .find(|e| e.job_id.is_some() && e.error.is_none())
        .unwrap();
    assert!(e
        .endpoint
        .as_deref()
        .unwrap()
        .starts_with(&other_running.base_url()));
    rig.advance(Duration::seconds(61)).await;
    other.tick().await;
    worker.cycle().await.unwrap();
    assert_eq!(
        rig.process(dn.id).await.status,
        ProcessStatus::AguardandoAprovacao
    );
}

#[tokio::test]
async fn the_backup_schedule_keeps_the_last_copies() {
    let rig = Rig::sqlite(Faults::default()).await;
    let backups = rig.dir.path().join("backups");
    let mut cfg = rig.config("w");
    cfg.backup_dir = Some(backups.clone());
    cfg.keep_backups = 2;
    let worker = rig.worker_with(cfg);
    rig.schedule(
        "Cópia de hora em hora",
        "0 * * * *",
        brm_core::schedule::ScheduleKind::BackupDados,
    )
    .await;
    worker.cycle().await.unwrap();
    for _ in 0..3 {
        rig.advance(Duration::hours(1)).await;
        assert_eq!(worker.cycle().await.unwrap().schedules_run, 1);
    }
    let mut files: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    // The number kept is the administrator's (Configurações → Cópias de segurança).
    let ev = brm_core::audit::AuditEvent::new(
        rig.sim.now(),
        brm_core::audit::Actor::anonymous("teste"),
        "ALTERAR_CONFIGURACAO",
        "configuracao",
    );
    rig.store
        .put_setting(
            brm_worker::schedule::SETTING_BACKUP_KEEP,
            &serde_json::json!(3),
            &ev,
        )
        .await
        .unwrap();
    for _ in 0..2 {
        rig.advance(Duration::hours(1)).await;
        assert_eq!(worker.cycle().await.unwrap().schedules_run, 1);
    }
    let mut files: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    // A copy is a database with the same users.
    let copy = brm_store::connect(&format!("sqlite:{}", files[1].display()))
        .await
        .unwrap();
    assert_eq!(copy.count_users().await.unwrap(), 1);
}

#[tokio::test]
async fn a_downloaded_invoice_is_read_and_checked_before_approval() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    worker.cycle().await.unwrap();
    let id = rig.processes().await[0].id;
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoAprovacao);
    // The simulator answers the documented string (no amount, no due date): both come
    // from the PDF, the amount from its payment line, the due date from its text.
    use brm_core::process::ValueSource;
    assert!(p.amount_cents.unwrap() > 0);
    assert_eq!(p.amount_source, Some(ValueSource::LinhaDigitavel));
    assert!(p.due_date.unwrap() > rig.sim.now().date_naive());
    assert_eq!(p.due_date_source, Some(ValueSource::TextoDaFatura));
    // The payment line is kept as read on arrival: the checks need not read the file again.
    assert_eq!(
        p.payment_line_status,
        Some(brm_core::process::PaymentLineStatus::Valida)
    );
    let line = p.payment_line.as_deref().unwrap();
    assert!(line.len() == 47 || line.len() == 48, "{line}");
    assert_eq!(p.uploaded_by, None);

    let detail = rig
        .desk_for(&worker)
        .get_process(&rig.admin, id)
        .await
        .unwrap();
    use brm_core::approval::{CheckKind, Outcome};
    let outcome = |k: CheckKind| detail.checks.iter().find(|c| c.kind == k).unwrap().outcome;
    assert_eq!(detail.checks.len(), 5);
    assert_eq!(outcome(CheckKind::IdentidadeFatura), Outcome::Ok);
    assert_eq!(outcome(CheckKind::LinhaDigitavel), Outcome::Ok);
    assert_eq!(
        outcome(CheckKind::VariacaoValor),
        Outcome::SemDados,
        "first invoice"
    );
    assert_eq!(outcome(CheckKind::PossivelDuplicata), Outcome::Ok);
    assert_ne!(outcome(CheckKind::Vencimento), Outcome::SemDados);
    let json = serde_json::to_value(&detail).unwrap();
    assert_eq!(json["process"]["amount_source"], "LINHA_DIGITAVEL");
    assert_eq!(json["checks"][0]["kind"], "VARIACAO_VALOR");
}

/// Every health check reaches the window with its time, not only a change of state: the
/// header's tooltip showed a check minutes old while Diagnóstico showed the latest.
#[tokio::test]
async fn every_health_check_reaches_the_window_with_its_time() {
    let rig = Rig::sqlite(Faults::default()).await;
    let worker = rig.worker();
    let mut events = worker.subscribe();
    let mut seen = Vec::new();
    for _ in 0..3 {
        worker.check_health().await;
        rig.advance(Duration::seconds(30)).await;
    }
    while let Ok(e) = events.try_recv() {
        if let brm_worker::events::WorkerEvent::Robot(h) = e {
            seen.push(h.checked_at);
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}
