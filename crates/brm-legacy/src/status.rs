//! The old system's statuses to ours: exactly the values its code writes or compares
//! against (`shared/spec/legacy-schema.md`); anything else is refused with a reason,
//! never guessed.
//!
//! | old `processos.status_processo` | ours | needs attention |
//! |---|---|---|
//! | AGUARDANDO_DOWNLOAD | AGUARDANDO_DOWNLOAD | no |
//! | DOWNLOAD_EM_ANDAMENTO | AGUARDANDO_DOWNLOAD (our robot downloads again) | no |
//! | ERRO_DOWNLOAD | AGUARDANDO_DOWNLOAD | yes |
//! | DOWNLOAD_CONCLUIDO | AGUARDANDO_APROVACAO (the step the old code never took) | no |
//! | AGUARDANDO_APROVACAO | AGUARDANDO_APROVACAO | no |
//! | APROVADO, AGUARDANDO_ENVIO_SAT | AGUARDANDO_ENVIO_SAT | no |
//! | SAT_EM_ANDAMENTO | AGUARDANDO_ENVIO_SAT | yes: the old robot may have sent it; a person checks the SAT before it is sent again (twice would duplicate it there) |
//! | ERRO_SAT | AGUARDANDO_ENVIO_SAT | yes |
//! | SAT_CONCLUIDO, UPLOAD_REALIZADO | UPLOAD_REALIZADO | no |
//! | REJEITADO | AGUARDANDO_DOWNLOAD (our reject goes back to download) | no |
//! | CANCELADO | CANCELADO | no |
//!
//! Executions (`execucoes`): kinds DOWNLOAD_FATURA, UPLOAD_SAT, UPLOAD_MANUAL. Statuses
//! CONCLUIDO, FALHOU, TIMEOUT and CANCELADO are kept; EXECUTANDO and TENTANDO_NOVAMENTE
//! were still open there and become CANCELADO (the old robot job is not followed after
//! the move: our worker must not poll it).

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

fn key(old: &str) -> String {
    old.trim().to_ascii_uppercase()
}

pub fn process_status(old: &str) -> Option<MappedStatus> {
    use ProcessStatus::*;
    let key = key(old);
    let (status, needs_attention) = match key.as_str() {
        "AGUARDANDO_DOWNLOAD" | "DOWNLOAD_EM_ANDAMENTO" | "REJEITADO" => {
            (AguardandoDownload, false)
        }
        "ERRO_DOWNLOAD" => (AguardandoDownload, true),
        "DOWNLOAD_CONCLUIDO" | "AGUARDANDO_APROVACAO" => (AguardandoAprovacao, false),
        "APROVADO" | "AGUARDANDO_ENVIO_SAT" => (AguardandoEnvioSat, false),
        "SAT_EM_ANDAMENTO" | "ERRO_SAT" => (AguardandoEnvioSat, true),
        "SAT_CONCLUIDO" | "UPLOAD_REALIZADO" => (UploadRealizado, false),
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
    match key(old).as_str() {
        "DOWNLOAD_FATURA" => Some(ExecutionKind::DownloadFatura),
        "UPLOAD_SAT" => Some(ExecutionKind::UploadSat),
        "UPLOAD_MANUAL" => Some(ExecutionKind::UploadManual),
        _ => None,
    }
}

/// The status an old execution is kept with, and whether it was still open there.
pub fn execution_status(old: &str) -> Option<(ExecutionStatus, bool)> {
    use ExecutionStatus::*;
    Some(match key(old).as_str() {
        "CONCLUIDO" => (Concluido, false),
        "FALHOU" => (Falhou, false),
        "TIMEOUT" => (Timeout, false),
        "CANCELADO" => (Cancelado, false),
        "EXECUTANDO" | "TENTANDO_NOVAMENTE" => (Cancelado, true),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProcessStatus::*;

    #[test]
    fn every_status_the_old_code_writes_or_compares_is_mapped() {
        let cases = [
            ("AGUARDANDO_DOWNLOAD", AguardandoDownload, false),
            ("DOWNLOAD_EM_ANDAMENTO", AguardandoDownload, false),
            ("ERRO_DOWNLOAD", AguardandoDownload, true),
            ("DOWNLOAD_CONCLUIDO", AguardandoAprovacao, false),
            ("AGUARDANDO_APROVACAO", AguardandoAprovacao, false),
            ("APROVADO", AguardandoEnvioSat, false),
            ("AGUARDANDO_ENVIO_SAT", AguardandoEnvioSat, false),
            ("SAT_EM_ANDAMENTO", AguardandoEnvioSat, true),
            ("ERRO_SAT", AguardandoEnvioSat, true),
            ("SAT_CONCLUIDO", UploadRealizado, false),
            ("UPLOAD_REALIZADO", UploadRealizado, false),
            ("REJEITADO", AguardandoDownload, false),
            ("CANCELADO", Cancelado, false),
            (" erro_sat ", AguardandoEnvioSat, true),
        ];
        for (old, ours, attention) in cases {
            let m = process_status(old).unwrap_or_else(|| panic!("{old} not mapped"));
            assert_eq!((m.status, m.needs_attention), (ours, attention), "{old}");
            assert_eq!(m.sent_to_sat, ours == UploadRealizado, "{old}");
        }
        assert!(process_status("REJEITADO").unwrap().rejected);
        // Names the old code never wrote (the importer once guessed them) are refused.
        for guessed in [
            "STATUS_INVENTADO",
            "",
            "PENDENTE_APROVACAO",
            "ENVIADO_SAT",
            "CONCLUIDO",
        ] {
            assert!(process_status(guessed).is_none(), "{guessed}");
        }
    }

    #[test]
    fn executions_of_the_old_enum() {
        assert_eq!(
            execution_kind("DOWNLOAD_FATURA"),
            Some(ExecutionKind::DownloadFatura)
        );
        assert_eq!(execution_kind("UPLOAD_SAT"), Some(ExecutionKind::UploadSat));
        assert_eq!(
            execution_kind("UPLOAD_MANUAL"),
            Some(ExecutionKind::UploadManual)
        );
        assert_eq!(execution_kind("DOWNLOAD"), None);
        for (old, st, open) in [
            ("CONCLUIDO", ExecutionStatus::Concluido, false),
            ("FALHOU", ExecutionStatus::Falhou, false),
            ("TIMEOUT", ExecutionStatus::Timeout, false),
            ("CANCELADO", ExecutionStatus::Cancelado, false),
            ("EXECUTANDO", ExecutionStatus::Cancelado, true),
            ("TENTANDO_NOVAMENTE", ExecutionStatus::Cancelado, true),
        ] {
            assert_eq!(execution_status(old), Some((st, open)), "{old}");
        }
        assert_eq!(execution_status("ERRO"), None);
    }
}
