//! Brazilian payment lines ("linha digitável"), checked the way FEBRABAN defines them.
//!
//! Two kinds exist:
//! - the 47-digit bank slip (boleto bancário / "bloqueto de cobrança"), whose 44-digit
//!   barcode is `bank(3) currency(1) DV(1) due-factor(4) amount(10) free(25)`, printed as
//!   five fields: three with a module-10 check digit, the general check digit (module 11)
//!   and the due factor with the amount;
//! - the 48-digit collection slip (arrecadação / convênio: utilities, telecom, taxes),
//!   whose 44-digit barcode is `8 segment(1) value-id(1) DV(1) value(11) company(4)
//!   free(25)`, printed as four blocks of 11 barcode digits, each followed by its check
//!   digit. The value id says both the check-digit module (6/7 module 10, 8/9 module 11)
//!   and whether the value is an effective amount in cents (6/8) or a reference (7/9).
//!
//! Due factors count days since 1997-10-07; factor 9999 fell on 2025-02-21 and the count
//! restarted at 1000 on 2025-02-22, so a factor names one date every 9000 days and is read
//! as the one nearest to a reference date.

use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Which of the two FEBRABAN layouts a payment line follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentLineKind {
    /// 47 digits: boleto bancário.
    BankSlip47,
    /// 48 digits starting with '8': arrecadação (concessionárias, telecom, tributos).
    Collection48,
}

/// A payment line whose check digits are all valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub kind: PaymentLineKind,
    /// The 47 or 48 digits, without separators.
    pub digits: String,
    /// The amount in cents, when the line carries one (a zero amount counts as none; for
    /// collection slips only value ids 6 and 8 carry an effective amount).
    pub amount_cents: Option<i64>,
    /// The due date (bank slips only; factor 0000 means none).
    pub due_date: Option<NaiveDate>,
}

impl PaymentLine {
    /// The 44-digit barcode the line encodes.
    pub fn barcode(&self) -> String {
        match self.kind {
            PaymentLineKind::Collection48 => collection_barcode(self.digits.as_bytes()),
            PaymentLineKind::BankSlip47 => bank_slip_barcode(self.digits.as_bytes()),
        }
    }

    /// The digits grouped for display (see [`format`]).
    pub fn formatted(&self) -> String {
        format(&self.digits)
    }
}

/// Why a text is not a valid payment line. The messages are meant for the person who
/// typed or pasted the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentLineError {
    #[error("A linha digitável está vazia.")]
    Empty,
    #[error("A linha digitável contém um caractere inválido ('{0}'): use apenas números.")]
    InvalidCharacter(char),
    #[error(
        "A linha digitável deve ter 47 dígitos (boleto bancário) ou 48 dígitos \
         (arrecadação); foram informados {0}."
    )]
    WrongLength(usize),
    #[error("Uma linha digitável de 48 dígitos (arrecadação) deve começar com 8.")]
    NotCollection,
    #[error(
        "Identificador de valor inválido na linha de arrecadação: o 3º dígito deve ser \
         6, 7, 8 ou 9 (encontrado {0})."
    )]
    InvalidValueId(char),
    /// A block (collection slip, 1-4) or field (bank slip, 1-3) check digit failed.
    #[error("{}", block_message(*.kind, *.block))]
    BlockCheckDigit { kind: PaymentLineKind, block: u8 },
    #[error("O dígito verificador geral da linha digitável não confere.")]
    GeneralCheckDigit,
}

fn block_message(kind: PaymentLineKind, block: u8) -> String {
    match kind {
        PaymentLineKind::Collection48 => {
            format!("O dígito verificador do bloco {block} da linha digitável não confere.")
        }
        PaymentLineKind::BankSlip47 => {
            format!("O dígito verificador do campo {block} da linha digitável não confere.")
        }
    }
}

impl From<PaymentLineError> for crate::Error {
    fn from(e: PaymentLineError) -> Self {
        crate::Error::validation(vec![crate::FieldError {
            field: "linha_digitavel".into(),
            message: e.to_string(),
        }])
    }
}

/// Parses a payment line typed or pasted by a person: digits with any spaces, dots,
/// dashes (or other whitespace) between them. A bank slip's due date is read relative to
/// today (UTC); see [`parse_at`].
pub fn parse(text: &str) -> Result<PaymentLine, PaymentLineError> {
    parse_at(text, Utc::now().date_naive())
}

/// Like [`parse`], reading a bank slip's due factor as the date nearest to `reference`.
pub fn parse_at(text: &str, reference: NaiveDate) -> Result<PaymentLine, PaymentLineError> {
    let mut digits = String::with_capacity(48);
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c.is_whitespace() || matches!(c, '.' | '-' | '–' | '/') {
            continue;
        } else {
            return Err(PaymentLineError::InvalidCharacter(c));
        }
    }
    let b = digits.as_bytes();
    match b.len() {
        0 => Err(PaymentLineError::Empty),
        48 => parse_collection(digits),
        47 => parse_bank_slip(digits, reference),
        n => Err(PaymentLineError::WrongLength(n)),
    }
}

fn parse_collection(digits: String) -> Result<PaymentLine, PaymentLineError> {
    let b = digits.as_bytes();
    if b[0] != b'8' {
        return Err(PaymentLineError::NotCollection);
    }
    let dv = collection_dv_fn(b[2]).ok_or(PaymentLineError::InvalidValueId(b[2] as char))?;
    for block in 0..4 {
        let start = block * 12;
        let data = &b[start..start + 11];
        if dv(data) != b[start + 11] - b'0' {
            return Err(PaymentLineError::BlockCheckDigit {
                kind: PaymentLineKind::Collection48,
                block: block as u8 + 1,
            });
        }
    }
    let barcode = collection_barcode(b);
    let bc = barcode.as_bytes();
    let without_dv: Vec<u8> = bc[..3].iter().chain(&bc[4..]).copied().collect();
    if dv(&without_dv) != bc[3] - b'0' {
        return Err(PaymentLineError::GeneralCheckDigit);
    }
    let amount_cents = match b[2] {
        b'6' | b'8' => Some(number(&bc[4..15])).filter(|&v| v > 0),
        _ => None,
    };
    Ok(PaymentLine {
        kind: PaymentLineKind::Collection48,
        digits,
        amount_cents,
        due_date: None,
    })
}

fn parse_bank_slip(digits: String, reference: NaiveDate) -> Result<PaymentLine, PaymentLineError> {
    let b = digits.as_bytes();
    // Field 1: 9 digits + DV; fields 2 and 3: 10 digits + DV.
    let fields = [(0usize, 9usize), (10, 10), (21, 10)];
    for (i, (start, len)) in fields.into_iter().enumerate() {
        if mod10(&b[start..start + len]) != b[start + len] - b'0' {
            return Err(PaymentLineError::BlockCheckDigit {
                kind: PaymentLineKind::BankSlip47,
                block: i as u8 + 1,
            });
        }
    }
    let barcode = bank_slip_barcode(b);
    let bc = barcode.as_bytes();
    let without_dv: Vec<u8> = bc[..4].iter().chain(&bc[5..]).copied().collect();
    if bank_slip_general_dv(&without_dv) != bc[4] - b'0' {
        return Err(PaymentLineError::GeneralCheckDigit);
    }
    let factor = number(&bc[5..9]) as u32;
    let amount = number(&bc[9..19]);
    Ok(PaymentLine {
        kind: PaymentLineKind::BankSlip47,
        digits,
        amount_cents: Some(amount).filter(|&v| v > 0),
        due_date: due_date_from_factor(factor, reference),
    })
}

/// Groups the digits of a payment line for display: `83640000001-1 33120138000-2 ...`
/// for collection slips and `00190.50095 40144.816069 06809.350314 3 37370000000100` for
/// bank slips. Anything but digits is ignored; other lengths come back as bare digits.
pub fn format(digits: &str) -> String {
    let d: String = digits.chars().filter(|c| c.is_ascii_digit()).collect();
    match d.len() {
        48 => (0..4)
            .map(|i| {
                format!(
                    "{}-{}",
                    &d[i * 12..i * 12 + 11],
                    &d[i * 12 + 11..i * 12 + 12]
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        47 => format!(
            "{}.{} {}.{} {}.{} {} {}",
            &d[0..5],
            &d[5..10],
            &d[10..15],
            &d[15..21],
            &d[21..26],
            &d[26..32],
            &d[32..33],
            &d[33..47]
        ),
        _ => d,
    }
}

/// Builds a valid 48-digit collection line (value id 6: effective amount, module 10).
///
/// `segment` is FEBRABAN's segment (1-9; 4 is telecom), `company_id` the 4-digit
/// company code, `free` up to 25 digits of the company's own field (left-padded with
/// zeros).
///
/// # Panics
/// On a segment outside 1-9, an amount outside 0..=99_999_999_999 cents, a company id that
/// is not 4 digits or a free field that is not at most 25 digits. These are programming
/// errors, not user input.
pub fn generate_collection(segment: u8, amount_cents: i64, company_id: &str, free: &str) -> String {
    assert!((1..=9).contains(&segment), "segment must be 1-9");
    assert!(
        (0..=99_999_999_999).contains(&amount_cents),
        "amount must fit 11 digits"
    );
    assert!(
        company_id.len() == 4 && all_digits(company_id),
        "company id must be 4 digits"
    );
    assert!(
        free.len() <= 25 && all_digits(free),
        "free field must be at most 25 digits"
    );
    let body = format!("8{segment}6{amount_cents:011}{company_id}{free:0>25}");
    let dv = mod10(body.as_bytes());
    let barcode = format!("{}{}{}", &body[..3], dv, &body[3..]);
    collection_line_from_barcode(&barcode, mod10)
}

/// Builds a valid 47-digit bank slip; mainly for tests of code that reads payment lines.
///
/// `bank` is the 3-digit bank code, `due` the due date (None: factor 0000; otherwise it
/// must lie between 2000-07-03 and the end of the current factor cycle), `free` up to 25
/// digits of the bank's free field (left-padded with zeros).
///
/// # Panics
/// On malformed arguments or a due date no factor can express.
pub fn generate_bank_slip(
    bank: &str,
    due: Option<NaiveDate>,
    amount_cents: i64,
    free: &str,
) -> String {
    assert!(bank.len() == 3 && all_digits(bank), "bank must be 3 digits");
    assert!(
        (0..=9_999_999_999).contains(&amount_cents),
        "amount must fit 10 digits"
    );
    assert!(
        free.len() <= 25 && all_digits(free),
        "free field must be at most 25 digits"
    );
    let factor = match due {
        None => 0,
        Some(d) => factor_from_date(d).expect("due date outside the factor range"),
    };
    let without_dv = format!("{bank}9{factor:04}{amount_cents:010}{free:0>25}");
    let dv = bank_slip_general_dv(without_dv.as_bytes());
    let bc = format!("{}{}{}", &without_dv[..4], dv, &without_dv[4..]);
    let field = |s: &str| format!("{s}{}", mod10(s.as_bytes()));
    format!(
        "{}{}{}{}{}",
        field(&format!("{}{}", &bc[0..4], &bc[19..24])),
        field(&bc[24..34]),
        field(&bc[34..44]),
        &bc[4..5],
        &bc[5..19]
    )
}

/// The due factor for a date: days since 1997-10-07 up to 2025-02-21 (factor 9999), then
/// 1000 again from 2025-02-22, and so on every 9000 days. None before 2000-07-03.
pub fn factor_from_date(date: NaiveDate) -> Option<u32> {
    let days = (date - factor_base()).num_days();
    if days < 1000 {
        return None;
    }
    Some((1000 + (days - 1000) % 9000) as u32)
}

/// The date a due factor names, choosing among its 9000-day cycles the one nearest to
/// `reference`. Factor 0 means no due date.
pub fn due_date_from_factor(factor: u32, reference: NaiveDate) -> Option<NaiveDate> {
    if factor == 0 || factor > 9999 {
        return None;
    }
    let base = factor_base();
    if factor < 1000 {
        // Only the first cycle (1997-2000) ever used factors below 1000.
        return Some(base + Duration::days(factor as i64));
    }
    let first = base + Duration::days(factor as i64);
    let cycles = ((reference - first).num_days() as f64 / 9000.0)
        .round()
        .max(0.0) as i64;
    Some(first + Duration::days(cycles * 9000))
}

fn factor_base() -> NaiveDate {
    NaiveDate::from_ymd_opt(1997, 10, 7).expect("valid date")
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
}

fn number(d: &[u8]) -> i64 {
    d.iter().fold(0i64, |acc, c| acc * 10 + (c - b'0') as i64)
}

/// FEBRABAN module 10: weights 2,1,2,1... from the right; products above 9 count as the sum
/// of their digits; the DV completes the sum to a multiple of 10.
fn mod10(data: &[u8]) -> u8 {
    let sum: u32 = data
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let p = (c - b'0') as u32 * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Weighted sum for module 11: weights 2..9 from the right, cycling.
fn mod11_sum(data: &[u8]) -> u32 {
    data.iter()
        .rev()
        .enumerate()
        .map(|(i, c)| (c - b'0') as u32 * (2 + (i as u32 % 8)))
        .sum()
}

/// Module 11 of collection slips: remainders 0 and 1 give DV 0, otherwise 11 - remainder.
fn mod11_collection(data: &[u8]) -> u8 {
    match mod11_sum(data) % 11 {
        0 | 1 => 0,
        r => (11 - r) as u8,
    }
}

/// Module 11 of a bank slip's general DV: 11 - remainder, and 1 instead of 0, 10 or 11.
fn bank_slip_general_dv(data: &[u8]) -> u8 {
    match 11 - mod11_sum(data) % 11 {
        0 | 10 | 11 => 1,
        d => d as u8,
    }
}

fn collection_dv_fn(value_id: u8) -> Option<fn(&[u8]) -> u8> {
    match value_id {
        b'6' | b'7' => Some(mod10),
        b'8' | b'9' => Some(mod11_collection),
        _ => None,
    }
}

fn collection_line_from_barcode(barcode: &str, dv: fn(&[u8]) -> u8) -> String {
    let b = barcode.as_bytes();
    let mut line = String::with_capacity(48);
    for block in 0..4 {
        let data = &b[block * 11..block * 11 + 11];
        line.push_str(&barcode[block * 11..block * 11 + 11]);
        line.push((b'0' + dv(data)) as char);
    }
    line
}

/// Drops the four block check digits of a 48-digit line.
fn collection_barcode(line: &[u8]) -> String {
    (0..4)
        .flat_map(|i| line[i * 12..i * 12 + 11].iter().map(|&c| c as char))
        .collect()
}

/// Reassembles a bank slip's barcode from its 47-digit line.
fn bank_slip_barcode(l: &[u8]) -> String {
    let parts: [&[u8]; 6] = [
        &l[0..4],   // bank + currency
        &l[32..33], // general DV
        &l[33..47], // factor + amount
        &l[4..9],   // free field 1-5
        &l[10..20], // free field 6-15
        &l[21..31], // free field 16-25
    ];
    parts
        .iter()
        .flat_map(|p| p.iter().map(|&c| c as char))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Changes one digit (position counted in the bare digits) to another digit.
    fn corrupt(digits: &str, pos: usize) -> String {
        let mut b = digits.as_bytes().to_vec();
        b[pos] = b'0' + (b[pos] - b'0' + 3) % 10;
        String::from_utf8(b).unwrap()
    }

    // A published collection line (segment 3: energy and gas; value id 6: module 10,
    // effective amount R$ 133,12). Block 1 checked by hand: the digits 8 3 6 4 0 0 0 0 0
    // 0 1 weighted 2,1,2,... from the right give 1*2=2, 4*1=4, 6*2=12->1+2=3, 3*1=3,
    // 8*2=16->1+6=7 (the zeros add nothing): 2+4+3+3+7 = 19, DV = 10 - 9 = 1, as printed.
    const CONVENIO: &str = "83640000001-1 33120138000-2 81288462711-6 08013618155-1";
    // A published Banco do Brasil boleto of R$ 1,00 with due factor 3737. Field 1
    // "001905009" checked by hand: from the right 9*2=18->9, 0, 0*2, 5, 0*2, 9*1=9,
    // 1*2=2, 0, 0*2 -> 9+5+9+2 = 25, DV = 5, as printed ("00190.50095").
    const BOLETO_BB: &str = "00190.50095 40144.816069 06809.350314 3 37370000000100";

    #[test]
    fn parses_a_published_collection_line() {
        let line = parse(CONVENIO).unwrap();
        assert_eq!(line.kind, PaymentLineKind::Collection48);
        assert_eq!(
            line.digits,
            "836400000011331201380002812884627116080136181551"
        );
        assert_eq!(line.amount_cents, Some(13_312));
        assert_eq!(line.due_date, None);
        assert_eq!(
            line.barcode(),
            "83640000001331201380008128846271108013618155"
        );
        assert_eq!(line.formatted(), CONVENIO);
    }

    #[test]
    fn parses_a_published_bank_slip() {
        let line = parse_at(BOLETO_BB, date(2008, 1, 1)).unwrap();
        assert_eq!(line.kind, PaymentLineKind::BankSlip47);
        assert_eq!(line.amount_cents, Some(100));
        // 1997-10-07 + 3737 days.
        assert_eq!(line.due_date, Some(date(2007, 12, 31)));
        assert_eq!(
            line.barcode(),
            "00193373700000001000500940144816060680935031"
        );
        assert_eq!(line.formatted(), BOLETO_BB);
        // Read today, the same factor names a date of the second cycle.
        let later = parse_at(BOLETO_BB, date(2026, 6, 1)).unwrap();
        assert_eq!(later.due_date, Some(date(2032, 8, 21)));
    }

    #[test]
    fn factor_rollover_of_2025() {
        assert_eq!(factor_from_date(date(2000, 7, 3)), Some(1000));
        assert_eq!(factor_from_date(date(2025, 2, 21)), Some(9999));
        assert_eq!(factor_from_date(date(2025, 2, 22)), Some(1000));
        assert_eq!(factor_from_date(date(2025, 2, 23)), Some(1001));
        assert_eq!(factor_from_date(date(2000, 7, 2)), None);
        let near = date(2025, 2, 20);
        assert_eq!(due_date_from_factor(9999, near), Some(date(2025, 2, 21)));
        assert_eq!(due_date_from_factor(1000, near), Some(date(2025, 2, 22)));
        assert_eq!(due_date_from_factor(1001, near), Some(date(2025, 2, 23)));
        assert_eq!(due_date_from_factor(0, near), None);
        // Before the rollover, factor 1000 was 2000-07-03.
        assert_eq!(
            due_date_from_factor(1000, date(2001, 1, 1)),
            Some(date(2000, 7, 3))
        );
    }

    #[test]
    fn generated_bank_slips_round_trip_across_the_rollover() {
        for (due, amount) in [
            (date(2025, 2, 21), 123_456),
            (date(2025, 2, 22), 99),
            (date(2026, 11, 15), 432_100),
        ] {
            let digits = generate_bank_slip("341", Some(due), amount, "1234567890");
            assert_eq!(digits.len(), 47);
            let line = parse_at(&format(&digits), due).unwrap();
            assert_eq!(line.digits, digits);
            assert_eq!(line.amount_cents, Some(amount));
            assert_eq!(line.due_date, Some(due));
        }
        let no_due = generate_bank_slip("001", None, 0, "");
        let line = parse(&no_due).unwrap();
        assert_eq!((line.amount_cents, line.due_date), (None, None));
    }

    #[test]
    fn generated_collection_lines_are_valid() {
        for amount in [0, 1, 5_000, 123_456, 499_999, 99_999_999_999] {
            let digits = generate_collection(4, amount, "0123", "12345678202611");
            assert_eq!(digits.len(), 48);
            assert!(digits.starts_with("846"));
            let line = parse(&digits).unwrap();
            assert_eq!(line.amount_cents, Some(amount).filter(|&a| a > 0));
            assert_eq!(&line.barcode()[15..19], "0123");
            assert_eq!(parse(&format(&digits)).unwrap().digits, digits);
        }
    }

    #[test]
    fn module_11_collection_lines_are_checked() {
        // Build a value-id-8 line by hand and check it parses.
        let body = "818".to_string() + &format!("{:011}", 250_000) + "0042" + &"7".repeat(25);
        let dv = mod11_collection(body.as_bytes());
        let barcode = format!("{}{}{}", &body[..3], dv, &body[3..]);
        let digits = collection_line_from_barcode(&barcode, mod11_collection);
        let line = parse(&digits).unwrap();
        assert_eq!(line.amount_cents, Some(250_000));
        // Value id 9: a reference value, no amount.
        let body9 = "819".to_string() + &format!("{:011}", 7) + "0042" + &"3".repeat(25);
        let dv9 = mod11_collection(body9.as_bytes());
        let bc9 = format!("{}{}{}", &body9[..3], dv9, &body9[3..]);
        let line9 = parse(&collection_line_from_barcode(&bc9, mod11_collection)).unwrap();
        assert_eq!(line9.amount_cents, None);
        // A changed check digit of block 2 is caught.
        let bad = corrupt(&digits, 23);
        assert_eq!(
            parse(&bad).unwrap_err(),
            PaymentLineError::BlockCheckDigit {
                kind: PaymentLineKind::Collection48,
                block: 2
            }
        );
    }

    #[test]
    fn one_changed_digit_in_each_collection_block_is_caught() {
        let digits: String = CONVENIO.chars().filter(char::is_ascii_digit).collect();
        for block in 0..4u8 {
            for offset in [1usize, 5, 10, 11] {
                let pos = block as usize * 12 + offset;
                let err = parse(&corrupt(&digits, pos)).unwrap_err();
                assert_eq!(
                    err,
                    PaymentLineError::BlockCheckDigit {
                        kind: PaymentLineKind::Collection48,
                        block: block + 1
                    },
                    "position {pos}"
                );
                assert!(err.to_string().contains(&format!("bloco {}", block + 1)));
            }
        }
    }

    #[test]
    fn a_consistent_block_with_a_wrong_general_digit_is_caught() {
        // Change the general DV (barcode position 4) and recompute block 1's DV.
        let digits: String = CONVENIO.chars().filter(char::is_ascii_digit).collect();
        let mut block1 = digits.as_bytes()[..11].to_vec();
        block1[3] = b'0' + (block1[3] - b'0' + 1) % 10;
        let dv = mod10(&block1);
        let bad = format!(
            "{}{}{}",
            String::from_utf8(block1).unwrap(),
            dv,
            &digits[12..]
        );
        assert_eq!(
            parse(&bad).unwrap_err(),
            PaymentLineError::GeneralCheckDigit
        );
    }

    #[test]
    fn one_changed_digit_in_each_bank_slip_field_is_caught() {
        let digits: String = BOLETO_BB.chars().filter(char::is_ascii_digit).collect();
        // Fields 1-3 have their own DVs (positions 9, 20 and 31).
        for (field, positions) in [(1u8, [0usize, 4, 9]), (2, [10, 15, 20]), (3, [21, 26, 31])] {
            for pos in positions {
                let err = parse(&corrupt(&digits, pos)).unwrap_err();
                assert_eq!(
                    err,
                    PaymentLineError::BlockCheckDigit {
                        kind: PaymentLineKind::BankSlip47,
                        block: field
                    },
                    "position {pos}"
                );
                assert!(err.to_string().contains(&format!("campo {field}")));
            }
        }
        // The general DV itself, and the amount (only the general DV covers it).
        for pos in [32, 46] {
            assert_eq!(
                parse(&corrupt(&digits, pos)).unwrap_err(),
                PaymentLineError::GeneralCheckDigit,
                "position {pos}"
            );
        }
    }

    #[test]
    fn wrong_length_letters_and_prefix_are_refused() {
        let digits: String = CONVENIO.chars().filter(char::is_ascii_digit).collect();
        let err = parse(&digits[..47 - 1]).unwrap_err();
        assert_eq!(err, PaymentLineError::WrongLength(46));
        assert!(err.to_string().contains("47 dígitos"));
        assert!(err.to_string().contains("48 dígitos"));
        assert_eq!(
            parse(&format!("{digits}1")).unwrap_err(),
            PaymentLineError::WrongLength(49)
        );
        assert_eq!(parse("  ").unwrap_err(), PaymentLineError::Empty);
        let err = parse("83640000001-1 3312O138000-2").unwrap_err();
        assert_eq!(err, PaymentLineError::InvalidCharacter('O'));
        assert!(err.to_string().contains("apenas números"));
        // 48 digits that do not start with 8, and a bad value id.
        assert_eq!(
            parse(&format!("7{}", &digits[1..])).unwrap_err(),
            PaymentLineError::NotCollection
        );
        assert_eq!(
            parse(&format!("835{}", &digits[3..])).unwrap_err(),
            PaymentLineError::InvalidValueId('5')
        );
    }

    #[test]
    fn separators_are_accepted() {
        let digits: String = CONVENIO.chars().filter(char::is_ascii_digit).collect();
        let dotted = "8364000000.1-1\t33120138000 2\n81288462711.6 08013618155-1";
        assert_eq!(parse(dotted).unwrap().digits, digits);
    }

    #[test]
    fn errors_become_validation_errors() {
        let e: crate::Error = parse("123").unwrap_err().into();
        assert_eq!(e.code, crate::ErrorCode::Validation);
        assert_eq!(e.fields[0].field, "linha_digitavel");
    }
}
