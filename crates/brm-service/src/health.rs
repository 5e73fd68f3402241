//! Is the database reachable right now? One shared [`Health`] per desk: the monitor
//! ([`crate::monitor`]) pings the store and marks it up or down; any use case that sees a
//! connection-type error marks it down at once ([`Desk::observe`]); every mutating use
//! case asks [`Desk::ensure_writable`] first, so while the database is away a change is
//! refused at once with a clear message instead of hanging for the pool's timeout.
//!
//! "Reconnecting" is just a ping that works again: the sqlx pool opens new connections
//! by itself on the next acquire. Nothing here ever opens another database.

use crate::Desk;
use brm_core::{Error, ErrorCode, Result};
use brm_store::{StoreError, StoreResult};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// The message of a change refused while the database is away.
pub const WRITE_REFUSED: &str = "Sem conexão com o banco de dados: a alteração não foi feita. \
     Aguarde a reconexão (aviso no topo da tela).";

/// Backoff between reconnection attempts: 1, 2, 4, 8, 16 s, then every 30 s.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

/// The wait after the `failures`-th failed attempt in a row (1-based), doubling from
/// `unit` up to `cap`.
pub fn backoff(failures: u32, unit: Duration, cap: Duration) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    unit.saturating_mul(factor).min(cap)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DbState {
    Ok,
    Down,
}

/// What the window is told (the `db-status` event and `database_status`):
/// `{state: "ok"|"down", message, retry_in_secs}`. `message` is the pt-BR reason the
/// banner shows under its own "Sem conexão com o banco de dados" line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbStatus {
    pub state: DbState,
    pub message: Option<String>,
    pub retry_in_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    up: bool,
    reason: Option<String>,
    next_retry: Option<Instant>,
}

/// Shared, cheap to clone. Starts up: the store opened before the desk existed.
#[derive(Clone)]
pub struct Health {
    state: Arc<watch::Sender<State>>,
    /// Wakes the monitor before its timer (a failure or a success seen by a use case).
    poke: Arc<Notify>,
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Health")
            .field(&*self.state.borrow())
            .finish()
    }
}

impl Health {
    pub fn new() -> Self {
        let (tx, _) = watch::channel(State {
            up: true,
            reason: None,
            next_retry: None,
        });
        Self {
            state: Arc::new(tx),
            poke: Arc::new(Notify::new()),
        }
    }

    pub fn is_up(&self) -> bool {
        self.state.borrow().up
    }

    /// Marks the database away with a pt-BR `reason`. The first time (up → down) it also
    /// wakes the monitor, which starts the reconnection schedule.
    pub fn mark_down(&self, reason: impl Into<String>) {
        self.down(reason.into(), None);
    }

    /// [`Health::mark_down`] with the time of the next attempt, in one change (the
    /// window's first "down" event already carries the countdown).
    pub fn mark_down_until(&self, reason: impl Into<String>, next_retry: Instant) {
        self.down(reason.into(), Some(next_retry));
    }

    fn down(&self, reason: String, next_retry: Option<Instant>) {
        let mut was_up = false;
        self.state.send_if_modified(|s| {
            was_up = s.up;
            let changed = s.up
                || s.reason.as_deref() != Some(&reason)
                || next_retry.is_some_and(|at| s.next_retry != Some(at));
            s.up = false;
            s.reason = Some(reason);
            if next_retry.is_some() {
                s.next_retry = next_retry;
            }
            changed
        });
        if was_up {
            tracing::warn!(reason = ?self.state.borrow().reason, "database unreachable");
            self.poke.notify_one();
        }
    }

    pub fn mark_up(&self) {
        let changed = self.state.send_if_modified(|s| {
            let changed = !s.up;
            *s = State {
                up: true,
                reason: None,
                next_retry: None,
            };
            changed
        });
        if changed {
            tracing::info!("database reachable again");
        }
    }

    /// When the monitor will try again (shown as a countdown in the banner).
    pub fn retry_at(&self, at: Instant) {
        self.state.send_if_modified(|s| {
            let changed = !s.up && s.next_retry != Some(at);
            if !s.up {
                s.next_retry = Some(at);
            }
            changed
        });
    }

    pub fn status(&self) -> DbStatus {
        snapshot(&self.state.borrow())
    }

    /// Every change from now on, as the window should see it.
    pub fn subscribe(&self) -> HealthEvents {
        HealthEvents(self.state.subscribe())
    }

    /// Asks the monitor to ping now instead of at its next tick.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    pub(crate) async fn poked(&self) {
        self.poke.notified().await
    }
}

fn snapshot(s: &State) -> DbStatus {
    if s.up {
        return DbStatus {
            state: DbState::Ok,
            message: None,
            retry_in_secs: 0,
        };
    }
    let retry_in_secs = s
        .next_retry
        .map(|at| {
            let left = at.saturating_duration_since(Instant::now());
            // Round up: "0 s" would read as "now" while a wait remains.
            left.as_secs() + u64::from(left.subsec_nanos() > 0)
        })
        .unwrap_or(0);
    DbStatus {
        state: DbState::Down,
        message: s.reason.clone(),
        retry_in_secs,
    }
}

/// A stream of [`DbStatus`] changes (the shell forwards them as `db-status` events).
pub struct HealthEvents(watch::Receiver<State>);

impl HealthEvents {
    /// The next change; `None` once the [`Health`] is gone.
    pub async fn next(&mut self) -> Option<DbStatus> {
        self.0.changed().await.ok()?;
        Some(snapshot(&self.0.borrow_and_update()))
    }
}

/// True for failures that mean "the database is not there" rather than "this operation
/// was wrong": no connection, a pool timeout, a dropped socket, a server shutting down.
pub fn is_connection_error(e: &StoreError) -> bool {
    match e {
        StoreError::Unavailable(_) => true,
        StoreError::Sql(e) => match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            // Class 08 (connection exception) and 57P01-03 (admin/crash shutdown,
            // cannot connect now).
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
            _ => false,
        },
        _ => false,
    }
}

/// The pt-BR reason shown in the banner for a connection-type failure.
pub fn describe_outage(e: &StoreError) -> String {
    match e {
        StoreError::Sql(sqlx::Error::PoolTimedOut) => {
            "O servidor do banco de dados não respondeu a tempo.".into()
        }
        StoreError::Sql(sqlx::Error::Io(io))
            if io.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            "O servidor do banco de dados recusou a conexão (ele pode estar parado).".into()
        }
        StoreError::Sql(sqlx::Error::Io(io)) => format!("Falha de rede: {io}."),
        StoreError::Sql(sqlx::Error::Database(db))
            if db.code().is_some_and(|c| c.starts_with("57P")) =>
        {
            "O servidor do banco de dados foi desligado ou está reiniciando.".into()
        }
        StoreError::Unavailable(m) => brm_store::redact_url(m),
        other => format!("{other}"),
    }
}

impl Desk {
    /// The database's reachability, shared with the monitor.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Call first thing (after the role check) in every use case that changes data:
    /// while the database is away the change is refused at once, with a message that
    /// says nothing was changed and points at the banner.
    pub fn ensure_writable(&self) -> Result<()> {
        if self.health.is_up() {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::Database, WRITE_REFUSED))
        }
    }

    /// Passes a store result through, noting what it says about the connection: a
    /// connection-type error marks the database down at once (the banner appears and
    /// further writes are refused); a success while marked down asks the monitor to
    /// confirm the way back now instead of at the end of its backoff.
    pub fn observe<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        match &result {
            Err(e) if is_connection_error(e) => self.health.mark_down(describe_outage(e)),
            Ok(_) if !self.health.is_up() => self.health.poke(),
            _ => {}
        }
        result
    }

    /// `database_status`: every logged-in role sees the banner, so every role may ask.
    pub fn database_status(&self, token: &str) -> Result<DbStatus> {
        self.sessions.get(token)?;
        Ok(self.health.status())
    }

    /// `database_security`: whether the live connection to the shared server is
    /// encrypted, as the server reports it (`pg_stat_ssl`), for the header. `None` for
    /// the embedded SQLite file (no network) or when the server does not answer (the
    /// outage banner says that).
    pub async fn database_security(
        &self,
        token: &str,
    ) -> Result<Option<brm_store::postgres::tls::ConnectionSecurity>> {
        self.sessions.get(token)?;
        if self.store.backend() == brm_store::Backend::Sqlite {
            return Ok(None);
        }
        Ok(self
            .observe(self.store.server_info().await)
            .ok()
            .and_then(|i| i.security))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_thirty() {
        let s = |n| backoff(n, Duration::from_secs(1), BACKOFF_CAP).as_secs();
        let got: Vec<u64> = (1..=8).map(s).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(s(0), 1);
        assert_eq!(s(u32::MAX), 30);
        assert_eq!(
            backoff(3, Duration::from_millis(100), Duration::from_millis(250)),
            Duration::from_millis(250)
        );
    }

    #[tokio::test]
    async fn transitions_are_published_once_each() {
        let h = Health::new();
        assert!(h.is_up());
        assert_eq!(
            h.status(),
            DbStatus {
                state: DbState::Ok,
                message: None,
                retry_in_secs: 0
            }
        );
        let mut events = h.subscribe();

        h.mark_down("O servidor recusou.");
        assert!(!h.is_up());
        let e = events.next().await.unwrap();
        assert_eq!(e.state, DbState::Down);
        assert_eq!(e.message.as_deref(), Some("O servidor recusou."));

        // The same reason again is not news; a schedule is.
        h.mark_down("O servidor recusou.");
        h.retry_at(Instant::now() + Duration::from_millis(3500));
        let e = events.next().await.unwrap();
        assert_eq!(e.retry_in_secs, 4);

        h.mark_up();
        assert_eq!(events.next().await.unwrap().state, DbState::Ok);
        h.mark_up();
        h.retry_at(Instant::now()); // ignored while up
        assert_eq!(h.status().retry_in_secs, 0);
        let nothing = tokio::time::timeout(Duration::from_millis(50), events.next()).await;
        assert!(nothing.is_err(), "no event without a change");

        // The monitor's failure: reason and countdown in one event.
        h.mark_down_until(
            "Sem resposta.",
            Instant::now() + Duration::from_millis(1500),
        );
        let e = events.next().await.unwrap();
        assert_eq!(
            (e.state, e.message.as_deref(), e.retry_in_secs),
            (DbState::Down, Some("Sem resposta."), 2)
        );
    }

    #[tokio::test]
    async fn going_down_wakes_the_monitor() {
        let h = Health::new();
        h.mark_down("x");
        tokio::time::timeout(Duration::from_secs(1), h.poked())
            .await
            .expect("poked");
    }

    #[test]
    fn connection_errors_are_told_apart_from_wrong_operations() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let e = StoreError::Sql(sqlx::Error::Io(refused));
        assert!(is_connection_error(&e));
        assert_eq!(
            describe_outage(&e),
            "O servidor do banco de dados recusou a conexão (ele pode estar parado)."
        );
        assert!(is_connection_error(&StoreError::Sql(
            sqlx::Error::PoolTimedOut
        )));
        assert!(is_connection_error(&StoreError::Unavailable(
            "não foi possível conectar ao PostgreSQL em postgres://u:***@h/d".into()
        )));
        assert!(!is_connection_error(&StoreError::Unique("name".into())));
        assert!(!is_connection_error(&StoreError::Sql(
            sqlx::Error::RowNotFound
        )));
        assert!(!is_connection_error(&StoreError::Corrupt("x".into())));
    }
}
