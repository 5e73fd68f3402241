//! The connection monitor: pings the store every few seconds while it answers, and on a
//! failure marks [`Health`] down and retries on a backoff (1, 2, 4, … 30 s) until a ping
//! works again. It only ever pings the store it was given: it never opens another one.
//! The shell runs it as a background task and forwards [`Health`]'s changes to the
//! window; tests run it with short timings against a real server they stop and start.

use crate::health::{backoff, describe_outage, Health, BACKOFF_CAP};
use brm_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct MonitorTiming {
    /// Between pings while the database answers.
    pub every: Duration,
    /// A ping that takes longer counts as a failure (PgStore's pool gives up at 5 s).
    pub ping_timeout: Duration,
    /// First wait after a failure; doubles up to `cap`.
    pub backoff_unit: Duration,
    pub backoff_cap: Duration,
}

impl Default for MonitorTiming {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(5),
            ping_timeout: Duration::from_secs(5),
            backoff_unit: Duration::from_secs(1),
            backoff_cap: BACKOFF_CAP,
        }
    }
}

/// Runs until the task is dropped or aborted.
pub async fn run(store: Arc<dyn Store>, health: Health, timing: MonitorTiming) {
    let mut failures: u32 = 0;
    loop {
        let outcome = tokio::time::timeout(timing.ping_timeout, store.ping()).await;
        let wait = match outcome {
            Ok(Ok(())) => {
                if failures > 0 {
                    tracing::info!(attempts = failures, "database reconnected");
                }
                failures = 0;
                health.mark_up();
                timing.every
            }
            failed => {
                failures = failures.saturating_add(1);
                let reason = match failed {
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, failures, "database ping failed");
                        describe_outage(&e)
                    }
                    _ => format!(
                        "O servidor do banco de dados não respondeu em {} s.",
                        timing.ping_timeout.as_secs().max(1)
                    ),
                };
                let wait = backoff(failures, timing.backoff_unit, timing.backoff_cap);
                health.mark_down_until(reason, Instant::now() + wait);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = health.poked() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::DbState;
    use brm_store::sqlite::SqliteStore;

    #[tokio::test]
    async fn a_closed_pool_goes_down_and_is_never_replaced() {
        let dir = std::env::temp_dir().join(format!("brm-mon-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}", dir.join("m.sqlite3").display());
        let sqlite = SqliteStore::connect(&url).await.unwrap();
        let pool = sqlite.pool().clone();
        let store: Arc<dyn Store> = Arc::new(sqlite);
        let health = Health::new();
        let mut events = health.subscribe();
        let timing = MonitorTiming {
            every: Duration::from_millis(20),
            ping_timeout: Duration::from_secs(1),
            backoff_unit: Duration::from_millis(20),
            backoff_cap: Duration::from_millis(80),
        };
        let task = tokio::spawn(run(store.clone(), health.clone(), timing));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(health.is_up());

        pool.close().await; // the only way to make SQLite unreachable from here
        let down = tokio::time::timeout(Duration::from_secs(2), events.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(down.state, DbState::Down);
        assert!(!health.is_up());
        assert!(down.message.is_some());
        task.abort();
        std::fs::remove_dir_all(dir).ok();
    }
}
