//! What the first screen needs (is there a user yet? did the database open?), computed
//! while the application sets up and handed to the page as an initialization script.
//! The page then paints its real first screen without waiting for an IPC round trip;
//! the start-up benchmark showed that round trip as a visible part of the time to the
//! first screen.

use brm_core::Result;
use brm_service::SetupStatus;
use serde_json::json;

/// `window.__BRM_BOOT__ = {...}`, frozen so page code cannot alter it.
pub fn script(status: &Result<SetupStatus>) -> String {
    let value = match status {
        Ok(s) => json!({ "needs_admin": s.needs_admin }),
        Err(e) => json!({ "error": e }),
    };
    // serde_json escapes quotes and control characters, so the value is a valid JS
    // literal whatever the error message holds.
    format!("window.__BRM_BOOT__ = Object.freeze({value});")
}

#[cfg(test)]
mod tests {
    use super::*;
    use brm_core::{Error, ErrorCode};

    #[test]
    fn carries_the_setup_status_or_the_error() {
        assert_eq!(
            script(&Ok(SetupStatus { needs_admin: true })),
            r#"window.__BRM_BOOT__ = Object.freeze({"needs_admin":true});"#
        );
        let e = Error::new(ErrorCode::Database, "Não foi possível abrir \"x\"</script>");
        let s = script(&Err(e));
        assert!(s.starts_with(r#"window.__BRM_BOOT__ = Object.freeze({"error":{"code":"DATABASE","message":"Não foi possível abrir \"x\"</script>"}});"#), "{s}");
    }
}
