//! Brazilian tax ids: CNPJ (companies, 14 digits) and CPF (people, 11 digits).
//!
//! Both are stored as bare digits and shown with their usual punctuation. The check digits
//! are verified because the spreadsheet we import is typed by hand: a swapped digit would
//! otherwise become a client whose invoices the robot can never find.

/// Characters people and spreadsheets put between the digits; anything else is an error,
/// so "12.345.678/0001-9X" is refused instead of silently losing the X.
fn strip_punctuation(raw: &str) -> Option<String> {
    let mut digits = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '.' | '/' | '-' | ' ' | '\t' | '\u{a0}' => {}
            _ => return None,
        }
    }
    Some(digits)
}

fn normalize_digits(raw: &str, len: usize) -> Option<String> {
    strip_punctuation(raw).filter(|d| d.len() == len)
}

/// "00000000000000" and the like pass the mod-11 arithmetic but are placeholders people
/// type when they do not know the number.
fn all_equal(digits: &[u32]) -> bool {
    digits.windows(2).all(|w| w[0] == w[1])
}

fn to_digits(s: &str, len: usize) -> Option<Vec<u32>> {
    if s.len() != len {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Mod-11 check digit as both CNPJ and CPF define it: remainder below 2 gives 0.
fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match sum % 11 {
        0 | 1 => 0,
        r => 11 - r,
    }
}

const CNPJ_WEIGHTS_1: [u32; 12] = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_2: [u32; 13] = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CPF_WEIGHTS_1: [u32; 9] = [10, 9, 8, 7, 6, 5, 4, 3, 2];
const CPF_WEIGHTS_2: [u32; 10] = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2];

/// The 14 digits of a CNPJ typed with or without punctuation; `None` when there are other
/// characters or not exactly 14 digits. Does not check the check digits.
pub fn normalize_cnpj(raw: &str) -> Option<String> {
    normalize_digits(raw, 14)
}

/// Whether `digits` (14 bare digits, as `normalize_cnpj` returns) has both check digits
/// right and is not a run of one repeated digit.
pub fn is_valid_cnpj(digits: &str) -> bool {
    let Some(d) = to_digits(digits, 14) else {
        return false;
    };
    !all_equal(&d)
        && check_digit(&d[..12], &CNPJ_WEIGHTS_1) == d[12]
        && check_digit(&d[..13], &CNPJ_WEIGHTS_2) == d[13]
}

/// "12345678000195" → "12.345.678/0001-95". Anything that is not 14 digits is returned
/// as it came, so a list never hides a bad stored value behind an empty cell.
pub fn format_cnpj(digits: &str) -> String {
    if to_digits(digits, 14).is_none() {
        return digits.to_string();
    }
    format!(
        "{}.{}.{}/{}-{}",
        &digits[..2],
        &digits[2..5],
        &digits[5..8],
        &digits[8..12],
        &digits[12..]
    )
}

/// The 11 digits of a CPF typed with or without punctuation; `None` otherwise.
pub fn normalize_cpf(raw: &str) -> Option<String> {
    normalize_digits(raw, 11)
}

/// Whether `digits` (11 bare digits) has both check digits right and is not a run of one
/// repeated digit.
pub fn is_valid_cpf(digits: &str) -> bool {
    let Some(d) = to_digits(digits, 11) else {
        return false;
    };
    !all_equal(&d)
        && check_digit(&d[..9], &CPF_WEIGHTS_1) == d[9]
        && check_digit(&d[..10], &CPF_WEIGHTS_2) == d[10]
}

/// "12345678909" → "123.456.789-09"; anything else is returned as it came.
pub fn format_cpf(digits: &str) -> String {
    if to_digits(digits, 11).is_none() {
        return digits.to_string();
    }
    format!(
        "{}.{}.{}-{}",
        &digits[..3],
        &digits[3..6],
        &digits[6..9],
        &digits[9..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of the sample spreadsheet whose check digits are right, in both spellings.
    const VALID_CNPJS: [&str; 6] = [
        "13.878.375/0001-09",
        "76426565000105",
        "10.141.561/0001-64",
        "09260309000195",
        "12.345.678/0001-95",
        "01.815.908/0001-16",
    ];

    #[test]
    fn valid_cnpjs_from_the_spreadsheet_pass() {
        for raw in VALID_CNPJS {
            let d = normalize_cnpj(raw).unwrap_or_else(|| panic!("{raw} not normalised"));
            assert_eq!(d.len(), 14);
            assert!(is_valid_cnpj(&d), "{raw}");
        }
    }

    #[test]
    fn wrong_check_digits_fail() {
        // 00.251.678/0001-48 and 71.177.774/0001-31 are the sample's two typos.
        for raw in [
            "00.251.678/0001-48",
            "71.177.774/0001-31",
            "13.878.375/0001-08",
            "13.878.375/0001-19",
        ] {
            let d = normalize_cnpj(raw).unwrap();
            assert!(!is_valid_cnpj(&d), "{raw}");
        }
    }

    #[test]
    fn repeated_digits_and_wrong_lengths_fail() {
        assert!(!is_valid_cnpj("00000000000000"));
        assert!(!is_valid_cnpj("11111111111111"));
        assert!(!is_valid_cnpj("1387837500010"));
        assert!(!is_valid_cnpj("1387837500010X"));
        assert_eq!(normalize_cnpj("1387837500010"), None);
        assert_eq!(normalize_cnpj("138783750001099"), None);
        assert_eq!(normalize_cnpj("13.878.375/0001-0X"), None);
        assert_eq!(normalize_cnpj(""), None);
    }

    #[test]
    fn cnpj_punctuation_and_spaces_are_stripped() {
        assert_eq!(
            normalize_cnpj(" 13.878.375 / 0001-09 ").as_deref(),
            Some("13878375000109")
        );
    }

    #[test]
    fn cnpj_is_formatted_with_its_punctuation() {
        assert_eq!(format_cnpj("12345678000195"), "12.345.678/0001-95");
        assert_eq!(format_cnpj("123"), "123");
    }

    #[test]
    fn cpf_check_digits() {
        for raw in ["123.456.789-09", "52998224725", "111.444.777-35"] {
            let d = normalize_cpf(raw).unwrap();
            assert!(is_valid_cpf(&d), "{raw}");
        }
        for raw in [
            "123.456.789-00",
            "52998224724",
            "111.111.111-11",
            "000.000.000-00",
        ] {
            let d = normalize_cpf(raw).unwrap();
            assert!(!is_valid_cpf(&d), "{raw}");
        }
        assert_eq!(normalize_cpf("1234567890"), None);
        assert!(!is_valid_cpf("1234567890"));
    }

    #[test]
    fn cpf_is_formatted_with_its_punctuation() {
        assert_eq!(format_cpf("12345678909"), "123.456.789-09");
        assert_eq!(format_cpf("12345"), "12345");
    }
}
