//! The desktop notifications' reads (migration 0008), on both backends: which processes
//! wait for approval or need attention, and the details of a few of them in one query.

use super::domain::client;
use super::{operator, t0};
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::execution::{ErrorClass, Execution, ExecutionKind, ExecutionStatus};
use brm_core::process::{Process, ProcessFilter, ProcessStatus};
use brm_store::{AlertCandidate, ClientWrite, MonthRequest, PasswordWrite, Store};
use chrono::Duration;
use uuid::Uuid;

fn ev(action: &str, entity: &str, id: Option<Uuid>) -> AuditEvent {
    let e = AuditEvent::new(t0(), Actor::anonymous("teste"), action, entity);
    match id {
        Some(id) => e.on(id),
        None => e,
    }
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

fn failed(process_id: Uuid, minutes: i64, class: Option<ErrorClass>, error: &str) -> Execution {
    let at = t0() + Duration::minutes(minutes);
    Execution {
        id: Uuid::new_v4(),
        process_id,
        kind: ExecutionKind::DownloadFatura,
        status: if class.is_some() {
            ExecutionStatus::Falhou
        } else {
            ExecutionStatus::Concluido
        },
        job_id: None,
        endpoint: None,
        request: None,
        result: None,
        progress: 100,
        attempt: 1,
        started_at: Some(at),
        finished_at: Some(at),
        error: Some(error.into()),
        error_class: class,
        triggered_by: "teste".into(),
        created_at: at,
        updated_at: at,
    }
}

fn sorted(mut v: Vec<AlertCandidate>) -> Vec<AlertCandidate> {
    v.sort_by_key(|c| c.id);
    v
}

/// Candidates are exactly the waiting and the attention processes, with their versions;
/// details come with names and the newest failure (one with an error class).
pub async fn alert_candidates_and_details(store: &dyn Store) {
    let op = operator("Vivo", "VIVO");
    store
        .insert_operator(&op, &ev(action::CRIAR, "operadora", Some(op.id)))
        .await
        .unwrap();
    for (i, name) in ["Alfa Ltda", "Beta SA", "Gama ME"].iter().enumerate() {
        let mut c = client(&format!("h{i}"), name, "10141561000164", op.id);
        c.unit = format!("U{i}");
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
    store
        .create_month_processes(
            &MonthRequest {
                month: "2026-11".into(),
                operator_id: None,
                created_by: None,
                auto: false,
                now: t0(),
            },
            &ev("CRIAR_PROCESSOS_MES", "processo", None),
        )
        .await
        .unwrap();
    assert!(store.alert_candidates().await.unwrap().is_empty());
    let rows = store
        .list_processes(&ProcessFilter {
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(rows.len(), 3);
    let mut ps = Vec::new();
    for r in &rows {
        ps.push(store.process_by_id(r.id).await.unwrap().unwrap());
    }
    ps.sort_by_key(|p| p.id);
    let name_of = |id: Uuid| {
        rows.iter()
            .find(|r| r.id == id)
            .unwrap()
            .client_name
            .clone()
    };

    let waiting = change(store, &ps[0], |p| {
        p.status = ProcessStatus::AguardandoAprovacao;
        p.amount_cents = Some(12_345);
        p.due_date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20);
    })
    .await;
    let attention = change(store, &ps[1], |p| p.needs_attention = true).await;
    // Failures of the attention process: an older one, the newest one, and a later
    // deferral (no error class) that is not a failure.
    for e in [
        failed(
            attention.id,
            1,
            Some(ErrorClass::Transitorio),
            "Tempo esgotado.",
        ),
        failed(
            attention.id,
            2,
            Some(ErrorClass::Negocio),
            "Senha do portal incorreta.",
        ),
        failed(attention.id, 3, None, "Nenhuma fatura disponível ainda."),
    ] {
        store.insert_execution(&e).await.unwrap();
    }

    let mut expected = vec![
        AlertCandidate {
            id: waiting.id,
            version: waiting.version,
            waiting: true,
            needs_attention: false,
        },
        AlertCandidate {
            id: attention.id,
            version: attention.version,
            waiting: false,
            needs_attention: true,
        },
    ];
    expected.sort_by_key(|c| c.id);
    assert_eq!(sorted(store.alert_candidates().await.unwrap()), expected);

    let unknown = Uuid::new_v4();
    let mut details = store
        .alert_details(&[attention.id, waiting.id, unknown])
        .await
        .unwrap();
    details.sort_by_key(|d| d.process.id);
    assert_eq!(details.len(), 2);
    let w = details.iter().find(|d| d.process.id == waiting.id).unwrap();
    assert_eq!(w.process, waiting);
    assert_eq!(w.client_name, name_of(waiting.id));
    assert_eq!(w.operator_name, "Vivo");
    assert_eq!((w.last_error.as_deref(), w.last_error_kind), (None, None));
    let a = details
        .iter()
        .find(|d| d.process.id == attention.id)
        .unwrap();
    assert_eq!(a.client_name, name_of(attention.id));
    assert_eq!(
        (a.last_error.as_deref(), a.last_error_kind),
        (
            Some("Senha do portal incorreta."),
            Some(ExecutionKind::DownloadFatura)
        )
    );
    assert!(store.alert_details(&[]).await.unwrap().is_empty());

    // Decided and retried: neither is a candidate any more; both at once (a waiting
    // invoice that also needs attention) is one candidate with both flags.
    change(store, &waiting, |p| {
        p.status = ProcessStatus::AguardandoEnvioSat
    })
    .await;
    change(store, &attention, |p| p.needs_attention = false).await;
    let both = change(store, &ps[2], |p| {
        p.status = ProcessStatus::AguardandoAprovacao;
        p.needs_attention = true;
    })
    .await;
    assert_eq!(
        store.alert_candidates().await.unwrap(),
        vec![AlertCandidate {
            id: both.id,
            version: both.version,
            waiting: true,
            needs_attention: true,
        }]
    );
}
