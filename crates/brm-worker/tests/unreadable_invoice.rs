//! A machine that cannot read the invoice in the storage does not start its SAT upload
//! (issue 19, item 5): the robot would be told a file name that, for all this machine
//! knows, is not there or not the approved one. It leaves the upload to a machine that can,
//! says why in the execution, counts no attempt, and does not ask again for a while.

mod common;

use brm_core::execution::{ExecutionKind, ExecutionStatus};
use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use brm_storage::{InvoiceStorage, LocalFolder};
use chrono::Duration;
use common::Rig;
use std::sync::Arc;

#[tokio::test]
async fn a_machine_that_cannot_read_the_invoice_leaves_the_sat_upload_to_one_that_can() {
    let rig = Rig::sqlite(Faults::default()).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let a = rig.worker_with(rig.config("maquina-a"));
    let id = rig.processes().await[0].id;
    // Machine A downloads it; a person approves it.
    a.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    a.cycle().await.unwrap();
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoAprovacao);
    rig.desk
        .approve_process(&rig.admin, id, p.version, None)
        .await
        .unwrap();

    // Machine B's storage is a folder of its own, without that file.
    let elsewhere = tempfile::tempdir().unwrap();
    let theirs: Arc<dyn InvoiceStorage> = Arc::new(LocalFolder::new(elsewhere.path()).unwrap());
    let b = rig.worker_with_storage(rig.config("maquina-b"), theirs);
    b.cycle().await.unwrap();
    assert_eq!(
        rig.sim.stats().sat_created,
        0,
        "B sent a file it cannot read"
    );
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::AguardandoEnvioSat);
    assert_eq!(p.sat_attempts, 0);
    assert!(!p.needs_attention);
    let execs = rig.executions(id).await;
    let left = &execs[0];
    assert_eq!(left.kind, ExecutionKind::UploadSat);
    assert_eq!(left.status, ExecutionStatus::Cancelado);
    assert!(
        left.error
            .as_deref()
            .is_some_and(|m| m.contains("não consegue ler a fatura")
                && m.contains("fica para uma máquina que consiga")),
        "{left:?}"
    );
    // B does not ask again at every cycle.
    rig.advance(Duration::seconds(30)).await;
    b.cycle().await.unwrap();
    assert_eq!(rig.executions(id).await.len(), execs.len());

    // Machine A can: it sends it.
    a.cycle().await.unwrap();
    assert_eq!(rig.sim.stats().sat_created, 1);
    rig.advance(Duration::seconds(61)).await;
    a.cycle().await.unwrap();
    let p = rig.process(id).await;
    assert_eq!(p.status, ProcessStatus::UploadRealizado, "{p:?}");
    assert_eq!(p.sat_attempts, 1);
}
