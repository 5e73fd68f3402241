//! Robot machines (issue 19): the machines that run robot work, each with its own key
//! pair. Portal passwords are sealed to the approved ones; an administrator approves or
//! removes them in Configurações → Máquinas robô.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MachineStatus {
    /// Registered by the machine itself; opens nothing until approved.
    Pendente,
    /// Portal passwords are sealed to it.
    Aprovada,
    /// Removed by an administrator: nothing sealed after that opens with its key.
    Removida,
}

impl MachineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pendente => "PENDENTE",
            Self::Aprovada => "APROVADA",
            Self::Removida => "REMOVIDA",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "PENDENTE" => Some(Self::Pendente),
            "APROVADA" => Some(Self::Aprovada),
            "REMOVIDA" => Some(Self::Removida),
            _ => None,
        }
    }

    /// For the screen and the messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pendente => "Aguardando aprovação",
            Self::Aprovada => "Aprovada",
            Self::Removida => "Removida",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotMachine {
    pub id: Uuid,
    pub name: String,
    pub host: String,
    /// `age1…`: what passwords are sealed to.
    pub public_key: String,
    /// 32 hex digits (the first half of the public key's SHA-256), for people to compare.
    pub fingerprint: String,
    pub status: MachineStatus,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The invoice-folder marker it last wrote (shared database with a folder).
    #[serde(default)]
    pub marker: Option<StorageMarker>,
}

/// A marker a robot machine wrote into the invoice folder, or why it could not: a
/// desktop that finds the same text in the same folder shares that folder with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageMarker {
    /// The folder as the machine names it.
    pub folder: String,
    /// The random text written; `None` when writing failed.
    pub nonce: Option<String>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// Where in the folder a machine's marker goes, by its fingerprint.
pub fn marker_path(folder: &std::path::Path, fingerprint: &str) -> std::path::PathBuf {
    folder
        .join(".brm-maquinas")
        .join(format!("{fingerprint}.txt"))
}

/// What a machine says about itself when it starts (and on each later start).
#[derive(Debug, Clone)]
pub struct MachineHello {
    /// Used only when the machine is new.
    pub id: Uuid,
    pub name: String,
    pub host: String,
    pub public_key: String,
    pub fingerprint: String,
    pub at: DateTime<Utc>,
    /// Approved at once (the embedded default: the desktop is the only machine).
    pub approve: bool,
}

/// A portal password as stored, for re-sealing and for the list of passwords to type
/// again.
#[derive(Debug, Clone)]
pub struct StoredPassword {
    pub client_id: Uuid,
    pub client_name: String,
    /// `v1:` or `v2:` text.
    pub sealed: String,
}

/// One re-sealed value: written only if the stored value is still `before`.
#[derive(Debug, Clone)]
pub struct Reseal {
    pub client_id: Uuid,
    pub before: String,
    pub after: String,
}

/// The fingerprint grouped in fours, as the screen shows it.
pub fn grouped(fingerprint: &str) -> String {
    fingerprint
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_fingerprints_group() {
        for s in [
            MachineStatus::Pendente,
            MachineStatus::Aprovada,
            MachineStatus::Removida,
        ] {
            assert_eq!(MachineStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(MachineStatus::parse("x"), None);
        assert_eq!(grouped("0123456789abcdef"), "0123 4567 89ab cdef");
    }
}
