//! The checks an approver sees on an invoice waiting for approval: gathered here (the
//! client's earlier invoices, the invoice file read again for its payment line, the
//! settings), decided by the pure rules of `brm_core::approval`.

use crate::Desk;
use brm_core::approval::{evaluate, Check, CheckInput, CheckSettings, PastInvoice};
use brm_core::process::{Process, ProcessStatus};
use brm_core::Result;

/// Settings keys (plain numbers).
pub const SETTING_TOLERANCE_PCT: &str = "aprovacao.tolerancia_percentual";
pub const SETTING_DUE_SOON_DAYS: &str = "aprovacao.dias_alerta_vencimento";

/// How many earlier invoices of the client are compared.
const HISTORY: i64 = 24;

impl Desk {
    pub(crate) async fn approval_checks(&self, p: &Process) -> Result<Vec<Check>> {
        if p.status != ProcessStatus::AguardandoAprovacao {
            return Ok(Vec::new());
        }
        let today = crate::brasilia(self.clock.now()).date_naive();
        let history = self
            .store
            .client_history(p.client_id, HISTORY)
            .await?
            .into_iter()
            .filter(|h| h.id != p.id)
            .map(|h| PastInvoice {
                reference_month: h.reference_month,
                amount_cents: h.amount_cents,
                due_date: h.due_date,
                sha256: h.invoice_sha256,
                process_id: h.id,
            })
            .collect();
        let (payment_line_valid, payment_line_reason) = self.payment_line_of(p, today).await;
        Ok(evaluate(&CheckInput {
            reference_month: p.reference_month.clone(),
            amount_cents: p.amount_cents,
            due_date: p.due_date,
            sha256: p.invoice_sha256.clone(),
            payment_line_valid,
            payment_line_reason,
            history,
            today,
            settings: self.check_settings().await,
        }))
    }

    async fn check_settings(&self) -> CheckSettings {
        let mut s = CheckSettings::default();
        let number = |v: Option<serde_json::Value>| v.and_then(|v| v.as_i64());
        if let Some(n) = number(
            self.store
                .get_setting(SETTING_TOLERANCE_PCT)
                .await
                .ok()
                .flatten(),
        ) {
            s.tolerance_pct = n.clamp(0, 1000) as u32;
        }
        if let Some(n) = number(
            self.store
                .get_setting(SETTING_DUE_SOON_DAYS)
                .await
                .ok()
                .flatten(),
        ) {
            s.due_soon_days = n.clamp(0, 365);
        }
        s
    }

    /// Reads the stored invoice again (checked by its SHA-256) for its payment line.
    async fn payment_line_of(
        &self,
        p: &Process,
        today: chrono::NaiveDate,
    ) -> (Option<bool>, Option<String>) {
        let (Some(hooks), Some(key), Some(sha)) = (
            self.robot.as_ref(),
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
        let read = tokio::task::spawn_blocking(move || brm_invoice::read(&bytes, today)).await;
        match read {
            Ok(Ok(r)) if r.payment_line.is_some() => (Some(true), None),
            Ok(Ok(r)) => match r.invalid_payment_line {
                Some(reason) => (Some(false), Some(reason)),
                None => (None, None),
            },
            Ok(Err(e)) => (Some(false), Some(e.to_string())),
            Err(e) => (
                Some(false),
                Some(format!("A fatura não pôde ser lida: {e}")),
            ),
        }
    }
}
