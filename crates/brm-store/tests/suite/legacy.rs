//! What the import from the old system asks of every backend: `legacy_keys` finds what a
//! dry run could collide with, and `import_legacy` writes a whole batch in one
//! transaction, or nothing when one row collides with something stored since the preview.

use super::{operator, t0, user};
use brm_core::audit::{Actor, AuditEvent};
use brm_core::execution::{Execution, ExecutionKind, ExecutionStatus, LogLine};
use brm_core::process::{Month, Process};
use brm_core::schedule::{Schedule, ScheduleKind};
use brm_core::ErrorCode;
use brm_store::legacy::{LegacyBatch, LegacyProbe};
use brm_store::{ClientWrite, PasswordWrite, Store, StoreError};
use uuid::Uuid;

fn ev(entity: &str, id: Uuid) -> AuditEvent {
    AuditEvent::new(
        t0(),
        Actor::anonymous("teste"),
        "IMPORTAR_SISTEMA_ANTIGO",
        entity,
    )
    .on(id)
}

fn execution(process_id: Uuid, job: &str) -> Execution {
    Execution {
        id: Uuid::new_v4(),
        process_id,
        kind: ExecutionKind::DownloadFatura,
        status: ExecutionStatus::Concluido,
        job_id: Some(job.into()),
        endpoint: None,
        request: None,
        result: None,
        progress: 100,
        attempt: 1,
        started_at: Some(t0()),
        finished_at: Some(t0()),
        error: None,
        error_class: None,
        triggered_by: "sistema antigo".into(),
        created_at: t0(),
        updated_at: t0(),
    }
}

/// An old schedule of that office's operator.
fn schedule(name: &str, operator_id: Uuid) -> Schedule {
    Schedule {
        id: Uuid::new_v4(),
        name: name.into(),
        cron: "0 9 * * 1-5".into(),
        kind: ScheduleKind::ExecutarDownloads,
        operator_id: Some(operator_id),
        active: true,
        next_run_at: Some(t0()),
        last_run_at: None,
        version: 1,
        created_at: t0(),
        updated_at: t0(),
    }
}

/// An old office: one operator, one user, one client with a sealed portal password, its
/// October process, one finished download with a log line, a schedule of the operator,
/// and the robot's address.
fn batch(suffix: &str) -> LegacyBatch {
    let op = operator(&format!("Vivo {suffix}"), &format!("VIVO{suffix}"));
    let u = user(&format!("legado{}@beg.com.br", suffix.to_lowercase()));
    let c = super::domain::client(
        &format!("H-{suffix}"),
        &format!("ACME {suffix}"),
        "11222333000181",
        op.id,
    );
    let month = Month::parse("2026-10").unwrap();
    let p = Process::new_for(c.id, op.id, month, None, false, t0());
    let e = execution(p.id, &format!("job-legado-{suffix}"));
    let s = schedule(&format!("Downloads {suffix}"), op.id);
    let line = LogLine {
        seq: 1,
        at: t0(),
        level: "INFO".into(),
        message: "fatura baixada".into(),
    };
    LegacyBatch {
        audits: vec![
            ev("operadora", op.id),
            ev("usuario", u.id),
            ev("cliente", c.id),
            ev("processo", p.id),
        ],
        operators: vec![op],
        users: vec![u],
        clients: vec![ClientWrite {
            client: c,
            password: PasswordWrite::Set("v1:c2VsYWRv".into()),
        }],
        processes: vec![p],
        executions: vec![(e, vec![line])],
        schedules: vec![s],
        settings: vec![(
            format!("robo.url.{suffix}"),
            serde_json::json!("http://robo"),
        )],
        at: t0(),
        by: None,
    }
}

fn probe(b: &LegacyBatch) -> LegacyProbe {
    LegacyProbe {
        process_ids: b.processes.iter().map(|p| p.id).collect(),
        client_ids: vec![],
        execution_ids: b.executions.iter().map(|(e, _)| e.id).collect(),
        job_ids: b
            .executions
            .iter()
            .filter_map(|(e, _)| e.job_id.clone())
            .collect(),
    }
}

pub async fn legacy_import_is_one_transaction(store: &dyn Store) {
    let first = batch("A");
    let keys = store.legacy_keys(&probe(&first)).await.unwrap();
    assert!(keys.processes.is_empty() && keys.execution_ids.is_empty() && keys.job_ids.is_empty());
    let users_before = store.count_users().await.unwrap();

    store.import_legacy(&first).await.unwrap();
    let keys = store.legacy_keys(&probe(&first)).await.unwrap();
    assert!(keys.operators.iter().any(|o| o.id == first.operators[0].id));
    assert!(keys
        .users
        .iter()
        .any(|u| u.id == first.users[0].id && u.email == "legadoa@beg.com.br"));
    assert!(keys
        .clients
        .iter()
        .any(|c| c.id == first.clients[0].client.id));
    assert_eq!(keys.processes.len(), 1);
    assert_eq!(keys.processes[0].reference_month, "2026-10");
    assert_eq!(keys.execution_ids, vec![first.executions[0].0.id]);
    assert_eq!(keys.job_ids, vec!["job-legado-A".to_string()]);
    let p = store
        .process_by_id(first.processes[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.client_id, first.clients[0].client.id);
    assert_eq!(
        store.get_setting("robo.url.A").await.unwrap(),
        Some(serde_json::json!("http://robo"))
    );
    assert_eq!(store.count_users().await.unwrap(), users_before + 1);
    let sched = &first.schedules[0];
    assert!(keys.schedules.iter().any(|k| k.id == sched.id
        && k.name == "Downloads A"
        && k.kind == "EXECUTAR_DOWNLOADS"
        && k.cron == "0 9 * * 1-5"
        && k.operator_id == sched.operator_id));

    // A third office whose schedule takes a name stored since its preview: refused whole,
    // naming the schedule.
    let mut third = batch("C");
    third.schedules[0].name = "Downloads A".into();
    match store.import_legacy(&third).await.unwrap_err() {
        StoreError::Refused(e) => {
            assert_eq!(e.code, ErrorCode::Conflict);
            assert!(
                e.message.contains("agendamento com o mesmo nome"),
                "{}",
                e.message
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!store
        .legacy_keys(&probe(&third))
        .await
        .unwrap()
        .operators
        .iter()
        .any(|o| o.id == third.operators[0].id));

    // A second office whose last execution reuses the first one's robot job: the store
    // refuses the whole batch (CONFLICT, pt-BR), and none of its earlier rows stay.
    let mut second = batch("B");
    second.executions[0].0.job_id = Some("job-legado-A".into());
    let err = store.import_legacy(&second).await.unwrap_err();
    match err {
        StoreError::Refused(e) => {
            assert_eq!(e.code, ErrorCode::Conflict);
            assert!(e.message.contains("Nada foi importado"), "{}", e.message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let keys = store.legacy_keys(&probe(&second)).await.unwrap();
    assert!(!keys
        .operators
        .iter()
        .any(|o| o.id == second.operators[0].id));
    assert!(!keys.users.iter().any(|u| u.id == second.users[0].id));
    assert!(!keys
        .clients
        .iter()
        .any(|c| c.id == second.clients[0].client.id));
    assert!(keys.processes.is_empty());
    assert_eq!(store.get_setting("robo.url.B").await.unwrap(), None);
    assert_eq!(store.count_users().await.unwrap(), users_before + 1);
}
