//! Users: people who log in. The e-mail is the login and is kept in lower case.

use crate::error::{Result, Violations};
use crate::role::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const PASSWORD_MIN_CHARS: usize = 12;
/// argon2 accepts more, but a 4 KiB "password" is an attack, not a password.
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Role,
    pub active: bool,
    /// argon2id PHC string; never leaves the Rust side.
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the window may know about a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: Uuid,
    pub full_name: String,
    pub email: String,
    pub role: Role,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            full_name: u.full_name.clone(),
            email: u.email.clone(),
            role: u.role,
        }
    }
}

/// The first-run form: the one administrator that opens the system.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewAdminInput {
    pub full_name: String,
    pub email: String,
    pub password: String,
    pub password_confirmation: String,
}

impl std::fmt::Debug for ValidNewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password, not even in a panic message.
        f.debug_struct("ValidNewUser")
            .field("full_name", &self.full_name)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

pub struct ValidNewUser {
    pub full_name: String,
    pub email: String,
    pub password: String,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one @, something before it, a dotted domain after it, no spaces.
/// Delivery is not our business; typos like "joao@empresa" are.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

pub fn check_password(v: &mut Violations, password: &str, confirmation: &str) {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        v.add(
            "password",
            format!("A senha deve ter pelo menos {PASSWORD_MIN_CHARS} caracteres."),
        );
    } else if n > PASSWORD_MAX_CHARS {
        v.add(
            "password",
            format!("A senha pode ter no máximo {PASSWORD_MAX_CHARS} caracteres."),
        );
    }
    if password != confirmation {
        v.add(
            "password_confirmation",
            "A confirmação não confere com a senha.",
        );
    }
}

impl NewAdminInput {
    pub fn validate(&self) -> Result<ValidNewUser> {
        let mut v = Violations::default();
        let full_name = self
            .full_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let email = normalize_email(&self.email);
        if full_name.is_empty() {
            v.add("full_name", "Informe o nome completo.");
        } else if full_name.chars().count() > 150 {
            v.add("full_name", "O nome pode ter no máximo 150 caracteres.");
        }
        if email.is_empty() {
            v.add("email", "Informe o e-mail.");
        } else if !is_plausible_email(&email) {
            v.add(
                "email",
                "Informe um e-mail válido (ex.: nome@empresa.com.br).",
            );
        }
        check_password(&mut v, &self.password, &self.password_confirmation);
        v.into_result()?;
        Ok(ValidNewUser {
            full_name,
            email,
            password: self.password.clone(),
        })
    }
}

/// The users screen's filter; paginated in the database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserFilter {
    pub search: Option<String>,
    pub active: Option<bool>,
    pub page: i64,
    pub page_size: i64,
}

impl UserFilter {
    pub fn limit_offset(&self) -> (i64, i64) {
        let size = if self.page_size <= 0 {
            20
        } else {
            self.page_size.min(200)
        };
        (size, self.page.max(0) * size)
    }
}

/// A row of the users screen: what an administrator may know of a colleague.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListItem {
    pub id: Uuid,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Role,
    pub active: bool,
    pub locked: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl UserListItem {
    pub fn of(u: &User, now: DateTime<Utc>) -> Self {
        Self {
            id: u.id,
            full_name: u.full_name.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            role: u.role,
            active: u.active,
            locked: u.locked_until.is_some_and(|t| t > now),
            last_login_at: u.last_login_at,
        }
    }
}

impl User {
    /// The fields an administrator changes, as audited (never the hash).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "full_name": self.full_name,
            "email": self.email,
            "phone": self.phone,
            "role": self.role.as_str(),
            "active": self.active,
        })
    }
}

/// An administrator registering a colleague.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserInput {
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Option<Role>,
    pub password: String,
    pub password_confirmation: String,
}

impl std::fmt::Debug for NewUserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserInput")
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl NewUserInput {
    /// The same rules as the first administrator, plus a role and an optional phone.
    pub fn validate(&self) -> Result<(ValidNewUser, Role, Option<String>)> {
        let base = NewAdminInput {
            full_name: self.full_name.clone(),
            email: self.email.clone(),
            password: self.password.clone(),
            password_confirmation: self.password_confirmation.clone(),
        };
        let mut v = Violations::default();
        let valid = match base.validate() {
            Ok(u) => Some(u),
            Err(e) => {
                for f in e.fields {
                    v.add(&f.field, f.message);
                }
                None
            }
        };
        if self.role.is_none() {
            v.add("role", "Escolha o papel do usuário.");
        }
        let phone = self
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if phone.as_ref().is_some_and(|p| {
            p.chars().count() > 30 || !p.chars().all(|c| c.is_ascii_digit() || " ()+-".contains(c))
        }) {
            v.add(
                "phone",
                "Telefone inválido: use apenas números, espaços, parênteses, + e -.",
            );
        }
        v.into_result()?;
        Ok((
            valid.expect("validated"),
            self.role.expect("validated"),
            phone,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewAdminInput {
        NewAdminInput {
            full_name: " Maria  Souza ".into(),
            email: " Maria@Empresa.com.BR ".into(),
            password: "correct horse battery".into(),
            password_confirmation: "correct horse battery".into(),
        }
    }

    #[test]
    fn normalises_name_and_email() {
        let v = input().validate().unwrap();
        assert_eq!(v.full_name, "Maria Souza");
        assert_eq!(v.email, "maria@empresa.com.br");
    }

    #[test]
    fn short_password_and_mismatch_are_refused() {
        let e = NewAdminInput {
            password: "curta123".into(),
            password_confirmation: "outra".into(),
            ..input()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["password", "password_confirmation"]);
        assert!(e.message.contains("pelo menos 12 caracteres"));
    }

    #[test]
    fn twelve_characters_count_not_bytes() {
        // 12 characters, more than 12 bytes: accepted.
        let p = "ção-ção-ção!";
        assert_eq!(p.chars().count(), 12);
        let i = NewAdminInput {
            password: p.into(),
            password_confirmation: p.into(),
            ..input()
        };
        assert!(i.validate().is_ok());
    }

    #[test]
    fn implausible_emails_are_refused() {
        for bad in [
            "joao",
            "joao@empresa",
            "@empresa.com",
            "jo ao@empresa.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
        assert!(is_plausible_email("joao.silva@empresa.com.br"));
    }

    #[test]
    fn new_user_needs_a_role_and_a_sane_phone() {
        let i = NewUserInput {
            full_name: "Bia".into(),
            email: "bia@empresa.com.br".into(),
            phone: Some("abc".into()),
            role: None,
            password: "correct horse battery".into(),
            password_confirmation: "correct horse battery".into(),
        };
        let e = i.validate().unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["role", "phone"]);
        let ok = NewUserInput {
            role: Some(Role::Operador),
            phone: Some(" (67) 3321-0000 ".into()),
            ..i
        };
        let (u, role, phone) = ok.validate().unwrap();
        assert_eq!(u.email, "bia@empresa.com.br");
        assert_eq!(role, Role::Operador);
        assert_eq!(phone.as_deref(), Some("(67) 3321-0000"));
        assert!(!format!("{ok:?}").contains("horse"));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let v = input().validate().unwrap();
        assert!(!format!("{v:?}").contains("horse"));
    }
}
