//! A real SMTP server for a test of its own (scripts/smtp-test-server.sh: aiosmtpd with
//! STARTTLS, AUTH and a CA made by openssl), what it received, and the desk's e-mail
//! settings pointed at it. Each test starts its own server, so its mail folder holds only
//! that test's messages and pausing it disturbs no other test.

use brm_core::audit::{Actor, AuditEvent};
use brm_core::email::{
    EmailRules, SmtpSecurity, SmtpSettings, SETTING_RULES, SETTING_SMTP, SETTING_SMTP_PASSWORD,
    SMTP_PASSWORD_AAD,
};
use brm_store::Store;
use mail_parser::MessageParser;
use std::path::PathBuf;
use std::process::Command;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/smtp-test-server.sh"
);

pub struct Smtp {
    pub dir: PathBuf,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub ca: Vec<u8>,
}

/// One received message, as the tests read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub raw: String,
}

impl Smtp {
    /// A new server, or None (the test is skipped) when it cannot start here; with
    /// BRM_REQUIRE_SMTP (CI) that fails instead.
    pub fn start() -> Option<Smtp> {
        Smtp::start_with_password(None)
    }

    /// [`Smtp::start`] with the server's login password chosen by the test.
    pub fn start_with_password(password: Option<&str>) -> Option<Smtp> {
        let mut cmd = Command::new("bash");
        cmd.arg(SCRIPT)
            .arg("start")
            .env("BRM_SMTP_OWNER_PID", std::process::id().to_string())
            .env_remove("BRM_SMTP_USER")
            .env_remove("BRM_SMTP_PASSWORD");
        if let Some(p) = password {
            cmd.env("BRM_SMTP_PASSWORD", p);
        }
        let out = cmd.output();
        let out = match out {
            Ok(o) if o.status.success() => o,
            other => {
                let why = format!("{other:?}");
                if std::env::var_os("BRM_REQUIRE_SMTP").is_some() {
                    panic!("SMTP test server did not start: {why}");
                }
                eprintln!("SMTP tests skipped: the test server did not start: {why}");
                return None;
            }
        };
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let get = |k: &str| -> String {
            text.split_whitespace()
                .filter_map(|w| w.split_once('='))
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.trim_matches('\'').to_string())
                .unwrap_or_else(|| panic!("{k} missing in: {text}"))
        };
        Some(Smtp {
            dir: get("BRM_SMTP_DIR").into(),
            host: get("BRM_SMTP_HOST"),
            port: get("BRM_SMTP_PORT").parse().unwrap(),
            user: get("BRM_SMTP_USER"),
            password: get("BRM_SMTP_PASSWORD"),
            ca: std::fs::read(get("BRM_SMTP_CA")).unwrap(),
        })
    }

    fn script(&self, action: &str) {
        let ok = Command::new("bash")
            .arg(SCRIPT)
            .arg(action)
            .arg(&self.dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "smtp-test-server.sh {action}");
    }

    /// The server stops answering (its port closes) until [`Smtp::resume`].
    pub fn pause(&self) {
        self.script("pause");
    }

    pub fn resume(&self) {
        self.script("resume");
    }

    /// RCPT to `address` gets 550 from now on.
    pub fn reject(&self, address: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("reject"))
            .unwrap();
        writeln!(f, "{address}").unwrap();
    }

    /// Every message received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.join("mail"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let raw = std::fs::read(&p).unwrap();
                let m = MessageParser::default().parse(&raw).unwrap();
                Received {
                    to: m
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string(),
                    subject: m.subject().unwrap_or_default().to_string(),
                    text: m.body_text(0).unwrap_or_default().to_string(),
                    html: m.body_html(0).unwrap_or_default().to_string(),
                    message_id: m.message_id().unwrap_or_default().to_string(),
                    raw: String::from_utf8_lossy(&raw).to_string(),
                }
            })
            .collect()
    }

    /// Saves the e-mail settings (STARTTLS to this server, its login, the password sealed
    /// to the approved robot machines) and `rules`, as Configurações → E-mail does.
    pub async fn configure(&self, store: &dyn Store, rules: EmailRules) {
        let keys: Vec<String> = store
            .robot_machines()
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.status == brm_core::robot_machine::MachineStatus::Aprovada)
            .map(|m| m.public_key)
            .collect();
        let sealed = brm_secrets::seal_to(&keys, SMTP_PASSWORD_AAD, &self.password).unwrap();
        let smtp = SmtpSettings {
            host: self.host.clone(),
            port: self.port,
            security: SmtpSecurity::StartTls,
            user: self.user.clone(),
            sender_name: "BRM Faturas".into(),
            sender_address: "faturas@brm-teste.localhost".into(),
        };
        let at = chrono::Utc::now();
        let ev = || {
            AuditEvent::new(
                at,
                Actor::anonymous("teste"),
                "ALTERAR_CONFIGURACAO",
                "configuracao",
            )
        };
        for (k, v) in [
            (SETTING_SMTP, serde_json::to_value(&smtp).unwrap()),
            (SETTING_RULES, serde_json::to_value(rules).unwrap()),
            (SETTING_SMTP_PASSWORD, serde_json::json!(sealed)),
        ] {
            store.put_setting(k, &v, &ev()).await.unwrap();
        }
    }
}
