//! The contract for robot work (claims, leases, outcomes), the executions screen,
//! schedules and maintenance, written once against `&dyn Store` and run on both backends.

use super::domain::client;
use super::{operator, t0};
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::execution::{
    ErrorClass, Execution, ExecutionFilter, ExecutionKind, ExecutionStatus, LogLine,
};
use brm_core::process::{Process, ProcessFilter, ProcessStatus};
use brm_core::schedule::{Schedule, ScheduleKind};
use brm_core::ErrorCode;
use brm_store::{
    Backend, ClientWrite, ExecutionOutcome, MonthRequest, PasswordWrite, PollClaim, ProcessWrite,
    Store, StoreError, WorkClaim,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

fn ev(action: &str, entity: &str, id: Option<Uuid>) -> AuditEvent {
    let e = AuditEvent::new(t0(), Actor::anonymous("teste"), action, entity);
    match id {
        Some(id) => e.on(id),
        None => e,
    }
}

/// The instant the claims happen: a day after the processes were created.
fn now() -> DateTime<Utc> {
    t0() + Duration::days(1)
}

async fn seed_operator(store: &dyn Store, name: &str, code: &str, has_rpa: bool) -> Uuid {
    let mut op = operator(name, code);
    op.has_rpa = has_rpa;
    store
        .insert_operator(&op, &ev(action::CRIAR, "operadora", Some(op.id)))
        .await
        .unwrap();
    op.id
}

/// `n` clients of `operator` and their processes of November 2026, in creation order of
/// the clients (which is not the processes' id order).
async fn seed_processes(
    store: &dyn Store,
    operator_id: Uuid,
    prefix: &str,
    n: usize,
) -> Vec<Process> {
    let mut clients = Vec::new();
    for i in 0..n {
        let mut c = client(
            &format!("{prefix}{i}"),
            &format!("Cliente {prefix} {i:03}"),
            "10141561000164",
            operator_id,
        );
        c.unit = format!("{prefix}-{i}");
        store
            .insert_client(
                &ClientWrite {
                    client: c.clone(),
                    password: PasswordWrite::Keep,
                },
                &ev(action::CRIAR, "cliente", Some(c.id)),
            )
            .await
            .unwrap();
        clients.push(c.id);
    }
    let created = store
        .create_month_processes(
            &MonthRequest {
                month: "2026-11".into(),
                operator_id: Some(operator_id),
                created_by: None,
                auto: true,
                now: t0(),
            },
            &ev("CRIAR_PROCESSOS_MES", "processo", None),
        )
        .await
        .unwrap();
    assert_eq!(created.created, n as i64);
    let mut by_client = HashMap::new();
    for page in 0.. {
        let rows = store
            .list_processes(&ProcessFilter {
                operator_id: Some(operator_id),
                page,
                page_size: 200,
                ..Default::default()
            })
            .await
            .unwrap();
        if rows.items.is_empty() {
            break;
        }
        for r in rows.items {
            by_client.insert(r.client_id, r.id);
        }
    }
    let mut out = Vec::new();
    for c in clients {
        let id = by_client[&c];
        out.push(store.process_by_id(id).await.unwrap().unwrap());
    }
    out
}

/// Writes a change to a process as a person would (version check, audit), returns it.
async fn change(store: &dyn Store, p: &Process, f: impl FnOnce(&mut Process)) -> Process {
    let mut next = p.clone();
    f(&mut next);
    next.version = p.version + 1;
    assert!(store
        .update_process(
            &next,
            p.version,
            &ev(action::ALTERAR, "processo", Some(p.id))
        )
        .await
        .unwrap());
    next
}

fn work(kind: ExecutionKind, now: DateTime<Utc>) -> WorkClaim {
    WorkClaim {
        kind,
        now,
        owner: "worker-1".into(),
        lease_until: now + Duration::minutes(5),
        limit: 50,
        global_cap: 100,
        per_operator_cap: 100,
        operator_id: None,
        process_id: None,
        skip_processes: Vec::new(),
        skip_clients: Vec::new(),
        include_unscheduled: true,
        triggered_by: "agendamento".into(),
    }
}

fn poll(owner: &str, now: DateTime<Utc>, limit: i64) -> PollClaim {
    PollClaim {
        now,
        owner: owner.into(),
        lease_until: now + Duration::minutes(5),
        limit,
    }
}

async fn claim_ids(store: &dyn Store, claim: &WorkClaim) -> Vec<Uuid> {
    store
        .claim_robot_work(claim)
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.process.id)
        .collect()
}

/// The end of an execution with no process change.
async fn close(store: &dyn Store, e: &Execution, status: ExecutionStatus, at: DateTime<Utc>) {
    let mut done = e.clone();
    done.status = status;
    done.finished_at = Some(at);
    done.updated_at = at;
    assert!(store
        .finish_execution(&ExecutionOutcome {
            execution: done,
            process: None,
        })
        .await
        .unwrap());
}

async fn open_executions(store: &dyn Store, operator_id: Option<Uuid>) -> Vec<Execution> {
    store
        .list_executions(&ExecutionFilter {
            open_only: true,
            operator_id,
            page_size: 200,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.execution)
        .collect()
}

pub async fn claims_follow_due_rules(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let oi = seed_operator(store, "Oi", "OI", false).await;
    let tim = seed_operator(store, "Tim", "TIM", true).await;
    let v = seed_processes(store, vivo, "v", 6).await;
    let o = seed_processes(store, oi, "o", 2).await;
    let t = seed_processes(store, tim, "t", 2).await;
    let at = now();

    // Vivo: unscheduled, retry passed, retry in the future, needs attention, inactive
    // client, waiting for the SAT.
    let p_unscheduled = v[0].clone();
    let p_retry_due = change(store, &v[1], |p| {
        p.next_retry_at = Some(at - Duration::hours(1));
        p.download_attempts = 2;
    })
    .await;
    let p_retry_later = change(store, &v[2], |p| {
        p.next_retry_at = Some(at + Duration::hours(1));
    })
    .await;
    change(store, &v[3], |p| p.needs_attention = true).await;
    let mut off = store.client_by_id(v[4].client_id).await.unwrap().unwrap();
    off.active = false;
    off.version += 1;
    assert!(store
        .update_client(
            &ClientWrite {
                client: off.clone(),
                password: PasswordWrite::Keep
            },
            off.version - 1,
            &ev(action::DESATIVAR, "cliente", Some(off.id))
        )
        .await
        .unwrap());
    let p_sat_vivo = change(store, &v[5], |p| {
        p.status = ProcessStatus::AguardandoEnvioSat;
        p.sat_attempts = 1;
    })
    .await;
    // Oi has no robot: no downloads, but its SAT uploads go on.
    let p_sat_oi = change(store, &o[1], |p| {
        p.status = ProcessStatus::AguardandoEnvioSat;
        p.next_retry_at = Some(at - Duration::hours(2));
    })
    .await;
    // Tim is deactivated after its processes were created: nothing of it is claimed.
    change(store, &t[1], |p| {
        p.status = ProcessStatus::AguardandoEnvioSat
    })
    .await;
    let mut tim_op = store.operator_by_id(tim).await.unwrap().unwrap();
    tim_op.active = false;
    tim_op.version += 1;
    assert!(store
        .update_operator(
            &tim_op,
            tim_op.version - 1,
            &ev(action::DESATIVAR, "operadora", Some(tim))
        )
        .await
        .unwrap());

    // Only what is scheduled and due, when unscheduled processes are not asked for.
    let scheduled_only = WorkClaim {
        include_unscheduled: false,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let claimed = store.claim_robot_work(&scheduled_only).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let w = &claimed[0];
    assert_eq!(w.process, p_retry_due);
    assert_eq!(
        store.process_by_id(w.process.id).await.unwrap().unwrap(),
        p_retry_due,
        "a claim does not change the process"
    );
    let e = &w.execution;
    assert_eq!(
        (e.process_id, e.kind, e.status, e.job_id.as_deref()),
        (
            p_retry_due.id,
            ExecutionKind::DownloadFatura,
            ExecutionStatus::Pendente,
            None
        )
    );
    assert_eq!((e.attempt, e.progress), (3, 0));
    assert_eq!(e.triggered_by, "agendamento");
    assert_eq!((e.created_at, e.updated_at), (at, at));
    assert_eq!(
        (e.started_at, e.finished_at, e.error.as_deref()),
        (None, None, None)
    );
    let stored = store.executions_of(p_retry_due.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(&stored[0].0, e);

    // The open execution keeps every other claim off the process.
    assert!(claim_ids(store, &scheduled_only).await.is_empty());

    // One process by id: not while its retry is in the future; yes when unscheduled.
    let one = |id| WorkClaim {
        process_id: Some(id),
        ..work(ExecutionKind::DownloadFatura, at)
    };
    assert!(claim_ids(store, &one(p_retry_later.id)).await.is_empty());
    assert_eq!(
        claim_ids(store, &one(p_unscheduled.id)).await,
        [p_unscheduled.id]
    );
    // Nothing else is due for a download: the future retry, the process that needs
    // attention, the inactive client, the operator without robot, the inactive operator.
    assert!(claim_ids(store, &work(ExecutionKind::DownloadFatura, at))
        .await
        .is_empty());
    // Later the retry is due.
    assert_eq!(
        claim_ids(
            store,
            &work(ExecutionKind::DownloadFatura, at + Duration::hours(2))
        )
        .await,
        [p_retry_later.id]
    );

    // SAT uploads: by operator, then the rest; attempt counts SAT attempts.
    let sat_oi = WorkClaim {
        operator_id: Some(oi),
        ..work(ExecutionKind::UploadSat, at)
    };
    assert_eq!(claim_ids(store, &sat_oi).await, [p_sat_oi.id]);
    let sat = store
        .claim_robot_work(&work(ExecutionKind::UploadSat, at))
        .await
        .unwrap();
    assert_eq!(sat.len(), 1);
    assert_eq!(sat[0].process.id, p_sat_vivo.id);
    assert_eq!(
        (sat[0].execution.kind, sat[0].execution.attempt),
        (ExecutionKind::UploadSat, 2)
    );
    assert!(claim_ids(store, &work(ExecutionKind::UploadSat, at))
        .await
        .is_empty());

    // Once its execution ended, a process with a passed retry is due again.
    close(store, e, ExecutionStatus::Falhou, at + Duration::minutes(1)).await;
    assert_eq!(claim_ids(store, &scheduled_only).await, [p_retry_due.id]);
    assert_eq!(store.executions_of(p_retry_due.id).await.unwrap().len(), 2);

    // A manual upload is no robot work.
    let manual = work(ExecutionKind::UploadManual, at);
    assert!(matches!(
        store.claim_robot_work(&manual).await,
        Err(StoreError::Refused(_))
    ));
}

/// Oldest due first: an earlier retry goes before a process created earlier.
pub async fn claims_oldest_due_first_within_caps(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let oi = seed_operator(store, "Oi", "OI", true).await;
    let v = seed_processes(store, vivo, "v", 5).await;
    let o = seed_processes(store, oi, "o", 5).await;
    let at = now();
    // v[4] was retried long ago: it is the oldest due of all (before t0, the creation).
    let v4 = change(store, &v[4], |p| {
        p.next_retry_at = Some(t0() - Duration::hours(1))
    })
    .await;
    let mut by_age: Vec<&Process> = v.iter().take(4).collect();
    by_age.sort_by_key(|p| p.id);

    // Two per operator, the oldest due of each.
    let capped = WorkClaim {
        per_operator_cap: 2,
        limit: 10,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let claimed = claim_ids(store, &capped).await;
    assert_eq!(claimed.len(), 4);
    assert_eq!(claimed[0], v4.id, "the oldest due comes first");
    let vivo_claimed: Vec<Uuid> = claimed
        .iter()
        .copied()
        .filter(|id| v.iter().any(|p| p.id == *id))
        .collect();
    assert_eq!(vivo_claimed, [v4.id, by_age[0].id]);
    assert_eq!(open_executions(store, Some(vivo)).await.len(), 2);
    assert_eq!(open_executions(store, Some(oi)).await.len(), 2);
    assert!(claim_ids(store, &capped).await.is_empty());

    // An execution that ends frees a place for its operator only.
    let vivo_open = open_executions(store, Some(vivo)).await;
    close(
        store,
        &vivo_open[0],
        ExecutionStatus::Concluido,
        at + Duration::minutes(1),
    )
    .await;
    let again = claim_ids(store, &capped).await;
    assert_eq!(again.len(), 1);
    assert!(v.iter().any(|p| p.id == again[0]));

    // SAT uploads count against the same per-operator places.
    let idle = o.iter().find(|p| !claimed.contains(&p.id)).unwrap();
    let sat = change(store, idle, |p| {
        p.status = ProcessStatus::AguardandoEnvioSat
    })
    .await;
    let sat_claim = WorkClaim {
        per_operator_cap: 2,
        ..work(ExecutionKind::UploadSat, at)
    };
    assert!(claim_ids(store, &sat_claim).await.is_empty());
    let sat_claim = WorkClaim {
        per_operator_cap: 3,
        ..sat_claim
    };
    assert_eq!(claim_ids(store, &sat_claim).await, [sat.id]);

    // The global cap counts downloads and SAT uploads of every operator (5 open now).
    let global = WorkClaim {
        global_cap: 6,
        limit: 10,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    assert_eq!(claim_ids(store, &global).await.len(), 1);
    assert!(claim_ids(store, &global).await.is_empty());
    // And the limit of one claim.
    let one = WorkClaim {
        limit: 1,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    assert_eq!(claim_ids(store, &one).await.len(), 1);
    assert_eq!(open_executions(store, None).await.len(), 7);
    let none = WorkClaim {
        limit: 0,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    assert!(claim_ids(store, &none).await.is_empty());
}

pub async fn poll_claims_respect_leases(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    seed_processes(store, vivo, "v", 3).await;
    let at = now();
    let claim = WorkClaim {
        owner: "w1".into(),
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let claimed = store.claim_robot_work(&claim).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let mut execs: Vec<Execution> = claimed.into_iter().map(|w| w.execution).collect();
    execs.sort_by_key(|e| e.id);
    let ids = |v: &[Execution]| v.iter().map(|e| e.id).collect::<Vec<_>>();

    // No job id yet and a live lease: only the claimer gets them back (it knows whether
    // their create is still in the air, and reconciles those whose answer was lost).
    let m = |n| at + Duration::minutes(n);
    let mine = store
        .claim_open_executions(&poll("w1", m(1), 10))
        .await
        .unwrap();
    let mut got = ids(&mine);
    got.sort();
    assert_eq!(got, ids(&execs));
    assert!(store
        .claim_open_executions(&poll("w2", m(1), 10))
        .await
        .unwrap()
        .is_empty());

    // The robot answered for the first one: the claimer polls it, the lease is kept.
    let mut e1 = execs[0].clone();
    e1.status = ExecutionStatus::Executando;
    e1.job_id = Some("job-1".into());
    e1.endpoint = Some("http://127.0.0.1:9/executar/VIVO".into());
    e1.request = Some(serde_json::json!({"senha": "***"}));
    e1.started_at = Some(m(1));
    e1.progress = 10;
    e1.updated_at = m(1);
    store.save_execution(&e1).await.unwrap();
    assert!(store
        .claim_open_executions(&poll("w2", m(2), 10))
        .await
        .unwrap()
        .is_empty());
    let mine = store
        .claim_open_executions(&poll("w1", m(2), 10))
        .await
        .unwrap();
    assert_eq!(ids(&mine), [execs[1].id, execs[2].id, e1.id]);
    assert_eq!(mine[2], e1);

    // Every lease ran out (w1 worker stopped): another worker takes them, least recently
    // updated first, the limit respected.
    let taken = store
        .claim_open_executions(&poll("w2", m(10), 2))
        .await
        .unwrap();
    assert_eq!(ids(&taken), ids(&execs[1..3]));
    let taken = store
        .claim_open_executions(&poll("w1", m(10), 10))
        .await
        .unwrap();
    assert_eq!(ids(&taken), [e1.id], "w2 holds the other two now");
    assert!(store
        .claim_open_executions(&poll("w3", m(11), 10))
        .await
        .unwrap()
        .is_empty());

    // A step keeps the lease (w2 still holds e3); the end releases it and the execution
    // is never polled again. An open manual upload is never polled.
    let mut e2 = execs[1].clone();
    e2.status = ExecutionStatus::Concluido;
    e2.finished_at = Some(m(12));
    e2.updated_at = m(12);
    let mut e3 = execs[2].clone();
    e3.status = ExecutionStatus::Executando;
    e3.job_id = Some("job-3".into());
    e3.updated_at = m(12);
    for e in [&e2, &e3] {
        assert!(store
            .finish_execution(&ExecutionOutcome {
                execution: e.clone(),
                process: None
            })
            .await
            .unwrap());
    }
    let manual = Execution {
        id: Uuid::new_v4(),
        kind: ExecutionKind::UploadManual,
        status: ExecutionStatus::Pendente,
        ..execs[0].clone()
    };
    store.insert_execution(&manual).await.unwrap();
    let mine = store
        .claim_open_executions(&poll("w1", m(13), 10))
        .await
        .unwrap();
    assert_eq!(
        ids(&mine),
        [e1.id],
        "w1 keeps its own; e3 is w2's, e2 ended"
    );
    let back = store
        .claim_open_executions(&poll("w2", m(13), 10))
        .await
        .unwrap();
    assert_eq!(back, [e3.clone()]);
    let late = store
        .claim_open_executions(&poll("w1", m(30), 10))
        .await
        .unwrap();
    assert_eq!(ids(&late), [e1.id, e3.id]);
    assert!(store
        .claim_open_executions(&poll("w1", m(31), 0))
        .await
        .unwrap()
        .is_empty());
}

pub async fn execution_outcomes_are_all_or_nothing(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let ps = seed_processes(store, vivo, "v", 3).await;
    let at = now();
    let claim = WorkClaim {
        process_id: Some(ps[0].id),
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let w = store.claim_robot_work(&claim).await.unwrap().remove(0);

    // Progress while the job runs.
    let mut running = w.execution.clone();
    running.status = ExecutionStatus::Executando;
    running.job_id = Some("job-a".into());
    running.progress = 50;
    running.started_at = Some(at);
    running.updated_at = at + Duration::seconds(30);
    store.save_execution(&running).await.unwrap();
    assert_eq!(store.executions_of(ps[0].id).await.unwrap()[0].0, running);

    // A person changed the process meanwhile: the outcome written with the old version
    // writes nothing at all.
    let by_person = change(store, &w.process, |p| p.notes = Some("ligar".into())).await;
    let mut done = running.clone();
    done.status = ExecutionStatus::Concluido;
    done.progress = 100;
    done.result = Some(serde_json::json!({"arquivo": "fatura.pdf"}));
    done.finished_at = Some(at + Duration::minutes(1));
    done.updated_at = at + Duration::minutes(1);
    let downloaded = |base: &Process| {
        let mut p = base.clone();
        p.status = ProcessStatus::AguardandoAprovacao;
        p.download_attempts += 1;
        p.last_download_at = Some(at + Duration::minutes(1));
        p.invoice_sha256 = Some("c".repeat(64));
        p.invoice_key = Some("faturas/2026-11/a.pdf".into());
        p.version = base.version + 1;
        p.updated_at = at + Duration::minutes(1);
        p
    };
    let audit = ev("DOWNLOAD_CONCLUIDO", "processo", Some(ps[0].id));
    let stale = ExecutionOutcome {
        execution: done.clone(),
        process: Some(ProcessWrite {
            process: downloaded(&w.process),
            expected_version: w.process.version,
            audit: Some(audit.clone()),
        }),
    };
    assert!(!store.finish_execution(&stale).await.unwrap());
    assert_eq!(store.executions_of(ps[0].id).await.unwrap()[0].0, running);
    assert_eq!(
        store.process_by_id(ps[0].id).await.unwrap().unwrap(),
        by_person
    );
    let downloads = |trail: Vec<AuditEvent>| {
        trail
            .into_iter()
            .filter(|e| e.action == "DOWNLOAD_CONCLUIDO")
            .count()
    };
    assert_eq!(
        downloads(
            store
                .audit_trail("processo", Some(ps[0].id), 50)
                .await
                .unwrap()
        ),
        0
    );

    // With the current version: execution, process and audit together.
    let fresh = ExecutionOutcome {
        execution: done.clone(),
        process: Some(ProcessWrite {
            process: downloaded(&by_person),
            expected_version: by_person.version,
            audit: Some(audit),
        }),
    };
    assert!(store.finish_execution(&fresh).await.unwrap());
    assert_eq!(store.executions_of(ps[0].id).await.unwrap()[0].0, done);
    assert_eq!(
        store.process_by_id(ps[0].id).await.unwrap().unwrap(),
        downloaded(&by_person)
    );
    assert_eq!(
        downloads(
            store
                .audit_trail("processo", Some(ps[0].id), 50)
                .await
                .unwrap()
        ),
        1
    );

    // A manual upload is a new execution, written with its process change.
    let manual = Execution {
        id: Uuid::new_v4(),
        process_id: ps[1].id,
        kind: ExecutionKind::UploadManual,
        status: ExecutionStatus::Concluido,
        job_id: None,
        endpoint: None,
        request: None,
        result: Some(serde_json::json!({"arquivo": "manual.pdf"})),
        progress: 100,
        attempt: 1,
        started_at: Some(at),
        finished_at: Some(at),
        error: None,
        error_class: None,
        triggered_by: "Ana Admin".into(),
        created_at: at,
        updated_at: at,
    };
    let mut uploaded = ps[1].clone();
    uploaded.status = ProcessStatus::AguardandoAprovacao;
    uploaded.manual_upload = true;
    uploaded.invoice_sha256 = Some("d".repeat(64));
    uploaded.version += 1;
    let write = |expected_version| ExecutionOutcome {
        execution: manual.clone(),
        process: Some(ProcessWrite {
            process: uploaded.clone(),
            expected_version,
            audit: Some(ev("UPLOAD_MANUAL", "processo", Some(ps[1].id))),
        }),
    };
    assert!(!store
        .finish_execution(&write(ps[1].version + 5))
        .await
        .unwrap());
    assert!(store.executions_of(ps[1].id).await.unwrap().is_empty());
    assert!(store.finish_execution(&write(ps[1].version)).await.unwrap());
    assert_eq!(store.executions_of(ps[1].id).await.unwrap()[0].0, manual);
    assert_eq!(
        store.process_by_id(ps[1].id).await.unwrap().unwrap(),
        uploaded
    );
    assert_eq!(
        store
            .audit_trail("processo", Some(ps[1].id), 50)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "UPLOAD_MANUAL")
            .count(),
        1
    );

    // A failure with its class, without a process change.
    let failed = Execution {
        id: Uuid::new_v4(),
        process_id: ps[2].id,
        kind: ExecutionKind::DownloadFatura,
        status: ExecutionStatus::Falhou,
        error: Some("senha do portal recusada".into()),
        error_class: Some(ErrorClass::Negocio),
        job_id: Some("job-b".into()),
        ..manual.clone()
    };
    assert!(store
        .finish_execution(&ExecutionOutcome {
            execution: failed.clone(),
            process: None
        })
        .await
        .unwrap());
    assert_eq!(store.executions_of(ps[2].id).await.unwrap()[0].0, failed);

    // A job id belongs to one execution; an unknown execution cannot be saved.
    let mut dup = running.clone();
    dup.job_id = Some("job-b".into());
    assert!(matches!(
        store.save_execution(&dup).await,
        Err(StoreError::Unique(f)) if f == "job_id"
    ));
    let ghost = Execution {
        id: Uuid::new_v4(),
        ..failed
    };
    match store.save_execution(&ghost).await {
        Err(StoreError::Refused(e)) => assert_eq!(e.code, ErrorCode::NotFound),
        other => panic!("expected not found, got {other:?}"),
    }
}

pub async fn executions_list_filters_and_detail(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let oi = seed_operator(store, "Oi", "OI", true).await;
    let mut a = client("ha", "SOLUÇÕES COMÉRCIO S/A", "10141561000164", vivo);
    a.unit = "A".into();
    let mut b = client("hb", "Beta Transportes", "13878375000109", oi);
    b.unit = "B".into();
    for c in [&a, &b] {
        store
            .insert_client(
                &ClientWrite {
                    client: c.clone(),
                    password: PasswordWrite::Keep,
                },
                &ev(action::CRIAR, "cliente", Some(c.id)),
            )
            .await
            .unwrap();
    }
    for month in ["2026-10", "2026-11"] {
        store
            .create_month_processes(
                &MonthRequest {
                    month: month.into(),
                    operator_id: None,
                    created_by: None,
                    auto: false,
                    now: t0(),
                },
                &ev("CRIAR_PROCESSOS_MES", "processo", None),
            )
            .await
            .unwrap();
    }
    let rows = store
        .list_processes(&ProcessFilter {
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    let process = |client: Uuid, month: &str| {
        rows.iter()
            .find(|r| r.client_id == client && r.reference_month == month)
            .unwrap()
            .id
    };
    let (a11, a10, b11) = (
        process(a.id, "2026-11"),
        process(a.id, "2026-10"),
        process(b.id, "2026-11"),
    );
    let exec = |process_id, kind, status, job: Option<&str>, minute| Execution {
        id: Uuid::new_v4(),
        process_id,
        kind,
        status,
        job_id: job.map(str::to_string),
        endpoint: None,
        request: None,
        result: None,
        progress: 0,
        attempt: 1,
        started_at: None,
        finished_at: None,
        error: None,
        error_class: None,
        triggered_by: "agendamento".into(),
        created_at: t0() + Duration::minutes(minute),
        updated_at: t0() + Duration::minutes(minute),
    };
    use ExecutionKind::*;
    use ExecutionStatus::*;
    let e1 = exec(a11, DownloadFatura, Concluido, Some("JOB-ABC"), 1);
    let e2 = exec(a10, UploadSat, Falhou, None, 2);
    let e3 = exec(b11, DownloadFatura, Executando, Some("xyz-9"), 3);
    let e4 = exec(b11, UploadManual, Concluido, None, 4);
    for e in [&e1, &e2, &e3, &e4] {
        store.insert_execution(e).await.unwrap();
    }
    let list = |f: ExecutionFilter| async move {
        let page = store
            .list_executions(&ExecutionFilter {
                page_size: if f.page_size == 0 { 50 } else { f.page_size },
                ..f
            })
            .await
            .unwrap();
        (
            page.total,
            page.items
                .into_iter()
                .map(|r| r.execution.id)
                .collect::<Vec<_>>(),
        )
    };
    let all = store
        .list_executions(&ExecutionFilter {
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(
        all.items.iter().map(|r| r.execution.id).collect::<Vec<_>>(),
        [e4.id, e3.id, e2.id, e1.id],
        "newest first"
    );
    let r3 = &all.items[1];
    assert_eq!(r3.execution, e3);
    assert_eq!(
        (
            r3.client_name.as_str(),
            r3.operator_id,
            r3.operator_name.as_str(),
            r3.reference_month.as_str(),
            r3.process_status
        ),
        (
            "Beta Transportes",
            oi,
            "Oi",
            "2026-11",
            ProcessStatus::AguardandoDownload
        )
    );

    let f = ExecutionFilter::default;
    assert_eq!(
        list(ExecutionFilter {
            status: Some(Concluido),
            ..f()
        })
        .await,
        (2, vec![e4.id, e1.id])
    );
    assert_eq!(
        list(ExecutionFilter {
            kind: Some(DownloadFatura),
            ..f()
        })
        .await,
        (2, vec![e3.id, e1.id])
    );
    assert_eq!(
        list(ExecutionFilter {
            operator_id: Some(vivo),
            ..f()
        })
        .await,
        (2, vec![e2.id, e1.id])
    );
    assert_eq!(
        list(ExecutionFilter {
            month: Some("2026-10".into()),
            ..f()
        })
        .await,
        (1, vec![e2.id])
    );
    assert_eq!(
        list(ExecutionFilter {
            process_id: Some(b11),
            ..f()
        })
        .await,
        (2, vec![e4.id, e3.id])
    );
    assert_eq!(
        list(ExecutionFilter {
            open_only: true,
            ..f()
        })
        .await,
        (1, vec![e3.id])
    );
    let search = |s: &str| ExecutionFilter {
        search: Some(s.into()),
        ..f()
    };
    assert_eq!(
        list(search("solucoes comercio")).await,
        (2, vec![e2.id, e1.id])
    );
    assert_eq!(list(search(" 10.141.561 ")).await, (2, vec![e2.id, e1.id]));
    assert_eq!(list(search("job-abc")).await, (1, vec![e1.id]));
    assert_eq!(list(search("XYZ")).await, (1, vec![e3.id]));
    assert_eq!(list(search("%")).await, (0, vec![]));
    assert_eq!(list(search("   ")).await.0, 4);

    // Pages count from 0, the total covers every page.
    let page = |n| ExecutionFilter {
        page: n,
        page_size: 3,
        ..f()
    };
    assert_eq!(list(page(0)).await, (4, vec![e4.id, e3.id, e2.id]));
    assert_eq!(list(page(1)).await, (4, vec![e1.id]));
    assert_eq!(list(page(2)).await, (4, vec![]));

    // The detail brings the row and its log lines in order.
    let line = |seq: i64, msg: &str| LogLine {
        seq,
        at: t0() + Duration::seconds(seq),
        level: "INFO".into(),
        message: msg.into(),
    };
    store
        .append_execution_logs(e3.id, &[line(2, "baixando"), line(1, "login ok")])
        .await
        .unwrap();
    let (row, logs) = store.execution_detail(e3.id).await.unwrap().unwrap();
    assert_eq!(&row, r3);
    assert_eq!(
        logs.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(),
        ["login ok", "baixando"]
    );
    let (_, none) = store.execution_detail(e1.id).await.unwrap().unwrap();
    assert!(none.is_empty());
    assert!(store
        .execution_detail(Uuid::new_v4())
        .await
        .unwrap()
        .is_none());
}

fn schedule(name: &str, kind: ScheduleKind, next: Option<DateTime<Utc>>) -> Schedule {
    Schedule {
        id: Uuid::new_v4(),
        name: name.into(),
        cron: "0 6 * * *".into(),
        kind,
        operator_id: None,
        active: true,
        next_run_at: next,
        last_run_at: None,
        version: 1,
        created_at: t0(),
        updated_at: t0(),
    }
}

pub async fn schedules_are_versioned_and_advance_once(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let first_run = t0() + Duration::hours(1);
    let mut downloads = schedule(
        "Downloads diários",
        ScheduleKind::ExecutarDownloads,
        Some(first_run),
    );
    downloads.operator_id = Some(vivo);
    let backup = schedule("Backup", ScheduleKind::BackupDados, None);
    let created = |s: &Schedule| ev(action::CRIAR, "agendamento", Some(s.id));
    for s in [&downloads, &backup] {
        assert!(store.save_schedule(s, None, &created(s)).await.unwrap());
    }
    let dup = schedule("Downloads diários", ScheduleKind::LimpezaLogs, None);
    assert!(matches!(
        store.save_schedule(&dup, None, &created(&dup)).await,
        Err(StoreError::Unique(f)) if f == "name"
    ));
    assert_eq!(
        store.list_schedules().await.unwrap(),
        [backup.clone(), downloads.clone()]
    );
    assert_eq!(
        store
            .audit_trail("agendamento", None, 50)
            .await
            .unwrap()
            .len(),
        2,
        "the refused insert wrote no audit event"
    );

    // Versioned update: a stale version writes nothing; a taken name is refused.
    let mut edited = downloads.clone();
    edited.cron = "30 7 * * 1-5".into();
    edited.active = false;
    edited.operator_id = None;
    edited.version = 2;
    edited.updated_at = t0() + Duration::minutes(5);
    let altered = || ev(action::ALTERAR, "agendamento", Some(downloads.id));
    assert!(store
        .save_schedule(&edited, Some(1), &altered())
        .await
        .unwrap());
    assert!(!store
        .save_schedule(&edited, Some(1), &altered())
        .await
        .unwrap());
    let mut renamed = edited.clone();
    renamed.name = "Backup".into();
    renamed.version = 3;
    assert!(matches!(
        store.save_schedule(&renamed, Some(2), &altered()).await,
        Err(StoreError::Unique(f)) if f == "name"
    ));
    let stored = |id| async move {
        store
            .list_schedules()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.id == id)
    };
    assert_eq!(stored(downloads.id).await.unwrap(), edited);

    // Two workers see the same due run: exactly one moves it on.
    let next = first_run + Duration::days(1);
    let (r1, r2) = tokio::join!(
        store.advance_schedule(downloads.id, Some(first_run), first_run, Some(next)),
        store.advance_schedule(downloads.id, Some(first_run), first_run, Some(next)),
    );
    assert!(r1.unwrap() ^ r2.unwrap(), "exactly one advance must win");
    assert!(!store
        .advance_schedule(downloads.id, Some(first_run), first_run, Some(next))
        .await
        .unwrap());
    let moved = stored(downloads.id).await.unwrap();
    assert_eq!(
        (moved.last_run_at, moved.next_run_at, moved.version),
        (Some(first_run), Some(next), 2)
    );
    // A schedule with no next run yet advances once too (NULL is compared as a value).
    assert!(store
        .advance_schedule(backup.id, None, first_run, Some(next))
        .await
        .unwrap());
    assert!(!store
        .advance_schedule(backup.id, None, first_run, Some(next))
        .await
        .unwrap());
    assert!(store
        .advance_schedule(backup.id, Some(next), next, None)
        .await
        .unwrap());

    // An edit keeps the last run: it belongs to the runs, not to the form.
    let mut again = moved.clone();
    again.last_run_at = None;
    again.active = true;
    again.version = 3;
    assert!(store
        .save_schedule(&again, Some(2), &altered())
        .await
        .unwrap());
    let after = stored(downloads.id).await.unwrap();
    assert_eq!((after.last_run_at, after.active), (Some(first_run), true));

    // Deleting, with its audit event; a second delete finds nothing.
    let removed = ev("EXCLUIR", "agendamento", Some(backup.id));
    assert!(store.delete_schedule(backup.id, &removed).await.unwrap());
    assert!(!store.delete_schedule(backup.id, &removed).await.unwrap());
    assert_eq!(store.list_schedules().await.unwrap().len(), 1);
    let trail = store.audit_trail("agendamento", None, 50).await.unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "EXCLUIR").count(), 1);
    assert_eq!(trail.len(), 5, "2 created, 2 edits, 1 deletion");
}

pub async fn purge_removes_logs_of_finished_executions(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let ps = seed_processes(store, vivo, "v", 1).await;
    let base = Execution {
        id: Uuid::new_v4(),
        process_id: ps[0].id,
        kind: ExecutionKind::DownloadFatura,
        status: ExecutionStatus::Concluido,
        job_id: None,
        endpoint: None,
        request: None,
        result: None,
        progress: 100,
        attempt: 1,
        started_at: Some(t0()),
        finished_at: Some(t0()),
        error: None,
        error_class: None,
        triggered_by: "agendamento".into(),
        created_at: t0(),
        updated_at: t0(),
    };
    let old = base.clone();
    let recent = Execution {
        id: Uuid::new_v4(),
        finished_at: Some(t0() + Duration::days(10)),
        ..base.clone()
    };
    let running = Execution {
        id: Uuid::new_v4(),
        status: ExecutionStatus::Executando,
        finished_at: None,
        ..base
    };
    let lines = [
        LogLine {
            seq: 0,
            at: t0(),
            level: "INFO".into(),
            message: "abrindo portal".into(),
        },
        LogLine {
            seq: 1,
            at: t0(),
            level: "INFO".into(),
            message: "pronto".into(),
        },
    ];
    for e in [&old, &recent, &running] {
        store.insert_execution(e).await.unwrap();
        store.append_execution_logs(e.id, &lines).await.unwrap();
    }
    assert_eq!(
        store
            .purge_execution_logs(t0() + Duration::days(1))
            .await
            .unwrap(),
        2
    );
    let logs = |id| async move { store.execution_detail(id).await.unwrap().unwrap().1.len() };
    assert_eq!(
        (
            logs(old.id).await,
            logs(recent.id).await,
            logs(running.id).await
        ),
        (0, 2, 2)
    );
    assert_eq!(store.executions_of(ps[0].id).await.unwrap().len(), 3);
    assert_eq!(
        store
            .purge_execution_logs(t0() + Duration::days(1))
            .await
            .unwrap(),
        0
    );
}

/// SQLite copies itself into a new file that opens with the same data; PostgreSQL
/// refuses in Portuguese, because its backups belong to the server.
pub async fn backup_copies_or_refuses(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let ps = seed_processes(store, vivo, "v", 3).await;
    store
        .claim_robot_work(&work(ExecutionKind::DownloadFatura, now()))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copias/2026-11/brm.sqlite3");
    match store.backend() {
        Backend::Postgres => {
            let e: brm_core::Error = store.backup_into(&path).await.unwrap_err().into();
            assert_eq!(e.code, ErrorCode::Validation);
            assert!(e.message.contains("PostgreSQL"), "{}", e.message);
            assert!(!path.exists());
        }
        Backend::Sqlite => {
            store.backup_into(&path).await.unwrap();
            let copy = brm_store::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            let everything = ProcessFilter {
                page_size: 200,
                ..Default::default()
            };
            assert_eq!(
                copy.list_processes(&everything).await.unwrap().total,
                ps.len() as i64
            );
            let execs = ExecutionFilter {
                page_size: 200,
                ..Default::default()
            };
            assert_eq!(
                copy.list_executions(&execs).await.unwrap(),
                store.list_executions(&execs).await.unwrap()
            );
            assert_eq!(
                copy.audit_trail("cliente", None, 100).await.unwrap(),
                store.audit_trail("cliente", None, 100).await.unwrap()
            );
            assert_eq!(
                copy.operator_by_id(vivo).await.unwrap(),
                store.operator_by_id(vivo).await.unwrap()
            );
            // An existing file is never overwritten.
            let e: brm_core::Error = store.backup_into(&path).await.unwrap_err().into();
            assert!(e.message.contains("já existe"), "{}", e.message);
        }
    }
}

/// Claims until nothing more is given.
async fn drain(store: &dyn Store, claim: WorkClaim) -> Vec<Uuid> {
    let mut got = Vec::new();
    loop {
        let ids = claim_ids(store, &claim).await;
        if ids.is_empty() {
            return got;
        }
        got.extend(ids);
    }
}

/// Two desktops (two pools, one database) claim in a loop at once: every due process is
/// claimed exactly once.
pub async fn concurrent_claims_take_each_process_once(a: &dyn Store, b: &dyn Store) {
    let vivo = seed_operator(a, "Vivo", "VIVO", true).await;
    let oi = seed_operator(a, "Oi", "OI", true).await;
    let mut all = seed_processes(a, vivo, "v", 100).await;
    all.extend(seed_processes(a, oi, "o", 100).await);
    let claim = |owner: &str| WorkClaim {
        owner: owner.into(),
        limit: 7,
        global_cap: 1_000,
        per_operator_cap: 1_000,
        ..work(ExecutionKind::DownloadFatura, now())
    };
    let (ga, gb) = tokio::join!(drain(a, claim("desktop-a")), drain(b, claim("desktop-b")));
    // PostgreSQL queues the advisory lock's waiters, so both desktops get turns. SQLite's
    // busy handler sleeps while the other desktop may take the lock again and again:
    // there one desktop may take everything, which is correct too.
    if a.backend() == Backend::Postgres {
        assert!(!ga.is_empty() && !gb.is_empty(), "both desktops claimed");
    }
    let claimed: Vec<Uuid> = ga.into_iter().chain(gb).collect();
    let unique: HashSet<Uuid> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 200);
    assert_eq!(unique, all.iter().map(|p| p.id).collect::<HashSet<_>>());
    let total = b
        .list_executions(&ExecutionFilter {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .total;
    assert_eq!(total, 200);
}

/// Four claimers on two desktops at once never go past the per-operator or the global
/// cap.
pub async fn concurrent_claims_hold_the_caps(a: &dyn Store, b: &dyn Store) {
    let vivo = seed_operator(a, "Vivo", "VIVO", true).await;
    let oi = seed_operator(a, "Oi", "OI", true).await;
    seed_processes(a, vivo, "v", 20).await;
    seed_processes(a, oi, "o", 20).await;
    let at = now();
    let claim = |owner: &str, per_operator_cap, global_cap| WorkClaim {
        owner: owner.into(),
        limit: 2,
        global_cap,
        per_operator_cap,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let (g1, g2, g3, g4) = tokio::join!(
        drain(a, claim("a1", 3, 100)),
        drain(b, claim("b1", 3, 100)),
        drain(a, claim("a2", 3, 100)),
        drain(b, claim("b2", 3, 100)),
    );
    assert_eq!(g1.len() + g2.len() + g3.len() + g4.len(), 6);
    assert_eq!(open_executions(a, Some(vivo)).await.len(), 3);
    assert_eq!(open_executions(b, Some(oi)).await.len(), 3);

    for e in open_executions(a, None).await {
        close(a, &e, ExecutionStatus::Concluido, at + Duration::minutes(1)).await;
    }
    let (g1, g2, g3, g4) = tokio::join!(
        drain(a, claim("a1", 100, 5)),
        drain(b, claim("b1", 100, 5)),
        drain(a, claim("a2", 100, 5)),
        drain(b, claim("b2", 100, 5)),
    );
    assert_eq!(g1.len() + g2.len() + g3.len() + g4.len(), 5);
    assert_eq!(open_executions(b, None).await.len(), 5);
}

/// A create sent and not confirmed holds its queue: no new claim for its operator (for
/// an upload: no new SAT claim) until it has its job id or ends; other operators go on.
pub async fn unconfirmed_creates_hold_their_queue(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    let oi = seed_operator(store, "Oi", "OI", true).await;
    seed_processes(store, vivo, "v", 3).await;
    seed_processes(store, oi, "o", 2).await;
    let at = now();
    let one_vivo = WorkClaim {
        limit: 1,
        operator_id: Some(vivo),
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let mut first = store.claim_robot_work(&one_vivo).await.unwrap();
    let mut e = first.remove(0).execution;
    // Claimed, not sent yet: no hold.
    assert_eq!(store.executions_without_job().await.unwrap().len(), 1);
    assert_eq!(store.executions_without_job().await.unwrap()[0].1, vivo);
    let next = WorkClaim {
        limit: 1,
        ..one_vivo.clone()
    };
    let mut second = store.claim_robot_work(&next).await.unwrap();
    let e2 = second.remove(0).execution;
    assert_eq!(store.executions_without_job().await.unwrap().len(), 2);

    // Sent, answer lost: VIVO is held, OI is not.
    let marker = brm_core::reconcile::Unconfirmed {
        sent_at: at,
        failed_at: Some(at),
        reason: "resposta perdida".into(),
    };
    e.result = Some(marker.to_result());
    store.save_execution(&e).await.unwrap();
    let all = WorkClaim {
        operator_id: None,
        ..work(ExecutionKind::DownloadFatura, at)
    };
    let claimed = store.claim_robot_work(&all).await.unwrap();
    assert_eq!(claimed.len(), 2, "OI's two only");
    assert!(claimed.iter().all(|w| w.process.operator_id == oi));

    // Matched with its job: the hold ends.
    e.job_id = Some("job-adotado".into());
    e.result = None;
    store.save_execution(&e).await.unwrap();
    let claimed = store.claim_robot_work(&all).await.unwrap();
    assert_eq!(claimed.len(), 1, "VIVO's third");
    let without: Vec<Uuid> = store
        .executions_without_job()
        .await
        .unwrap()
        .into_iter()
        .map(|(x, _)| x.id)
        .collect();
    assert!(without.contains(&e2.id) && !without.contains(&e.id));

    let known = store
        .known_job_ids(&["job-adotado".into(), "job-de-ninguem".into()])
        .await
        .unwrap();
    assert_eq!(known, ["job-adotado"]);
    assert!(store.known_job_ids(&[]).await.unwrap().is_empty());
}

/// A worker that stops cleanly hands its open executions back: another worker polls them
/// at once, without waiting out the lease; finished ones and other workers' stay as they
/// are.
pub async fn a_clean_stop_hands_leases_back(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    seed_processes(store, vivo, "v", 3).await;
    let at = now();
    let claimed = store
        .claim_robot_work(&WorkClaim {
            owner: "w1".into(),
            limit: 2,
            ..work(ExecutionKind::DownloadFatura, at)
        })
        .await
        .unwrap();
    let other = store
        .claim_robot_work(&WorkClaim {
            owner: "w3".into(),
            ..work(ExecutionKind::DownloadFatura, at)
        })
        .await
        .unwrap();
    assert_eq!((claimed.len(), other.len()), (2, 1));
    let mut done = claimed[1].execution.clone();
    done.job_id = Some("job-pronto".into());
    done.status = ExecutionStatus::Concluido;
    done.finished_at = Some(at);
    store.save_execution(&done).await.unwrap();
    let m = |n| at + Duration::minutes(n);
    assert!(store
        .claim_open_executions(&poll("w2", m(1), 10))
        .await
        .unwrap()
        .is_empty());

    assert_eq!(store.release_leases("w1").await.unwrap(), 1);
    let taken = store
        .claim_open_executions(&poll("w2", m(1), 10))
        .await
        .unwrap();
    assert_eq!(
        taken.iter().map(|e| e.id).collect::<Vec<_>>(),
        [claimed[0].execution.id]
    );
    // Nothing of w1's is left; w3's lease is its own.
    assert_eq!(store.release_leases("w1").await.unwrap(), 0);
    assert!(store
        .claim_open_executions(&poll("w2", m(1), 10))
        .await
        .unwrap()
        .iter()
        .all(|e| e.id != other[0].execution.id));
}

/// A worker leaves some processes to the others (it cannot read their invoice): its claim
/// skips them, and only them.
pub async fn claims_skip_what_the_worker_leaves_to_others(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO", true).await;
    seed_processes(store, vivo, "v", 3).await;
    let at = now();
    let all: Vec<Uuid> = store
        .list_processes(&brm_core::process::ProcessFilter {
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(all.len(), 3);
    let claimed = store
        .claim_robot_work(&WorkClaim {
            skip_processes: all[..2].to_vec(),
            ..work(ExecutionKind::DownloadFatura, at)
        })
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|w| w.process.id).collect::<Vec<_>>(),
        [all[2]]
    );
    let claimed = store
        .claim_robot_work(&work(ExecutionKind::DownloadFatura, at))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
}
