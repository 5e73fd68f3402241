//! Moving in from the old Flask system: read its database (SQLite file or PostgreSQL)
//! and its `.env`, map its rows onto ours with a report of what is created, mapped and
//! rejected (and why), and keep its users' passwords working until their first login.
//! Tauri-free; `brm_service::Desk` runs the preview and the commit.
//!
//! - [`source`]: reading the old tables (every value as text) and the `.env`;
//! - [`status`]: the old statuses to ours (the table is in that module's docs);
//! - [`values`]: `mes_ano` MM/AAAA, money, dates and flags as the old columns hold them;
//! - [`plan`]: the dry run and what the commit writes;
//! - [`password`]: the old PBKDF2-HMAC-SHA512 hashes.
//!
//! The old schema is documented (and built, with synthetic rows) by
//! `scripts/make-legacy-db.py`.

pub mod env_file;
pub mod password;
pub mod plan;
pub mod source;
pub mod status;
pub mod values;

pub use plan::{NewClient, Plan, Planner, Report};
pub use source::{LegacySource, Snapshot, SourceKind};
