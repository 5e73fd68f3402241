//! Reading the old system's loosely typed columns: every value arrives as text (the
//! reader casts), in SQLite's or PostgreSQL's spelling.

use brm_core::process::{parse_cents, Month};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A value that is there but cannot be read as what its column should hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

/// `mes_ano` `MM/AAAA` (also `M/AAAA`) to our month; `None` when it is not a month.
pub fn month(mes_ano: &str) -> Option<Month> {
    let (m, y) = mes_ano.trim().split_once('/')?;
    if m.is_empty() || m.len() > 2 || y.len() != 4 {
        return None;
    }
    if !m.bytes().all(|b| b.is_ascii_digit()) || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Month::parse(&format!("{y}-{:0>2}", m)).ok()
}

/// A boolean column: SQLite 1/0, PostgreSQL true/false, or text someone typed.
pub fn flag(v: Option<&str>, default: bool) -> bool {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        None => default,
        Some(s) => match s.as_str() {
            "1" | "t" | "true" | "s" | "sim" | "y" | "yes" => true,
            "0" | "f" | "false" | "n" | "nao" | "não" | "no" => false,
            "" => default,
            _ => default,
        },
    }
}

/// Money as the old columns held it ("1234.56", "1299.9", "1310", a float's text): exact
/// cents, or `Err` when it is not an amount. Blank is no amount.
pub fn cents(v: Option<&str>) -> Result<Option<i64>, Invalid> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            // Text someone typed ("1.234,56") goes through the pt-BR reader.
            if s.contains(',') {
                return parse_cents(s).map(Some).ok_or(Invalid);
            }
            // The database's own spelling: "1234.56", "1299.9", "1310", "1310.00".
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            let digits = int.strip_prefix('-').unwrap_or(int);
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || !frac.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(Invalid);
            }
            if frac.len() <= 2 || frac[2..].bytes().all(|b| b == b'0') {
                return parse_cents(&format!("{int}.{:0<2}", &frac[..frac.len().min(2)]))
                    .map(Some)
                    .ok_or(Invalid);
            }
            // A float's text ("0.30000000000000004"): rounded to the cent only when what
            // lies beyond it is float noise, never a real third decimal.
            let f: f64 = s.parse().map_err(|_| Invalid)?;
            let c = (f * 100.0).round();
            if (f * 100.0 - c).abs() < 1e-6 && c.abs() < 1e15 {
                Ok(Some(c as i64))
            } else {
                Err(Invalid)
            }
        }
    }
}

/// A date column: `AAAA-MM-DD` (optionally with a time) or `DD/MM/AAAA`.
pub fn date(v: Option<&str>) -> Result<Option<NaiveDate>, Invalid> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let head = s.get(..10).unwrap_or(s);
            NaiveDate::parse_from_str(head, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(head, "%d/%m/%Y"))
                .map(Some)
                .map_err(|_| Invalid)
        }
    }
}

/// A timestamp column (naive UTC, as Flask's `datetime.utcnow()` wrote them, or with an
/// offset from PostgreSQL). Unreadable or blank: `None` (the import uses its own time).
pub fn timestamp(v: Option<&str>) -> Option<DateTime<Utc>> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// A JSON column (SQLite keeps its text, PostgreSQL's `json` cast to text): `None` for
/// blank or `null`, `Err` when it is not JSON.
pub fn json(v: Option<&str>) -> Result<Option<serde_json::Value>, Invalid> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Null) => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(_) => Err(Invalid),
        },
    }
}

/// A count (`DECIMAL(10,0)` in the old models: "3", "3.0" or PostgreSQL's "3"); blank is 0.
pub fn count(v: Option<&str>) -> Result<i64, Invalid> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(0),
        Some(s) => {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            if !frac.bytes().all(|b| b == b'0') {
                return Err(Invalid);
            }
            int.parse::<i64>().ok().filter(|n| *n >= 0).ok_or(Invalid)
        }
    }
}

/// Blank text is no text.
pub fn text(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(month("03/2024").unwrap().to_string(), "2024-03");
        assert_eq!(month("3/2024").unwrap().to_string(), "2024-03");
        assert_eq!(month(" 12/2023 ").unwrap().to_string(), "2023-12");
        for bad in [
            "13/2024", "00/2024", "2024-03", "03-2024", "03/24", "", "ab/2024", "+3/2024",
        ] {
            assert!(month(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn money_dates_and_flags() {
        assert_eq!(cents(Some("1234.56")), Ok(Some(123456)));
        assert_eq!(cents(Some("1299.9")), Ok(Some(129990)));
        assert_eq!(cents(Some("1310")), Ok(Some(131000)));
        assert_eq!(cents(Some("0.30000000000000004")), Ok(Some(30)));
        assert_eq!(cents(Some("12.345")), Err(Invalid));
        assert_eq!(cents(Some("1310.00")), Ok(Some(131000)));
        assert_eq!(cents(Some("1.234,56")), Ok(Some(123456)));
        assert_eq!(cents(Some("-5.5")), Ok(Some(-550)));
        assert_eq!(cents(Some("abc")), Err(Invalid));
        assert_eq!(cents(None), Ok(None));
        assert_eq!(
            date(Some("2024-02-10")),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 10))
        );
        assert_eq!(
            date(Some("10/02/2024")),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 10))
        );
        assert_eq!(date(Some("31/02/2024")), Err(Invalid));
        assert!(flag(Some("1"), false) && flag(Some("true"), false) && !flag(Some("0"), true));
        assert!(flag(None, true));
        assert_eq!(
            timestamp(Some("2024-05-02 09:15:00.000000"))
                .unwrap()
                .to_rfc3339(),
            "2024-05-02T09:15:00+00:00"
        );
        assert!(timestamp(Some("ontem")).is_none());
        // PostgreSQL's text of timestamptz and numeric, as the reader casts them.
        assert_eq!(
            timestamp(Some("2025-05-20 14:30:00+00"))
                .unwrap()
                .to_rfc3339(),
            "2025-05-20T14:30:00+00:00"
        );
        assert_eq!(
            timestamp(Some("2026-12-06 20:32:05.995379+00"))
                .unwrap()
                .to_rfc3339(),
            "2026-12-06T20:32:05.995379+00:00"
        );
        assert_eq!(cents(Some("4699")), Ok(Some(469900)));
        assert_eq!(cents(Some("4699.00")), Ok(Some(469900)));
        assert_eq!(cents(Some("4136.5")), Ok(Some(413650)));
        assert_eq!(cents(Some("1045.27")), Ok(Some(104527)));
        assert_eq!(count(Some("0")), Ok(0));
        assert_eq!(count(Some("3.0")), Ok(3));
        assert_eq!(count(None), Ok(0));
        assert_eq!(count(Some("2.5")), Err(Invalid));
        assert_eq!(json(Some("null")), Ok(None));
        assert_eq!(
            json(Some(r#"{"timeout_padrao": 300}"#)),
            Ok(Some(serde_json::json!({"timeout_padrao": 300})))
        );
        assert_eq!(json(Some("{")), Err(Invalid));
    }
}
