//! What a click on a desktop notification does (issue 6). "Aprovar" approves the
//! version the notification showed with the desktop's session, through the same path as
//! the window (`approve_from_notification`); whatever stops it (the session ended,
//! someone decided first, a check, the person's own upload) opens the window on the
//! process with a follow-up notification that says why. Anything else opens the target.
//! Never fails: the desktop shell only shows what comes back.

use crate::Desk;
use brm_core::notice::{Notice, NoticeTarget};
use brm_core::process::Month;
use brm_core::{Error, ErrorCode};
use serde::Serialize;

/// The action id of the "Aprovar" button.
pub const ACTION_APPROVE: &str = "aprovar";
/// The action id of the "Abrir" button (a click on the body opens too).
pub const ACTION_OPEN: &str = "abrir";

pub const APPROVED_TITLE: &str = "Fatura aprovada";
pub const NOT_APPROVED_TITLE: &str = "Não foi possível aprovar pela notificação";

/// What the desktop shell does after a click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActionOutcome {
    /// Approved: show `follow_up`; the window need not open.
    Approved { follow_up: Notice },
    /// Open the window on `target`, and show `follow_up` when there is one.
    Open {
        target: NoticeTarget,
        follow_up: Option<Notice>,
    },
}

/// "11/2026" from "2026-11" (as stored when it does not parse).
fn month_text(m: &str) -> String {
    Month::parse(m)
        .map(Month::display)
        .unwrap_or_else(|_| m.to_string())
}

impl Desk {
    /// Handles `action` ("aprovar", "abrir", a click on the body...) on a notification
    /// whose target is `target`, with the desktop's session token (None when nobody is
    /// logged in).
    pub async fn notification_action(
        &self,
        token: Option<&str>,
        action: &str,
        target: NoticeTarget,
    ) -> ActionOutcome {
        let approve = action.trim().eq_ignore_ascii_case(ACTION_APPROVE);
        let NoticeTarget::Processo { id, version } = target else {
            if approve {
                tracing::warn!(
                    ?target,
                    "\"aprovar\" on a notification without a process: opened"
                );
            }
            return ActionOutcome::Open {
                target,
                follow_up: None,
            };
        };
        if !approve {
            return ActionOutcome::Open {
                target,
                follow_up: None,
            };
        }
        let result = match token {
            Some(t) => self.approve_from_notification(t, id, version).await,
            None => Err(Error::unauthenticated()),
        };
        match result {
            Ok(r) => {
                tracing::info!(process = %id, version = r.process.version, "approved from a notification");
                let p = &r.process;
                ActionOutcome::Approved {
                    follow_up: Notice {
                        title: APPROVED_TITLE.to_string(),
                        body: format!(
                            "{} · {} · {}\n{}",
                            p.client_name,
                            p.operator_name,
                            month_text(&p.reference_month),
                            r.message
                        ),
                        approve: false,
                        target: NoticeTarget::Processo {
                            id,
                            version: p.version,
                        },
                    },
                }
            }
            Err(e) => {
                tracing::warn!(process = %id, version, code = ?e.code, message = %e.message, "approval from a notification refused");
                // The client's name and the current version, for the follow-up and the
                // window; the process may be gone, or the database down.
                let row = match self.store.process_row(id).await {
                    Ok(r) => r,
                    Err(read) => {
                        tracing::warn!(process = %id, error = %read, "process unreadable after a refused notification approval");
                        None
                    }
                };
                let client = row.as_ref().map(|r| r.client_name.as_str());
                let body = match (e.code, client) {
                    (ErrorCode::Unauthenticated, Some(c)) => format!(
                        "Sua sessão terminou. Entre novamente para decidir a fatura de {c}."
                    ),
                    (ErrorCode::Unauthenticated, None) => {
                        "Sua sessão terminou. Entre novamente para decidir esta fatura.".to_string()
                    }
                    (_, Some(c)) => format!("Fatura de {c}: {}", e.message),
                    (_, None) => e.message.clone(),
                };
                let target = NoticeTarget::Processo {
                    id,
                    version: row.as_ref().map_or(version, |r| r.version),
                };
                ActionOutcome::Open {
                    target,
                    follow_up: Some(Notice {
                        title: NOT_APPROVED_TITLE.to_string(),
                        body,
                        approve: false,
                        target,
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_read_mm_aaaa() {
        assert_eq!(super::month_text("2026-11"), "11/2026");
        assert_eq!(super::month_text("bobagem"), "bobagem");
    }
}
