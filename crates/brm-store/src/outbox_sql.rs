//! What both backends' e-mail outbox code shares: the columns read, how a send's outcome
//! becomes column values, and the list's size.

use brm_core::email::{EmailOutcome, OutboxState, LIST_LIMIT};
use chrono::{DateTime, Utc};

/// Every column but the bodies (lists).
pub(crate) const LIST_COLUMNS: &str =
    "id, rule, recipient_id, recipient_email, recipient_name, process_id,
    subject_key, day, subject, '' AS body_text, '' AS body_html, state, attempts,
    next_attempt_at, last_error, created_at, sent_at";
/// Every column, bodies included (the sender).
pub(crate) const ALL_COLUMNS: &str =
    "id, rule, recipient_id, recipient_email, recipient_name, process_id,
    subject_key, day, subject, body_text, body_html, state, attempts,
    next_attempt_at, last_error, created_at, sent_at";

/// (state, next try, error, sent at) of an outcome.
pub(crate) type OutcomeColumns = (
    OutboxState,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

pub(crate) fn outcome_columns(o: &EmailOutcome) -> OutcomeColumns {
    match o {
        EmailOutcome::Sent { at } => (OutboxState::Enviado, None, None, Some(*at)),
        EmailOutcome::Retry { error, next_at } => (
            OutboxState::Pendente,
            Some(*next_at),
            Some(error.clone()),
            None,
        ),
        EmailOutcome::Failed { error } => (OutboxState::Falhou, None, Some(error.clone()), None),
        EmailOutcome::Cancelled { reason } => {
            (OutboxState::Cancelado, None, Some(reason.clone()), None)
        }
    }
}

/// At most [`LIST_LIMIT`]; zero or less means the whole limit.
pub(crate) fn clamp_limit(limit: i64) -> i64 {
    if limit <= 0 {
        LIST_LIMIT
    } else {
        limit.min(LIST_LIMIT)
    }
}
