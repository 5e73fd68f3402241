//! Roles and what each may do. Every command asks here; hiding a button in the window is
//! a courtesy, not a check.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Administrador,
    Aprovador,
    Operador,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrador => "ADMINISTRADOR",
            Role::Aprovador => "APROVADOR",
            Role::Operador => "OPERADOR",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "ADMINISTRADOR" => Some(Role::Administrador),
            "APROVADOR" => Some(Role::Aprovador),
            "OPERADOR" => Some(Role::Operador),
            _ => None,
        }
    }

    /// What a person reads (the window's `ROLE_LABEL`, exports).
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrador => "Administrador",
            Role::Aprovador => "Aprovador",
            Role::Operador => "Operador",
        }
    }

    /// Operators are registry data shared by everyone: only administrators change them.
    pub fn can_edit_operators(self) -> bool {
        self == Role::Administrador
    }

    /// Every logged-in role reads the operator list (clients and processes point at it).
    pub fn can_view_operators(self) -> bool {
        true
    }

    /// Clients, imports and the monthly creation are registry work: every role does it.
    pub fn can_edit_clients(self) -> bool {
        true
    }

    /// Approving and rejecting an invoice: approvers and administrators, never OPERADOR.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Administrador | Role::Aprovador)
    }

    /// Cancelling a process is final: administrators only.
    pub fn can_cancel_processes(self) -> bool {
        self == Role::Administrador
    }

    /// Creating users, changing their role or password and deactivating them:
    /// administrators only.
    pub fn can_manage_users(self) -> bool {
        self == Role::Administrador
    }

    /// Which database the desk opens (and its password): administrators only.
    pub fn can_change_settings(self) -> bool {
        self == Role::Administrador
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for r in [Role::Administrador, Role::Aprovador, Role::Operador] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn labels_are_pt_br_words() {
        assert_eq!(
            [Role::Administrador, Role::Aprovador, Role::Operador].map(Role::label),
            ["Administrador", "Aprovador", "Operador"]
        );
    }

    #[test]
    fn only_administrators_change_settings() {
        assert!(Role::Administrador.can_change_settings());
        assert!(!Role::Aprovador.can_change_settings());
        assert!(!Role::Operador.can_change_settings());
    }

    #[test]
    fn only_administrators_edit_operators() {
        assert!(Role::Administrador.can_edit_operators());
        assert!(!Role::Aprovador.can_edit_operators());
        assert!(!Role::Operador.can_edit_operators());
    }

    #[test]
    fn only_administrators_manage_users() {
        assert!(Role::Administrador.can_manage_users());
        assert!(!Role::Aprovador.can_manage_users());
        assert!(!Role::Operador.can_manage_users());
    }
}
