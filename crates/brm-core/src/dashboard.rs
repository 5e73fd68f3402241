//! What the dashboard shows for one reference month: counts by status, the month-close
//! matrix (operator × stage, with the active clients that have no process yet), the
//! processes that need attention and the latest executions. Aggregated by the database.

use crate::execution::ExecutionRow;
use crate::process::{ProcessRow, ProcessStatus, StatusCounts};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Counts by status plus their total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCounts {
    #[serde(flatten)]
    pub counts: StatusCounts,
    pub total: i64,
}

impl From<StatusCounts> for DashboardCounts {
    fn from(counts: StatusCounts) -> Self {
        let total = counts.aguardando_download
            + counts.aguardando_aprovacao
            + counts.aguardando_envio_sat
            + counts.upload_realizado
            + counts.cancelado;
        Self { counts, total }
    }
}

/// One line of the month-close matrix: one operator's processes of the month by stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorMonth {
    pub operator_id: Uuid,
    pub operator_name: String,
    /// Its processes of the month by status (flat in the JSON, as the window reads them).
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Active clients of this operator with no process in the month (what is missing).
    pub sem_processo: i64,
    /// Processes of the month (every status).
    pub total: i64,
}

impl OperatorMonth {
    pub fn add(&mut self, status: ProcessStatus, n: i64) {
        self.counts.add(status, n);
        self.total += n;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// "YYYY-MM".
    pub month: String,
    /// Months that have processes, newest first.
    pub months: Vec<String>,
    pub counts: DashboardCounts,
    pub by_operator: Vec<OperatorMonth>,
    /// At most 20 processes of the month that need attention, most recently changed first.
    pub attention: Vec<ProcessRow>,
    /// The 10 newest executions.
    pub recent_executions: Vec<ExecutionRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_every_status() {
        let mut c = StatusCounts::default();
        c.add(ProcessStatus::AguardandoDownload, 2);
        c.add(ProcessStatus::Cancelado, 1);
        c.needs_attention = 1;
        let d = DashboardCounts::from(c);
        assert_eq!(d.total, 3);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["total"], 3);
        assert_eq!(json["aguardando_download"], 2);
        let mut o = OperatorMonth::default();
        o.add(ProcessStatus::UploadRealizado, 4);
        assert_eq!((o.counts.upload_realizado, o.total), (4, 4));
    }

    #[test]
    fn an_operator_row_stays_flat_in_json() {
        let mut o = OperatorMonth {
            operator_id: Uuid::nil(),
            operator_name: "Vivo".into(),
            sem_processo: 2,
            ..Default::default()
        };
        o.add(ProcessStatus::AguardandoDownload, 1);
        o.add(ProcessStatus::AguardandoAprovacao, 2);
        o.add(ProcessStatus::AguardandoEnvioSat, 3);
        o.add(ProcessStatus::UploadRealizado, 4);
        o.add(ProcessStatus::Cancelado, 5);
        o.counts.needs_attention = 6;
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "operator_id": "00000000-0000-0000-0000-000000000000",
                "operator_name": "Vivo",
                "aguardando_download": 1,
                "aguardando_aprovacao": 2,
                "aguardando_envio_sat": 3,
                "upload_realizado": 4,
                "cancelado": 5,
                "needs_attention": 6,
                "sem_processo": 2,
                "total": 15,
            })
        );
        let back: OperatorMonth = serde_json::from_value(json).unwrap();
        assert_eq!(back, o);
    }
}
