//! The invoice must be the one the process asks for (issue 18), over real HTTP against
//! the simulator: by default it writes the process's own month, account and CNPJ (the
//! check passes); its faults serve last month's invoice or another client's, and the
//! check "Mês, CNPJ e conta" fails with what was read and what was expected.

mod common;

use brm_core::approval::{CheckKind, Outcome};
use brm_core::process::ProcessStatus;
use brm_simulator::Faults;
use chrono::Duration;
use common::*;

/// One client's invoice downloaded with `faults`; its identity check and whether bulk
/// approval would take it.
async fn identity_check(faults: Faults) -> (brm_core::approval::Check, bool) {
    let rig = Rig::sqlite(faults).await;
    rig.clients("VIVO", 1, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    worker.cycle().await.unwrap();
    rig.advance(Duration::seconds(61)).await;
    worker.cycle().await.unwrap();
    let row = rig.processes().await.remove(0);
    assert_eq!(row.status, ProcessStatus::AguardandoAprovacao);
    let detail = rig.desk.get_process(&rig.admin, row.id).await.unwrap();
    let passed = brm_core::approval::all_passed(&detail.checks);
    let c = detail
        .checks
        .into_iter()
        .find(|c| c.kind == CheckKind::IdentidadeFatura)
        .unwrap();
    (c, passed)
}

#[tokio::test]
async fn the_right_invoice_passes_and_last_months_or_another_clients_fail() {
    // The create asks for the process's month (11/2026); the simulator serves it.
    let (ok, _) = identity_check(Faults::default()).await;
    assert_eq!(ok.outcome, Outcome::Ok, "{ok:?}");
    assert_eq!(ok.reason, "Conferem: mês, CNPJ, conta.");

    let (month, passed) = identity_check(Faults {
        wrong_month_rate: 1.0,
        ..Default::default()
    })
    .await;
    assert_eq!(month.outcome, Outcome::Falhou, "{month:?}");
    assert_eq!(
        month.reason,
        "Fatura de outro mês: a fatura é de 10/2026, o processo é de 11/2026."
    );
    assert!(!passed, "no bulk approval");

    let (account, _) = identity_check(Faults {
        wrong_account_rate: 1.0,
        ..Default::default()
    })
    .await;
    assert_eq!(account.outcome, Outcome::Falhou, "{account:?}");
    assert!(
        account.reason.starts_with("Fatura de outro CNPJ: a fatura mostra 11.222.333/0001-81, o cliente é ")
            && account.reason.contains("; Fatura de outra conta: a fatura é da conta conta-1-OUTRA, o cliente é da conta conta-1."),
        "{}",
        account.reason
    );
}
