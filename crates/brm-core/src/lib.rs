//! The domain of BRM RPA Desk, free of Tauri and of any database: entities, roles,
//! validation rules and the error every layer above speaks. Messages meant for users are
//! in pt-BR here, once, so the window, the worker and the tests all show the same words.

pub mod approval;
pub mod audit;
pub mod client;
pub mod clock;
pub mod dashboard;
pub mod document;
pub mod email;
pub mod error;
pub mod execution;
pub mod import;
pub mod invoice;
pub mod notice;
pub mod operator;
pub mod payment_line;
pub mod process;
pub mod reconcile;
pub mod robot_machine;
pub mod role;
pub mod schedule;
pub mod user;

pub use error::{Error, ErrorCode, FieldError, Result};
pub use role::Role;
