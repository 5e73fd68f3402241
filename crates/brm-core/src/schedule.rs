//! Schedules (agendamentos): recurring jobs of the background service, by cron.

use crate::execution::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

wire_enum!(ScheduleKind {
    CriarProcessosMensais = "CRIAR_PROCESSOS_MENSAIS",
    ExecutarDownloads = "EXECUTAR_DOWNLOADS",
    ExecutarEnviosSat = "EXECUTAR_ENVIOS_SAT",
    LimpezaLogs = "LIMPEZA_LOGS",
    BackupDados = "BACKUP_DADOS",
});

impl ScheduleKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::CriarProcessosMensais => "Criar processos do mês",
            Self::ExecutarDownloads => "Baixar faturas",
            Self::ExecutarEnviosSat => "Enviar ao SAT",
            Self::LimpezaLogs => "Limpar registros antigos",
            Self::BackupDados => "Cópia de segurança",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: Uuid,
    pub name: String,
    /// Five fields (minute hour day month weekday), read in Brasília time.
    pub cron: String,
    pub kind: ScheduleKind,
    /// Download batches may be limited to one operator.
    pub operator_id: Option<Uuid>,
    pub active: bool,
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip() {
        for k in ScheduleKind::ALL {
            assert_eq!(ScheduleKind::parse(k.as_str()), Some(*k));
            assert!(!k.label().is_empty());
        }
        assert_eq!(ScheduleKind::parse("OUTRO"), None);
    }
}
