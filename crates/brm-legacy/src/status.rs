//! The old system's statuses to ours. The old code wrote values outside its own enum;
//! every value it is known to have written is listed here, anything else is rejected
//! with a reason (never guessed).
//!
//! | old `processos.status` | ours | needs attention |
//! |---|---|---|
//! | AGUARDANDO_DOWNLOAD | AGUARDANDO_DOWNLOAD | no |
//! | DOWNLOAD_EM_ANDAMENTO | AGUARDANDO_DOWNLOAD (our robot downloads again) | no |
//! | ERRO_DOWNLOAD | AGUARDANDO_DOWNLOAD | yes |
//! | DOWNLOAD_CONCLUIDO | AGUARDANDO_APROVACAO (the step the old code never took) | no |
//! | AGUARDANDO_APROVACAO, PENDENTE_APROVACAO | AGUARDANDO_APROVACAO | no |
//! | APROVADO, AGUARDANDO_ENVIO_SAT | AGUARDANDO_ENVIO_SAT | no |
//! | SAT_EM_ANDAMENTO | AGUARDANDO_ENVIO_SAT (sent again by our robot) | no |
//! | ERRO_SAT | AGUARDANDO_ENVIO_SAT | yes |
//! | SAT_CONCLUIDO, ENVIADO_SAT, UPLOAD_REALIZADO, CONCLUIDO | UPLOAD_REALIZADO | no |
//! | REJEITADO | AGUARDANDO_DOWNLOAD (our reject goes back to download) | no |
//! | CANCELADO | CANCELADO | no |
//!
//! Executions (`execucoes`): kinds DOWNLOAD/DOWNLOAD_FATURA, SAT/UPLOAD_SAT/ENVIO_SAT,
//! MANUAL/UPLOAD_MANUAL. Statuses CONCLUIDO/SUCESSO, ERRO/FALHOU/FALHA, TIMEOUT,
//! CANCELADO are kept; PENDENTE/EXECUTANDO/EM_ANDAMENTO become CANCELADO (the old robot
//! job is not followed after the move: our worker must not poll it).

use brm_core::execution::{ExecutionKind, ExecutionStatus};
use brm_core::process::ProcessStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappedStatus {
    pub status: ProcessStatus,
    pub needs_attention: bool,
    /// Sent to SAT according to the old system.
    pub sent_to_sat: bool,
    pub rejected: bool,
}

/// Case and spaces are ignored ("Erro_Download " is ERRO_DOWNLOAD).
pub fn process_status(old: &str) -> Option<MappedStatus> {
    use ProcessStatus::*;
    let key = old.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    let (status, needs_attention) = match key.as_str() {
        "AGUARDANDO_DOWNLOAD" | "DOWNLOAD_EM_ANDAMENTO" | "REJEITADO" => {
            (AguardandoDownload, false)
        }
        "ERRO_DOWNLOAD" => (AguardandoDownload, true),
        "DOWNLOAD_CONCLUIDO" | "AGUARDANDO_APROVACAO" | "PENDENTE_APROVACAO" => {
            (AguardandoAprovacao, false)
        }
        "APROVADO" | "AGUARDANDO_ENVIO_SAT" | "SAT_EM_ANDAMENTO" => (AguardandoEnvioSat, false),
        "ERRO_SAT" => (AguardandoEnvioSat, true),
        "SAT_CONCLUIDO" | "ENVIADO_SAT" | "UPLOAD_REALIZADO" | "CONCLUIDO" => {
            (UploadRealizado, false)
        }
        "CANCELADO" => (Cancelado, false),
        _ => return None,
    };
    Some(MappedStatus {
        status,
        needs_attention,
        sent_to_sat: status == UploadRealizado,
        rejected: key == "REJEITADO",
    })
}

pub fn execution_kind(old: &str) -> Option<ExecutionKind> {
    match old.trim().to_ascii_uppercase().as_str() {
        "DOWNLOAD" | "DOWNLOAD_FATURA" => Some(ExecutionKind::DownloadFatura),
        "SAT" | "UPLOAD_SAT" | "ENVIO_SAT" => Some(ExecutionKind::UploadSat),
        "MANUAL" | "UPLOAD_MANUAL" => Some(ExecutionKind::UploadManual),
        _ => None,
    }
}

/// The status an old execution is kept with, and whether it was still open there.
pub fn execution_status(old: &str) -> Option<(ExecutionStatus, bool)> {
    use ExecutionStatus::*;
    Some(match old.trim().to_ascii_uppercase().as_str() {
        "CONCLUIDO" | "CONCLUIDA" | "SUCESSO" => (Concluido, false),
        "ERRO" | "FALHOU" | "FALHA" => (Falhou, false),
        "TIMEOUT" => (Timeout, false),
        "CANCELADO" | "CANCELADA" => (Cancelado, false),
        "PENDENTE" | "EXECUTANDO" | "EM_ANDAMENTO" => (Cancelado, true),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProcessStatus::*;

    #[test]
    fn every_status_the_old_code_wrote_is_mapped() {
        let cases = [
            ("AGUARDANDO_DOWNLOAD", AguardandoDownload, false),
            ("DOWNLOAD_EM_ANDAMENTO", AguardandoDownload, false),
            ("ERRO_DOWNLOAD", AguardandoDownload, true),
            ("DOWNLOAD_CONCLUIDO", AguardandoAprovacao, false),
            ("AGUARDANDO_APROVACAO", AguardandoAprovacao, false),
            ("PENDENTE_APROVACAO", AguardandoAprovacao, false),
            ("APROVADO", AguardandoEnvioSat, false),
            ("AGUARDANDO_ENVIO_SAT", AguardandoEnvioSat, false),
            ("SAT_EM_ANDAMENTO", AguardandoEnvioSat, false),
            ("ERRO_SAT", AguardandoEnvioSat, true),
            ("SAT_CONCLUIDO", UploadRealizado, false),
            ("ENVIADO_SAT", UploadRealizado, false),
            ("UPLOAD_REALIZADO", UploadRealizado, false),
            ("CONCLUIDO", UploadRealizado, false),
            ("REJEITADO", AguardandoDownload, false),
            ("CANCELADO", Cancelado, false),
            (" erro_sat ", AguardandoEnvioSat, true),
        ];
        for (old, ours, attention) in cases {
            let m = process_status(old).unwrap_or_else(|| panic!("{old} not mapped"));
            assert_eq!((m.status, m.needs_attention), (ours, attention), "{old}");
        }
        assert!(process_status("STATUS_INVENTADO").is_none());
        assert!(process_status("").is_none());
        assert!(process_status("REJEITADO").unwrap().rejected);
    }

    #[test]
    fn executions() {
        assert_eq!(
            execution_kind("download"),
            Some(ExecutionKind::DownloadFatura)
        );
        assert_eq!(execution_kind("ENVIO_SAT"), Some(ExecutionKind::UploadSat));
        assert_eq!(execution_kind("OUTRO"), None);
        assert_eq!(
            execution_status("EXECUTANDO"),
            Some((ExecutionStatus::Cancelado, true))
        );
        assert_eq!(
            execution_status("ERRO"),
            Some((ExecutionStatus::Falhou, false))
        );
        assert_eq!(execution_status("?"), None);
    }
}
