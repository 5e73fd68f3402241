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

/// An audit before/after column read back as text; unreadable JSON is dropped rather than
/// failing the whole trail.
pub fn json(s: Option<String>) -> Option<serde_json::Value> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_typed_by_a_person_are_escaped() {
        assert_eq!(like_pattern("oi"), "%oi%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
