//! Text helpers both SQL backends share.

/// A LIKE pattern that finds `s` anywhere, with `%`, `_` and `\` typed by a person taken
/// as letters, not wildcards (the queries say `ESCAPE '\'`).
pub fn like_pattern(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The LIKE patterns of the executions screen's search: the folded text for the client's
/// search_text (name, SAT name, CNPJ, HASH, account), the bare digits when the search looks
/// like (part of) a CNPJ typed with punctuation, and the lower-cased text for the robot's
/// job id. `None` for a blank search.
pub struct ExecutionSearch {
    pub text: String,
    pub digits: Option<String>,
    pub job: String,
}

impl ExecutionSearch {
    pub fn new(search: Option<&str>) -> Option<Self> {
        let s = search.map(str::trim).filter(|s| !s.is_empty())?;
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let cnpj_like = s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '/' | '-' | ' '));
        Some(Self {
            text: like_pattern(&crate::records::fold(s)),
            digits: (cnpj_like && digits.len() >= 3).then(|| format!("%{digits}%")),
            job: like_pattern(&s.to_lowercase()),
        })
    }
}

/// An audit before/after column read back as text; unreadable JSON is dropped rather than
/// failing the whole trail.
pub fn json(s: Option<String>) -> Option<serde_json::Value> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

/// The invoice's identity as stored: JSON text.
pub(crate) fn identity_text(p: &brm_core::process::Process) -> Option<String> {
    p.invoice_identity
        .as_ref()
        .and_then(|i| serde_json::to_string(i).ok())
}

/// A stored identity; text that does not parse counts as not read.
pub(crate) fn identity_of(text: Option<String>) -> Option<brm_core::approval::InvoiceIdentity> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_typed_by_a_person_are_escaped() {
        assert_eq!(like_pattern("oi"), "%oi%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn execution_search_patterns() {
        assert!(ExecutionSearch::new(Some("  ")).is_none());
        let s = ExecutionSearch::new(Some("10.141.561")).unwrap();
        assert_eq!(s.digits.as_deref(), Some("%10141561%"));
        let s = ExecutionSearch::new(Some("SOLUÇÕES")).unwrap();
        assert_eq!((s.text.as_str(), s.digits), ("%solucoes%", None));
        assert_eq!(
            ExecutionSearch::new(Some("Job-7A")).unwrap().job,
            "%job-7a%"
        );
    }
}
