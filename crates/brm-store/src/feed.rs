//! The database change feed (migration 0007): triggers leave one row per write to the
//! tables the screens show, so a desktop learns what another window, another app on the
//! same SQLite file or (on PostgreSQL) another desktop changed. [`run`] follows the feed
//! and hands out one [`FeedBatch`] per [`BATCH_WINDOW`] at most; the desktop sends each
//! batch to the window as `model-changed`. Nothing here knows about Tauri.

use crate::{Backend, Store, StoreResult};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The PostgreSQL channel the feed's trigger notifies at each commit.
pub const CHANNEL: &str = "brm_change_feed";
/// At most one batch per this window (never more than four events a second).
pub const BATCH_WINDOW: Duration = Duration::from_millis(250);
/// How often the feed is read when nothing wakes the reader (SQLite, or PostgreSQL
/// while its listener is down).
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// With a live PostgreSQL listener the feed is still read now and then, in case a
/// notification was lost.
const LISTENING_POLL_EVERY: Duration = Duration::from_secs(2);
/// More changes than this in one batch: the screens reload everything instead.
pub const MAX_IDS: usize = 500;
/// Rows read at once; a fuller read means "reload everything".
const READ_LIMIT: i64 = 2000;
/// A seq skipped by the feed (a transaction still open when the rows after it were
/// read, or rolled back) is looked for again for this long.
const HOLE_TTL: Duration = Duration::from_secs(30);
/// Holes further back than this many seqs are given up (the reader would re-read too much).
const MAX_HOLE_SPAN: i64 = 1000;
/// Rows older than this are pruned.
pub const KEEP: Duration = Duration::from_secs(3600);
const PRUNE_EVERY: Duration = Duration::from_secs(300);
const LISTEN_RETRY: Duration = Duration::from_secs(2);

/// One row of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    /// `processo`, `execucao`, `cliente`, `operadora`, `usuario` or `configuracao`.
    pub entity: String,
    /// The row's id (a setting's key); `None` only for rows written by hand.
    pub entity_id: Option<String>,
    /// For an execution, its process.
    pub process_id: Option<String>,
}

/// A PostgreSQL `LISTEN brm_change_feed` connection of its own (outside the pool).
pub struct ChangeListener {
    inner: sqlx::postgres::PgListener,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeListener")
    }
}

impl ChangeListener {
    pub(crate) async fn connect(pool: &sqlx::PgPool) -> StoreResult<Self> {
        let mut inner = sqlx::postgres::PgListener::connect_with(pool).await?;
        inner.listen(CHANNEL).await?;
        Ok(Self { inner })
    }

    /// Waits for the next commit that wrote the feed: `Ok(true)`. `Ok(false)` or an
    /// error: the connection was lost; the caller connects again later.
    pub async fn next(&mut self) -> StoreResult<bool> {
        Ok(self.inner.try_recv().await?.is_some())
    }
}

/// The `model-changed` payload: ids by kind (settings by key); `everything` when the
/// screens should reload all they show (too many changes, or the feed could not be read
/// for a while).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedBatch {
    pub processes: BTreeSet<String>,
    pub executions: BTreeSet<String>,
    pub clients: BTreeSet<String>,
    pub operators: BTreeSet<String>,
    pub users: BTreeSet<String>,
    pub settings: BTreeSet<String>,
    pub everything: bool,
}

impl FeedBatch {
    pub fn add(&mut self, c: &Change) {
        if self.everything {
            // The screens reload everything: ids would add nothing.
            return;
        }
        let Some(id) = c.entity_id.clone() else {
            self.everything = true;
            return;
        };
        match c.entity.as_str() {
            "processo" => {
                self.processes.insert(id);
            }
            "execucao" => {
                self.executions.insert(id);
                if let Some(p) = &c.process_id {
                    self.processes.insert(p.clone());
                }
            }
            "cliente" => {
                self.clients.insert(id);
            }
            "operadora" => {
                self.operators.insert(id);
            }
            "usuario" => {
                self.users.insert(id);
            }
            "configuracao" => {
                self.settings.insert(id);
            }
            _ => self.everything = true,
        }
        self.cap();
    }

    pub fn merge(&mut self, other: FeedBatch) {
        self.everything |= other.everything;
        self.processes.extend(other.processes);
        self.executions.extend(other.executions);
        self.clients.extend(other.clients);
        self.operators.extend(other.operators);
        self.users.extend(other.users);
        self.settings.extend(other.settings);
        self.cap();
    }

    pub fn id_count(&self) -> usize {
        self.processes.len()
            + self.executions.len()
            + self.clients.len()
            + self.operators.len()
            + self.users.len()
            + self.settings.len()
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.id_count() == 0
    }

    /// Past [`MAX_IDS`] the ids are dropped: the screens reload everything anyway.
    fn cap(&mut self) {
        if self.everything || self.id_count() > MAX_IDS {
            *self = FeedBatch {
                everything: true,
                ..Default::default()
            };
        }
    }

    fn everything() -> Self {
        FeedBatch {
            everything: true,
            ..Default::default()
        }
    }
}

/// Follows the feed from where it stood when first read. Remembers the last seq seen and
/// the seqs skipped below it for a while (on PostgreSQL a transaction that took its seq
/// earlier may commit after a later one).
pub struct FeedReader {
    store: Arc<dyn Store>,
    last: Option<i64>,
    holes: BTreeMap<i64, Instant>,
}

impl FeedReader {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            last: None,
            holes: BTreeMap::new(),
        }
    }

    pub fn last_seq(&self) -> Option<i64> {
        self.last
    }

    /// What changed since the previous call (the first call only notes where the feed
    /// stands and returns nothing).
    pub async fn poll(&mut self) -> StoreResult<FeedBatch> {
        let Some(last) = self.last else {
            self.last = Some(self.store.latest_change_seq().await?);
            return Ok(FeedBatch::default());
        };
        let now = Instant::now();
        self.holes
            .retain(|seq, seen| now.duration_since(*seen) < HOLE_TTL && last - seq < MAX_HOLE_SPAN);
        let from = self.holes.keys().next().map_or(last, |h| (h - 1).min(last));
        let rows = self.store.changes_since(from, READ_LIMIT).await?;
        if rows.len() as i64 >= READ_LIMIT {
            // Too much at once: start again from the newest row.
            self.last = Some(self.store.latest_change_seq().await?.max(last));
            self.holes.clear();
            return Ok(FeedBatch::everything());
        }
        let mut batch = FeedBatch::default();
        let mut top = last;
        for row in &rows {
            if row.seq <= last {
                if self.holes.remove(&row.seq).is_some() {
                    batch.add(row);
                }
                continue;
            }
            for missing in (top + 1)..row.seq {
                if row.seq - missing < MAX_HOLE_SPAN {
                    self.holes.insert(missing, now);
                }
            }
            batch.add(row);
            top = row.seq;
        }
        if top < last {
            top = last;
        }
        self.last = Some(top);
        Ok(batch)
    }
}

/// Follows the feed for as long as the program runs and calls `emit` with one batch per
/// [`BATCH_WINDOW`] at most. Wakes on PostgreSQL notifications (reconnecting the
/// listener when it drops) and reads every [`POLL_EVERY`] otherwise. A database that
/// does not answer is retried quietly; once it answers again the batch says
/// `everything`. Prunes rows older than [`KEEP`] now and then.
pub async fn run<F>(store: Arc<dyn Store>, mut emit: F)
where
    F: FnMut(FeedBatch) + Send,
{
    let mut reader = FeedReader::new(store.clone());
    let wake = Arc::new(tokio::sync::Notify::new());
    let listening = Arc::new(AtomicBool::new(false));
    let _listener = (store.backend() == Backend::Postgres).then(|| {
        AbortOnDrop(tokio::spawn(listen(
            store.clone(),
            wake.clone(),
            listening.clone(),
        )))
    });
    let mut pending = FeedBatch::default();
    let mut last_emit = Instant::now() - BATCH_WINDOW;
    let mut last_prune: Option<Instant> = None;
    let mut failing = false;
    loop {
        let wait = if reader.last_seq().is_none() && !failing {
            // The first read (where the feed stands) happens at once.
            Duration::ZERO
        } else if !pending.is_empty() {
            (last_emit + BATCH_WINDOW).saturating_duration_since(Instant::now())
        } else if listening.load(Ordering::Relaxed) {
            LISTENING_POLL_EVERY
        } else {
            POLL_EVERY
        };
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        match reader.poll().await {
            Ok(mut batch) => {
                if failing {
                    batch.everything = true;
                    failing = false;
                }
                pending.merge(batch);
            }
            Err(e) => {
                if !failing {
                    tracing::debug!(error = %e, "change feed: database not answering, retrying");
                }
                failing = true;
            }
        }
        if !pending.is_empty() && last_emit.elapsed() >= BATCH_WINDOW {
            emit(std::mem::take(&mut pending));
            last_emit = Instant::now();
        }
        if !failing && last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            let keep = chrono::Duration::from_std(KEEP).unwrap_or(chrono::Duration::hours(1));
            match store.prune_change_feed(chrono::Utc::now() - keep).await {
                Ok(_) => last_prune = Some(Instant::now()),
                Err(e) => tracing::debug!(error = %e, "change feed: prune failed"),
            }
        }
    }
}

/// PostgreSQL: keeps a LISTEN connection up (reconnecting after a loss) and wakes the
/// reader at each notification. Its own task, so no wait on the socket is ever cut short.
async fn listen(store: Arc<dyn Store>, wake: Arc<tokio::sync::Notify>, listening: Arc<AtomicBool>) {
    loop {
        match store.change_listener().await {
            Ok(Some(mut l)) => {
                listening.store(true, Ordering::Relaxed);
                // A read right away covers what was written while no one listened.
                wake.notify_one();
                while let Ok(true) = l.next().await {
                    wake.notify_one();
                }
                listening.store(false, Ordering::Relaxed);
                tracing::debug!("change feed: listener lost, reconnecting");
            }
            Ok(None) => return,
            Err(e) => tracing::debug!(error = %e, "change feed: listener not connected"),
        }
        tokio::time::sleep(LISTEN_RETRY).await;
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(seq: i64, entity: &str, id: &str) -> Change {
        Change {
            seq,
            entity: entity.into(),
            entity_id: Some(id.into()),
            process_id: (entity == "execucao").then(|| "p9".to_string()),
        }
    }

    #[test]
    fn batches_sort_ids_by_kind_and_cap_at_max() {
        let mut b = FeedBatch::default();
        b.add(&change(1, "execucao", "e1"));
        b.add(&change(2, "configuracao", "robo.url"));
        b.add(&change(3, "usuario", "u1"));
        assert_eq!(b.executions.len(), 1);
        assert!(b.processes.contains("p9"));
        assert!(b.settings.contains("robo.url"));
        assert!(!b.everything);
        for i in 0..=MAX_IDS {
            b.add(&change(10 + i as i64, "cliente", &format!("c{i}")));
        }
        assert!(b.everything);
        assert_eq!(b.id_count(), 0);
        let json = serde_json::to_value(FeedBatch::default()).unwrap();
        for k in [
            "processes",
            "executions",
            "clients",
            "operators",
            "users",
            "settings",
            "everything",
        ] {
            assert!(json.get(k).is_some(), "{k}");
        }
    }
}
