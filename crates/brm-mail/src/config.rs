//! Where the mail server is and how to reach it.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// How the connection to the server is protected. Wire values as in the settings
/// (`email.smtp.security`): "STARTTLS", "TLS", "NENHUMA".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS before anything else (usually port 587).
    /// Required: a server that does not offer it is an error, never a silent fallback.
    #[serde(rename = "STARTTLS")]
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    #[serde(rename = "TLS")]
    Tls,
    /// No encryption: only towards this computer (a local relay), where nothing crosses
    /// the network.
    #[serde(rename = "NENHUMA")]
    Plain,
}

impl Security {
    /// pt-BR label for the settings screen.
    pub fn label(self) -> &'static str {
        match self {
            Security::StartTls => "STARTTLS (porta 587)",
            Security::Tls => "TLS (porta 465)",
            Security::Plain => "Nenhuma (só para servidor neste computador)",
        }
    }

    /// The port a server usually listens on for this security.
    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::Plain => 25,
        }
    }
}

/// Everything needed to talk to the mail server.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// None: the server takes mail without login (a local relay).
    pub user: Option<String>,
    pub password: Option<Zeroizing<String>>,
    /// Shown as the sender's name, e.g. "BRM RPA Desk".
    pub sender_name: String,
    pub sender_address: String,
    /// One or more PEM certificates of an extra trusted authority (an office's own CA),
    /// on top of the operating system's.
    pub extra_root_pem: Option<Vec<u8>>,
    /// The longest a connection attempt, and a whole send, may take.
    pub timeout: Duration,
}

// Hand-written so the password never reaches a log through `{:?}`.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<oculta>"))
            .field("sender_name", &self.sender_name)
            .field("sender_address", &self.sender_address)
            .field(
                "extra_root_pem",
                &self.extra_root_pem.as_ref().map(Vec::len),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// True for "localhost" and loopback addresses: the only hosts a connection without
/// encryption may go to. The domain's own rule, so the settings screen and the sender
/// cannot disagree.
pub use brm_core::email::is_loopback_host;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            " localhost ",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "smtp.example.com",
            "10.0.0.1",
            "localhost.example.com",
            "0.0.0.0",
            "",
            "[127.0.0.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn security_wire_values() {
        assert_eq!(
            serde_json::to_string(&Security::StartTls).unwrap(),
            "\"STARTTLS\""
        );
        assert_eq!(serde_json::to_string(&Security::Tls).unwrap(), "\"TLS\"");
        assert_eq!(
            serde_json::to_string(&Security::Plain).unwrap(),
            "\"NENHUMA\""
        );
        assert_eq!(
            serde_json::from_str::<Security>("\"NENHUMA\"").unwrap(),
            Security::Plain
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let cfg = SmtpConfig {
            host: "smtp.example.com".into(),
            port: 587,
            security: Security::StartTls,
            user: Some("robo@example.com".into()),
            password: Some(Zeroizing::new("s3nha-secreta".into())),
            sender_name: "BRM".into(),
            sender_address: "robo@example.com".into(),
            extra_root_pem: None,
            timeout: Duration::from_secs(30),
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("s3nha-secreta"), "{shown}");
        assert!(shown.contains("<oculta>"), "{shown}");
    }
}
