//! Moving in from the old Flask system: read its database (SQLite file or PostgreSQL)
//! and its `.env`, map its rows onto ours with a report of what is created, mapped and
//! rejected (and why), and keep its users' passwords working until their first login.
//! Tauri-free; `brm_service::Desk` runs the preview and the commit.
//!
//! - [`schema`]: the old system's real tables and columns, and what happens to each;
//! - [`source`]: reading the old tables (every value as text) and the `.env`;
//! - [`status`]: the old statuses to ours (the table is in that module's docs);
//! - [`values`]: `mes_ano` MM/AAAA, money, dates and flags as the old columns hold them;
//! - [`plan`]: the dry run and what the commit writes;
//! - [`password`]: the old hashes of both user tables (PBKDF2, Werkzeug's scrypt and
//!   PBKDF2).
//!
//! The old schema is the one its own code creates (`shared/spec/legacy-schema.md`); the
//! tests run on a database made by that code, `fixtures/legado/flask-antigo.sqlite3`.

pub mod env_file;
pub mod password;
pub mod plan;
pub mod schema;
pub mod source;
pub mod status;
pub mod values;

pub use plan::{NewClient, Plan, Planner, Report};
pub use source::{LegacySource, Snapshot, SourceKind};
