//! The connection to the mail server, kept between messages.

use std::future::Future;
use std::sync::OnceLock;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{is_loopback_host, Security, SmtpConfig};
use crate::error::{Context, MailError};
use crate::message::{self, Outgoing};

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Sends through one configured server, reusing its connections (a pool of two: the
/// outbox sends one message after another). Build a new one when the settings change.
pub struct Mailer {
    cfg: SmtpConfig,
    from: Mailbox,
    tls: Tls,
    // Made on first use: lettre's pool starts a Tokio task, so `new` works outside a runtime.
    transport: OnceLock<Transport>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the settings (host, no encryption only towards this computer, sender address,
    /// extra certificate) without connecting.
    pub fn new(cfg: SmtpConfig) -> Result<Self, MailError> {
        let host = cfg.host.trim().to_string();
        if host.is_empty() {
            return Err(MailError::config(
                "Informe o endereço do servidor de e-mail.",
                "empty host",
            ));
        }
        if cfg.port == 0 {
            return Err(MailError::config(
                "Informe a porta do servidor de e-mail.",
                "port 0",
            ));
        }
        if cfg.security == Security::Plain && !is_loopback_host(&host) {
            return Err(MailError::config(
                format!(
                    "Sem criptografia, o e-mail só pode ir para um servidor neste computador \
                     (localhost). Para \"{host}\", escolha STARTTLS ou TLS."
                ),
                format!("plain SMTP refused towards non-loopback host {host}"),
            ));
        }
        let from = message::mailbox(Some(&cfg.sender_name), &cfg.sender_address, true)?;
        let tls = match cfg.security {
            Security::Plain => Tls::None,
            Security::StartTls => {
                Tls::Required(tls_parameters(&host, cfg.extra_root_pem.as_deref())?)
            }
            Security::Tls => Tls::Wrapper(tls_parameters(&host, cfg.extra_root_pem.as_deref())?),
        };
        let cfg = SmtpConfig { host, ..cfg };
        Ok(Mailer {
            cfg,
            from,
            tls,
            transport: OnceLock::new(),
        })
    }

    /// The settings this mailer was built from.
    pub fn config(&self) -> &SmtpConfig {
        &self.cfg
    }

    /// Delivers one message to the server. Ok means the server accepted it (250 after DATA).
    pub async fn send(&self, m: &Outgoing) -> Result<(), MailError> {
        let ctx = self.context(Some(m.to_email.trim()));
        let email = message::build(&self.from, m)?;
        let transport = self.transport();
        self.bounded(&ctx, transport.send(email)).await.map(|_| ())
    }

    /// Connects, secures the connection, logs in and says hello: what a send does before
    /// the message, without sending anything.
    pub async fn test_connection(&self) -> Result<(), MailError> {
        let ctx = self.context(None);
        let transport = self.transport();
        let alive = self.bounded(&ctx, transport.test_connection()).await?;
        if alive {
            Ok(())
        } else {
            Err(MailError::from_smtp_closed(&ctx))
        }
    }

    fn context<'a>(&'a self, recipient: Option<&'a str>) -> Context<'a> {
        Context {
            host: &self.cfg.host,
            port: self.cfg.port,
            timeout: self.cfg.timeout,
            sender: &self.cfg.sender_address,
            recipient,
        }
    }

    /// lettre bounds the TCP connect by the timeout but not the TLS handshake or the
    /// replies: STARTTLS towards an SMTPS port would wait for a greeting forever.
    async fn bounded<T>(
        &self,
        ctx: &Context<'_>,
        op: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, MailError> {
        match tokio::time::timeout(self.cfg.timeout, op).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.scrub(MailError::from_smtp(&e, ctx))),
            Err(_) => Err(MailError::timed_out(ctx)),
        }
    }

    /// No server reply should echo the password, but the log line is checked anyway.
    fn scrub(&self, mut err: MailError) -> MailError {
        if let Some(pw) = self.cfg.password.as_ref().filter(|p| p.len() >= 3) {
            err.detail = err.detail.replace(pw.as_str(), "***");
            err.message = err.message.replace(pw.as_str(), "***");
        }
        err
    }

    fn transport(&self) -> &Transport {
        self.transport.get_or_init(|| {
            let mut b = Transport::builder_dangerous(self.cfg.host.as_str())
                .port(self.cfg.port)
                .tls(self.tls.clone())
                .timeout(Some(self.cfg.timeout))
                .pool_config(PoolConfig::new().max_size(2));
            if let Some(user) = self.cfg.user.as_ref().filter(|u| !u.trim().is_empty()) {
                // lettre keeps its own String copy of the password for the pool's lifetime.
                let password = self
                    .cfg
                    .password
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                b = b
                    .credentials(Credentials::new(user.trim().to_string(), password))
                    .authentication(vec![Mechanism::Plain, Mechanism::Login]);
            }
            b.build()
        })
    }
}

/// Verified TLS towards `host`: the operating system's roots plus the extra authority.
fn tls_parameters(host: &str, extra_root_pem: Option<&[u8]>) -> Result<TlsParameters, MailError> {
    // A bracketed IPv6 literal is checked against the certificate without brackets.
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let mut b = TlsParameters::builder(name.to_string());
    if let Some(pem) = extra_root_pem {
        let unreadable = |detail: String| {
            MailError::config(
                "O certificado de autoridade extra do e-mail não pôde ser lido: ele deve estar no \
                 formato PEM (-----BEGIN CERTIFICATE-----).",
                detail,
            )
        };
        if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(unreadable("no PEM certificate block".to_string()));
        }
        let cert = Certificate::from_pem(pem).map_err(|e| unreadable(e.to_string()))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| {
        MailError::config(
            "Não foi possível preparar a conexão segura do e-mail (certificados deste computador).",
            e.to_string(),
        )
    })
}
