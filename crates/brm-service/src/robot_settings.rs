//! The robot service's address and token (Configurações → Robô, administrators only).
//!
//! The address is the setting `robo.url` (empty: the bundled simulator); the token lives
//! in the keyring entry `robo-token` and never comes back out: the screen learns only
//! whether one is set. Every change is audited without the token. The worker reads both
//! when the app starts, so a change takes effect at the next start.

use crate::db_settings::probe::ConnectionTest;
use crate::legacy_import::SETTING_ROBOT_URL;
use crate::secret_changes::{KeyChange, SettingsWrite};
use crate::Desk;
use brm_core::error::Violations;
use brm_core::Result;
use brm_robot::{RobotClient, RobotConfig};
use brm_secrets::ROBOT_TOKEN;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// Said after every save that changed something.
pub const NEXT_START: &str =
    "As alterações valem a partir da próxima abertura do aplicativo. Use \"Reiniciar agora\" \
     para aplicá-las já.";
const MAX_URL_LEN: usize = 2000;
const MAX_TOKEN_LEN: usize = 8192;
const TEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What the screen shows: never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RobotSettingsView {
    /// The configured address ("" when the bundled simulator is used).
    pub url: String,
    pub using_simulator: bool,
    /// A token is stored in the keyring.
    pub token_set: bool,
}

/// The answer of a save: the settings as now stored, and whether anything changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsSaved<T> {
    pub settings: T,
    pub changed: bool,
    /// pt-BR: when the change takes effect.
    pub message: String,
}

impl<T> SettingsSaved<T> {
    /// A change takes effect at the next start; no change says so.
    pub(crate) fn new(settings: T, changed: bool) -> Self {
        let message = if changed { NEXT_START } else { "Nada mudou." };
        Self {
            settings,
            changed,
            message: message.to_string(),
        }
    }
}

/// The form. `token`: blank keeps the stored one; `clear_token` removes it.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct RobotSettingsInput {
    pub url: String,
    pub token: Option<String>,
    pub clear_token: bool,
}

impl std::fmt::Debug for RobotSettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotSettingsInput")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("clear_token", &self.clear_token)
            .finish()
    }
}

/// What is left of the form once validated.
struct ValidRobot {
    /// `None`: the bundled simulator.
    url: Option<String>,
    token: Option<String>,
    clear_token: bool,
}

/// An `http(s)://` address with a host and no user or password in it, without the
/// trailing slash; `None` for blank. Errors go under `field`.
pub(crate) fn check_service_url(
    v: &mut Violations,
    field: &str,
    raw: &str,
    example: &str,
) -> Option<String> {
    let url = raw.trim();
    if url.is_empty() {
        return None;
    }
    if url.chars().count() > MAX_URL_LEN {
        v.add(
            field,
            format!("O endereço pode ter no máximo {MAX_URL_LEN} caracteres."),
        );
        return None;
    }
    let parsed = match url::Url::parse(url) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            u
        }
        _ => {
            v.add(
                field,
                format!(
                    "Endereço inválido: use http:// ou https:// seguido do servidor (por exemplo {example})."
                ),
            );
            return None;
        }
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        v.add(
            field,
            "O endereço não pode conter usuário ou senha: as credenciais ficam no chaveiro do sistema.",
        );
        return None;
    }
    if parsed.fragment().is_some() {
        v.add(field, "O endereço não pode ter # (fragmento).");
        return None;
    }
    Some(url.trim_end_matches('/').to_string())
}

/// A secret typed in a password field: blank means "keep"; spaces or line breaks inside
/// are refused (a paste that took the wrong text).
pub(crate) fn check_secret(
    v: &mut Violations,
    field: &str,
    raw: Option<&str>,
    what: &str,
) -> Option<String> {
    let s = raw.map(str::trim).filter(|s| !s.is_empty())?;
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        v.add(
            field,
            format!("{what} não pode ter espaços nem quebras de linha."),
        );
        return None;
    }
    if s.len() > MAX_TOKEN_LEN {
        v.add(
            field,
            format!("{what} pode ter no máximo {MAX_TOKEN_LEN} caracteres."),
        );
        return None;
    }
    Some(s.to_string())
}

impl RobotSettingsInput {
    fn validate(&self) -> Result<ValidRobot> {
        let mut v = Violations::default();
        let url = check_service_url(&mut v, "url", &self.url, "https://robos.beg.com.br");
        let raw_token = self
            .token
            .as_deref()
            .map(|t| t.trim())
            .map(|t| t.strip_prefix("Bearer ").unwrap_or(t));
        let token = check_secret(&mut v, "token", raw_token, "O token");
        if token.is_some() && self.clear_token {
            v.add(
                "token",
                "Informe um token novo ou marque \"Remover o token\", não os dois.",
            );
        }
        v.into_result()?;
        Ok(ValidRobot {
            url,
            token,
            clear_token: self.clear_token,
        })
    }
}

fn stored_url(v: Option<Value>) -> Option<String> {
    v.and_then(|v| v.as_str().map(str::to_string))
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
}

impl Desk {
    pub async fn get_robot_settings(&self, token: &str) -> Result<RobotSettingsView> {
        self.authorize_settings(token, "ver as configurações do robô")?;
        self.robot_settings_now().await
    }

    async fn robot_settings_now(&self) -> Result<RobotSettingsView> {
        let url = stored_url(self.store.get_setting(SETTING_ROBOT_URL).await?);
        let token_set = self.read_secret(ROBOT_TOKEN).await?.is_some();
        Ok(RobotSettingsView {
            using_simulator: url.is_none(),
            url: url.unwrap_or_default(),
            token_set,
        })
    }

    /// Validates, then writes the token to the keyring and the address (with one audit
    /// event per change) to the database, all or nothing.
    pub async fn save_robot_settings(
        &self,
        token: &str,
        input: RobotSettingsInput,
    ) -> Result<SettingsSaved<RobotSettingsView>> {
        let user = self.authorize_settings(token, "alterar as configurações do robô")?;
        self.ensure_writable()?;
        let valid = input.validate()?;
        if valid.token.is_some() && self.has_person_logins() {
            // Issue 19: a robot secret lives only where it is used. A desktop where each
            // person logs in as themselves never calls the robot; its keyring would only
            // be one more place the token could leak from.
            return Err(brm_core::Error::new(
                brm_core::ErrorCode::Conflict,
                "Neste banco cada pessoa entra com o próprio login e os computadores do \
                 escritório não chamam o robô: o token do robô fica só nas máquinas robô. \
                 Configure-o em cada máquina robô (Configurações → Robô, com o login da \
                 máquina). O endereço pode ser salvo aqui.",
            ));
        }
        let before_url = stored_url(self.store.get_setting(SETTING_ROBOT_URL).await?);
        let before_token = self.read_secret(ROBOT_TOKEN).await?;
        let mut w = SettingsWrite::by(&user, self.clock.now());
        if valid.url != before_url {
            let detail = match &valid.url {
                None => "Robô: passa a usar o simulador embutido".to_string(),
                Some(u) => format!("Endereço do robô alterado para {u}"),
            };
            w.values.push((
                SETTING_ROBOT_URL.to_string(),
                valid.url.clone().map_or(Value::Null, Value::String),
            ));
            w.audits.push(w.event(detail).change(
                Some(json!({ SETTING_ROBOT_URL: before_url })),
                Some(json!({ SETTING_ROBOT_URL: valid.url })),
            ));
        }
        match (&valid.token, valid.clear_token, &before_token) {
            (Some(new), _, Some(old)) if new == old => {}
            (Some(new), _, _) => {
                w.keys.push(KeyChange {
                    name: ROBOT_TOKEN,
                    value: Some(new.clone()),
                });
                let (b, detail) = if before_token.is_some() {
                    ("(definido)", "Token do robô alterado")
                } else {
                    ("(não definido)", "Token do robô definido")
                };
                w.audits.push(w.event(detail).change(
                    Some(json!({ "token": b })),
                    Some(json!({ "token": "(alterado)" })),
                ));
            }
            (None, true, Some(_)) => {
                w.keys.push(KeyChange {
                    name: ROBOT_TOKEN,
                    value: None,
                });
                w.audits.push(w.event("Token do robô removido").change(
                    Some(json!({ "token": "(definido)" })),
                    Some(json!({ "token": "(não definido)" })),
                ));
            }
            _ => {}
        }
        let changed = self.save_settings_write(w).await?;
        if changed {
            tracing::info!(user = %user.id, simulator = valid.url.is_none(), "robot settings saved");
        }
        Ok(SettingsSaved::new(
            self.robot_settings_now().await?,
            changed,
        ))
    }

    /// "Testar conexão": `GET /health` at the address in the form, then, with the typed
    /// token or the stored one, an authenticated call (`GET /jobs`) that tells whether
    /// the service accepts it. Writes nothing.
    pub async fn test_robot_connection(
        &self,
        token: &str,
        input: RobotSettingsInput,
    ) -> Result<ConnectionTest> {
        self.authorize_settings(token, "testar a conexão com o robô")?;
        let valid = input.validate()?;
        let Some(url) = valid.url else {
            return Ok(ConnectionTest::ok(
                "Sem endereço, o aplicativo usa o simulador de robôs embutido: não há conexão \
                 a testar.",
            ));
        };
        let robot_token = match (valid.token, valid.clear_token) {
            (Some(t), _) => Some(t),
            (None, true) => None,
            (None, false) => self.read_secret(ROBOT_TOKEN).await?,
        };
        let result = probe_robot(&url, robot_token.clone()).await;
        tracing::info!(robot = %url, ok = result.ok, "robot connection tested");
        Ok(match robot_token.filter(|t| t.len() >= 4) {
            Some(t) if result.message.contains(&t) => ConnectionTest {
                message: result.message.replace(&t, "***"),
                ..result
            },
            _ => result,
        })
    }
}

async fn probe_robot(url: &str, token: Option<String>) -> ConnectionTest {
    let has_token = token.is_some();
    let config = RobotConfig::new(url, token)
        .with_connect_timeout(Duration::from_secs(5))
        .with_request_timeout(TEST_TIMEOUT);
    let client = match RobotClient::new(config) {
        Ok(c) => c,
        Err(e) => return ConnectionTest::failed(e.message),
    };
    match client.health().await {
        Err(e) => {
            return ConnectionTest::failed(format!(
                "O serviço de robôs em {url} não respondeu: {}",
                e.message
            ))
        }
        Ok(h) if !h.healthy => {
            return ConnectionTest::failed(format!(
                "O serviço de robôs em {url} respondeu, mas informa um problema: {}.",
                h.message.unwrap_or(h.status)
            ))
        }
        Ok(_) => {}
    }
    if !has_token {
        return ConnectionTest::failed(format!(
            "O serviço de robôs em {url} respondeu, mas nenhum token está definido: as \
             chamadas serão recusadas. Informe o token."
        ));
    }
    match client.jobs().await {
        Ok(_) => ConnectionTest::ok(format!(
            "Conexão bem-sucedida: o serviço de robôs em {url} respondeu e aceitou o token."
        )),
        Err(e) if e.is_unauthorized() => ConnectionTest::failed(format!(
            "O serviço de robôs em {url} respondeu, mas recusou o token (inválido ou expirado)."
        )),
        Err(e) => ConnectionTest::failed(format!(
            "O serviço de robôs em {url} respondeu ao /health, mas falhou ao listar os jobs: {}",
            e.message
        )),
    }
}
