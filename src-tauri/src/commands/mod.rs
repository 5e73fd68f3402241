//! One module of thin commands per domain: read the session token, call the `Desk`,
//! return its answer or its error unchanged.

pub mod app;
pub mod approval;
pub mod auth;
pub mod backups;
pub mod clients;
pub mod dashboard;
pub mod desktop;
pub mod diagnostics;
pub mod email;
pub mod exports;
pub mod legacy;
pub mod operators;
pub mod processes;
pub mod robot;
pub mod robot_machines;
pub mod schedules;
pub mod settings;
pub mod system_settings;
pub mod users;

#[cfg(test)]
mod acl_test;
#[cfg(test)]
mod approval_test;
#[cfg(test)]
mod backups_test;
#[cfg(test)]
mod desktop_test;
#[cfg(test)]
mod diagnostics_test;
#[cfg(test)]
mod email_test;
#[cfg(test)]
mod exports_test;
#[cfg(test)]
mod legacy_test;
#[cfg(test)]
mod robot_machines_test;
#[cfg(test)]
mod robot_test;
#[cfg(test)]
mod roles_test;
#[cfg(test)]
mod schedules_test;
#[cfg(test)]
mod system_settings_test;
