//! E-mail delivery for BRM RPA Desk (issue 21): one SMTP server, configured by an
//! administrator, sends the digests, reminders and escalations the outbox holds.
//!
//! - [`SmtpConfig`] says where and how to connect ([`Security`]: STARTTLS, implicit TLS,
//!   or nothing at all, only towards this computer);
//! - [`Mailer`] keeps a small pool of connections to that server and sends [`Outgoing`]
//!   messages (plain text and HTML alternatives, UTF-8);
//! - every failure is a [`MailError`] with a pt-BR message for the window, the server's
//!   reply for the log, and whether trying again later can help (`permanent`).
//!
//! Tauri-free; TLS is rustls (ring) with the operating system's trusted roots plus an
//! optional extra authority, always verified.

mod config;
mod error;
mod mailer;
mod message;

pub use config::{is_loopback_host, Security, SmtpConfig};
pub use error::{MailError, MailErrorKind};
pub use mailer::Mailer;
pub use message::Outgoing;
