//! The contract for clients, processes, executions, user management and settings,
//! written once against `&dyn Store` and run on both backends.

use super::{operator, t0, user};
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::client::{Client, ClientFilter};
use brm_core::execution::{Execution, ExecutionKind, ExecutionStatus, LogLine};
use brm_core::process::{Process, ProcessFilter, ProcessStatus, Transition, ValueSource};
use brm_core::user::UserFilter;
use brm_core::{ErrorCode, Role};
use brm_store::{
    ClientWrite, ExecutionOutcome, ImportWrite, MonthRequest, PasswordWrite, ProcessWrite, Store,
    StoreError,
};
use chrono::{Duration, NaiveDate};
use uuid::Uuid;

fn ev(action: &str, entity: &str, id: Option<Uuid>) -> AuditEvent {
    let e = AuditEvent::new(t0(), Actor::anonymous("teste"), action, entity);
    match id {
        Some(id) => e.on(id),
        None => e,
    }
}

pub fn client(hash: &str, name: &str, cnpj: &str, operator_id: Uuid) -> Client {
    Client {
        id: Uuid::new_v4(),
        hash: Some(hash.into()),
        legal_name: name.into(),
        sat_name: None,
        cnpj: cnpj.into(),
        operator_id,
        operator_name: String::new(),
        operator_code: String::new(),
        account_filter: None,
        service: "Internet".into(),
        sat_data: None,
        unit: "Cuiabá-MT".into(),
        sat_category: None,
        issue_site_url: None,
        portal_login: Some("login@exemplo.com.br".into()),
        portal_password_set: false,
        cpf: None,
        notes: None,
        active: true,
        version: 1,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn write(c: &Client, password: PasswordWrite) -> ClientWrite {
    ClientWrite {
        client: c.clone(),
        password,
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

pub async fn clients_unique_searchable_and_password_write_only(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let a = client("h1", "SOLUÇÕES COMÉRCIO S/A", "10141561000164", vivo);
    store
        .insert_client(
            &write(&a, PasswordWrite::Set("v1:c2VsYWRv".into())),
            &ev(action::CRIAR, "cliente", Some(a.id)),
        )
        .await
        .unwrap();
    let got = store.client_by_id(a.id).await.unwrap().unwrap();
    assert!(got.portal_password_set);
    assert_eq!(got.operator_name, "Vivo");
    assert_eq!(got.operator_code, "VIVO");
    assert_eq!(
        store.client_sealed_password(a.id).await.unwrap().as_deref(),
        Some("v1:c2VsYWRv")
    );

    // Same CNPJ, operator, unit and service (case and spacing aside): refused.
    let mut dup = client("h2", "Outra", "10141561000164", vivo);
    dup.unit = " cuiabá-mt ".trim().into();
    dup.service = "INTERNET".into();
    let e = store
        .insert_client(
            &write(&dup, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", None),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Unique(f) if f == "account"),
        "{e:?}"
    );
    // Same HASH: refused, naming the hash.
    let same_hash = client("h1", "Outra", "13878375000109", vivo);
    let e = store
        .insert_client(
            &write(&same_hash, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", None),
        )
        .await
        .unwrap_err();
    assert!(matches!(&e, StoreError::Unique(f) if f == "hash"), "{e:?}");
    // Another service is another account.
    let mut b = client("h3", "PÃO E TAL TRANSPORTES", "10141561000164", vivo);
    b.service = "Voz".into();
    store
        .insert_client(
            &write(&b, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", Some(b.id)),
        )
        .await
        .unwrap();

    // Search ignores case and accents, and finds CNPJ digits typed with punctuation.
    let find = |s: &str| ClientFilter {
        search: Some(s.into()),
        page_size: 10,
        ..Default::default()
    };
    let p = store
        .list_clients(&find("solucoes comercio"))
        .await
        .unwrap();
    assert_eq!(p.total, 1);
    assert_eq!(p.items[0].id, a.id);
    let p = store.list_clients(&find("10.141.561")).await.unwrap();
    assert_eq!(p.total, 2);
    let p = store.list_clients(&find("pão")).await.unwrap();
    assert_eq!(p.items[0].id, b.id);
    assert!(!p.items[0].portal_password_set);

    // Keep leaves the password, Clear removes it; a stale version writes nothing.
    let mut a2 = got.clone();
    a2.notes = Some("conta migrada".into());
    a2.version = 2;
    assert!(store
        .update_client(
            &write(&a2, PasswordWrite::Keep),
            1,
            &ev(action::ALTERAR, "cliente", Some(a.id))
        )
        .await
        .unwrap());
    assert!(
        store
            .client_by_id(a.id)
            .await
            .unwrap()
            .unwrap()
            .portal_password_set
    );
    let mut a3 = a2.clone();
    a3.version = 3;
    assert!(!store
        .update_client(
            &write(&a3, PasswordWrite::Clear),
            1,
            &ev(action::ALTERAR, "cliente", Some(a.id))
        )
        .await
        .unwrap());
    assert!(store
        .update_client(
            &write(&a3, PasswordWrite::Clear),
            2,
            &ev(action::ALTERAR, "cliente", Some(a.id))
        )
        .await
        .unwrap());
    let after = store.client_by_id(a.id).await.unwrap().unwrap();
    assert!(!after.portal_password_set);
    assert_eq!(store.client_sealed_password(a.id).await.unwrap(), None);
    assert_eq!(after.version, 3);
    assert_eq!(store.clients_with_hash().await.unwrap().len(), 2);

    // Pagination and the operator filter happen in the database.
    let oi = seed_operator(store, "Oi", "OI").await;
    for i in 0..5 {
        let c = client(
            &format!("oi{i}"),
            &format!("Cliente Oi {i}"),
            "13878375000109",
            oi,
        );
        let mut c = c;
        c.unit = format!("U{i}");
        store
            .insert_client(
                &write(&c, PasswordWrite::Keep),
                &ev(action::CRIAR, "cliente", Some(c.id)),
            )
            .await
            .unwrap();
    }
    let p = store
        .list_clients(&ClientFilter {
            operator_id: Some(oi),
            page: 1,
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(p.total, 5);
    assert_eq!(
        p.items
            .iter()
            .map(|c| c.legal_name.as_str())
            .collect::<Vec<_>>(),
        ["Cliente Oi 2", "Cliente Oi 3"]
    );
}

pub async fn import_is_all_or_nothing(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let existing = client("h1", "Existente", "10141561000164", vivo);
    store
        .insert_client(
            &write(&existing, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", Some(existing.id)),
        )
        .await
        .unwrap();
    let new_ok = client("h2", "Nova", "13878375000109", vivo);
    let mut collides = client("h3", "Colide", "10141561000164", vivo);
    collides.unit = existing.unit.clone();
    let row = |line, c: &Client, v: Option<i64>| ImportWrite {
        line,
        write: write(c, PasswordWrite::Set("v1:eA".into())),
        expected_version: v,
        audit: ev(action::CRIAR, "cliente", Some(c.id)),
    };
    let summary = ev("IMPORTAR_CLIENTES", "cliente", None);
    let e = store
        .import_clients(&[row(2, &new_ok, None), row(7, &collides, None)], &summary)
        .await
        .unwrap_err();
    let e: brm_core::Error = e.into();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.starts_with("Linha 7:"), "{}", e.message);
    // Nothing of the failed import stayed.
    assert_eq!(store.clients_with_hash().await.unwrap().len(), 1);

    // A row updating a client that changed since the preview fails the import too.
    let mut upd = existing.clone();
    upd.legal_name = "Existente Renomeada".into();
    upd.version = 2;
    let e: brm_core::Error = store
        .import_clients(&[row(2, &new_ok, None), row(3, &upd, Some(5))], &summary)
        .await
        .unwrap_err()
        .into();
    assert!(e.message.contains("Linha 3"), "{}", e.message);
    assert_eq!(store.clients_with_hash().await.unwrap().len(), 1);

    store
        .import_clients(&[row(2, &new_ok, None), row(3, &upd, Some(1))], &summary)
        .await
        .unwrap();
    let all = store.clients_with_hash().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.portal_password_set));
    let trail = store.audit_trail("cliente", None, 50).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "IMPORTAR_CLIENTES"));
}

pub async fn month_creation_is_idempotent_and_lists_filter(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let oi = seed_operator(store, "Oi", "OI").await;
    let mut ids = Vec::new();
    for (i, (op, name)) in [(vivo, "Alfa Ltda"), (vivo, "Beta S/A"), (oi, "Gama Eireli")]
        .into_iter()
        .enumerate()
    {
        let mut c = client(&format!("h{i}"), name, "10141561000164", op);
        c.unit = format!("U{i}");
        store
            .insert_client(
                &write(&c, PasswordWrite::Keep),
                &ev(action::CRIAR, "cliente", Some(c.id)),
            )
            .await
            .unwrap();
        ids.push(c.id);
    }
    // An inactive client gets no process.
    let mut off = client("off", "Inativa", "13878375000109", vivo);
    off.active = false;
    store
        .insert_client(
            &write(&off, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", Some(off.id)),
        )
        .await
        .unwrap();

    let req = |op| MonthRequest {
        month: "2026-11".into(),
        operator_id: op,
        created_by: None,
        auto: false,
        now: t0(),
    };
    let ev_month = || ev("CRIAR_PROCESSOS_MES", "processo", None);
    let r = store
        .create_month_processes(&req(Some(oi)), &ev_month())
        .await
        .unwrap();
    assert_eq!((r.created, r.skipped), (1, 0));
    let r = store
        .create_month_processes(&req(None), &ev_month())
        .await
        .unwrap();
    assert_eq!((r.created, r.skipped), (2, 1));
    let r = store
        .create_month_processes(&req(None), &ev_month())
        .await
        .unwrap();
    assert_eq!((r.created, r.skipped), (0, 3));

    let all = store
        .list_processes(&ProcessFilter {
            month: Some("2026-11".into()),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(
        all.items
            .iter()
            .map(|p| p.client_name.as_str())
            .collect::<Vec<_>>(),
        ["Alfa Ltda", "Beta S/A", "Gama Eireli"]
    );
    assert!(all
        .items
        .iter()
        .all(|p| p.status == ProcessStatus::AguardandoDownload));
    let only_oi = store
        .list_processes(&ProcessFilter {
            operator_id: Some(oi),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(only_oi.total, 1);
    assert_eq!(only_oi.items[0].operator_name, "Oi");
    let by_text = store
        .list_processes(&ProcessFilter {
            search: Some("beta".into()),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_text.total, 1);
    let other_month = store
        .list_processes(&ProcessFilter {
            month: Some("2026-10".into()),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(other_month.total, 0);

    // Versioned update, exact money and dates, counts by status.
    let row = &all.items[0];
    let mut p: Process = store.process_by_id(row.id).await.unwrap().unwrap();
    p.status = p.status.apply(Transition::ManualUpload).unwrap();
    p.amount_cents = Some(123_456);
    p.due_date = NaiveDate::from_ymd_opt(2026, 12, 10);
    p.invoice_sha256 = Some("a".repeat(64));
    p.version = 2;
    p.updated_at = t0() + Duration::minutes(1);
    let e = ev(Transition::ManualUpload.action(), "processo", Some(p.id));
    assert!(store.update_process(&p, 1, &e).await.unwrap());
    assert!(
        !store.update_process(&p, 1, &e).await.unwrap(),
        "stale version must lose"
    );
    let back = store.process_row(p.id).await.unwrap().unwrap();
    assert_eq!(back.amount.as_deref(), Some("1234.56"));
    assert_eq!(back.due_date, NaiveDate::from_ymd_opt(2026, 12, 10));
    assert_eq!(back.status, ProcessStatus::AguardandoAprovacao);
    assert_eq!(back.version, 2);
    let full = store.process_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(full, p);
    let counts = store.status_counts(Some("2026-11")).await.unwrap();
    assert_eq!(counts.aguardando_download, 2);
    assert_eq!(counts.aguardando_aprovacao, 1);
    let by_status = store
        .list_processes(&ProcessFilter {
            status: Some(ProcessStatus::AguardandoAprovacao),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_status.total, 1);
    let trail = store.audit_trail("processo", Some(p.id), 10).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "UPLOAD_MANUAL");
}

pub async fn execution_logs_are_never_duplicated(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let c = client("h1", "Alfa", "10141561000164", vivo);
    store
        .insert_client(
            &write(&c, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", Some(c.id)),
        )
        .await
        .unwrap();
    let req = MonthRequest {
        month: "2026-11".into(),
        operator_id: None,
        created_by: None,
        auto: true,
        now: t0(),
    };
    store
        .create_month_processes(&req, &ev("CRIAR_PROCESSOS_MES", "processo", None))
        .await
        .unwrap();
    let p = store
        .list_processes(&ProcessFilter {
            page_size: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let exec = Execution {
        id: Uuid::new_v4(),
        process_id: p.id,
        kind: ExecutionKind::DownloadFatura,
        status: ExecutionStatus::Executando,
        job_id: Some("job-1".into()),
        endpoint: Some("http://127.0.0.1:9/executar/VIVO".into()),
        request: Some(serde_json::json!({"cnpj": "10141561000164", "senha": "***"})),
        result: None,
        progress: 40,
        attempt: 1,
        started_at: Some(t0()),
        finished_at: None,
        error: None,
        error_class: None,
        triggered_by: "agendamento".into(),
        created_at: t0(),
        updated_at: t0(),
    };
    store.insert_execution(&exec).await.unwrap();
    let line = |seq: i64, msg: &str| LogLine {
        seq,
        at: t0() + Duration::seconds(seq),
        level: "INFO".into(),
        message: msg.into(),
    };
    let n = store
        .append_execution_logs(exec.id, &[line(0, "abrindo portal"), line(1, "login ok")])
        .await
        .unwrap();
    assert_eq!(n, 2);
    // The next poll repeats line 1 and brings line 2.
    let n = store
        .append_execution_logs(exec.id, &[line(1, "login ok"), line(2, "baixando fatura")])
        .await
        .unwrap();
    assert_eq!(n, 1);
    let execs = store.executions_of(p.id).await.unwrap();
    assert_eq!(execs.len(), 1);
    assert_eq!(execs[0].0, exec);
    assert_eq!(
        execs[0]
            .1
            .iter()
            .map(|l| l.message.as_str())
            .collect::<Vec<_>>(),
        ["abrindo portal", "login ok", "baixando fatura"]
    );
}

pub async fn last_active_admin_cannot_be_removed(store: &dyn Store) {
    let ana = user("ana@empresa.com.br");
    assert!(store
        .create_first_admin(&ana, &ev(action::CRIAR, "usuario", Some(ana.id)))
        .await
        .unwrap());
    let mut bia = user("bia@empresa.com.br");
    bia.full_name = "Bia Operadora".into();
    bia.role = Role::Operador;
    store
        .insert_user(&bia, &ev(action::CRIAR, "usuario", Some(bia.id)))
        .await
        .unwrap();
    let e = store
        .insert_user(&bia, &ev(action::CRIAR, "usuario", Some(bia.id)))
        .await
        .unwrap_err();
    assert!(matches!(&e, StoreError::Unique(_)), "{e:?}");

    // Demoting or deactivating the only administrator is refused and nothing changes.
    for change in [
        |u: &mut brm_core::user::User| u.role = Role::Aprovador,
        |u: &mut brm_core::user::User| u.active = false,
    ] {
        let mut a = ana.clone();
        change(&mut a);
        let e: brm_core::Error = store
            .update_user(&a, &ev(action::ALTERAR, "usuario", Some(a.id)))
            .await
            .unwrap_err()
            .into();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert!(e.message.contains("último administrador"), "{}", e.message);
    }
    let stored = store.user_by_id(ana.id).await.unwrap().unwrap();
    assert_eq!(stored.role, Role::Administrador);
    assert!(stored.active);

    // With a second administrator, the first may step down.
    let mut bia2 = bia.clone();
    bia2.role = Role::Administrador;
    store
        .update_user(&bia2, &ev(action::ALTERAR, "usuario", Some(bia.id)))
        .await
        .unwrap();
    let mut ana2 = ana.clone();
    ana2.role = Role::Aprovador;
    store
        .update_user(&ana2, &ev(action::ALTERAR, "usuario", Some(ana.id)))
        .await
        .unwrap();
    let page = store
        .list_users(&UserFilter {
            search: Some("BIA".into()),
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].role, Role::Administrador);
    let all = store.list_users(&UserFilter::default()).await.unwrap();
    assert_eq!(all.total, 2);
}

pub async fn settings_round_trip_with_audit(store: &dyn Store) {
    assert_eq!(store.get_setting("retry").await.unwrap(), None);
    let v = serde_json::json!({"backoff_minutes": [30, 60, 120]});
    store
        .put_setting(
            "retry",
            &v,
            &ev("ALTERAR_CONFIGURACAO", "configuracao", None),
        )
        .await
        .unwrap();
    let v2 = serde_json::json!({"backoff_minutes": [15]});
    store
        .put_setting(
            "retry",
            &v2,
            &ev("ALTERAR_CONFIGURACAO", "configuracao", None),
        )
        .await
        .unwrap();
    assert_eq!(store.get_setting("retry").await.unwrap(), Some(v2));
    assert_eq!(
        store
            .audit_trail("configuracao", None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    store.ping().await.unwrap();
}

/// Where the amount and the due date came from survives every way a process is written
/// (a person's update, the end of an execution), and None stays None.
pub async fn value_sources_round_trip(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let c = client("h1", "Alfa", "10141561000164", vivo);
    store
        .insert_client(
            &write(&c, PasswordWrite::Keep),
            &ev(action::CRIAR, "cliente", Some(c.id)),
        )
        .await
        .unwrap();
    let req = MonthRequest {
        month: "2026-11".into(),
        operator_id: None,
        created_by: None,
        auto: true,
        now: t0(),
    };
    store
        .create_month_processes(&req, &ev("CRIAR_PROCESSOS_MES", "processo", None))
        .await
        .unwrap();
    let history = store.client_history(c.id, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    let created = history[0].clone();
    assert_eq!(created.amount_source, None, "a new process knows no source");
    assert_eq!(created.due_date_source, None);

    // A person's update: both set, read back.
    let mut p = created.clone();
    p.amount_cents = Some(8_990);
    p.amount_source = Some(ValueSource::LinhaDigitavel);
    p.due_date = NaiveDate::from_ymd_opt(2026, 12, 10);
    p.due_date_source = Some(ValueSource::TextoDaFatura);
    p.version = 2;
    p.updated_at = t0() + Duration::minutes(1);
    let e = ev(action::ALTERAR, "processo", Some(p.id));
    assert!(store.update_process(&p, 1, &e).await.unwrap());
    let back = store.process_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(back.amount_source, Some(ValueSource::LinhaDigitavel));
    assert_eq!(back.due_date_source, Some(ValueSource::TextoDaFatura));
    assert_eq!(back, p);

    // One set, the other cleared: None goes back to None.
    p.amount_source = Some(ValueSource::Digitado);
    p.due_date_source = None;
    p.version = 3;
    let e = ev(action::ALTERAR, "processo", Some(p.id));
    assert!(store.update_process(&p, 2, &e).await.unwrap());
    let back = store.process_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(back.amount_source, Some(ValueSource::Digitado));
    assert_eq!(back.due_date_source, None);
    assert_eq!(back, p);

    // The end of an execution writes them too.
    let at = t0() + Duration::minutes(5);
    let exec = Execution {
        id: Uuid::new_v4(),
        process_id: p.id,
        kind: ExecutionKind::DownloadFatura,
        status: ExecutionStatus::Concluido,
        job_id: Some("job-fonte".into()),
        endpoint: Some("http://127.0.0.1:9/executar/VIVO".into()),
        request: None,
        result: Some(serde_json::json!({"arquivo": "fatura.pdf"})),
        progress: 100,
        attempt: 1,
        started_at: Some(at),
        finished_at: Some(at),
        error: None,
        error_class: None,
        triggered_by: "agendamento".into(),
        created_at: at,
        updated_at: at,
    };
    let mut done = p.clone();
    done.status = ProcessStatus::AguardandoAprovacao;
    done.amount_cents = Some(9_120);
    done.amount_source = Some(ValueSource::Robo);
    done.due_date_source = Some(ValueSource::LinhaDigitavel);
    done.version = 4;
    done.updated_at = at;
    assert!(store
        .finish_execution(&ExecutionOutcome {
            execution: exec.clone(),
            process: Some(ProcessWrite {
                process: done.clone(),
                expected_version: 3,
                audit: Some(ev("DOWNLOAD_CONCLUIDO", "processo", Some(p.id))),
            }),
        })
        .await
        .unwrap());
    let back = store.process_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(back.amount_source, Some(ValueSource::Robo));
    assert_eq!(back.due_date_source, Some(ValueSource::LinhaDigitavel));
    assert_eq!(back, done);

    // And clears them the same way.
    let mut cleared = done.clone();
    cleared.amount_source = None;
    cleared.due_date_source = None;
    cleared.version = 5;
    let mut again = exec.clone();
    again.id = Uuid::new_v4();
    again.job_id = Some("job-fonte-2".into());
    assert!(store
        .finish_execution(&ExecutionOutcome {
            execution: again,
            process: Some(ProcessWrite {
                process: cleared.clone(),
                expected_version: 4,
                audit: None,
            }),
        })
        .await
        .unwrap());
    let back = store.process_by_id(p.id).await.unwrap().unwrap();
    assert_eq!((back.amount_source, back.due_date_source), (None, None));
    assert_eq!(back, cleared);
    assert_eq!(store.client_history(c.id, 10).await.unwrap(), vec![cleared]);
}

/// A client's invoice history: only that client's processes, newest month first, at
/// most `limit` (clamped to 1..=60).
pub async fn client_history_newest_first_and_limited(store: &dyn Store) {
    let vivo = seed_operator(store, "Vivo", "VIVO").await;
    let a = client("ha", "Alfa", "10141561000164", vivo);
    let b = client("hb", "Beta", "13878375000109", vivo);
    for c in [&a, &b] {
        store
            .insert_client(
                &write(c, PasswordWrite::Keep),
                &ev(action::CRIAR, "cliente", Some(c.id)),
            )
            .await
            .unwrap();
    }
    assert!(store.client_history(a.id, 12).await.unwrap().is_empty());
    // Created out of order, so the order read back is the query's, not the insertion's.
    for month in ["2026-03", "2025-12", "2026-11", "2026-01", "2025-11"] {
        let req = MonthRequest {
            month: month.into(),
            operator_id: None,
            created_by: None,
            auto: true,
            now: t0(),
        };
        store
            .create_month_processes(&req, &ev("CRIAR_PROCESSOS_MES", "processo", None))
            .await
            .unwrap();
    }
    let months = |ps: &[Process]| {
        ps.iter()
            .map(|p| p.reference_month.clone())
            .collect::<Vec<_>>()
    };
    let all = store.client_history(a.id, 60).await.unwrap();
    assert_eq!(
        months(&all),
        ["2026-11", "2026-03", "2026-01", "2025-12", "2025-11"]
    );
    assert!(all.iter().all(|p| p.client_id == a.id));
    let three = store.client_history(a.id, 3).await.unwrap();
    assert_eq!(months(&three), ["2026-11", "2026-03", "2026-01"]);
    assert_eq!(three[..], all[..3]);
    // Below 1 is clamped to 1, above 60 to 60.
    assert_eq!(
        months(&store.client_history(a.id, 0).await.unwrap()),
        ["2026-11"]
    );
    assert_eq!(
        months(&store.client_history(a.id, -5).await.unwrap()),
        ["2026-11"]
    );
    assert_eq!(store.client_history(a.id, 1_000).await.unwrap(), all);
    // The other client's history is its own.
    let other = store.client_history(b.id, 60).await.unwrap();
    assert_eq!(other.len(), 5);
    assert!(other.iter().all(|p| p.client_id == b.id));
    assert!(store
        .client_history(Uuid::new_v4(), 60)
        .await
        .unwrap()
        .is_empty());
}
