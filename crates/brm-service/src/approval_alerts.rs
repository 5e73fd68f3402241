//! The alert scan behind the desktop notifications (issue 6): each desktop where an
//! approver is logged in asks, every few seconds, what started waiting for approval or
//! needing attention since it last asked. The database answers from the partial index
//! of migration 0008; only the new processes (at most [`DETAILS_MAX`] per scan) are read
//! in full, in one query, and their "Aprovar" is decided by the same verdict the approval
//! queue shows as `can_bulk_approve`.

use crate::Desk;
use brm_core::notice::{Alert, AlertBatch, AlertKind};
use brm_core::process::ProcessStatus;
use brm_core::{Result, Role};
use brm_store::AlertDetail;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// At most this many new processes are read in full per scan; the counts of the batch
/// are always the true numbers.
pub const DETAILS_MAX: usize = 50;
/// An attention alert's detail is cut here (the robot's messages can be long).
const DETAIL_MAX_CHARS: usize = 240;

/// What one desktop already knows: the processes waiting (with the version it saw) and
/// those needing attention at its last scan. A fresh tracker primes on its first scan
/// without alerting, so opening the app does not announce the whole queue.
#[derive(Debug, Default)]
pub struct AlertTracker {
    waiting: HashMap<Uuid, i64>,
    attention: HashSet<Uuid>,
    primed: bool,
}

impl AlertTracker {
    pub fn is_primed(&self) -> bool {
        self.primed
    }

    /// Forgets everything (another person logged in): the next scan primes again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// One scan: what is new for this desktop, and how many wait or need attention in all
/// (the tray's number).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AlertScan {
    pub batch: AlertBatch,
    pub waiting_total: usize,
    pub attention_total: usize,
}

/// Why a process needs attention, in pt-BR: the robot's last failure, by kind.
fn attention_detail(d: &AlertDetail) -> String {
    let text = match (&d.last_error, d.last_error_kind) {
        (Some(e), Some(kind)) => format!("{}: {}", kind.label(), e.trim()),
        (Some(e), None) => e.trim().to_string(),
        (None, _) => "O robô não conseguiu concluir o trabalho e não vai tentar de novo sozinho; \
                      veja as execuções no detalhe do processo."
            .to_string(),
    };
    if text.chars().count() <= DETAIL_MAX_CHARS {
        return text;
    }
    let cut: String = text.chars().take(DETAIL_MAX_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn alert(d: &AlertDetail, kind: AlertKind, can_approve: bool, detail: Option<String>) -> Alert {
    let p = &d.process;
    Alert {
        kind,
        process_id: p.id,
        version: p.version,
        client_name: d.client_name.clone(),
        operator_name: d.operator_name.clone(),
        reference_month: p.reference_month.clone(),
        amount_cents: p.amount_cents,
        due_date: p.due_date,
        can_approve,
        detail,
    }
}

impl Desk {
    /// What became new for this desktop since its last scan (see [`AlertTracker`]):
    /// a process now waiting for approval that was not waiting at the last scan (a new
    /// version of one still waiting is not new; one rejected and downloaded again is),
    /// and a process that now needs attention and did not. Approvers and administrators
    /// only.
    pub async fn scan_alerts(&self, token: &str, tracker: &mut AlertTracker) -> Result<AlertScan> {
        let session = self.require(token, Role::can_approve, "receber os avisos de faturas")?;
        let candidates = self.observe(self.store.alert_candidates().await)?;
        let waiting: HashMap<Uuid, i64> = candidates
            .iter()
            .filter(|c| c.waiting)
            .map(|c| (c.id, c.version))
            .collect();
        let attention: HashSet<Uuid> = candidates
            .iter()
            .filter(|c| c.needs_attention)
            .map(|c| c.id)
            .collect();
        let (waiting_total, attention_total) = (waiting.len(), attention.len());
        if !tracker.primed {
            *tracker = AlertTracker {
                waiting,
                attention,
                primed: true,
            };
            return Ok(AlertScan {
                batch: AlertBatch::default(),
                waiting_total,
                attention_total,
            });
        }
        let mut new_waiting: Vec<Uuid> = waiting
            .keys()
            .filter(|id| !tracker.waiting.contains_key(id))
            .copied()
            .collect();
        let mut new_attention: Vec<Uuid> = attention
            .iter()
            .filter(|id| !tracker.attention.contains(id))
            .copied()
            .collect();
        new_waiting.sort_unstable();
        new_attention.sort_unstable();
        // The tracker moves on only once the batch is built: a failed read alerts on the
        // next scan instead of never.
        let batch = self
            .alert_batch(&session, &new_waiting, &new_attention)
            .await?;
        tracker.waiting = waiting;
        tracker.attention = attention;
        Ok(AlertScan {
            batch,
            waiting_total,
            attention_total,
        })
    }

    /// How many invoices wait for approval (the tray's number), for any logged-in role.
    pub async fn waiting_total(&self, token: &str) -> Result<usize> {
        self.sessions.get(token)?;
        let candidates = self.observe(self.store.alert_candidates().await)?;
        Ok(candidates.iter().filter(|c| c.waiting).count())
    }

    /// The alerts of the new ids: the waiting first, at most [`DETAILS_MAX`] read in
    /// full (one query), each waiting one with this session's verdict.
    async fn alert_batch(
        &self,
        session: &crate::sessions::Session,
        new_waiting: &[Uuid],
        new_attention: &[Uuid],
    ) -> Result<AlertBatch> {
        let mut batch = AlertBatch {
            alerts: Vec::new(),
            new_waiting: new_waiting.len(),
            new_attention: new_attention.len(),
        };
        let waiting = &new_waiting[..new_waiting.len().min(DETAILS_MAX)];
        let attention = &new_attention[..new_attention.len().min(DETAILS_MAX - waiting.len())];
        if waiting.is_empty() && attention.is_empty() {
            return Ok(batch);
        }
        let ids: Vec<Uuid> = waiting
            .iter()
            .chain(attention)
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let details = self.store.alert_details(&ids).await?;
        let by_id: HashMap<Uuid, &AlertDetail> =
            details.iter().map(|d| (d.process.id, d)).collect();
        // Decided between the two reads: no longer news.
        let still_waiting: Vec<&AlertDetail> = waiting
            .iter()
            .filter_map(|id| by_id.get(id).copied())
            .filter(|d| d.process.status == ProcessStatus::AguardandoAprovacao)
            .collect();
        let processes: Vec<&brm_core::process::Process> =
            still_waiting.iter().map(|d| &d.process).collect();
        let verdicts = self.verdicts(session, &processes).await?;
        for (d, v) in still_waiting.iter().zip(&verdicts) {
            batch
                .alerts
                .push(alert(d, AlertKind::Aguardando, v.can_bulk_approve(), None));
        }
        for d in attention.iter().filter_map(|id| by_id.get(id).copied()) {
            if d.process.needs_attention {
                batch.alerts.push(alert(
                    d,
                    AlertKind::Atencao,
                    false,
                    Some(attention_detail(d)),
                ));
            }
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brm_core::execution::ExecutionKind;
    use brm_core::process::{Month, Process};
    use chrono::Utc;

    fn detail(error: Option<&str>, kind: Option<ExecutionKind>) -> AlertDetail {
        let month = Month::parse("2026-11").unwrap();
        AlertDetail {
            process: Process::new_for(
                Uuid::new_v4(),
                Uuid::new_v4(),
                month,
                None,
                false,
                Utc::now(),
            ),
            client_name: "ACME".into(),
            operator_name: "Vivo".into(),
            last_error: error.map(str::to_string),
            last_error_kind: kind,
        }
    }

    #[test]
    fn attention_detail_names_the_failure_and_stays_short() {
        assert_eq!(
            attention_detail(&detail(
                Some(" Senha do portal incorreta. "),
                Some(ExecutionKind::UploadSat)
            )),
            "Envio ao SAT: Senha do portal incorreta."
        );
        assert_eq!(
            attention_detail(&detail(Some("Tempo esgotado."), None)),
            "Tempo esgotado."
        );
        assert!(attention_detail(&detail(None, None)).contains("detalhe do processo"));
        let long = attention_detail(&detail(
            Some(&"erro ".repeat(100)),
            Some(ExecutionKind::DownloadFatura),
        ));
        assert_eq!(long.chars().count(), DETAIL_MAX_CHARS);
        assert!(long.starts_with("Download da fatura: erro") && long.ends_with('…'));
    }
}
