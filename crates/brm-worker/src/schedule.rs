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
use std::sync::Arc;

/// Parsing and the next runs live in `brm_core::schedule` (the service checks and previews
/// expressions there too); re-exported for the worker's callers.
pub use brm_core::schedule::{next_run, next_runs, parse_cron};

/// Settings key set once the default schedules were written, so that a schedule an
/// administrator deleted stays deleted.
pub const SETTING_DEFAULTS_WRITTEN: &str = "agendamentos.padrao_criados";

/// How many copies the administrator keeps (`brm_service::backups::SETTING_KEEP`; the
/// worker does not depend on the service crate, so the key is repeated here).
pub const SETTING_BACKUP_KEEP: &str = "backup.manter";

/// Set once the BACKUP_DADOS schedule that earlier versions seeded was switched off.
pub const SETTING_SEEDED_BACKUP_RETIRED: &str = "agendamentos.backup_padrao_desativado";
const SEEDED_BACKUP_NAME: &str = "Cópia de segurança diária";

/// Earlier versions seeded a nightly BACKUP_DADOS schedule beside the desktop's own
/// daily copy. Switches that seeded schedule off once (audited), so an installation
/// made by an earlier version stops writing two copies a night. A BACKUP_DADOS schedule
/// an administrator made, or turned on again afterwards, is left alone. Returns whether
/// one was switched off.
pub async fn retire_seeded_backup(
    store: &dyn brm_store::Store,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if store
        .get_setting(SETTING_SEEDED_BACKUP_RETIRED)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let mut retired = false;
    for s in store.list_schedules().await? {
        if s.kind != ScheduleKind::BackupDados || s.name != SEEDED_BACKUP_NAME || !s.active {
            continue;
        }
        let off = Schedule {
            active: false,
            next_run_at: None,
            version: s.version + 1,
            updated_at: now,
            ..s.clone()
        };
        let event = AuditEvent::new(now, actor(), "ALTERAR_AGENDAMENTO", "agendamento")
            .on(s.id)
            .detail(
                "Desativado: a cópia diária do banco embutido é feita pelo aplicativo \
                 (Configurações → Cópias de segurança), que mantém o número de cópias escolhido.",
            );
        retired |= store.save_schedule(&off, Some(s.version), &event).await?;
    }
    let event = AuditEvent::new(now, actor(), "ALTERAR_CONFIGURACAO", "configuracao")
        .detail("agendamento de cópia padrão revisto");
    store
        .put_setting(
            SETTING_SEEDED_BACKUP_RETIRED,
            &serde_json::json!(true),
            &event,
        )
        .await?;
    Ok(retired)
}

/// The schedules a new installation starts with: the month's processes on the 1st at
/// 06:00 and old log lines cleaned on Sundays. Written once; two desktops starting
/// together write them once (unique names). No BACKUP_DADOS: the embedded database's
/// daily copy is the desktop's (Configurações → Cópias de segurança, settings
/// `backup.*`), and a second nightly copy from here would double the files and ignore
/// how many the administrator keeps; see [`retire_seeded_backup`].
pub async fn seed_defaults(store: &dyn brm_store::Store, now: DateTime<Utc>) -> StoreResult<u32> {
    seed_once(
        store,
        now,
        SETTING_DEFAULTS_WRITTEN,
        &[
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
        ],
        "agendamentos padrão criados",
    )
    .await
}

/// Settings key set once the e-mail schedules (issue 21) were written, for new
/// installations and for those made before e-mail existed alike.
pub const SETTING_EMAIL_DEFAULTS_WRITTEN: &str = "agendamentos.email_criados";

/// The e-mail schedules: the digest scan every hour on the hour (each person's own hour
/// decides who gets one; a day's digest goes once, even after the app was closed at that
/// hour) and the reminder and escalation scan every 15 minutes. Written once, audited;
/// an administrator may change or remove them in Agendamentos.
pub async fn seed_email_schedules(
    store: &dyn brm_store::Store,
    now: DateTime<Utc>,
) -> StoreResult<u32> {
    seed_once(
        store,
        now,
        SETTING_EMAIL_DEFAULTS_WRITTEN,
        &[
            (
                "Resumo diário por e-mail",
                "0 * * * *",
                ScheduleKind::ResumoEmail,
            ),
            (
                "Lembretes e escalonamentos por e-mail",
                "*/15 * * * *",
                ScheduleKind::LembretesEmail,
            ),
        ],
        "agendamentos de e-mail padrão criados",
    )
    .await
}

/// Writes `defaults` (name, cron, kind) unless the setting `written` says they were
/// written before (so one an administrator deleted stays deleted), each audited; a name
/// another machine wrote meanwhile is left as it is. Then sets `written`. How many it wrote.
async fn seed_once(
    store: &dyn brm_store::Store,
    now: DateTime<Utc>,
    written_key: &str,
    defaults: &[(&str, &str, ScheduleKind)],
    detail: &str,
) -> StoreResult<u32> {
    if store.get_setting(written_key).await?.is_some() {
        return Ok(0);
    }
    let mut written = 0;
    for &(name, cron, kind) in defaults {
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
    let event =
        AuditEvent::new(now, actor(), "ALTERAR_CONFIGURACAO", "configuracao").detail(detail);
    store
        .put_setting(written_key, &serde_json::json!(true), &event)
        .await?;
    Ok(written)
}

impl Worker {
    pub(crate) async fn run_due_schedules(
        self: &Arc<Self>,
        report: &mut CycleReport,
        wait: Option<std::time::Duration>,
    ) -> StoreResult<()> {
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
                        if let Err(e) = self.run_schedule(&s, now, report, wait).await {
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
        self: &Arc<Self>,
        s: &Schedule,
        now: DateTime<Utc>,
        report: &mut CycleReport,
        wait: Option<std::time::Duration>,
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
                    wait,
                )
                .await?
            }
            ScheduleKind::ExecutarEnviosSat => {
                self.start_due(
                    ExecutionKind::UploadSat,
                    true,
                    s.operator_id,
                    &by,
                    report,
                    wait,
                )
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
            ScheduleKind::ResumoEmail => {
                let r = self.plan_digests(now).await?;
                tracing::info!(?r, "daily e-mail digests planned");
            }
            ScheduleKind::LembretesEmail => {
                let r = self.plan_reminders(now).await?;
                tracing::info!(?r, "e-mail reminders and escalations planned");
            }
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
        let keep = self
            .store
            .get_setting(SETTING_BACKUP_KEEP)
            .await?
            .and_then(|v| v.as_u64())
            .map_or(self.config.keep_backups, |n| n.max(1) as usize);
        prune_backups(&dir, keep);
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

    /// A schedule changed in the editor (through the desk, as the window does) runs at its
    /// new time: the desk recomputes next_run_at on save and the worker goes by it; the
    /// old time passes without a run.
    #[tokio::test]
    async fn a_schedule_changed_in_the_editor_runs_at_its_new_time() {
        use brm_core::clock::{Clock, ManualClock};
        use brm_core::user::NewAdminInput;
        use brm_secrets::{MemoryKeyStore, SecretBox};
        use brm_service::{Desk, ScheduleInput};
        use std::sync::Arc;

        let dir = tempfile::tempdir().unwrap();
        let store = brm_store::connect(&format!(
            "sqlite:{}",
            dir.path().join("brm.sqlite3").display()
        ))
        .await
        .unwrap();
        // Saturday 28 November 2026, 09:00 in Brasília.
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
        ));
        let secrets = Arc::new(SecretBox::new(Arc::new(MemoryKeyStore::new())));
        let desk = Desk::with_clock(store.clone(), clock.clone() as Arc<dyn Clock>)
            .with_secrets_arc(secrets.clone());
        let pw = "senha-forte-do-admin";
        desk.create_first_admin(NewAdminInput {
            full_name: "Ana Administradora".into(),
            email: "ana@beg.com.br".into(),
            password: pw.into(),
            password_confirmation: pw.into(),
        })
        .await
        .unwrap();
        let admin = desk.login("ana@beg.com.br", pw.into()).await.unwrap().token;
        let input = |cron: &str| ScheduleInput {
            name: "Limpar registros antigos".into(),
            cron: cron.into(),
            kind: "LIMPEZA_LOGS".into(),
            operator_id: None,
            active: None,
        };
        let made = desk
            .create_schedule(&admin, input("0 3 * * 0"))
            .await
            .unwrap();
        let robot =
            brm_robot::RobotClient::new(brm_robot::RobotConfig::new("http://127.0.0.1:9", None))
                .unwrap();
        let worker = Arc::new(Worker::new(
            store.clone(),
            Arc::new(brm_storage::LocalFolder::new(dir.path().join("faturas")).unwrap()),
            Arc::new(crate::RobotDirectory::new(robot, None)),
            secrets,
            clock.clone(),
            crate::WorkerConfig::new("teste"),
        ));
        async fn run(worker: &Arc<Worker>) -> usize {
            let mut report = CycleReport::default();
            worker.run_due_schedules(&mut report, None).await.unwrap();
            report.schedules_run as usize
        }
        assert_eq!(run(&worker).await, 0);

        // Changed to daily at 10:00 (13:00 UTC) before its Sunday 03:00 run.
        let changed = desk
            .update_schedule(&admin, made.schedule.id, 1, input("0 10 * * *"))
            .await
            .unwrap();
        let new_time = Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).unwrap();
        assert_eq!(changed.schedule.next_run_at, Some(new_time));
        clock.advance(chrono::Duration::minutes(59));
        assert_eq!(run(&worker).await, 0, "not yet 10:00");
        clock.advance(chrono::Duration::minutes(2));
        assert_eq!(run(&worker).await, 1, "runs at the new time");
        let s = &store.list_schedules().await.unwrap()[0];
        assert_eq!(s.last_run_at, Some(clock.now()));
        assert_eq!(
            s.next_run_at,
            Some(Utc.with_ymd_and_hms(2026, 11, 29, 13, 0, 0).unwrap())
        );
        // The old time (Sunday 03:00 Brasília) passes without a run.
        clock.advance(chrono::Duration::hours(17));
        assert_eq!(run(&worker).await, 0);
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
