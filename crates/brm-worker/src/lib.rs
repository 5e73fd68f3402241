//! The background service of BRM RPA Desk, free of Tauri: the desktop application starts
//! it beside its window, and `brm-desk worker` runs it alone.
//!
//! Each cycle it runs the schedules that are due, polls the robot jobs it leased (bounded
//! concurrency, only new log lines appended), and claims due processes for downloads and
//! SAT uploads under the global and per-operator caps. Results become process
//! transitions in the same transaction as their execution; failures count an attempt and
//! schedule a retry with backoff and jitter, or mark the process as needing attention.

pub mod config;
pub mod email;
pub mod engine;
pub mod events;
mod flight;
pub mod health;
mod invoice;
pub mod markers;
mod outcome;
mod poll;
mod reconcile;
pub mod retry;
pub mod robots;
pub mod runtime;
pub mod schedule;
mod seals;
mod start;

pub use config::WorkerConfig;
pub use email::{MailReport, PlanReport};
pub use engine::{CycleReport, Worker, WorkerHandle};
pub use events::WorkerEvent;
pub use health::{HealthBoard, RobotHealth, RobotState};
pub use robots::RobotDirectory;
pub use seals::ResealReport;
