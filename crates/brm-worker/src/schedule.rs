//! Schedules (agendamentos): cron expressions read in Brasília time, each due run
//! taken by exactly one worker (`advance_schedule` is conditional), then done.

use crate::engine::{actor, CycleReport, Worker, PROCESS_ENTITY};
use crate::poll::brasilia;
use brm_core::audit::AuditEvent;
use brm_core::execution::ExecutionKind;
use brm_core::process::Month;
use brm_core::schedule::{Schedule, ScheduleKind};
use brm_store::{Backend, MonthRequest, StoreResult};
use chrono::{DateTime, Datelike, Utc};
use croner::Cron;
use std::str::FromStr;

/// Checks a cron expression (five fields), with a pt-BR reason when it is wrong.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    let fields = expr.split_whitespace().count();
    if fields != 5 {
        return Err(format!(
            "A expressão cron precisa de 5 campos (minuto hora dia mês dia-da-semana); tem {fields}."
        ));
    }
    Cron::from_str(expr).map_err(|e| format!("Expressão cron inválida: {e}"))
}

/// The next `n` runs strictly after `after`, in UTC.
pub fn next_runs(expr: &str, after: DateTime<Utc>, n: usize) -> Result<Vec<DateTime<Utc>>, String> {
    let cron = parse_cron(expr)?;
    let mut out = Vec::with_capacity(n);
    let mut t = after.with_timezone(&brasilia());
    for _ in 0..n {
        match cron.find_next_occurrence(&t, false) {
            Ok(next) => {
                out.push(next.with_timezone(&Utc));
                t = next;
            }
            Err(e) => return Err(format!("Sem próxima execução para \"{expr}\": {e}")),
        }
    }
    Ok(out)
}

pub fn next_run(expr: &str, after: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    Ok(next_runs(expr, after, 1)?[0])
}

/// Settings key set once the default schedules were written, so that a schedule an
/// administrator deleted stays deleted.
pub const SETTING_DEFAULTS_WRITTEN: &str = "agendamentos.padrao_criados";

/// The schedules a new installation starts with: the month's processes on the 1st at
/// 06:00, old log lines cleaned on Sundays, and (embedded SQLite) a daily copy of the
/// database. Written once; two desktops starting together write them once (unique names).
pub async fn seed_defaults(store: &dyn brm_store::Store, now: DateTime<Utc>) -> StoreResult<u32> {
    if store.get_setting(SETTING_DEFAULTS_WRITTEN).await?.is_some() {
        return Ok(0);
    }
    let mut defaults = vec![
        (
            "Criar processos do mês",
            "0 6 1 * *",
            ScheduleKind::CriarProcessosMensais,
        ),
        (
            "Limpar registros antigos",
            "0 3 * * 0",
            ScheduleKind::LimpezaLogs,
        ),
    ];
    if store.backend() == Backend::Sqlite {
        defaults.push((
            "Cópia de segurança diária",
            "0 2 * * *",
            ScheduleKind::BackupDados,
        ));
    }
    let mut written = 0;
    for (name, cron, kind) in defaults {
        let s = Schedule {
            id: uuid::Uuid::new_v4(),
            name: name.into(),
            cron: cron.into(),
            kind,
            operator_id: None,
            active: true,
            next_run_at: next_run(cron, now).ok(),
            last_run_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let event = AuditEvent::new(now, actor(), "CRIAR_AGENDAMENTO", "agendamento")
            .on(s.id)
            .detail(format!("{name} ({cron}), padrão da instalação"));
        match store.save_schedule(&s, None, &event).await {
            Ok(_) => written += 1,
            Err(brm_store::StoreError::Unique(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let event = AuditEvent::new(now, actor(), "ALTERAR_CONFIGURACAO", "configuracao")
        .detail("agendamentos padrão criados");
    store
        .put_setting(SETTING_DEFAULTS_WRITTEN, &serde_json::json!(true), &event)
        .await?;
    Ok(written)
}

impl Worker {
    pub(crate) async fn run_due_schedules(&self, report: &mut CycleReport) -> StoreResult<()> {
        let now = self.clock.now();
        for s in self.store.list_schedules().await? {
            if !s.active {
                continue;
            }
            let next = match next_run(&s.cron, now) {
                Ok(n) => Some(n),
                Err(e) => {
                    tracing::warn!(schedule = %s.name, "{e}");
                    None
                }
            };
            match s.next_run_at {
                None => {
                    // A new schedule: its first run is the next one from now.
                    let last = s.last_run_at.unwrap_or(s.created_at);
                    self.store.advance_schedule(s.id, None, last, next).await?;
                }
                Some(due) if due <= now => {
                    if self
                        .store
                        .advance_schedule(s.id, Some(due), now, next)
                        .await?
                    {
                        report.schedules_run += 1;
                        if let Err(e) = self.run_schedule(&s, now, report).await {
                            tracing::warn!(schedule = %s.name, "schedule failed: {e}");
                        }
                    }
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    async fn run_schedule(
        &self,
        s: &Schedule,
        now: DateTime<Utc>,
        report: &mut CycleReport,
    ) -> StoreResult<()> {
        let by = format!("agendamento {}", s.name);
        match s.kind {
            ScheduleKind::CriarProcessosMensais => {
                let local = now.with_timezone(&brasilia());
                let month = Month {
                    year: local.year(),
                    month: local.month(),
                };
                let event = AuditEvent::new(now, actor(), "CRIAR_PROCESSOS_MES", PROCESS_ENTITY)
                    .detail(format!("{by}: mês {}", month.display()));
                let created = self
                    .store
                    .create_month_processes(
                        &MonthRequest {
                            month: month.to_string(),
                            operator_id: s.operator_id,
                            created_by: None,
                            auto: true,
                            now,
                        },
                        &event,
                    )
                    .await?;
                tracing::info!(?created, "month processes created by schedule");
                self.wake();
            }
            ScheduleKind::ExecutarDownloads => {
                self.start_due(
                    ExecutionKind::DownloadFatura,
                    true,
                    s.operator_id,
                    &by,
                    report,
                )
                .await?
            }
            ScheduleKind::ExecutarEnviosSat => {
                self.start_due(ExecutionKind::UploadSat, true, s.operator_id, &by, report)
                    .await?
            }
            ScheduleKind::LimpezaLogs => {
                let removed = self
                    .store
                    .purge_execution_logs(now - self.config.keep_logs)
                    .await?;
                tracing::info!(removed, "old execution log lines removed");
            }
            ScheduleKind::BackupDados => self.backup(now).await?,
        }
        Ok(())
    }

    async fn backup(&self, now: DateTime<Utc>) -> StoreResult<()> {
        if self.store.backend() != Backend::Sqlite {
            tracing::info!(
                "database backup schedule skipped: PostgreSQL is backed up by its server"
            );
            return Ok(());
        }
        let Some(dir) = self.config.backup_dir.clone() else {
            return Ok(());
        };
        let path = dir.join(format!(
            "brm-desk-{}.sqlite3",
            now.with_timezone(&brasilia()).format("%Y%m%d-%H%M%S")
        ));
        self.store.backup_into(&path).await?;
        prune_backups(&dir, self.config.keep_backups);
        Ok(())
    }
}

/// Keeps the newest `keep` copies (names sort by time).
fn prune_backups(dir: &std::path::Path, keep: usize) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<_> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("brm-desk-") && n.ends_with(".sqlite3"))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep);
    for old in files.into_iter().take(excess) {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cron_runs_in_brasilia_time() {
        // 06:00 in Brasília is 09:00 UTC.
        let after = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let runs = next_runs("0 6 1 * *", after, 2).unwrap();
        assert_eq!(runs[0], Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap());
        assert_eq!(runs[1], Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap());
    }

    #[test]
    fn wrong_expressions_are_explained() {
        assert!(parse_cron("0 6 1 *").unwrap_err().contains("5 campos"));
        assert!(parse_cron("99 6 1 * *").unwrap_err().contains("inválida"));
        assert!(parse_cron("*/15 * * * 1-5").is_ok());
    }

    #[test]
    fn old_backups_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            std::fs::write(
                dir.path()
                    .join(format!("brm-desk-2026010{i}-000000.sqlite3")),
                b"x",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), b"x").unwrap();
        prune_backups(dir.path(), 2);
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "brm-desk-20260103-000000.sqlite3",
                "brm-desk-20260104-000000.sqlite3",
                "other.txt"
            ]
        );
    }
}
