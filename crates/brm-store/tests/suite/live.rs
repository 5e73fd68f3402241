//! The change feed (migration 0007) and the dashboard's aggregates, on both backends.

use super::domain::client;
use super::{operator, t0};
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::execution::{Execution, ExecutionKind, ExecutionStatus, LogLine};
use brm_core::process::{Process, ProcessFilter, ProcessStatus};
use brm_store::feed::{self, FeedBatch};
use brm_store::{ClientWrite, MonthRequest, PasswordWrite, PollClaim, Store};
use chrono::Duration;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

fn ev(action: &str, entity: &str, id: Option<Uuid>) -> AuditEvent {
    let e = AuditEvent::new(t0(), Actor::anonymous("teste"), action, entity);
    match id {
        Some(id) => e.on(id),
        None => e,
    }
}

async fn seed_operator(store: &dyn Store, name: &str, code: &str) -> Uuid {
    let op = operator(name, code);
    store
        .insert_operator(&op, &ev(action::CRIAR, "operadora", Some(op.id)))
        .await
        .unwrap();
    op.id
}

async fn seed_client(store: &dyn Store, name: &str, unit: &str, op: Uuid, active: bool) -> Uuid {
    let mut c = client(&format!("h-{name}-{unit}"), name, "10141561000164", op);
    c.unit = unit.into();
    c.active = active;
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
    c.id
}

async fn create_month(store: &dyn Store, month: &str, operator_id: Option<Uuid>) {
    let req = MonthRequest {
        month: month.into(),
        operator_id,
        created_by: None,
        auto: false,
        now: t0(),
    };
    store
        .create_month_processes(&req, &ev("CRIAR_PROCESSOS_MES", "processo", None))
        .await
        .unwrap();
}

async fn processes(store: &dyn Store, month: &str) -> Vec<Process> {
    let page = store
        .list_processes(&ProcessFilter {
            month: Some(month.into()),
            page_size: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in page.items {
        out.push(store.process_by_id(r.id).await.unwrap().unwrap());
    }
    out
}

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

fn execution(process_id: Uuid) -> Execution {
    Execution {
        id: Uuid::new_v4(),
        process_id,
        kind: ExecutionKind::DownloadFatura,
        status: ExecutionStatus::Executando,
        job_id: Some(format!("job-{}", Uuid::new_v4().simple())),
        endpoint: None,
        request: None,
        result: None,
        progress: 10,
        attempt: 1,
        started_at: Some(t0()),
        finished_at: None,
        error: None,
        error_class: None,
        triggered_by: "teste".into(),
        created_at: t0(),
        updated_at: t0(),
    }
}

/// Every write to a table a screen shows leaves a row; lease renewals and log lines
/// do not; prune deletes old rows.
pub async fn change_feed_records_writes(store: &dyn Store) {
    let start = store.latest_change_seq().await.unwrap();
    assert!(store.changes_since(start, 100).await.unwrap().is_empty());
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let c = seed_client(store, "Alfa", "U1", vivo, true).await;
    create_month(store, "2026-11", None).await;
    let p = processes(store, "2026-11").await.remove(0);
    let p = change(store, &p, |p| p.notes = Some("olhar".into())).await;
    let e = execution(p.id);
    store.insert_execution(&e).await.unwrap();
    store
        .put_setting(
            "robo.url",
            &serde_json::json!("http://x"),
            &ev(action::ALTERAR, "configuracao", None),
        )
        .await
        .unwrap();
    let changes = store.changes_since(start, 100).await.unwrap();
    let kinds: Vec<(&str, Option<&str>)> = changes
        .iter()
        .map(|c| (c.entity.as_str(), c.entity_id.as_deref()))
        .collect();
    let (vs, cs, ps, es) = (
        vivo.to_string(),
        c.to_string(),
        p.id.to_string(),
        e.id.to_string(),
    );
    assert_eq!(
        kinds,
        vec![
            ("operadora", Some(vs.as_str())),
            ("cliente", Some(cs.as_str())),
            ("processo", Some(ps.as_str())),
            ("processo", Some(ps.as_str())),
            ("execucao", Some(es.as_str())),
            ("configuracao", Some("robo.url")),
        ]
    );
    assert_eq!(changes[4].process_id.as_deref(), Some(ps.as_str()));
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    let top = store.latest_change_seq().await.unwrap();
    assert_eq!(top, changes.last().unwrap().seq);
    // The limit holds.
    assert_eq!(store.changes_since(start, 2).await.unwrap().len(), 2);

    // A lease renewal and log lines are not screen changes; progress is.
    let leased = store
        .claim_open_executions(&PollClaim {
            now: t0(),
            owner: "w1".into(),
            lease_until: t0() + Duration::minutes(5),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    let line = LogLine {
        seq: 1,
        at: t0(),
        level: "INFO".into(),
        message: "baixando".into(),
    };
    store.append_execution_logs(e.id, &[line]).await.unwrap();
    assert_eq!(store.latest_change_seq().await.unwrap(), top);
    let mut moved = e.clone();
    moved.progress = 60;
    store.save_execution(&moved).await.unwrap();
    let after = store.changes_since(top, 10).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].entity, "execucao");

    // A batch folds them by kind.
    let mut batch = FeedBatch::default();
    for c in &changes {
        batch.add(c);
    }
    assert!(batch.processes.contains(&ps) && batch.executions.contains(&es));
    assert!(batch.settings.contains("robo.url"));

    // Prune: nothing is an hour old yet; everything is older than tomorrow.
    let now = chrono::Utc::now();
    assert_eq!(
        store
            .prune_change_feed(now - Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .prune_change_feed(now + Duration::days(1))
            .await
            .unwrap()
            >= 7
    );
    assert!(store.changes_since(start, 100).await.unwrap().is_empty());
}

/// The dashboard's aggregates: months, the operator × stage matrix with what is
/// missing, and the processes needing attention, newest first.
pub async fn dashboard_aggregates(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let oi = seed_operator(store, "Oi", "OI").await;
    let claro = seed_operator(store, "Claro", "CLARO").await;
    for u in ["U1", "U2", "U3"] {
        seed_client(store, "Alfa", u, vivo, true).await;
    }
    seed_client(store, "Beta", "U1", oi, true).await;
    seed_client(store, "Beta", "U2", oi, true).await;
    // Inactive: never missing.
    seed_client(store, "Gama", "U3", oi, false).await;
    seed_client(store, "Delta", "U1", claro, true).await;
    create_month(store, "2026-10", None).await;
    create_month(store, "2026-11", Some(vivo)).await;
    // A client added after the month was created is missing from it.
    seed_client(store, "Alfa", "U4", vivo, true).await;

    assert_eq!(
        store.process_months().await.unwrap(),
        vec!["2026-11".to_string(), "2026-10".to_string()]
    );
    let nov = processes(store, "2026-11").await;
    assert_eq!(nov.len(), 3);
    change(store, &nov[0], |p| {
        p.status = ProcessStatus::AguardandoAprovacao;
        p.updated_at = t0() + Duration::minutes(1);
    })
    .await;
    change(store, &nov[1], |p| {
        p.needs_attention = true;
        p.updated_at = t0() + Duration::minutes(2);
    })
    .await;
    change(store, &nov[2], |p| {
        p.needs_attention = true;
        p.status = ProcessStatus::Cancelado;
        p.updated_at = t0() + Duration::minutes(3);
    })
    .await;

    let m = store.operator_month("2026-11").await.unwrap();
    let names: Vec<&str> = m.iter().map(|o| o.operator_name.as_str()).collect();
    assert_eq!(names, vec!["Claro", "Oi", "Vivo"]);
    let v = &m[2];
    assert_eq!(v.operator_id, vivo);
    assert_eq!(
        (
            v.counts.aguardando_download,
            v.counts.aguardando_aprovacao,
            v.counts.cancelado,
            v.counts.needs_attention,
            v.sem_processo,
            v.total
        ),
        (1, 1, 1, 2, 1, 3)
    );
    assert_eq!((m[1].sem_processo, m[1].total), (2, 0));
    assert_eq!((m[0].sem_processo, m[0].total), (1, 0));

    let oct = store.operator_month("2026-10").await.unwrap();
    let oi_oct = oct.iter().find(|o| o.operator_id == oi).unwrap();
    assert_eq!(
        (
            oi_oct.counts.aguardando_download,
            oi_oct.sem_processo,
            oi_oct.total
        ),
        (2, 0, 2)
    );
    let vivo_oct = oct.iter().find(|o| o.operator_id == vivo).unwrap();
    assert_eq!((vivo_oct.total, vivo_oct.sem_processo), (3, 1));

    let att = store.attention_processes("2026-11", 20).await.unwrap();
    let ids: Vec<Uuid> = att.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![nov[2].id, nov[1].id]);
    assert_eq!(
        store.attention_processes("2026-11", 1).await.unwrap().len(),
        1
    );
    assert!(store
        .attention_processes("2026-10", 20)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .operator_month("2030-01")
        .await
        .unwrap()
        .iter()
        .all(|o| o.total == 0));
}

/// "Two desktops": a change written through `a` reaches the feed loop running on `b`
/// within a second. Returns the measured latency.
pub async fn feed_reaches_another_desktop(
    a: Arc<dyn Store>,
    b: Arc<dyn Store>,
) -> std::time::Duration {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<FeedBatch>();
    let loop_b = tokio::spawn(feed::run(b.clone(), move |batch| {
        let _ = tx.send(batch);
    }));
    // Let the loop note where the feed stands (its first read) and connect its listener.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let op = operator("Tim", "TIM");
    let started = Instant::now();
    a.insert_operator(&op, &ev(action::CRIAR, "operadora", Some(op.id)))
        .await
        .unwrap();
    let want = op.id.to_string();
    let latency = loop {
        let batch = tokio::time::timeout(std::time::Duration::from_secs(3), rx.recv())
            .await
            .expect("no batch within 3 s")
            .expect("feed loop stopped");
        if batch.operators.contains(&want) {
            break started.elapsed();
        }
    };
    loop_b.abort();
    assert!(
        latency < std::time::Duration::from_secs(1),
        "change seen after {latency:?}"
    );
    latency
}
