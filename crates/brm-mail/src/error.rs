//! What went wrong, in pt-BR for the person and in the server's words for the log.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use lettre::address::AddressError;
use lettre::transport::smtp::Error as SmtpError;
use rustls::CertificateError;
use serde::Serialize;

/// Which part of the sending failed: lets the outbox tell a problem of one message (the
/// recipient) from one that stops every message until someone acts (settings, login,
/// server down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailErrorKind {
    /// The settings cannot work (no host, no encryption towards another computer, an
    /// unreadable extra certificate).
    Config,
    /// The sender address is invalid or the server refused it.
    Sender,
    /// This recipient's address is invalid or the server refused it.
    Recipient,
    /// The login was refused or is not possible on this connection.
    Auth,
    /// The server could not be reached, did not answer in time, or dropped the connection.
    Connection,
    /// No secure connection: the certificate is not valid, or the security chosen does
    /// not match the port.
    Tls,
    /// Any other error reply of the server (busy, message refused, ...).
    Server,
    /// The message itself could not be built.
    Message,
}

/// A failed connection test or delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailError {
    /// Trying again later cannot help: the server answered 5xx (recipient or sender
    /// refused, login refused), an address is invalid, or the settings cannot work.
    /// Login refusals (535) are permanent on purpose: they are shown to an administrator,
    /// not retried until the account gets locked.
    pub permanent: bool,
    pub kind: MailErrorKind,
    /// pt-BR, says what to do; never holds the password.
    pub message: String,
    /// The server's reply or the underlying error, for the log.
    pub detail: String,
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for MailError {}

/// What the failed operation was about, to word the message.
pub(crate) struct Context<'a> {
    pub host: &'a str,
    pub port: u16,
    pub timeout: Duration,
    pub sender: &'a str,
    /// None for a connection test.
    pub recipient: Option<&'a str>,
}

impl MailError {
    fn new(permanent: bool, kind: MailErrorKind, message: String, detail: String) -> Self {
        MailError {
            permanent,
            kind,
            message,
            detail,
        }
    }

    pub(crate) fn config(message: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(true, MailErrorKind::Config, message.into(), detail.into())
    }

    pub(crate) fn bad_address(address: &str, for_sender: bool, err: &AddressError) -> Self {
        let detail = format!("{err}");
        if for_sender {
            let message = if address.is_empty() {
                "Informe o endereço do remetente nas configurações de e-mail.".to_string()
            } else {
                format!(
                    "O endereço do remetente \"{address}\" não é um e-mail válido. Corrija-o nas \
                     configurações de e-mail."
                )
            };
            Self::new(true, MailErrorKind::Sender, message, detail)
        } else {
            let message = if address.is_empty() {
                "O destinatário não tem e-mail cadastrado.".to_string()
            } else {
                format!("O endereço \"{address}\" não é um e-mail válido: confira o e-mail do destinatário.")
            };
            Self::new(true, MailErrorKind::Recipient, message, detail)
        }
    }

    pub(crate) fn bad_message(err: &lettre::error::Error) -> Self {
        Self::new(
            true,
            MailErrorKind::Message,
            "Não foi possível montar a mensagem de e-mail.".to_string(),
            err.to_string(),
        )
    }

    pub(crate) fn timed_out(ctx: &Context) -> Self {
        Self::new(
            false,
            MailErrorKind::Connection,
            format!(
                "O servidor de e-mail {}:{} não respondeu em {} s. Confira o endereço, a porta e a \
                 segurança (STARTTLS costuma ser a porta 587; TLS, a 465).",
                ctx.host,
                ctx.port,
                ctx.timeout.as_secs().max(1)
            ),
            format!("no answer within {:?}", ctx.timeout),
        )
    }

    /// The pool handed out a connection that no longer answers.
    pub(crate) fn from_smtp_closed(ctx: &Context) -> Self {
        Self::new(
            false,
            MailErrorKind::Connection,
            format!(
                "A conexão com o servidor de e-mail {}:{} caiu. Tente de novo.",
                ctx.host, ctx.port
            ),
            "connection not alive after connect".to_string(),
        )
    }

    /// Classifies lettre's error: the reply code first, then TLS, then the network.
    pub(crate) fn from_smtp(err: &SmtpError, ctx: &Context) -> Self {
        let detail = chain(err);
        if let Some(code) = err.status() {
            let text = err.source().map(|s| s.to_string()).unwrap_or_default();
            return from_reply(
                &code.to_string(),
                text.trim(),
                err.is_permanent(),
                detail,
                ctx,
            );
        }
        if let Some(tls) = find_rustls(err) {
            return from_tls(tls, detail, ctx);
        }
        let addr = format!("{}:{}", ctx.host, ctx.port);
        if err.is_client() {
            let text = err.source().map(|s| s.to_string()).unwrap_or_default();
            if text.contains("STARTTLS") {
                return Self::new(
                    true,
                    MailErrorKind::Tls,
                    format!(
                        "O servidor de e-mail {addr} não oferece STARTTLS. Confira a porta e a \
                         segurança (TLS costuma ser a porta 465)."
                    ),
                    detail,
                );
            }
            if text.contains("authentication mechanism") {
                return Self::new(
                    true,
                    MailErrorKind::Auth,
                    format!(
                        "O servidor de e-mail {addr} não aceita login por senha nesta conexão. Use \
                         STARTTLS ou TLS, ou deixe usuário e senha em branco se o servidor não pede login."
                    ),
                    detail,
                );
            }
        }
        if err.is_tls() {
            return tls_failed(&addr, detail);
        }
        if err.is_timeout() {
            return Self::timed_out(ctx);
        }
        if let Some(io) = find_io(err) {
            let (what, hint) = match io.kind() {
                io::ErrorKind::ConnectionRefused => (
                    "Não foi possível conectar ao servidor de e-mail",
                    "(conexão recusada). Confira o endereço e a porta.",
                ),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => (
                    "A conexão com o servidor de e-mail",
                    "caiu no meio do envio. Uma nova tentativa será feita; se continuar, confira a \
                     porta e a segurança (STARTTLS costuma ser a porta 587; TLS, a 465).",
                ),
                io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => (
                    "Não foi possível conectar ao servidor de e-mail",
                    "(rede inalcançável). Confira a conexão deste computador com a rede.",
                ),
                _ if looks_like_dns(io) => {
                    return Self::new(
                        false,
                        MailErrorKind::Connection,
                        format!(
                            "O servidor de e-mail \"{}\" não foi encontrado. Confira o endereço do \
                             servidor e a conexão deste computador com a rede.",
                            ctx.host
                        ),
                        detail,
                    );
                }
                _ => (
                    "Não foi possível conectar ao servidor de e-mail",
                    "Confira o endereço, a porta e a conexão deste computador com a rede.",
                ),
            };
            return Self::new(
                false,
                MailErrorKind::Connection,
                format!("{what} {addr} {hint}"),
                detail,
            );
        }
        if err.is_response() {
            return Self::new(
                false,
                MailErrorKind::Connection,
                format!(
                    "O endereço {addr} não respondeu como um servidor de e-mail. Confira a porta e a \
                     segurança (STARTTLS costuma ser a porta 587; TLS, a 465)."
                ),
                detail,
            );
        }
        Self::new(
            false,
            MailErrorKind::Connection,
            format!(
                "Falha ao falar com o servidor de e-mail {addr}. Uma nova tentativa será feita."
            ),
            detail,
        )
    }
}

/// An error reply of the server: "535", "5.7.8 Authentication credentials invalid".
fn from_reply(code: &str, text: &str, permanent: bool, detail: String, ctx: &Context) -> MailError {
    let reply = if text.is_empty() {
        code.to_string()
    } else {
        format!("{code} {text}")
    };
    let lower = text.to_lowercase();
    let enhanced = text
        .split_whitespace()
        .next()
        .filter(|t| is_enhanced_code(t))
        .unwrap_or("");
    let to = ctx.recipient.unwrap_or("");
    use MailErrorKind::*;
    let (kind, message) = match code {
        "535" => (Auth, format!("Usuário ou senha do e-mail recusados pelo servidor ({code}). Confira-os nas configurações de e-mail.")),
        "534" => (Auth, format!(
            "O servidor de e-mail recusou o login ({reply}). Alguns provedores exigem uma senha de \
             aplicativo ou outra forma de login: confira na conta de e-mail."
        )),
        "538" => (Auth, format!("O servidor de e-mail só aceita o login em conexão segura ({code}). Escolha STARTTLS ou TLS.")),
        "530" => (Auth, format!(
            "O servidor de e-mail exige login ou conexão segura antes de enviar ({reply}). Informe \
             usuário e senha e escolha STARTTLS ou TLS."
        )),
        "454" => (Auth, format!("O servidor de e-mail não conseguiu conferir o login agora ({reply}). Uma nova tentativa será feita.")),
        "421" => (Server, format!("O servidor de e-mail está indisponível no momento ({reply}). Uma nova tentativa será feita.")),
        "552" if enhanced.starts_with("5.3.4") || lower.contains("size") => {
            (Server, format!("A mensagem é grande demais para o servidor de e-mail ({reply})."))
        }
        _ if permanent && (enhanced == "5.1.7" || enhanced == "5.1.8" || lower.contains("sender")) => (Sender, format!(
            "O servidor de e-mail recusou o remetente {} ({reply}): confira o endereço do remetente \
             nas configurações de e-mail; ele deve ser uma conta do usuário informado.",
            ctx.sender
        )),
        _ if permanent && !to.is_empty() && (lower.contains("relay") || enhanced == "5.7.1") => (Recipient, format!(
            "O servidor de e-mail não aceitou encaminhar para {to} ({reply}): confira o usuário e a \
             senha e se o remetente é uma conta deste servidor."
        )),
        "550" | "551" | "553" | "554" | "556" if permanent && !to.is_empty() => (Recipient, format!(
            "O servidor de e-mail recusou o destinatário {to} ({reply}): confira o endereço."
        )),
        _ if permanent && !to.is_empty() => {
            (Server, format!("O servidor de e-mail recusou a mensagem para {to} ({reply})."))
        }
        _ if permanent => (Server, format!("O servidor de e-mail recusou a conexão ({reply}).")),
        _ => (Server, format!(
            "O servidor de e-mail pediu para tentar mais tarde ({reply}). Uma nova tentativa será feita."
        )),
    };
    // Login refusals count as permanent whatever the code class (see `permanent`), except
    // 454, the server's own "try again later".
    let permanent = permanent || (kind == Auth && code != "454");
    MailError::new(permanent, kind, message, detail)
}

fn from_tls(err: &rustls::Error, detail: String, ctx: &Context) -> MailError {
    let host = ctx.host;
    let message = match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => format!(
                "O certificado do servidor de e-mail {host} não é válido: foi emitido por uma \
                 autoridade em que este computador não confia. Confira o endereço do servidor; se \
                 o escritório usa uma autoridade própria, instale o certificado dela no sistema."
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "O certificado do servidor de e-mail não vale para o nome \"{host}\". Use no \
                 endereço o nome que consta do certificado (por exemplo, smtp.provedor.com.br)."
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
                "O certificado do servidor de e-mail {host} está vencido. Avise o responsável pelo \
                 servidor."
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
                "O certificado do servidor de e-mail {host} ainda não é válido. Confira a data e a \
                 hora deste computador."
            ),
            CertificateError::Revoked => format!(
                "O certificado do servidor de e-mail {host} foi revogado. Avise o responsável pelo \
                 servidor."
            ),
            _ => format!(
                "O certificado do servidor de e-mail {host} não é válido ({cert:?}). Confira o \
                 endereço do servidor."
            ),
        },
        _ => return tls_failed(&format!("{}:{}", ctx.host, ctx.port), detail),
    };
    MailError::new(false, MailErrorKind::Tls, message, detail)
}

fn tls_failed(addr: &str, detail: String) -> MailError {
    MailError::new(
        false,
        MailErrorKind::Tls,
        format!(
            "Não foi possível abrir uma conexão segura com o servidor de e-mail {addr}. Confira a \
             segurança escolhida: STARTTLS costuma ser a porta 587; TLS, a 465."
        ),
        detail,
    )
}

/// "5.1.1", "4.7.0": an RFC 3463 enhanced status code.
fn is_enhanced_code(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The error and its sources on one line, for the log.
fn chain(err: &SmtpError) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Every error in the chain, also the one an io::Error wraps (its `source()` skips it).
fn for_each_cause<'a>(err: &'a SmtpError, mut f: impl FnMut(&'a (dyn StdError + 'static)) -> bool) {
    let mut source = err.source();
    while let Some(s) = source {
        if f(s) {
            return;
        }
        if let Some(inner) = s.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            let inner: &(dyn StdError + 'static) = inner;
            if f(inner) {
                return;
            }
        }
        source = s.source();
    }
}

fn find_rustls(err: &SmtpError) -> Option<&rustls::Error> {
    let mut found = None;
    for_each_cause(err, |e| {
        found = e.downcast_ref::<rustls::Error>();
        found.is_some()
    });
    found
}

fn find_io(err: &SmtpError) -> Option<&io::Error> {
    let mut found = None;
    for_each_cause(err, |e| {
        found = e.downcast_ref::<io::Error>();
        found.is_some()
    });
    found
}

/// tokio's lookup_host reports an unknown name as an io::Error of no particular kind, with
/// getaddrinfo's words (Linux, macOS) or WSA's (Windows).
fn looks_like_dns(err: &io::Error) -> bool {
    let text = err.to_string().to_lowercase();
    [
        "failed to lookup address",
        "name or service not known",
        "nodename nor servname",
        "no such host",
        "temporary failure in name resolution",
    ]
    .iter()
    .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context<'static> {
        Context {
            host: "smtp.example.com",
            port: 587,
            timeout: Duration::from_secs(30),
            sender: "robo@example.com",
            recipient: Some("fulano@example.com"),
        }
    }

    #[test]
    fn recipient_refused_is_permanent_and_names_the_address() {
        let e = from_reply(
            "550",
            "5.1.1 <fulano@example.com>: Recipient address rejected",
            true,
            String::new(),
            &ctx(),
        );
        assert!(e.permanent);
        assert_eq!(e.kind, MailErrorKind::Recipient);
        assert!(e.message.contains("fulano@example.com"), "{}", e.message);
        assert!(e.message.contains("550"), "{}", e.message);
    }

    #[test]
    fn sender_refused_names_the_sender() {
        let e = from_reply(
            "553",
            "5.1.8 Sender address rejected: domain not found",
            true,
            String::new(),
            &ctx(),
        );
        assert_eq!(e.kind, MailErrorKind::Sender);
        assert!(e.message.contains("robo@example.com"), "{}", e.message);
    }

    #[test]
    fn login_refused_is_permanent_busy_is_not() {
        let e = from_reply(
            "535",
            "5.7.8 Authentication credentials invalid",
            true,
            String::new(),
            &ctx(),
        );
        assert!(e.permanent);
        assert_eq!(e.kind, MailErrorKind::Auth);
        assert_eq!(e.message, "Usuário ou senha do e-mail recusados pelo servidor (535). Confira-os nas configurações de e-mail.");
        let e = from_reply("451", "4.3.0 Try again later", false, String::new(), &ctx());
        assert!(!e.permanent);
        let e = from_reply(
            "454",
            "4.7.0 Temporary authentication failure",
            false,
            String::new(),
            &ctx(),
        );
        assert!(!e.permanent);
        assert_eq!(e.kind, MailErrorKind::Auth);
    }

    #[test]
    fn enhanced_codes() {
        assert!(is_enhanced_code("5.1.1"));
        assert!(is_enhanced_code("4.7.11"));
        assert!(!is_enhanced_code("5.1"));
        assert!(!is_enhanced_code("<a@b.c>:"));
    }
}
