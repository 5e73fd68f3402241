//! The worker itself: its parts, one cycle, and the tasks that repeat it.

use crate::config::WorkerConfig;
use crate::events::WorkerEvent;
use crate::health::HealthBoard;
use crate::robots::RobotDirectory;
use brm_core::audit::Actor;
use brm_core::clock::Clock;
use brm_core::execution::ExecutionKind;
use brm_secrets::SecretBox;
use brm_storage::InvoiceStorage;
use brm_store::{Store, StoreResult};
use rand::SeedableRng;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;

/// What one cycle did; the benchmark and the tests read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CycleReport {
    pub schedules_run: u32,
    pub polled: u32,
    pub started: u32,
    pub completed: u32,
    pub deferred: u32,
    pub failed: u32,
    pub needs_attention: u32,
    pub new_log_lines: u64,
    /// Creates whose answer was lost: they wait to be matched with a robot job.
    pub unconfirmed: u32,
    /// Robot jobs matched to such a create (then polled like any other).
    pub adopted: u32,
}

/// How one execution moved in a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Unchanged,
    Started,
    Running,
    Completed,
    Deferred,
    Failed { attention: bool },
    Skipped,
    Unconfirmed,
    Adopted,
}

impl CycleReport {
    pub(crate) fn add(&mut self, step: Step) {
        match step {
            Step::Started => self.started += 1,
            Step::Completed => self.completed += 1,
            Step::Deferred => self.deferred += 1,
            Step::Failed { attention } => {
                self.failed += 1;
                if attention {
                    self.needs_attention += 1;
                }
            }
            Step::Unconfirmed => self.unconfirmed += 1,
            Step::Adopted => self.adopted += 1,
            Step::Unchanged | Step::Running | Step::Skipped => {}
        }
    }
}

pub struct Worker {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) storage: Arc<dyn InvoiceStorage>,
    pub(crate) robots: Arc<RobotDirectory>,
    pub(crate) secrets: Arc<SecretBox>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: WorkerConfig,
    pub(crate) health: HealthBoard,
    pub(crate) events: broadcast::Sender<WorkerEvent>,
    pub(crate) wake: Arc<Notify>,
    /// Wakes the e-mail sender (a schedule planned messages, a test was asked for).
    pub(crate) mail_wake: Arc<Notify>,
    pub(crate) rng: Mutex<rand::rngs::StdRng>,
    pub(crate) http: reqwest::Client,
    /// What a poll needs that rarely changes, kept in memory so that polling a job that
    /// did not move costs one HTTP request and no database work (benchmark: 1,000 jobs).
    pub(crate) memo: crate::poll::PollMemo,
    pub(crate) flight: Arc<crate::flight::Flight>,
    /// SAT uploads this machine cannot do (it cannot read their invoice in the storage),
    /// left to other machines until the time given.
    pub(crate) unreadable:
        Mutex<std::collections::HashMap<uuid::Uuid, chrono::DateTime<chrono::Utc>>>,
    /// The sealed portal passwords as this machine last saw them (issue 19).
    pub(crate) seals: Mutex<crate::seals::SealState>,
    /// The invoice-folder marker this machine last wrote (issue 19).
    pub(crate) markers: Mutex<crate::markers::MarkerState>,
}

/// Audit events the worker writes name it, not a person.
pub(crate) fn actor() -> Actor {
    Actor::anonymous("Serviço de robôs")
}

pub(crate) const PROCESS_ENTITY: &str = "processo";

impl Worker {
    pub fn new(
        store: Arc<dyn Store>,
        storage: Arc<dyn InvoiceStorage>,
        robots: Arc<RobotDirectory>,
        secrets: Arc<SecretBox>,
        clock: Arc<dyn Clock>,
        config: WorkerConfig,
    ) -> Self {
        let (events, _) = broadcast::channel(4096);
        Self {
            store,
            storage,
            robots,
            secrets,
            clock,
            config,
            health: HealthBoard::default(),
            events,
            wake: Arc::new(Notify::new()),
            mail_wake: Arc::new(Notify::new()),
            rng: Mutex::new(rand::rngs::StdRng::from_entropy()),
            memo: Default::default(),
            flight: Default::default(),
            unreadable: Default::default(),
            seals: Default::default(),
            markers: Default::default(),
            http: crate::invoice::download_client(),
        }
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    pub fn health(&self) -> &HealthBoard {
        &self.health
    }

    pub fn subscribe(&self) -> broadcast::Receiver<WorkerEvent> {
        self.events.subscribe()
    }

    pub fn robots(&self) -> &Arc<RobotDirectory> {
        &self.robots
    }

    /// Run a cycle now (a person pressed "Baixar agora", a process was approved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Look at the e-mail outbox now (a test message was queued).
    pub fn wake_mail(&self) {
        self.mail_wake.notify_one();
    }

    pub(crate) fn emit(&self, event: WorkerEvent) {
        // Nobody listening (a worker without a window) is fine.
        let _ = self.events.send(event);
    }

    /// One pass: due schedules, then polling what is running, then starting what is due;
    /// waits for every request it made. A database error ends the pass early (the next
    /// one retries); nothing is written half: every step is its own transaction.
    pub async fn cycle(self: &Arc<Self>) -> StoreResult<CycleReport> {
        self.cycle_within(None).await
    }

    /// [`Self::cycle`], waiting at most `wait` for its requests: each runs on its own
    /// task, so a slow or hanging answer delays only its own execution (the background
    /// loop's way; the report then counts what finished in time).
    pub async fn cycle_within(
        self: &Arc<Self>,
        wait: Option<std::time::Duration>,
    ) -> StoreResult<CycleReport> {
        let mut report = CycleReport::default();
        self.run_due_schedules(&mut report, wait).await?;
        if !self.health.allows_calls() {
            return Ok(report);
        }
        self.poll_open(&mut report, wait).await?;
        if self.health.allows_new_work() {
            self.keep_seals().await?;
            if let Err(e) = self.keep_marker().await {
                tracing::warn!("invoice-folder marker not written: {e}");
            }
            self.start_due(
                ExecutionKind::DownloadFatura,
                self.config.auto_download,
                None,
                "sistema",
                &mut report,
                wait,
            )
            .await?;
            let auto_sat = self.auto_sat().await;
            self.start_due(
                ExecutionKind::UploadSat,
                auto_sat,
                None,
                "sistema",
                &mut report,
                wait,
            )
            .await?;
        }
        Ok(report)
    }

    /// Runs `work` for each item on a task of its own, skipping an item whose executions
    /// a task of this worker still works on; waits for them all, or until `wait` passes (the rest go on
    /// by themselves and log their own database errors).
    pub(crate) async fn fan_out<T, R, F, Fut>(
        self: &Arc<Self>,
        items: Vec<T>,
        ids_of: impl Fn(&T) -> Vec<uuid::Uuid>,
        wait: Option<std::time::Duration>,
        work: F,
    ) -> Vec<StoreResult<R>>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(Arc<Worker>, T) -> Fut,
        Fut: std::future::Future<Output = StoreResult<R>> + Send + 'static,
    {
        use futures::StreamExt;
        let mut tasks = futures::stream::FuturesUnordered::new();
        for item in items {
            let Some(busy) = self.flight.take(ids_of(&item)) else {
                continue;
            };
            let job = work(self.clone(), item);
            let task = tokio::spawn(async move {
                let _busy = busy;
                let r = job.await;
                if let Err(e) = &r {
                    tracing::warn!("robot work stopped early: {e}");
                }
                r
            });
            self.flight.track(task.abort_handle());
            tasks.push(task);
        }
        let deadline = wait.map(|w| tokio::time::Instant::now() + w);
        let mut out = Vec::new();
        loop {
            let next = match deadline {
                Some(d) => match tokio::time::timeout_at(d, tasks.next()).await {
                    Ok(n) => n,
                    Err(_) => break,
                },
                None => tasks.next().await,
            };
            match next {
                None => break,
                Some(Ok(r)) => out.push(r),
                Some(Err(e)) if e.is_panic() => out.push(Err(brm_store::StoreError::Corrupt(
                    format!("uma tarefa do serviço de robôs falhou: {e}"),
                ))),
                // Aborted: the worker is being killed.
                Some(Err(_)) => {}
            }
        }
        out
    }

    /// The "envio automático ao SAT" setting, read each cycle so a change applies at once.
    async fn auto_sat(&self) -> bool {
        match self.store.get_setting(SETTING_AUTO_SAT).await {
            Ok(Some(v)) => v.as_bool().unwrap_or(self.config.auto_sat),
            _ => self.config.auto_sat,
        }
    }

    /// `/health` of the main robot service. Every check goes to the window (its time and
    /// queue counts in the header's tooltip stay current, as Diagnóstico's do); a return
    /// to "disponível" also wakes the worker.
    pub async fn check_health(&self) {
        let now = self.clock.now();
        let misses = self.config.health_misses;
        let changed = match self.robots.main().health().await {
            Ok(h) if h.healthy => self.health.record_ok(now, h.jobs_pending, h.jobs_active),
            Ok(h) => self.health.record_miss(
                now,
                &format!("o serviço se declarou \"{}\"", h.status),
                misses,
            ),
            Err(e) => self.health.record_miss(now, &e.message, misses),
        };
        self.emit(WorkerEvent::Robot(self.health.snapshot()));
        if changed.is_some_and(|h| h.state == crate::health::RobotState::Ok) {
            self.wake();
        }
    }

    /// A 401: stop calling the robot until an administrator replaces the token.
    pub(crate) fn token_refused(&self, message: &str) {
        if let Some(h) = self.health.token_invalid(self.clock.now(), message) {
            tracing::error!("robot token refused: calls stopped until it is replaced");
            self.emit(WorkerEvent::Robot(h));
        }
    }

    /// After an administrator saved a new robot token.
    pub fn token_replaced(&self) {
        if let Some(h) = self.health.token_replaced() {
            self.emit(WorkerEvent::Robot(h));
            self.wake();
        }
    }

    /// Starts the cycle loop and the health loop; they stop with the handle.
    pub fn spawn(self: Arc<Self>) -> WorkerHandle {
        let (stop, _) = watch::channel(false);
        let w = self.clone();
        let mut stopped = stop.subscribe();
        let cycles = tokio::spawn(async move {
            loop {
                match w.cycle_within(Some(w.config.cycle_wait)).await {
                    Ok(r) if r != CycleReport::default() => tracing::debug!(?r, "worker cycle"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("worker cycle stopped early: {e}"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(w.config.poll_interval) => {}
                    _ = w.wake.notified() => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        let w = self.clone();
        let mut stopped = stop.subscribe();
        let health = tokio::spawn(async move {
            loop {
                w.check_health().await;
                tokio::select! {
                    _ = tokio::time::sleep(w.config.health_interval) => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        let mail = tokio::spawn(self.clone().mail_loop(stop.subscribe()));
        WorkerHandle {
            worker: self,
            stop,
            tasks: vec![cycles, health, mail],
        }
    }
}

/// Settings key: start SAT uploads by themselves after approval (default true).
pub const SETTING_AUTO_SAT: &str = "robo.envio_sat_automatico";

pub struct WorkerHandle {
    worker: Arc<Worker>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerHandle {
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Stops both loops after their current step, gives the requests still in flight
    /// up to `stop_grace` to end (a create's answer is worth recording), stops the rest,
    /// and hands back every open execution this worker leased: another worker resumes
    /// them at its next cycle instead of waiting out the lease. A create stopped in the
    /// air leaves its "sent" mark, which the next worker reconciles like a lost answer.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let w = &self.worker;
        if !w.flight.wait_idle(w.config.stop_grace).await {
            tracing::warn!("robot requests still in flight at stop: interrupted");
        }
        w.flight.abort_all();
        match w.store.release_leases(&w.config.owner).await {
            Ok(n) => tracing::info!("stopped: {n} open executions handed back"),
            Err(e) => tracing::warn!("stopped; leases not handed back (they expire): {e}"),
        }
    }

    /// The desktop app quitting: no waiting for requests in flight (the window is going
    /// away), but the jobs are handed back all the same. A create cut off in the air
    /// leaves its "sent" mark, which the next worker reconciles like a lost answer.
    pub async fn stop_now(&self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
        self.worker.flight.abort_all();
        match self
            .worker
            .store
            .release_leases(&self.worker.config.owner)
            .await
        {
            Ok(n) => tracing::info!("app closing: {n} open executions handed back"),
            Err(e) => tracing::warn!("app closing; leases not handed back (they expire): {e}"),
        }
    }

    /// Stops at once, as a killed process would (tests of crash recovery).
    pub fn abort(self) {
        for t in &self.tasks {
            t.abort();
        }
        self.worker.flight.abort_all();
    }
}
