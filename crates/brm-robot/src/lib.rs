//! Client of the robot service (Bot Phone RPA API): one async method per endpoint of
//! the contract (`shared/spec/rpa-api.md`), over reqwest with rustls, with connect and
//! whole-call timeouts, the bearer token, tolerant reading of every answer, and each
//! failure classified for the retry policy (`RobotError::class`).
//!
//! Secrets (the service token, a portal password) never appear in a message, a log
//! line or a `Debug` output.

mod client;
mod config;
mod error;
mod event_bound;
mod model;

pub use client::RobotClient;
pub use config::{RobotConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
pub use error::{classify_job_error, RobotError, RobotErrorKind, UNAUTHORIZED_MESSAGE};
pub use model::{
    parse_robot_time, DownloadRequest, Health, JobAccepted, JobList, JobResult, JobState,
    JobStatus, JobSummary, RobotEvent, RobotLogLine, SatRequest, TokenInfo,
};
