//! The checks an approver sees on an invoice waiting for approval: gathered here (the
//! client's other invoices, the payment line read on arrival, the settings), decided by
//! the pure rules of `brm_core::approval`.
//!
//! The queue computes them for up to 2,000 invoices at once, so the history of every
//! client comes from one query and the settings are read once; only rows stored before
//! the payment line was kept on arrival (its status NULL) read the invoice file again.

use crate::Desk;
use brm_core::approval::{evaluate, Check, CheckInput, CheckSettings, PastInvoice};
use brm_core::process::{Month, PaymentLineStatus, Process, ProcessStatus};
use brm_core::Result;
use brm_store::HistoryEntry;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Settings keys (plain numbers, and a boolean).
pub const SETTING_TOLERANCE_PCT: &str = "aprovacao.tolerancia_percentual";
pub const SETTING_DUE_SOON_DAYS: &str = "aprovacao.dias_alerta_vencimento";
pub const SETTING_FOUR_EYES: &str = "aprovacao.quatro_olhos";

/// How many months before the invoice's own are compared.
pub(crate) const HISTORY_MONTHS: u32 = 24;

/// The approval settings as the window shows and edits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalSettings {
    pub tolerance_pct: i64,
    pub due_soon_days: i64,
    /// An invoice that did not pass every check needs two different approvers.
    pub four_eyes: bool,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        let c = CheckSettings::default();
        Self {
            tolerance_pct: c.tolerance_pct as i64,
            due_soon_days: c.due_soon_days,
            four_eyes: false,
        }
    }
}

impl ApprovalSettings {
    pub(crate) fn checks(&self) -> CheckSettings {
        CheckSettings {
            tolerance_pct: self.tolerance_pct.clamp(0, 1000) as u32,
            due_soon_days: self.due_soon_days.clamp(0, 365),
        }
    }
}

/// `YYYY-MM` of `months` before `month` (the month itself when it does not parse: the
/// history then holds only that month and later, and the checks say there is no data).
pub(crate) fn months_before(month: &str, months: u32) -> String {
    match Month::parse(month) {
        Ok(mut m) => {
            for _ in 0..months {
                m = m.previous();
            }
            m.to_string()
        }
        Err(_) => month.to_string(),
    }
}

/// The client's other invoices (the process itself left out) as the checks read them.
pub(crate) fn past_invoices(p: &Process, history: &[HistoryEntry]) -> Vec<PastInvoice> {
    history
        .iter()
        .filter(|h| h.client_id == p.client_id && h.process_id != p.id)
        .map(|h| PastInvoice {
            reference_month: h.reference_month.clone(),
            amount_cents: h.amount_cents,
            due_date: h.due_date,
            sha256: h.invoice_sha256.clone(),
            process_id: h.process_id,
        })
        .collect()
}

/// Groups one query's history by client.
pub(crate) fn by_client(history: Vec<HistoryEntry>) -> HashMap<Uuid, Vec<HistoryEntry>> {
    let mut map: HashMap<Uuid, Vec<HistoryEntry>> = HashMap::new();
    for h in history {
        map.entry(h.client_id).or_default().push(h);
    }
    map
}

impl Desk {
    /// The checks of one process (none unless it waits for approval).
    pub(crate) async fn approval_checks(
        &self,
        p: &Process,
        settings: &ApprovalSettings,
    ) -> Result<Vec<Check>> {
        if p.status != ProcessStatus::AguardandoAprovacao {
            return Ok(Vec::new());
        }
        let since = months_before(&p.reference_month, HISTORY_MONTHS);
        let history = self
            .store
            .invoice_history(&[p.client_id], Some(&since))
            .await?;
        let today = crate::brasilia(self.clock.now()).date_naive();
        Ok(self.checks_with(p, &history, settings, today).await)
    }

    /// The checks of `p` given its client's history (any superset of it is fine).
    pub(crate) async fn checks_with(
        &self,
        p: &Process,
        history: &[HistoryEntry],
        settings: &ApprovalSettings,
        today: NaiveDate,
    ) -> Vec<Check> {
        if p.status != ProcessStatus::AguardandoAprovacao {
            return Vec::new();
        }
        let (payment_line_valid, payment_line_reason) = match p.payment_line_status {
            Some(PaymentLineStatus::Valida) => (Some(true), None),
            Some(PaymentLineStatus::Invalida) => (Some(false), p.payment_line_reason.clone()),
            Some(PaymentLineStatus::Ausente) => (None, None),
            // Stored before the line was kept on arrival: read the file again.
            None => self.payment_line_of(p, today).await,
        };
        // The client's CNPJ and account code, for "Mês, CNPJ e conta"; without them the
        // check has nothing to compare with.
        let (identity, client_cnpj, client_account) =
            match self.store.client_by_id(p.client_id).await {
                Ok(Some(c)) => (p.invoice_identity.clone(), c.cnpj, c.account_filter),
                _ => (None, String::new(), None),
            };
        evaluate(&CheckInput {
            identity,
            client_cnpj,
            client_account,
            reference_month: p.reference_month.clone(),
            amount_cents: p.amount_cents,
            due_date: p.due_date,
            sha256: p.invoice_sha256.clone(),
            payment_line_valid,
            payment_line_reason,
            history: past_invoices(p, history),
            today,
            settings: settings.checks(),
        })
    }

    /// The approval settings; a missing or malformed value is its default.
    pub(crate) async fn approval_settings_now(&self) -> ApprovalSettings {
        let mut s = ApprovalSettings::default();
        let get =
            |key: &'static str| async move { self.store.get_setting(key).await.ok().flatten() };
        if let Some(n) = get(SETTING_TOLERANCE_PCT).await.and_then(|v| v.as_i64()) {
            s.tolerance_pct = n.clamp(0, 1000);
        }
        if let Some(n) = get(SETTING_DUE_SOON_DAYS).await.and_then(|v| v.as_i64()) {
            s.due_soon_days = n.clamp(0, 365);
        }
        if let Some(b) = get(SETTING_FOUR_EYES).await.and_then(|v| v.as_bool()) {
            s.four_eyes = b;
        }
        s
    }

    /// Reads the stored invoice again (checked by its SHA-256) for its payment line: the
    /// fallback for rows stored before the line was read on arrival.
    async fn payment_line_of(
        &self,
        p: &Process,
        today: NaiveDate,
    ) -> (Option<bool>, Option<String>) {
        let (Some(hooks), Some(key), Some(sha)) = (
            self.robot_hooks(),
            p.invoice_key.as_deref(),
            p.invoice_sha256.as_deref(),
        ) else {
            return (None, None);
        };
        let bytes = match hooks.storage.get_checked(key, sha).await {
            Ok(b) => b,
            Err(e) => {
                return (
                    Some(false),
                    Some(format!("A fatura não pôde ser lida: {e}")),
                )
            }
        };
        match brm_invoice::read_safely(bytes.to_vec(), today).await {
            Ok(r) if r.payment_line.is_some() => (Some(true), None),
            Ok(r) => match r.invalid_payment_line {
                Some(reason) => (Some(false), Some(reason)),
                None => (None, None),
            },
            Err(e) => (Some(false), Some(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_before_crosses_years() {
        assert_eq!(months_before("2026-11", 24), "2024-11");
        assert_eq!(months_before("2026-01", 1), "2025-12");
        assert_eq!(months_before("bobagem", 3), "bobagem");
    }
}
