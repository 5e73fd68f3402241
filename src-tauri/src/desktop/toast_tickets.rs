//! Tickets that let a Windows toast's "Aprovar" approve while the toast is on screen.
//!
//! On Windows every activation of a toast (its body, "Abrir", "Aprovar") is a
//! `brm-desk://` link, so that a click from the Action Center, or after the app exited,
//! still opens the app on the process. A link can come from anywhere, so a link alone
//! never approves: it opens the approval desk with "Aprovar" focused. The one exception
//! is the toast this process just showed: its "Aprovar" link carries a ticket, random,
//! held only in this process's memory, for that process only, good once and only for as
//! long as a toast stays on screen. Later (from the Action Center) the same link only
//! opens, like any other.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a toast can stay on screen: Windows shows a "long" toast for 25 s (a
/// "short" one, the default, for about 7 s).
pub const ON_SCREEN: Duration = Duration::from_secs(25);

#[derive(Debug)]
struct Ticket {
    process: Uuid,
    version: i64,
    issued: Instant,
}

#[derive(Debug, Default)]
pub struct ToastTickets {
    live: Mutex<HashMap<String, Ticket>>,
}

impl ToastTickets {
    /// A new ticket for "Aprovar" on `process` at `version` (128 random bits, hex).
    #[cfg_attr(not(windows), allow(dead_code))]
    pub fn issue(&self, process: Uuid, version: i64, now: Instant) -> String {
        let ticket = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, t| now.saturating_duration_since(t.issued) <= ON_SCREEN);
        live.insert(
            ticket.clone(),
            Ticket {
                process,
                version,
                issued: now,
            },
        );
        ticket
    }

    /// The version the toast showed, when `ticket` was issued for `process` by this
    /// process, is not used yet and the toast can still be on screen. Used up either way.
    pub fn redeem(&self, ticket: &str, process: Uuid, now: Instant) -> Option<i64> {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let t = live.remove(ticket)?;
        (t.process == process && now.saturating_duration_since(t.issued) <= ON_SCREEN)
            .then_some(t.version)
    }
}

/// This process's tickets.
pub fn tickets() -> &'static ToastTickets {
    static TICKETS: std::sync::OnceLock<ToastTickets> = std::sync::OnceLock::new();
    TICKETS.get_or_init(ToastTickets::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_approves_once_for_its_process_while_on_screen() {
        let tickets = ToastTickets::default();
        let t0 = Instant::now();
        let p = Uuid::new_v4();
        let ticket = tickets.issue(p, 7, t0);
        assert_eq!(ticket.len(), 64);
        assert_eq!(
            tickets.redeem(&ticket, p, t0 + Duration::from_secs(3)),
            Some(7)
        );
        // Used: the same link again (a second click, the Action Center) only opens.
        assert_eq!(
            tickets.redeem(&ticket, p, t0 + Duration::from_secs(4)),
            None
        );
    }

    #[test]
    fn a_late_a_foreign_or_a_made_up_ticket_approves_nothing() {
        let tickets = ToastTickets::default();
        let t0 = Instant::now();
        let p = Uuid::new_v4();
        let late = tickets.issue(p, 1, t0);
        assert_eq!(
            tickets.redeem(&late, p, t0 + ON_SCREEN + Duration::from_secs(1)),
            None
        );
        // A ticket for another process (a link edited to point elsewhere).
        let other = tickets.issue(Uuid::new_v4(), 1, t0);
        assert_eq!(tickets.redeem(&other, p, t0), None);
        // ... and it is gone for its own process too: one try per ticket.
        assert_eq!(tickets.redeem(&other, p, t0), None);
        assert_eq!(tickets.redeem("", p, t0), None);
        assert_eq!(tickets.redeem(&"0".repeat(64), p, t0), None);
    }

    #[test]
    fn old_tickets_are_forgotten() {
        let tickets = ToastTickets::default();
        let t0 = Instant::now();
        for _ in 0..100 {
            tickets.issue(Uuid::new_v4(), 1, t0);
        }
        tickets.issue(Uuid::new_v4(), 1, t0 + ON_SCREEN * 2);
        assert_eq!(tickets.live.lock().unwrap().len(), 1);
    }
}
