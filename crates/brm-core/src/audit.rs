//! Audit events: append-only records of who did what. Built here so every backend stores
//! the same shape; written by the store in the same transaction as the change itself.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who acted: a user, or the system itself (unknown e-mail at login, background jobs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub name: String,
}

impl Actor {
    pub fn user(id: Uuid, name: &str) -> Self {
        Self {
            user_id: Some(id),
            name: name.to_string(),
        }
    }

    pub fn anonymous(label: &str) -> Self {
        Self {
            user_id: None,
            name: label.to_string(),
        }
    }
}

pub mod action {
    pub const LOGIN_OK: &str = "LOGIN_OK";
    pub const LOGIN_FALHOU: &str = "LOGIN_FALHOU";
    pub const CONTA_BLOQUEADA: &str = "CONTA_BLOQUEADA";
    pub const LOGOUT: &str = "LOGOUT";
    pub const CRIAR: &str = "CRIAR";
    pub const ALTERAR: &str = "ALTERAR";
    pub const ATIVAR: &str = "ATIVAR";
    pub const DESATIVAR: &str = "DESATIVAR";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    /// Changed fields before and after, as JSON objects; never secrets.
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub invoice_sha256: Option<String>,
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(at: DateTime<Utc>, actor: Actor, action: &str, entity: &str) -> Self {
        Self {
            id: Uuid::new_v4(),
            at,
            actor,
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: None,
            before: None,
            after: None,
            invoice_sha256: None,
            detail: None,
        }
    }

    pub fn on(mut self, entity_id: Uuid) -> Self {
        self.entity_id = Some(entity_id);
        self
    }

    pub fn change(
        mut self,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        self.before = before;
        self.after = after;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Keeps only the keys whose values differ, so an audit line says what changed and no
/// more.
pub fn diff(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> (serde_json::Value, serde_json::Value) {
    use serde_json::{Map, Value};
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return (before.clone(), after.clone());
    };
    let mut out_b = Map::new();
    let mut out_a = Map::new();
    for (k, va) in a {
        let vb = b.get(k).unwrap_or(&Value::Null);
        if vb != va {
            out_b.insert(k.clone(), vb.clone());
            out_a.insert(k.clone(), va.clone());
        }
    }
    (Value::Object(out_b), Value::Object(out_a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_keeps_changed_keys_only() {
        let (b, a) = diff(
            &json!({"name": "Vivo", "code": "VIVO", "active": true}),
            &json!({"name": "Vivo", "code": "VIVO_FIXO", "active": false}),
        );
        assert_eq!(b, json!({"code": "VIVO", "active": true}));
        assert_eq!(a, json!({"code": "VIVO_FIXO", "active": false}));
    }
}
