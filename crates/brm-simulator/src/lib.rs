//! A stand-in of the robot service ("Bot Phone RPA API"): same endpoints, shapes and
//! errors, the 5-worker FIFO queue, progress and log lines, the 24 h purge, invoice PDFs
//! with a Brazilian payment line written into the configured storage, and fault
//! injection. Deterministic: every random choice comes from a ChaCha stream seeded with
//! (seed, job or request index), and time comes from a [`Clock`] (manual in tests).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use brm_core::clock::SystemClock;
//! use brm_simulator::{SimConfig, Simulator};
//! let storage = Arc::new(brm_storage::LocalFolder::new("/tmp/faturas").unwrap());
//! let sim = Simulator::new(SimConfig::default(), storage, Arc::new(SystemClock));
//! let running = sim.serve(0).await?;
//! println!("{}", running.base_url());
//! running.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Besides the contract's routes, `/_sim/*` (same bearer token, no faults) lets tests
//! steer it: `GET /_sim/clock`, `POST /_sim/clock/advance {"seconds": n}` (manual clock
//! only, else 409), `GET /_sim/stats`, `GET|PUT /_sim/faults`.
//!
//! Conventions worth knowing:
//! - Timestamps are naive UTC in Python's `isoformat()` style (`2026-11-01T12:00:00`, with
//!   `.ffffff` only when there are microseconds); reference months and due dates on the
//!   invoices are Brasília (UTC-3) dates.
//! - Job ids derive from the seed and the job's creation index, so two runs with the same
//!   seed hand out the same ids. An embedded simulator whose job ids may outlive the
//!   process (stored by a client that restarts) should get a fresh seed per start.
//! - A 500 fault answers before the request takes effect; a dropped connection or a
//!   truncated answer comes after it (the job exists; the client just did not hear so).
//! - Job faults are drawn when a job is created, against the faults in force then.

mod config;
mod engine;
mod http;
pub mod pdf;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use brm_core::clock::{Clock, ManualClock};
use brm_storage::InvoiceStorage;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Faults, ResultShape, SimConfig};

/// Error texts the simulated robots use, for tests that look for them.
pub mod messages {
    pub use crate::engine::{
        BUSINESS_ERROR, NO_INVOICE, OTHER_CLIENT_CNPJ, TRANSIENT_ERROR, WRONG_PASSWORD,
    };
}

/// Counters since start (`GET /_sim/stats`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SimStats {
    /// Jobs created (downloads and SAT), including those later purged or lost.
    pub jobs_created: u64,
    pub downloads_created: u64,
    pub sat_created: u64,
    /// Jobs created per `processo_id` (requests without one are not counted here).
    pub by_processo: BTreeMap<String, u64>,
    pub running: usize,
    pub queued: usize,
    /// Creates whose answer the `lost_answer_rate` fault lost after the job was made.
    pub answers_lost: u64,
    /// Creates answered with the job their `Idempotency-Key` made before.
    pub idempotent_replays: u64,
    /// Every job the service still holds, oldest first.
    pub jobs: Vec<SimJob>,
}

/// One job as the tests count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimJob {
    pub job_id: String,
    pub processo_id: Option<String>,
    /// A SAT upload (else an invoice download).
    pub sat: bool,
    /// PENDING, RUNNING, COMPLETED or FAILED.
    pub state: String,
}

pub(crate) fn stats_of(engine: &engine::Engine) -> SimStats {
    let st = engine.state();
    SimStats {
        jobs_created: st.jobs_created,
        downloads_created: st.downloads_created,
        sat_created: st.sat_created,
        by_processo: st.by_processo.clone(),
        running: st.active(),
        queued: st.pending(),
        answers_lost: engine
            .answers_lost
            .load(std::sync::atomic::Ordering::SeqCst),
        idempotent_replays: st.replays,
        jobs: st.jobs().map(|j| j.record()).collect(),
    }
}

/// The simulator. Cheap to clone: clones share the same jobs.
#[derive(Clone)]
pub struct Simulator {
    engine: Arc<engine::Engine>,
}

impl Simulator {
    /// A simulator whose time comes from `clock`. `/_sim/clock/advance` answers 409:
    /// use [`Simulator::with_manual_clock`] for a clock tests can move over HTTP.
    pub fn new(cfg: SimConfig, storage: Arc<dyn InvoiceStorage>, clock: Arc<dyn Clock>) -> Self {
        Self {
            engine: Arc::new(engine::Engine::new(cfg, storage, clock, None)),
        }
    }

    /// A simulator on a manual clock, which `POST /_sim/clock/advance` and
    /// [`Simulator::advance`] move.
    pub fn with_manual_clock(
        cfg: SimConfig,
        storage: Arc<dyn InvoiceStorage>,
        clock: Arc<ManualClock>,
    ) -> Self {
        let dyn_clock: Arc<dyn Clock> = clock.clone();
        Self {
            engine: Arc::new(engine::Engine::new(cfg, storage, dyn_clock, Some(clock))),
        }
    }

    /// The routes, to serve on a listener of your own (no background ticker: every
    /// request brings the simulation up to date; call [`Simulator::tick`] otherwise).
    pub fn router(&self) -> axum::Router {
        http::router(self.engine.clone(), self.engine.never_closing.subscribe())
    }

    /// Advances every job to the clock's now (starts queued jobs, applies progress,
    /// writes invoices, purges old jobs).
    pub async fn tick(&self) {
        self.engine.tick().await;
    }

    /// Replaces the faults; HTTP faults apply from the next request, job faults to jobs
    /// created from now on.
    pub fn set_faults(&self, f: Faults) {
        self.engine.set_faults(f);
    }

    pub fn faults(&self) -> Faults {
        self.engine.faults()
    }

    pub fn stats(&self) -> SimStats {
        stats_of(&self.engine)
    }

    /// The simulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.engine.clock.now()
    }

    /// Moves the manual clock forward and ticks. False (and nothing moves) when the
    /// simulator was not built with [`Simulator::with_manual_clock`].
    pub async fn advance(&self, by: chrono::Duration) -> bool {
        let Some(clock) = &self.engine.manual_clock else {
            return false;
        };
        clock.advance(by);
        self.tick().await;
        true
    }

    /// Binds 127.0.0.1:port (0 = any free port), serves in a tokio task with a 200 ms
    /// ticker, and returns the handle. Dropping the handle stops both tasks at once;
    /// [`RunningSimulator::shutdown`] stops them gracefully.
    pub async fn serve(&self, port: u16) -> std::io::Result<RunningSimulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let (closing_tx, closing_rx) = watch::channel(false);
        let app = http::router(self.engine.clone(), closing_rx.clone());
        let mut stop = closing_rx;
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stop.wait_for(|c| *c).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "simulator server ended with an error");
            }
        });
        let sim = self.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_millis(200));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                sim.tick().await;
            }
        });
        tracing::info!(%addr, "robot service simulator listening");
        Ok(RunningSimulator {
            addr,
            closing: closing_tx,
            server: Some(server),
            ticker: Some(ticker),
        })
    }
}

/// A simulator served on a loopback port.
pub struct RunningSimulator {
    pub addr: SocketAddr,
    closing: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
}

impl RunningSimulator {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, ends the live streams, lets answers in flight finish (at most
    /// 2 s), and stops the ticker.
    pub async fn shutdown(mut self) {
        let _ = self.closing.send(true);
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(mut server) = self.server.take() {
            if tokio::time::timeout(std::time::Duration::from_secs(2), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        let _ = self.closing.send(true);
        for task in [self.ticker.take(), self.server.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}
