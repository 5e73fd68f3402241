//! Mailer against a real SMTP server on loopback (scripts/smtp-test-server.sh: aiosmtpd
//! with STARTTLS, implicit TLS, AUTH, and a certificate authority made by openssl):
//!
//! ```sh
//! eval "$(scripts/smtp-test-server.sh start)"
//! BRM_REQUIRE_SMTP=1 cargo test -p brm-mail
//! ```
//!
//! Without the BRM_SMTP_* variables the tests start a server of their own through the
//! script (it ends with the test binary). When that cannot be done (no python3-aiosmtpd)
//! the server tests print a skip line and pass, unless `BRM_REQUIRE_SMTP=1` (CI), where
//! they fail. The tests that need no server (port closed, settings refused) always run.
//!
//! Each test uses its own Message-ID and addresses, so tests running at once (or runs
//! sharing one server) find their own message among the .eml files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use brm_mail::{MailError, MailErrorKind, Mailer, Outgoing, Security, SmtpConfig};
use mail_parser::{MessageParser, MimeHeaders};
use zeroize::Zeroizing;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/smtp-test-server.sh"
);

/// One running test server, as the script's `export` line describes it.
#[derive(Debug, Clone)]
struct Server {
    dir: PathBuf,
    host: String,
    port: u16,
    tls_port: u16,
    user: String,
    password: String,
    ca: PathBuf,
    other_ca: PathBuf,
}

impl Server {
    fn from_vars(get: impl Fn(&str) -> Option<String>) -> Option<Server> {
        Some(Server {
            dir: get("BRM_SMTP_DIR")?.into(),
            host: get("BRM_SMTP_HOST")?,
            port: get("BRM_SMTP_PORT")?.parse().ok()?,
            tls_port: get("BRM_SMTP_TLS_PORT")?.parse().ok()?,
            user: get("BRM_SMTP_USER")?,
            password: get("BRM_SMTP_PASSWORD")?,
            ca: get("BRM_SMTP_CA")?.into(),
            other_ca: get("BRM_SMTP_OTHER_CA")?.into(),
        })
    }

    /// A new server through the script, ended by the script's owner watch when this test
    /// binary exits (or by `stop`).
    fn start() -> Result<Server, String> {
        let out = Command::new("bash")
            .arg(SCRIPT)
            .arg("start")
            .env("BRM_SMTP_OWNER_PID", std::process::id().to_string())
            .env_remove("BRM_SMTP_USER")
            .env_remove("BRM_SMTP_PASSWORD")
            .output()
            .map_err(|e| format!("bash {SCRIPT}: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let vars: Vec<(String, String)> = text
            .split_whitespace()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
        Server::from_vars(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            .ok_or_else(|| format!("unexpected output of {SCRIPT} start: {text}"))
    }

    fn script(&self, action: &str) {
        let status = Command::new("bash")
            .arg(SCRIPT)
            .arg(action)
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "smtp-test-server.sh {action} failed");
    }

    fn config(&self, security: Security) -> SmtpConfig {
        SmtpConfig {
            host: self.host.clone(),
            port: match security {
                Security::Tls => self.tls_port,
                _ => self.port,
            },
            security,
            user: Some(self.user.clone()),
            password: Some(Zeroizing::new(self.password.clone())),
            sender_name: "BRM RPA Desk – Notificações".to_string(),
            sender_address: "robo@brm-teste.localhost".to_string(),
            extra_root_pem: Some(std::fs::read(&self.ca).unwrap()),
            timeout: Duration::from_secs(10),
        }
    }

    /// The delivered message whose raw text holds `message_id`, if any.
    fn delivered(&self, message_id: &str) -> Option<Vec<u8>> {
        let mail = self.dir.join("mail");
        let mut names: Vec<_> = std::fs::read_dir(&mail)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        names.sort();
        names
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .filter_map(|p| std::fs::read(p).ok())
            .find(|raw| contains(raw, message_id.as_bytes()))
    }

    /// Makes RCPT to `address` get 550 (the server re-reads the file on every RCPT).
    fn reject(&self, address: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("reject"))
            .unwrap();
        writeln!(f, "{address}").unwrap();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn required() -> bool {
    std::env::var("BRM_REQUIRE_SMTP").as_deref() == Ok("1")
}

/// The server of this run: the one the BRM_SMTP_* variables name, or one started here.
/// None (after printing why) when the test should skip.
fn server(test: &str) -> Option<&'static Server> {
    static SHARED: OnceLock<Result<Server, String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        let from_env =
            Server::from_vars(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()));
        match from_env {
            Some(s) => Ok(s),
            None => Server::start(),
        }
    });
    skip_unless_started(test, shared).map(|s| s as &Server)
}

fn skip_unless_started<'a>(test: &str, r: &'a Result<Server, String>) -> Option<&'a Server> {
    match r {
        Ok(s) => Some(s),
        Err(why) if required() => panic!(
            "BRM_REQUIRE_SMTP=1 but the SMTP test server could not be started: {why}\n\
             (start one with `eval \"$(scripts/smtp-test-server.sh start)\"`)"
        ),
        Err(why) => {
            eprintln!("SKIPPED {test}: no SMTP test server ({why})");
            None
        }
    }
}

/// A Message-ID and a recipient no other test (or earlier run) uses.
fn unique(tag: &str) -> (String, String) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = N.fetch_add(1, Ordering::Relaxed);
    let key = format!("{tag}-{}-{nanos}-{n}", std::process::id());
    (
        format!("<{key}@brm-desk>"),
        format!("{key}@destino.localhost"),
    )
}

fn outgoing(message_id: &str, to: &str) -> Outgoing {
    Outgoing {
        to_email: to.to_string(),
        to_name: Some("José da Conceição".to_string()),
        subject: "Resumo diário: 3 faturas aguardando aprovação — março".to_string(),
        text: "Olá, José.\n\nHá 3 faturas aguardando a sua aprovação.\nAbrir: https://brm.example/processos/42\n"
            .to_string(),
        html: "<p>Olá, José.</p><p>Há 3 faturas aguardando a sua aprovação.</p>\
               <p><a href=\"https://brm.example/processos/42\">Abrir o processo</a></p>"
            .to_string(),
        message_id: message_id.to_string(),
    }
}

fn assert_no_password(err: &MailError, password: &str) {
    assert!(
        !err.message.contains(password),
        "password in message: {err:?}"
    );
    assert!(
        !err.detail.contains(password),
        "password in detail: {err:?}"
    );
}

#[tokio::test]
async fn starttls_with_login_delivers_text_and_html_with_utf8_headers() {
    let Some(srv) = server("starttls_with_login_delivers_text_and_html_with_utf8_headers") else {
        return;
    };
    let mailer = Mailer::new(srv.config(Security::StartTls)).unwrap();
    mailer.test_connection().await.unwrap();

    let (id, to) = unique("starttls");
    mailer.send(&outgoing(&id, &to)).await.unwrap();
    let raw = srv
        .delivered(&id)
        .expect("the message is in the server's mail folder");
    let msg = MessageParser::default().parse(&raw).unwrap();

    assert_eq!(
        msg.subject(),
        Some("Resumo diário: 3 faturas aguardando aprovação — março")
    );
    let from = msg.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("BRM RPA Desk – Notificações"));
    assert_eq!(from.address(), Some("robo@brm-teste.localhost"));
    let rcpt = msg.to().unwrap().first().unwrap();
    assert_eq!(rcpt.name(), Some("José da Conceição"));
    assert_eq!(rcpt.address(), Some(to.as_str()));
    assert_eq!(
        msg.message_id(),
        Some(id.trim_matches(|c| c == '<' || c == '>'))
    );
    assert!(msg.date().is_some(), "Date header");
    assert_eq!(
        msg.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    // The envelope the server saw (put in front by the test server).
    assert_eq!(
        msg.header_raw("X-BRM-Envelope-To").map(str::trim),
        Some(to.as_str())
    );

    // multipart/alternative: text/plain first, then text/html, both UTF-8.
    let ct = msg.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let leaves: Vec<_> = msg
        .parts
        .iter()
        .filter(|p| p.content_type().is_some_and(|c| c.ctype() == "text"))
        .collect();
    assert_eq!(leaves.len(), 2, "two text parts");
    let kinds: Vec<_> = leaves
        .iter()
        .map(|p| {
            let c = p.content_type().unwrap();
            (
                c.subtype().unwrap().to_string(),
                c.attribute("charset").unwrap().to_lowercase(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("plain".to_string(), "utf-8".to_string()),
            ("html".to_string(), "utf-8".to_string())
        ]
    );
    let text = msg.body_text(0).unwrap();
    assert!(
        text.contains("Há 3 faturas aguardando a sua aprovação."),
        "{text}"
    );
    assert!(text.contains("https://brm.example/processos/42"), "{text}");
    let html = msg.body_html(0).unwrap();
    assert!(
        html.contains("<a href=\"https://brm.example/processos/42\">Abrir o processo</a>"),
        "{html}"
    );

    // The same mailer sends again (its pooled connection, or a new one).
    let (id2, to2) = unique("starttls-again");
    mailer.send(&outgoing(&id2, &to2)).await.unwrap();
    assert!(srv.delivered(&id2).is_some());
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let Some(srv) = server("implicit_tls_delivers") else {
        return;
    };
    let mailer = Mailer::new(srv.config(Security::Tls)).unwrap();
    mailer.test_connection().await.unwrap();
    let (id, to) = unique("smtps");
    mailer.send(&outgoing(&id, &to)).await.unwrap();
    let raw = srv.delivered(&id).expect("delivered over implicit TLS");
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        msg.subject(),
        Some("Resumo diário: 3 faturas aguardando aprovação — março")
    );
}

#[tokio::test]
async fn wrong_password_is_a_permanent_login_error_without_the_password() {
    let Some(srv) = server("wrong_password_is_a_permanent_login_error_without_the_password") else {
        return;
    };
    let wrong = "senha-errada-123";
    for security in [Security::StartTls, Security::Tls] {
        let mut cfg = srv.config(security);
        cfg.password = Some(Zeroizing::new(wrong.to_string()));
        let mailer = Mailer::new(cfg).unwrap();

        let err = mailer.test_connection().await.unwrap_err();
        assert!(err.permanent, "{err:?}");
        assert_eq!(err.kind, MailErrorKind::Auth);
        assert_eq!(
            err.message,
            "Usuário ou senha do e-mail recusados pelo servidor (535). Confira-os nas configurações de e-mail."
        );
        assert!(err.detail.contains("535"), "{err:?}");
        assert_no_password(&err, wrong);

        let (id, to) = unique("wrong-password");
        let err = mailer.send(&outgoing(&id, &to)).await.unwrap_err();
        assert!(err.permanent && err.kind == MailErrorKind::Auth, "{err:?}");
        assert_no_password(&err, wrong);
        assert!(srv.delivered(&id).is_none());
    }
}

#[tokio::test]
async fn refused_recipient_is_permanent_and_named_and_others_still_go() {
    let Some(srv) = server("refused_recipient_is_permanent_and_named_and_others_still_go") else {
        return;
    };
    let mailer = Mailer::new(srv.config(Security::StartTls)).unwrap();
    let (id, refused) = unique("refused");
    srv.reject(&refused);

    let err = mailer.send(&outgoing(&id, &refused)).await.unwrap_err();
    assert!(err.permanent, "{err:?}");
    assert_eq!(err.kind, MailErrorKind::Recipient);
    assert!(
        err.message.starts_with(&format!(
            "O servidor de e-mail recusou o destinatário {refused} (550 5.1.1"
        )),
        "{}",
        err.message
    );
    assert!(
        err.message.ends_with(": confira o endereço."),
        "{}",
        err.message
    );
    assert!(err.detail.contains("550"), "{err:?}");
    assert!(srv.delivered(&id).is_none());

    // One refused recipient does not stop the next message.
    let (id2, to2) = unique("after-refused");
    mailer.send(&outgoing(&id2, &to2)).await.unwrap();
    assert!(srv.delivered(&id2).is_some());
}

#[tokio::test]
async fn closed_port_is_a_temporary_connection_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::StartTls,
        user: Some("robo".into()),
        password: Some(Zeroizing::new("segredo".into())),
        sender_name: "BRM".into(),
        sender_address: "robo@brm-teste.localhost".into(),
        extra_root_pem: None,
        timeout: Duration::from_secs(5),
    };
    let mailer = Mailer::new(cfg).unwrap();
    let (id, to) = unique("closed");
    for err in [
        mailer.send(&outgoing(&id, &to)).await.unwrap_err(),
        mailer.test_connection().await.unwrap_err(),
    ] {
        assert!(!err.permanent, "{err:?}");
        assert_eq!(err.kind, MailErrorKind::Connection);
        assert_eq!(
            err.message,
            format!(
                "Não foi possível conectar ao servidor de e-mail 127.0.0.1:{port} (conexão recusada). \
                 Confira o endereço e a porta."
            )
        );
    }
}

#[tokio::test]
async fn untrusted_certificate_is_refused_and_nothing_is_sent() {
    let Some(srv) = server("untrusted_certificate_is_refused_and_nothing_is_sent") else {
        return;
    };
    let other = std::fs::read(&srv.other_ca).unwrap();
    for security in [Security::StartTls, Security::Tls] {
        // Only the system's roots, then an authority that did not sign the server's.
        for extra in [None, Some(other.clone())] {
            let mut cfg = srv.config(security);
            cfg.extra_root_pem = extra;
            let mailer = Mailer::new(cfg).unwrap();
            let (id, to) = unique("untrusted");
            let err = mailer.send(&outgoing(&id, &to)).await.unwrap_err();
            assert_eq!(err.kind, MailErrorKind::Tls, "{err:?}");
            assert!(!err.permanent, "{err:?}");
            assert!(
                err.message
                    .starts_with("O certificado do servidor de e-mail 127.0.0.1 não é válido"),
                "{}",
                err.message
            );
            assert!(
                err.detail.contains("UnknownIssuer") || err.detail.contains("unknown issuer"),
                "{err:?}"
            );
            assert!(srv.delivered(&id).is_none());
            assert_eq!(
                mailer.test_connection().await.unwrap_err().kind,
                MailErrorKind::Tls
            );
        }
    }
}

#[tokio::test]
async fn security_that_does_not_match_the_port_is_explained() {
    let Some(srv) = server("security_that_does_not_match_the_port_is_explained") else {
        return;
    };
    // TLS towards the STARTTLS port: the server answers the handshake with SMTP text.
    let mut cfg = srv.config(Security::Tls);
    cfg.port = srv.port;
    let err = Mailer::new(cfg)
        .unwrap()
        .test_connection()
        .await
        .unwrap_err();
    assert!(!err.permanent, "{err:?}");
    assert_eq!(err.kind, MailErrorKind::Tls, "{err:?}");
    assert!(
        err.message
            .contains("STARTTLS costuma ser a porta 587; TLS, a 465"),
        "{}",
        err.message
    );

    // STARTTLS towards the SMTPS port: both sides wait for the other; the timeout ends it.
    let mut cfg = srv.config(Security::StartTls);
    cfg.port = srv.tls_port;
    cfg.timeout = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let err = Mailer::new(cfg)
        .unwrap()
        .test_connection()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(!err.permanent, "{err:?}");
    assert_eq!(err.kind, MailErrorKind::Connection, "{err:?}");
    assert!(
        err.message.contains("não respondeu em 2 s"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn no_encryption_only_towards_this_computer() {
    // Refused before any connection: the host does not even exist.
    let cfg = SmtpConfig {
        host: "smtp.exemplo-inexistente.invalid".into(),
        port: 25,
        security: Security::Plain,
        user: None,
        password: None,
        sender_name: "BRM".into(),
        sender_address: "robo@brm-teste.localhost".into(),
        extra_root_pem: None,
        timeout: Duration::from_secs(5),
    };
    let err = Mailer::new(cfg).unwrap_err();
    assert!(err.permanent);
    assert_eq!(err.kind, MailErrorKind::Config);
    assert_eq!(
        err.message,
        "Sem criptografia, o e-mail só pode ir para um servidor neste computador (localhost). \
         Para \"smtp.exemplo-inexistente.invalid\", escolha STARTTLS ou TLS."
    );

    // Towards loopback it connects; this server wants STARTTLS first and says so (530).
    let Some(srv) = server("no_encryption_only_towards_this_computer") else {
        return;
    };
    let mut cfg = srv.config(Security::Plain);
    cfg.user = None;
    cfg.password = None;
    let mailer = Mailer::new(cfg).unwrap();
    let (id, to) = unique("plain");
    let err = mailer.send(&outgoing(&id, &to)).await.unwrap_err();
    assert!(err.permanent, "{err:?}");
    assert_eq!(err.kind, MailErrorKind::Auth);
    assert!(
        err.message
            .starts_with("O servidor de e-mail exige login ou conexão segura antes de enviar (530"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn invalid_addresses_are_permanent() {
    let cfg = |sender: &str| SmtpConfig {
        host: "127.0.0.1".into(),
        port: 1,
        security: Security::StartTls,
        user: None,
        password: None,
        sender_name: "BRM".into(),
        sender_address: sender.into(),
        extra_root_pem: None,
        timeout: Duration::from_secs(5),
    };
    let err = Mailer::new(cfg("robo arroba brm")).unwrap_err();
    assert!(err.permanent);
    assert_eq!(err.kind, MailErrorKind::Sender);
    assert_eq!(
        err.message,
        "O endereço do remetente \"robo arroba brm\" não é um e-mail válido. Corrija-o nas configurações de e-mail."
    );

    // The recipient is checked before connecting (nothing listens on port 1).
    let mailer = Mailer::new(cfg("robo@brm-teste.localhost")).unwrap();
    let err = mailer
        .send(&outgoing("<x@brm-desk>", "fulano@@exemplo"))
        .await
        .unwrap_err();
    assert!(err.permanent);
    assert_eq!(err.kind, MailErrorKind::Recipient);
    assert_eq!(
        err.message,
        "O endereço \"fulano@@exemplo\" não é um e-mail válido: confira o e-mail do destinatário."
    );
}

#[test]
fn extra_authority_must_be_pem() {
    let cfg = SmtpConfig {
        host: "smtp.example.com".into(),
        port: 587,
        security: Security::StartTls,
        user: None,
        password: None,
        sender_name: "BRM".into(),
        sender_address: "robo@example.com".into(),
        extra_root_pem: Some(b"isto nao e um certificado".to_vec()),
        timeout: Duration::from_secs(5),
    };
    let err = Mailer::new(cfg).unwrap_err();
    assert_eq!(err.kind, MailErrorKind::Config);
    assert!(err.message.contains("formato PEM"), "{}", err.message);
}

/// A server of this test's own: it is taken down and brought back.
#[tokio::test]
async fn outage_then_recovery_with_the_same_mailer() {
    let started = Server::start();
    let Some(srv) = skip_unless_started("outage_then_recovery_with_the_same_mailer", &started)
    else {
        return;
    };
    struct Stop<'a>(&'a Server);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            self.0.script("stop");
        }
    }
    let _stop = Stop(srv);
    let mailer = Mailer::new(srv.config(Security::StartTls)).unwrap();

    // "down": every connection is greeted with 421.
    let down: &Path = &srv.dir.join("down");
    std::fs::write(down, "").unwrap();
    let (id, to) = unique("down");
    let err = mailer.send(&outgoing(&id, &to)).await.unwrap_err();
    assert!(!err.permanent, "{err:?}");
    assert!(
        err.message
            .starts_with("O servidor de e-mail está indisponível no momento (421"),
        "{}",
        err.message
    );
    std::fs::remove_file(down).unwrap();
    mailer.send(&outgoing(&id, &to)).await.unwrap();
    assert!(srv.delivered(&id).is_some());

    // Stopped: the port is closed.
    srv.script("pause");
    let (id, to) = unique("paused");
    let err = mailer.send(&outgoing(&id, &to)).await.unwrap_err();
    assert!(!err.permanent, "{err:?}");
    assert!(
        err.message.contains("(conexão recusada)") || err.message.contains("caiu"),
        "{}",
        err.message
    );
    srv.script("resume");
    mailer.send(&outgoing(&id, &to)).await.unwrap();
    assert!(srv.delivered(&id).is_some());
}

#[tokio::test]
async fn unknown_host_is_named() {
    let cfg = SmtpConfig {
        host: "smtp.nao-existe.invalid".into(),
        port: 587,
        security: Security::StartTls,
        user: None,
        password: None,
        sender_name: "BRM".into(),
        sender_address: "robo@brm-teste.localhost".into(),
        extra_root_pem: None,
        timeout: Duration::from_secs(10),
    };
    let err = Mailer::new(cfg)
        .unwrap()
        .test_connection()
        .await
        .unwrap_err();
    assert!(!err.permanent, "{err:?}");
    assert_eq!(err.kind, MailErrorKind::Connection);
    assert_eq!(
        err.message,
        "O servidor de e-mail \"smtp.nao-existe.invalid\" não foi encontrado. Confira o endereço do \
         servidor e a conexão deste computador com a rede.",
        "{err:?}"
    );
}

/// The outbox worker shares one Mailer between tasks and spawns its sends.
#[tokio::test]
async fn mailer_is_shared_between_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Mailer>();
    shareable::<MailError>();
    let mailer = std::sync::Arc::new(
        Mailer::new(SmtpConfig {
            host: "127.0.0.1".into(),
            port: 1,
            security: Security::StartTls,
            user: None,
            password: None,
            sender_name: "BRM".into(),
            sender_address: "robo@brm-teste.localhost".into(),
            extra_root_pem: None,
            timeout: Duration::from_secs(5),
        })
        .unwrap(),
    );
    let m = mailer.clone();
    let err = tokio::spawn(async move { m.send(&outgoing("<t@brm-desk>", "a@b.localhost")).await })
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, MailErrorKind::Connection);
}
