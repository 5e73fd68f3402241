//! Where the robot service is and how long to wait for it.

use std::fmt;
use std::time::Duration;

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Configuration of a [`crate::RobotClient`]. `Debug` masks the token.
#[derive(Clone)]
pub struct RobotConfig {
    /// E.g. `http://localhost:8000`; a path prefix (`http://host/rpa`) is kept.
    pub base_url: String,
    /// The JWT sent as `Authorization: Bearer ...` (a pasted "Bearer " prefix is dropped).
    pub token: Option<String>,
    /// Time to open the TCP connection (default 5 s).
    pub connect_timeout: Duration,
    /// Whole-call deadline, connect to last body byte (default 30 s). The event
    /// stream uses it only until the headers arrive.
    pub request_timeout: Duration,
}

impl RobotConfig {
    pub fn new(base_url: impl Into<String>, token: Option<String>) -> Self {
        Self {
            base_url: base_url.into(),
            token,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

impl fmt::Debug for RobotConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RobotConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// "30 s", "0,3 s": seconds in pt-BR notation.
pub(crate) fn secs_pt(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{} s", s.replace('.', ","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_token() {
        let c = RobotConfig::new("http://x", Some("eyJ.secret".into()));
        let d = format!("{c:?}");
        assert!(!d.contains("eyJ.secret"), "{d}");
        assert!(d.contains("***"));
    }

    #[test]
    fn seconds() {
        assert_eq!(secs_pt(Duration::from_secs(30)), "30 s");
        assert_eq!(secs_pt(Duration::from_millis(300)), "0,3 s");
        assert_eq!(secs_pt(Duration::from_millis(1250)), "1,25 s");
    }
}
