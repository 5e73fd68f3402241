//! Clients (clientes): one billed account of a customer company at one operator, unit
//! and service. The portal password is write-only: the domain only knows whether one is
//! set; the sealed text lives in the store and the plain text only in the robot request.

use crate::document::{is_valid_cnpj, is_valid_cpf, normalize_cnpj, normalize_cpf};
use crate::error::{Result, Violations};
use crate::operator::{is_http_url, name_key, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, URL_MAX};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: Uuid,
    /// The spreadsheet's HASH column: the key imports upsert by. `None` for clients
    /// registered by hand.
    pub hash: Option<String>,
    pub legal_name: String,
    pub sat_name: Option<String>,
    /// 14 digits, no punctuation, check digits verified.
    pub cnpj: String,
    pub operator_id: Uuid,
    /// Filled by the store from the operator row, for lists; ignored on writes.
    #[serde(default)]
    pub operator_name: String,
    #[serde(default)]
    pub operator_code: String,
    /// `filtro`: the account code at the operator.
    pub account_filter: Option<String>,
    /// `servico`; "" when the spreadsheet leaves it blank (part of the unique key).
    pub service: String,
    pub sat_data: Option<String>,
    /// `unidade`; "" when blank (part of the unique key).
    pub unit: String,
    pub sat_category: Option<String>,
    pub issue_site_url: Option<String>,
    pub portal_login: Option<String>,
    /// "definida / não definida": the only thing the window ever learns of the password.
    pub portal_password_set: bool,
    /// 11 digits when present, check digits verified.
    pub cpf: Option<String>,
    pub notes: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// The fields a person edits, as audited (no ids or timestamps). Never the password:
    /// only whether one is set, so the audit shows that it was defined or removed.
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "hash": self.hash,
            "legal_name": self.legal_name,
            "sat_name": self.sat_name,
            "cnpj": self.cnpj,
            "operator_id": self.operator_id,
            "account_filter": self.account_filter,
            "service": self.service,
            "sat_data": self.sat_data,
            "unit": self.unit,
            "sat_category": self.sat_category,
            "issue_site_url": self.issue_site_url,
            "portal_login": self.portal_login,
            "portal_password_set": self.portal_password_set,
            "cpf": self.cpf,
            "notes": self.notes,
            "active": self.active,
        })
    }

    /// The unique key as stored, comparable with `ValidClient::key`.
    pub fn key(&self) -> ClientKey {
        ClientKey {
            cnpj: self.cnpj.clone(),
            operator_id: self.operator_id,
            unit_key: name_key(&self.unit),
            service_key: name_key(&self.service),
        }
    }
}

pub const HASH_MAX: usize = 100;
pub const LEGAL_NAME_MAX: usize = 200;
pub const SAT_NAME_MAX: usize = 200;
pub const ACCOUNT_FILTER_MAX: usize = 100;
pub const SERVICE_MAX: usize = 100;
pub const SAT_DATA_MAX: usize = 200;
pub const UNIT_MAX: usize = 100;
pub const SAT_CATEGORY_MAX: usize = 100;
pub const PORTAL_LOGIN_MAX: usize = 200;
pub const PORTAL_PASSWORD_MAX: usize = 200;
pub const NOTES_MAX: usize = 2000;

/// What the form sends. Every text may arrive with spaces around it; `validate` trims.
/// No `Serialize` and a hand-written `Debug`: it may carry the portal password.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct ClientInput {
    pub hash: Option<String>,
    pub legal_name: String,
    pub sat_name: Option<String>,
    pub cnpj: String,
    pub operator_id: Option<Uuid>,
    pub account_filter: Option<String>,
    pub service: Option<String>,
    pub sat_data: Option<String>,
    pub unit: Option<String>,
    pub sat_category: Option<String>,
    pub issue_site_url: Option<String>,
    pub portal_login: Option<String>,
    /// Write-only: `None` or blank keeps the current password.
    pub portal_password: Option<String>,
    /// Removes the stored password; refused together with a new one.
    pub clear_portal_password: bool,
    pub cpf: Option<String>,
    pub notes: Option<String>,
}

/// The unique key of a client: one account per company, operator, unit and service.
/// Unit and service compare by `name_key`, so "Link dedicado " and "Link Dedicado" are
/// the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ClientKey {
    pub cnpj: String,
    pub operator_id: Uuid,
    pub unit_key: String,
    pub service_key: String,
}

/// Input that passed every rule: trimmed, blanks as `None` (or "" for unit and
/// service, which are part of the unique key), CNPJ and CPF as bare digits.
/// Serialised (for the import preview) without the password.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ValidClient {
    pub hash: Option<String>,
    pub legal_name: String,
    pub sat_name: Option<String>,
    pub cnpj: String,
    pub operator_id: Uuid,
    pub account_filter: Option<String>,
    pub service: String,
    pub sat_data: Option<String>,
    pub unit: String,
    pub sat_category: Option<String>,
    pub issue_site_url: Option<String>,
    pub portal_login: Option<String>,
    /// The new password in plain text, for the store to seal; `None` keeps the current.
    #[serde(skip_serializing)]
    pub portal_password: Option<String>,
    pub clear_portal_password: bool,
    pub cpf: Option<String>,
    pub notes: Option<String>,
    pub unit_key: String,
    pub service_key: String,
}

impl ValidClient {
    pub fn key(&self) -> ClientKey {
        ClientKey {
            cnpj: self.cnpj.clone(),
            operator_id: self.operator_id,
            unit_key: self.unit_key.clone(),
            service_key: self.service_key.clone(),
        }
    }
}

/// What Debug shows of a password: whether there is one, never its text, so a panic
/// message or a log line cannot leak it.
fn redacted(password: &Option<String>) -> &'static str {
    match password {
        Some(_) => "Some(<oculta>)",
        None => "None",
    }
}

impl std::fmt::Debug for ClientInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientInput")
            .field("hash", &self.hash)
            .field("legal_name", &self.legal_name)
            .field("sat_name", &self.sat_name)
            .field("cnpj", &self.cnpj)
            .field("operator_id", &self.operator_id)
            .field("account_filter", &self.account_filter)
            .field("service", &self.service)
            .field("sat_data", &self.sat_data)
            .field("unit", &self.unit)
            .field("sat_category", &self.sat_category)
            .field("issue_site_url", &self.issue_site_url)
            .field("portal_login", &self.portal_login)
            .field("portal_password", &redacted(&self.portal_password))
            .field("clear_portal_password", &self.clear_portal_password)
            .field("cpf", &self.cpf)
            .field("notes", &self.notes)
            .finish()
    }
}

impl std::fmt::Debug for ValidClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidClient")
            .field("hash", &self.hash)
            .field("legal_name", &self.legal_name)
            .field("sat_name", &self.sat_name)
            .field("cnpj", &self.cnpj)
            .field("operator_id", &self.operator_id)
            .field("account_filter", &self.account_filter)
            .field("service", &self.service)
            .field("sat_data", &self.sat_data)
            .field("unit", &self.unit)
            .field("sat_category", &self.sat_category)
            .field("issue_site_url", &self.issue_site_url)
            .field("portal_login", &self.portal_login)
            .field("portal_password", &redacted(&self.portal_password))
            .field("clear_portal_password", &self.clear_portal_password)
            .field("cpf", &self.cpf)
            .field("notes", &self.notes)
            .field("unit_key", &self.unit_key)
            .field("service_key", &self.service_key)
            .finish()
    }
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Adds a "too long" message when `value` has more than `max` characters (not bytes:
/// "SOLUÇÕES" is 8 characters).
fn check_len(v: &mut Violations, field: &str, label: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|s| s.chars().count() > max) {
        v.add(
            field,
            format!("{label} pode ter no máximo {max} caracteres."),
        );
    }
}

fn check_cnpj(v: &mut Violations, raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        v.add("cnpj", "Informe o CNPJ.");
        return String::new();
    }
    match normalize_cnpj(raw) {
        None => {
            // Spreadsheets opened in Excel often lose the leading zeros of a CNPJ.
            v.add(
                "cnpj",
                "O CNPJ deve ter 14 dígitos (ex.: 12.345.678/0001-95); confira se não faltam zeros à esquerda.",
            );
            String::new()
        }
        Some(d) if !is_valid_cnpj(&d) => {
            v.add("cnpj", "CNPJ inválido: confira os dígitos verificadores.");
            d
        }
        Some(d) => d,
    }
}

fn check_cpf(v: &mut Violations, raw: &Option<String>) -> Option<String> {
    let raw = trimmed(raw)?;
    match normalize_cpf(&raw) {
        None => {
            v.add("cpf", "O CPF deve ter 11 dígitos (ex.: 123.456.789-09).");
            None
        }
        Some(d) if !is_valid_cpf(&d) => {
            v.add("cpf", "CPF inválido: confira os dígitos verificadores.");
            None
        }
        Some(d) => Some(d),
    }
}

/// The new password exactly as typed: unlike other fields it is not trimmed, because a
/// space may belong to a real password. Only an all-blank entry means "keep".
fn check_password(v: &mut Violations, input: &ClientInput) -> Option<String> {
    let password = input
        .portal_password
        .as_ref()
        .filter(|p| !p.trim().is_empty())
        .cloned();
    if password.is_some() && input.clear_portal_password {
        v.add(
            "portal_password",
            "Informe uma nova senha do portal ou marque para removê-la, não os dois.",
        );
    }
    check_len(
        v,
        "portal_password",
        "A senha do portal",
        password.as_deref(),
        PORTAL_PASSWORD_MAX,
    );
    password
}

impl ClientInput {
    pub fn validate(&self) -> Result<ValidClient> {
        let mut v = Violations::default();

        let hash = trimmed(&self.hash);
        check_len(&mut v, "hash", "O HASH", hash.as_deref(), HASH_MAX);

        let legal_name = self.legal_name.trim().to_string();
        if legal_name.is_empty() {
            v.add("legal_name", "Informe a razão social.");
        }
        check_len(
            &mut v,
            "legal_name",
            "A razão social",
            Some(&legal_name),
            LEGAL_NAME_MAX,
        );

        let cnpj = check_cnpj(&mut v, &self.cnpj);

        // The nil id is what a form sends when it serialises "nothing chosen" as zeros.
        let operator_id = self.operator_id.filter(|id| !id.is_nil());
        if operator_id.is_none() {
            v.add("operator_id", "Escolha a operadora.");
        }

        let sat_name = trimmed(&self.sat_name);
        let account_filter = trimmed(&self.account_filter);
        let service = trimmed(&self.service).unwrap_or_default();
        let sat_data = trimmed(&self.sat_data);
        let unit = trimmed(&self.unit).unwrap_or_default();
        let sat_category = trimmed(&self.sat_category);
        let portal_login = trimmed(&self.portal_login);
        let notes = trimmed(&self.notes);
        for (field, label, value, max) in [
            ("sat_name", "O nome SAT", sat_name.as_deref(), SAT_NAME_MAX),
            (
                "account_filter",
                "O filtro",
                account_filter.as_deref(),
                ACCOUNT_FILTER_MAX,
            ),
            ("service", "O serviço", Some(service.as_str()), SERVICE_MAX),
            (
                "sat_data",
                "Os dados SAT",
                sat_data.as_deref(),
                SAT_DATA_MAX,
            ),
            ("unit", "A unidade", Some(unit.as_str()), UNIT_MAX),
            (
                "sat_category",
                "A categoria SAT",
                sat_category.as_deref(),
                SAT_CATEGORY_MAX,
            ),
            (
                "portal_login",
                "O login do portal",
                portal_login.as_deref(),
                PORTAL_LOGIN_MAX,
            ),
            ("notes", "As observações", notes.as_deref(), NOTES_MAX),
        ] {
            check_len(&mut v, field, label, value, max);
        }

        let issue_site_url = trimmed(&self.issue_site_url);
        if issue_site_url
            .as_deref()
            .is_some_and(|u| !is_http_url(u) || u.len() > URL_MAX)
        {
            v.add(
                "issue_site_url",
                "O site para emissão deve começar com http:// ou https:// e ter um endereço válido.",
            );
        }

        let cpf = check_cpf(&mut v, &self.cpf);
        let portal_password = check_password(&mut v, self);

        v.into_result()?;
        Ok(ValidClient {
            hash,
            legal_name,
            sat_name,
            cnpj,
            operator_id: operator_id.expect("checked above"),
            account_filter,
            unit_key: name_key(&unit),
            service_key: name_key(&service),
            service,
            sat_data,
            unit,
            sat_category,
            issue_site_url,
            portal_login,
            portal_password,
            clear_portal_password: self.clear_portal_password,
            cpf,
            notes,
        })
    }
}

/// The label a person sees for each input field, for messages that name a field outside
/// its form (the import preview's "changed" list).
pub fn field_label(field: &str) -> &'static str {
    match field {
        "hash" => "HASH",
        "legal_name" => "Razão social",
        "sat_name" => "Nome SAT",
        "cnpj" => "CNPJ",
        "operator_id" => "Operadora",
        "account_filter" => "Filtro",
        "service" => "Serviço",
        "sat_data" => "Dados SAT",
        "unit" => "Unidade",
        "sat_category" => "Categoria SAT",
        "issue_site_url" => "Site para emissão",
        "portal_login" => "Login do portal",
        "portal_password" => "Senha do portal",
        "cpf" => "CPF",
        "notes" => "Observações",
        "active" => "Situação",
        _ => "Campo",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientFilter {
    /// Matches legal name, SAT name, HASH or CNPJ, ignoring case; see `search_digits`.
    pub search: Option<String>,
    pub operator_id: Option<Uuid>,
    /// None: all; Some(true): only active; Some(false): only inactive.
    pub active: Option<bool>,
    pub page: u32,
    pub page_size: u32,
}

impl ClientFilter {
    pub fn limit_offset(&self) -> (i64, i64) {
        let size = match self.page_size {
            0 => PAGE_SIZE_DEFAULT,
            n => n.min(PAGE_SIZE_MAX),
        } as i64;
        (size, self.page as i64 * size)
    }

    /// The search text, trimmed; `None` when blank.
    pub fn search_text(&self) -> Option<String> {
        trimmed(&self.search)
    }

    /// The digits of a search that looks like (part of) a CNPJ, such as "13.878.375",
    /// so the store can match the bare digits it keeps. `None` when the search has
    /// letters or fewer than 3 digits (a "1" would match nearly every CNPJ).
    pub fn search_digits(&self) -> Option<String> {
        let text = self.search_text()?;
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let only_cnpj_chars = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '/' | '-' | ' '));
        (only_cnpj_chars && digits.len() >= 3).then_some(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn input() -> ClientInput {
        ClientInput {
            hash: Some(" exemplo0030 ".into()),
            legal_name: " PÃO E TAL TRANSPORTES S/A ".into(),
            sat_name: Some("   ".into()),
            cnpj: " 13.878.375/0001-09 ".into(),
            operator_id: Some(Uuid::from_u128(7)),
            service: Some("Voz originado ".into()),
            unit: Some(" Dourados-MS".into()),
            issue_site_url: Some(" https://portal.exemplo-operadora.com.br ".into()),
            portal_password: Some(" senha ficticia ".into()),
            ..Default::default()
        }
    }

    fn fields_of(i: &ClientInput) -> Vec<String> {
        let e = i.validate().unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        e.fields.into_iter().map(|f| f.field).collect()
    }

    fn message_of(i: &ClientInput, field: &str) -> String {
        let e = i.validate().unwrap_err();
        e.fields
            .into_iter()
            .find(|f| f.field == field)
            .unwrap_or_else(|| panic!("no message for {field}"))
            .message
    }

    #[test]
    fn trims_normalises_and_computes_keys() {
        let v = input().validate().unwrap();
        assert_eq!(v.hash.as_deref(), Some("exemplo0030"));
        assert_eq!(v.legal_name, "PÃO E TAL TRANSPORTES S/A");
        assert_eq!(v.sat_name, None);
        assert_eq!(v.cnpj, "13878375000109");
        assert_eq!(v.service, "Voz originado");
        assert_eq!(v.service_key, "voz originado");
        assert_eq!(v.unit, "Dourados-MS");
        assert_eq!(v.unit_key, "dourados-ms");
        assert_eq!(
            v.issue_site_url.as_deref(),
            Some("https://portal.exemplo-operadora.com.br")
        );
        // The password is kept as typed: spaces may be part of it.
        assert_eq!(v.portal_password.as_deref(), Some(" senha ficticia "));
        assert_eq!(v.cpf, None);
    }

    #[test]
    fn blank_unit_and_service_are_empty_strings() {
        let v = ClientInput {
            unit: None,
            service: Some("  ".into()),
            ..input()
        }
        .validate()
        .unwrap();
        assert_eq!((v.unit.as_str(), v.service.as_str()), ("", ""));
        assert_eq!((v.unit_key.as_str(), v.service_key.as_str()), ("", ""));
    }

    #[test]
    fn required_fields_are_reported_together_in_portuguese() {
        let e = ClientInput::default().validate().unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["legal_name", "cnpj", "operator_id"]);
        assert_eq!(e.fields[1].message, "Informe o CNPJ.");
        assert_eq!(e.fields[2].message, "Escolha a operadora.");
        let nil = ClientInput {
            operator_id: Some(Uuid::nil()),
            ..input()
        };
        assert_eq!(fields_of(&nil), vec!["operator_id"]);
    }

    #[test]
    fn cnpj_check_digits_and_length() {
        let bad = ClientInput {
            cnpj: "00.251.678/0001-48".into(),
            ..input()
        };
        assert_eq!(
            message_of(&bad, "cnpj"),
            "CNPJ inválido: confira os dígitos verificadores."
        );
        let short = ClientInput {
            cnpj: "9260309000195".into(),
            ..input()
        };
        assert!(message_of(&short, "cnpj").contains("14 dígitos"));
    }

    #[test]
    fn cpf_is_checked_only_when_present() {
        let ok = ClientInput {
            cpf: Some(" 123.456.789-09 ".into()),
            ..input()
        };
        assert_eq!(ok.validate().unwrap().cpf.as_deref(), Some("12345678909"));
        let bad = ClientInput {
            cpf: Some("123.456.789-00".into()),
            ..input()
        };
        assert_eq!(
            message_of(&bad, "cpf"),
            "CPF inválido: confira os dígitos verificadores."
        );
        let short = ClientInput {
            cpf: Some("1234".into()),
            ..input()
        };
        assert_eq!(fields_of(&short), vec!["cpf"]);
    }

    #[test]
    fn issue_site_must_be_http() {
        for bad in [
            "portal.exemplo.com.br",
            "ftp://portal.exemplo",
            "javascript:x",
        ] {
            let i = ClientInput {
                issue_site_url: Some(bad.into()),
                ..input()
            };
            assert_eq!(fields_of(&i), vec!["issue_site_url"], "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters() {
        let i = ClientInput {
            legal_name: "Ç".repeat(LEGAL_NAME_MAX),
            ..input()
        };
        assert!(i.validate().is_ok());
        let i = ClientInput {
            legal_name: "Ç".repeat(LEGAL_NAME_MAX + 1),
            notes: Some("x".repeat(NOTES_MAX + 1)),
            ..input()
        };
        assert_eq!(fields_of(&i), vec!["legal_name", "notes"]);
    }

    #[test]
    fn password_blank_keeps_and_clear_conflicts_with_new() {
        let keep = ClientInput {
            portal_password: Some("   ".into()),
            ..input()
        };
        assert_eq!(keep.validate().unwrap().portal_password, None);
        let clear = ClientInput {
            portal_password: None,
            clear_portal_password: true,
            ..input()
        };
        assert!(clear.validate().unwrap().clear_portal_password);
        let both = ClientInput {
            clear_portal_password: true,
            ..input()
        };
        assert_eq!(fields_of(&both), vec!["portal_password"]);
    }

    #[test]
    fn debug_never_shows_the_password() {
        let i = input();
        let v = i.validate().unwrap();
        for text in [format!("{i:?}"), format!("{v:?}")] {
            assert!(!text.contains("senha ficticia"), "{text}");
            assert!(text.contains("<oculta>"));
        }
        let json = serde_json::to_string(&v).unwrap();
        assert!(!json.contains("senha ficticia"));
    }

    #[test]
    fn deserialises_a_partial_form() {
        let i: ClientInput = serde_json::from_value(serde_json::json!({
            "legal_name": "X",
            "cnpj": "13878375000109",
            "operator_id": Uuid::from_u128(1),
        }))
        .unwrap();
        assert_eq!(i.portal_password, None);
        assert!(!i.clear_portal_password);
        assert!(i.validate().is_ok());
    }

    fn client() -> Client {
        let v = input().validate().unwrap();
        Client {
            id: Uuid::from_u128(9),
            hash: v.hash,
            legal_name: v.legal_name,
            sat_name: v.sat_name,
            cnpj: v.cnpj,
            operator_id: v.operator_id,
            operator_name: "VIVO".into(),
            operator_code: "VIVO".into(),
            account_filter: v.account_filter,
            service: v.service,
            sat_data: v.sat_data,
            unit: v.unit,
            sat_category: v.sat_category,
            issue_site_url: v.issue_site_url,
            portal_login: v.portal_login,
            portal_password_set: true,
            cpf: v.cpf,
            notes: v.notes,
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn audit_view_says_a_password_is_set_without_it() {
        let c = client();
        let view = c.audit_view();
        assert_eq!(view["portal_password_set"], true);
        assert!(view.get("portal_password").is_none());
        assert_eq!(view["cnpj"], "13878375000109");
        assert!(view.get("id").is_none());
        assert_eq!(c.key(), input().validate().unwrap().key());
    }

    #[test]
    fn filter_pages_and_cnpj_search() {
        let f = ClientFilter::default();
        assert_eq!(f.limit_offset(), (50, 0));
        let f = ClientFilter {
            page: 2,
            page_size: 1000,
            search: Some(" 13.878.375 ".into()),
            ..Default::default()
        };
        assert_eq!(f.limit_offset(), (200, 400));
        assert_eq!(f.search_text().as_deref(), Some("13.878.375"));
        assert_eq!(f.search_digits().as_deref(), Some("13878375"));
        let words = ClientFilter {
            search: Some("Pão 13".into()),
            ..Default::default()
        };
        assert_eq!(words.search_digits(), None);
    }
}
