//! One outgoing message and its MIME form.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use crate::error::MailError;

/// A message to one person: the same content as plain text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to_email: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Stable per outbox row (e.g. "<uuid@brm-desk>"), so a retry after a lost reply
    /// carries the same Message-ID and the recipient's client can tell it is a duplicate.
    /// Angle brackets are added when missing.
    pub message_id: String,
}

/// Parses an address as the recipient (`for_sender` false) or the configured sender.
pub(crate) fn mailbox(
    name: Option<&str>,
    address: &str,
    for_sender: bool,
) -> Result<Mailbox, MailError> {
    let address = address.trim();
    let parsed: Address = address
        .parse()
        .map_err(|e| MailError::bad_address(address, for_sender, &e))?;
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Ok(Mailbox::new(name, parsed))
}

/// The RFC 5322 message: multipart/alternative (text/plain then text/html, both UTF-8),
/// From, To, Subject, Date, Message-ID and Auto-Submitted.
pub(crate) fn build(from: &Mailbox, m: &Outgoing) -> Result<Message, MailError> {
    let to = mailbox(m.to_name.as_deref(), &m.to_email, false)?;
    let id = m.message_id.trim();
    let id = if id.starts_with('<') {
        id.to_string()
    } else {
        format!("<{id}>")
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .date_now()
        .message_id(Some(id))
        // RFC 3834: an automatic message, so out-of-office replies are not sent back to it.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_string(),
        ))
        .multipart(MultiPart::alternative_plain_html(
            m.text.clone(),
            m.html.clone(),
        ))
        .map_err(|e| MailError::bad_message(&e))
}
