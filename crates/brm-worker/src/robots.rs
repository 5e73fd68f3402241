//! Which robot service a job goes to: the main one (configured URL and token), or, for an
//! operator whose robot is outsourced (`rpa_terceirizado`), its own endpoint with its own
//! token from the OS keyring. The SAT always goes through the main service.

use brm_core::operator::Operator;
use brm_robot::{RobotClient, RobotConfig};
use brm_secrets::KeyStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

/// The keyring entry of an outsourced operator's robot token.
pub fn operator_token_key(operator_id: Uuid) -> String {
    format!("{}:{operator_id}", brm_secrets::ROBOT_TOKEN)
}

pub struct RobotDirectory {
    main: RwLock<RobotClient>,
    keys: Option<Arc<dyn KeyStore>>,
    outsourced: Mutex<HashMap<Uuid, (String, String, RobotClient)>>,
}

impl RobotDirectory {
    pub fn new(main: RobotClient, keys: Option<Arc<dyn KeyStore>>) -> Self {
        Self {
            main: RwLock::new(main),
            keys,
            outsourced: Mutex::new(HashMap::new()),
        }
    }

    pub fn main(&self) -> RobotClient {
        self.main.read().expect("robots poisoned").clone()
    }

    /// After an administrator changed the robot URL or token.
    pub fn replace_main(&self, client: RobotClient) {
        *self.main.write().expect("robots poisoned") = client;
    }

    /// The service that downloads this operator's invoices. Err: a pt-BR reason a person
    /// must fix (no endpoint, no token): a business failure, not retried.
    pub fn for_operator(&self, op: &Operator) -> Result<RobotClient, String> {
        if !op.rpa_outsourced {
            return Ok(self.main());
        }
        let Some(url) = op.rpa_endpoint_url.clone().filter(|u| !u.trim().is_empty()) else {
            return Err(format!(
                "A operadora {} usa robô terceirizado, mas o endereço do robô dela não está cadastrado.",
                op.name
            ));
        };
        let token = self
            .keys
            .as_ref()
            .map(|k| k.get(&operator_token_key(op.id)))
            .transpose()
            .map_err(|e| {
                format!(
                    "Não foi possível ler o token do robô da operadora {} no chaveiro: {e}",
                    op.name
                )
            })?
            .flatten();
        let Some(token) = token else {
            return Err(format!(
                "A operadora {} usa robô terceirizado, mas o token dele não está cadastrado.",
                op.name
            ));
        };
        let mut cache = self.outsourced.lock().expect("robots poisoned");
        if let Some((u, t, c)) = cache.get(&op.id) {
            if *u == url && *t == token {
                return Ok(c.clone());
            }
        }
        let client = RobotClient::new(RobotConfig::new(url.clone(), Some(token.clone())))
            .map_err(|e| e.message.clone())?;
        cache.insert(op.id, (url, token, client.clone()));
        Ok(client)
    }
}
