//! How Rust values sit in SQLite columns: UUIDs as hyphenated text, instants as
//! fixed-width UTC text (microseconds, `Z`) so that comparing text compares time.

use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

const TS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn ts(t: DateTime<Utc>) -> String {
    t.format(TS_FORMAT).to_string()
}

pub fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, TS_FORMAT)
        .map(|n| n.and_utc())
        .map_err(|e| StoreError::Corrupt(format!("data/hora {s:?}: {e}")))
}

pub fn parse_ts_opt(s: Option<String>) -> StoreResult<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

pub fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("identificador {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(parse_ts(&ts(a)).unwrap(), a);
        assert_eq!(parse_ts(&ts(b)).unwrap(), b);
        assert!(ts(a) < ts(b));
        assert_eq!(ts(a), "2026-01-02T03:04:05.000000Z");
    }
}
