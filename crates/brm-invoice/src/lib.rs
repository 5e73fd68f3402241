//! Reads the amount and the due date of a telecom invoice PDF.
//!
//! The text of the first [`MAX_PAGES`] pages is extracted and searched for:
//! - a payment line ("linha digitável"): runs of digits joined by the usual separators
//!   (spaces, dots, dashes) that add up to exactly 47 or 48 digits, checked with
//!   [`brm_core::payment_line::parse_at`]. Digit groups are tried as sliding windows, so a
//!   CNPJ or a date printed right before the line is not glued to it;
//! - the amount: from the valid payment line when it carries one, otherwise from a
//!   labelled value in the text ("Valor total: R$ 1.234,56", "Total a pagar R$ ...").
//!   Unlabelled values are never used: no guessing;
//! - the due date: from the text ("Vencimento: dd/mm/aaaa"), otherwise from a valid
//!   47-digit bank slip's due factor.
//!
//! When both the payment line and the text give an amount and they differ, the line wins:
//! it is what the bank will charge, and its check digits were verified. The text value is
//! then simply not used.
//!
//! Nothing here panics on any input: lopdf is additionally run under `catch_unwind`, and a
//! panic inside it is reported as an unreadable PDF.

use brm_core::payment_line::{parse_at, PaymentLine, PaymentLineError};
use chrono::NaiveDate;
use serde::Serialize;

/// At most this many pages are read.
pub const MAX_PAGES: usize = 20;

/// At most this many bytes of page content, all pages together, are decompressed: a
/// 20 MB file of compressed streams could otherwise expand to gigabytes.
pub const DECOMPRESSION_BUDGET: usize = 64 * 1024 * 1024;

mod child_limits;
mod identity;
mod isolated;
pub use child_limits::{reader_heap, ReaderHeap};
pub use identity::{read_identity, Identity};
pub use isolated::{read_safely, run_child, set_isolation, Isolation, CHILD_TIME_LIMIT};

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    /// The verified payment line.
    LinhaDigitavel,
    /// A labelled value in the invoice text.
    TextoDaFatura,
}

impl Source {
    /// The same origin in the process's terms (what the store keeps and the window shows).
    pub fn value_source(self) -> brm_core::process::ValueSource {
        match self {
            Source::LinhaDigitavel => brm_core::process::ValueSource::LinhaDigitavel,
            Source::TextoDaFatura => brm_core::process::ValueSource::TextoDaFatura,
        }
    }
}

/// What could be read from an invoice PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Reading {
    /// False for PDFs without extractable text (scanned images, empty pages).
    pub text_found: bool,
    /// The first payment line whose check digits verify.
    pub payment_line: Option<PaymentLine>,
    /// Why the payment line found is not valid (pt-BR), when something shaped like a 47 or
    /// 48-digit line was found but its check digits fail and no valid line was found.
    pub invalid_payment_line: Option<String>,
    pub amount_cents: Option<i64>,
    pub amount_source: Option<Source>,
    pub due_date: Option<NaiveDate>,
    pub due_date_source: Option<Source>,
    /// The month, CNPJs and account code the text names (issue 18: the invoice must be
    /// the one the process asks for).
    #[serde(default)]
    pub identity: Identity,
}

/// The file is not a PDF lopdf can open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("O arquivo não pôde ser lido como PDF: {0}")]
    NotPdf(String),
    /// Past a limit (decompressed size, time, memory): read no further.
    #[error("A fatura não pôde ser lida: {0}. Digite o valor e o vencimento.")]
    TooBig(String),
}

/// Reads an invoice PDF. `today` is the reference for a bank slip's due factor (see
/// [`brm_core::payment_line::due_date_from_factor`]).
pub fn read(pdf: &[u8], today: NaiveDate) -> Result<Reading, ReadError> {
    let text = extract_text(pdf)?;
    Ok(read_text(&text, today))
}

/// Reads the values from already extracted text (what [`read`] does after extraction).
pub fn read_text(text: &str, today: NaiveDate) -> Reading {
    let text_found = text.chars().any(|c| !c.is_whitespace());
    let (payment_line, invalid_payment_line) = find_payment_line(text, today);
    let text_amount = find_labelled_amount(text);
    let text_due = find_due_date(text);

    let (amount_cents, amount_source) = match payment_line.as_ref().and_then(|l| l.amount_cents) {
        Some(a) => (Some(a), Some(Source::LinhaDigitavel)),
        None => match text_amount {
            Some(a) => (Some(a), Some(Source::TextoDaFatura)),
            None => (None, None),
        },
    };
    let (due_date, due_date_source) = match text_due {
        Some(d) => (Some(d), Some(Source::TextoDaFatura)),
        None => match payment_line.as_ref().and_then(|l| l.due_date) {
            Some(d) => (Some(d), Some(Source::LinhaDigitavel)),
            None => (None, None),
        },
    };
    Reading {
        text_found,
        payment_line,
        invalid_payment_line,
        amount_cents,
        amount_source,
        due_date,
        due_date_source,
        identity: read_identity(text),
    }
}

fn extract_text(pdf: &[u8]) -> Result<String, ReadError> {
    let result = std::panic::catch_unwind(|| -> Result<String, ReadError> {
        let doc = lopdf::Document::load_mem(pdf).map_err(|e| ReadError::NotPdf(e.to_string()))?;
        let pages: Vec<(u32, lopdf::ObjectId)> =
            doc.get_pages().into_iter().take(MAX_PAGES).collect();
        within_budget(&doc, &pages)?;
        let mut text = String::new();
        for (page, _) in pages {
            // A page whose text cannot be decoded is skipped; the others still count.
            for chunk in doc.extract_text_chunks(&[page]).into_iter().flatten() {
                text.push_str(&chunk);
                if !chunk.ends_with('\n') {
                    text.push('\n');
                }
            }
        }
        Ok(text)
    });
    match result {
        Ok(r) => r,
        Err(_) => Err(ReadError::NotPdf(
            "o conteúdo do arquivo está corrompido.".into(),
        )),
    }
}

/// Refuses a document whose page contents, decompressed, pass [`DECOMPRESSION_BUDGET`]
/// (each stream is decompressed with the budget left as its limit, so a bomb stops at
/// the budget, not at its own size).
fn within_budget(doc: &lopdf::Document, pages: &[(u32, lopdf::ObjectId)]) -> Result<(), ReadError> {
    let mut used = 0usize;
    for (_, page_id) in pages {
        for id in doc.get_page_contents(*page_id) {
            let Ok(stream) = doc.get_object(id).and_then(lopdf::Object::as_stream) else {
                continue;
            };
            let left = DECOMPRESSION_BUDGET.saturating_sub(used);
            let size = match stream.decompressed_content_with_limit(left) {
                Ok(data) => data.len(),
                Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                })) => left + 1,
                // Not compressed, or compressed in a way lopdf does not undo: as stored.
                Err(_) if stream.content.len() <= left => stream.content.len(),
                Err(_) => left + 1,
            };
            used += size;
            if used > DECOMPRESSION_BUDGET {
                return Err(ReadError::TooBig(format!(
                    "o conteúdo das páginas passa de {} MB depois de descompactado",
                    DECOMPRESSION_BUDGET / (1024 * 1024)
                )));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Payment line

/// A run of ASCII digits in the text.
struct Group<'a> {
    digits: &'a str,
    /// Index of the chain (groups joined by separators only) it belongs to.
    chain: usize,
}

/// Separator characters allowed between the digit groups of a payment line.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '.' | '-' | '–' | '\n' | '\r')
}

/// At most this many separator characters between two groups of the same line.
const MAX_SEPARATOR_LEN: usize = 4;

fn digit_groups(text: &str) -> Vec<Group<'_>> {
    let mut groups = Vec::new();
    let mut chain = 0usize;
    let mut start: Option<usize> = None;
    // Separator characters seen since the last group; None when the chain is broken.
    let mut gap: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            if start.is_none() {
                start = Some(i);
                match gap {
                    Some(n) if n <= MAX_SEPARATOR_LEN && !groups.is_empty() => {}
                    _ => chain += 1,
                }
            }
            continue;
        }
        if let Some(s) = start.take() {
            groups.push(Group {
                digits: &text[s..i],
                chain,
            });
            gap = Some(0);
        }
        gap = match gap {
            Some(n) if is_separator(c) => Some(n + 1),
            _ => None,
        };
    }
    if let Some(s) = start {
        groups.push(Group {
            digits: &text[s..],
            chain,
        });
    }
    groups
}

/// Candidate texts of 47 or 48 digits, best first: whole chains before windows inside a
/// chain, then by position, longer windows first.
fn candidates(text: &str) -> Vec<String> {
    let groups = digit_groups(text);
    let mut whole = Vec::new();
    let mut windows = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        let chain = groups[i].chain;
        let mut j = i;
        while j < groups.len() && groups[j].chain == chain {
            j += 1;
        }
        let chain_groups = &groups[i..j];
        let total: usize = chain_groups.iter().map(|g| g.digits.len()).sum();
        if total == 47 || total == 48 {
            whole.push(concat(chain_groups));
        }
        for start in 0..chain_groups.len() {
            let mut found = Vec::new();
            let mut len = 0;
            for end in start..chain_groups.len() {
                len += chain_groups[end].digits.len();
                if len > 48 {
                    break;
                }
                if (len == 47 || len == 48) && !(start == 0 && end + 1 == chain_groups.len()) {
                    found.push(concat(&chain_groups[start..=end]));
                }
            }
            found.reverse();
            windows.extend(found);
        }
        i = j;
    }
    whole.extend(windows);
    whole
}

fn concat(groups: &[Group<'_>]) -> String {
    groups.iter().map(|g| g.digits).collect()
}

fn find_payment_line(text: &str, today: NaiveDate) -> (Option<PaymentLine>, Option<String>) {
    let mut invalid = None;
    for candidate in candidates(text) {
        match parse_at(&candidate, today) {
            Ok(line) => return (Some(line), None),
            Err(
                e @ (PaymentLineError::BlockCheckDigit { .. }
                | PaymentLineError::GeneralCheckDigit
                | PaymentLineError::InvalidValueId(_)),
            ) => {
                if invalid.is_none() {
                    invalid = Some(e.to_string());
                }
            }
            Err(_) => {}
        }
    }
    (None, invalid)
}

// ---------------------------------------------------------------------------------------
// Amount

/// How strongly a line's label says it is the amount to pay (lower is stronger).
fn amount_label_rank(line_lower: &str) -> Option<u8> {
    const STRONG: [&str; 6] = [
        "a pagar",
        "valor total",
        "total da fatura",
        "valor da fatura",
        "valor do documento",
        "total geral",
    ];
    /// Partial values that are never the amount to pay (unless the line also has a strong
    /// label, such as "Total a pagar (impostos inclusos)").
    const PARTIAL: [&str; 12] = [
        "icms", "pis", "cofins", "fust", "funttel", "imposto", "tributo", "desconto", "juros",
        "multa", "anterior", "parcial",
    ];
    if STRONG.iter().any(|l| line_lower.contains(l)) {
        Some(0)
    } else if PARTIAL.iter().any(|l| line_lower.contains(l)) {
        None
    } else if line_lower.contains("total") {
        Some(1)
    } else if line_lower.contains("valor") {
        Some(2)
    } else {
        None
    }
}

/// The first labelled amount of the strongest label rank. A label line without a value
/// takes the value from the next non-empty line when that line starts with "R$".
fn find_labelled_amount(text: &str) -> Option<i64> {
    let lines: Vec<&str> = text.lines().collect();
    let mut best: Option<(u8, i64)> = None;
    for (i, line) in lines.iter().enumerate() {
        let lower = line.to_lowercase();
        let Some(rank) = amount_label_rank(&lower) else {
            continue;
        };
        if best.is_some_and(|(r, _)| r <= rank) {
            continue;
        }
        let value = first_brl(line).or_else(|| {
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty())?;
            if next.trim_start().starts_with("R$") {
                first_brl(next)
            } else {
                None
            }
        });
        if let Some(v) = value {
            best = Some((rank, v));
        }
    }
    best.map(|(_, v)| v)
}

/// The first non-negative "R$ 1.234,56" value in a line, in cents ("-R$ 1,00" and
/// "R$ -1,00" are credits, not amounts to pay, and are skipped).
fn first_brl(line: &str) -> Option<i64> {
    let mut rest = line;
    while let Some(pos) = rest.find("R$") {
        let negative = rest[..pos].trim_end().ends_with(['-', '–']);
        rest = &rest[pos + 2..];
        if negative {
            continue;
        }
        if let Some(v) = parse_brl_number(rest) {
            return Some(v);
        }
    }
    None
}

/// Parses "  1.234,56" (thousand dots optional, exactly two decimals) at the start of `s`.
fn parse_brl_number(s: &str) -> Option<i64> {
    let s = s.trim_start_matches([' ', '\u{a0}', '\t']);
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut reais: i64 = 0;
    let mut int_digits = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            reais = reais.checked_mul(10)?.checked_add((c - b'0') as i64)?;
            int_digits += 1;
        } else if c == b'.' && int_digits > 0 && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            // Thousands separator.
        } else {
            break;
        }
        i += 1;
    }
    if int_digits == 0 || bytes.get(i) != Some(&b',') {
        return None;
    }
    let d1 = *bytes.get(i + 1)?;
    let d2 = *bytes.get(i + 2)?;
    if !d1.is_ascii_digit() || !d2.is_ascii_digit() {
        return None;
    }
    if bytes.get(i + 3).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    reais
        .checked_mul(100)?
        .checked_add(((d1 - b'0') * 10 + (d2 - b'0')) as i64)
}

// ---------------------------------------------------------------------------------------
// Due date

/// The first "Vencimento ... dd/mm/aaaa" in the text: the date on the same line after the
/// word, or at the start of the next non-empty line.
fn find_due_date(text: &str) -> Option<NaiveDate> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        // ASCII lowercase keeps byte offsets valid.
        let lower = line.to_ascii_lowercase();
        let Some(pos) = lower.find("vencimento") else {
            continue;
        };
        let after = &line[pos + "vencimento".len()..];
        if let Some(d) = first_date(after) {
            return Some(d);
        }
        if let Some(next) = lines[i + 1..].iter().find(|l| !l.trim().is_empty()) {
            let next = next.trim_start();
            if let Some(d) = next.get(..10).and_then(parse_date) {
                return Some(d);
            }
        }
    }
    None
}

fn first_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = !b.get(i + 10).is_some_and(u8::is_ascii_digit);
        if before_ok && after_ok {
            s.get(i..i + 10).and_then(parse_date)
        } else {
            None
        }
    })
}

/// Exactly "dd/mm/aaaa".
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            part.iter()
                .fold(0u32, |acc, c| acc * 10 + (c - b'0') as u32),
        )
    };
    NaiveDate::from_ymd_opt(num(6..10)? as i32, num(3..5)?, num(0..2)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use brm_core::payment_line::{format, generate_collection};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn brl_numbers() {
        assert_eq!(first_brl("Valor total: R$ 1.234,56"), Some(123_456));
        assert_eq!(first_brl("R$50,00"), Some(5_000));
        assert_eq!(first_brl("R$ 1234,5"), None);
        assert_eq!(first_brl("R$ 12,345"), None);
        assert_eq!(first_brl("R$ -1,00"), None);
        assert_eq!(first_brl("R$ 99999999999999999999,00"), None);
        assert_eq!(first_brl("R$ x R$ 7,07"), Some(707));
        assert_eq!(first_brl("Crédito -R$ 7,07"), None);
        assert_eq!(first_brl("-R$ 1,00 e R$ 2,00"), Some(200));
    }

    #[test]
    fn labelled_amount_prefers_the_amount_to_pay() {
        let text = "Valor do ICMS R$ 10,00\nTotal a pagar\nR$ 99,90\nR$ 5.000,00\n";
        assert_eq!(find_labelled_amount(text), Some(9_990));
        assert_eq!(find_labelled_amount("Pague R$ 10,00 até amanhã"), None);
        assert_eq!(find_labelled_amount("Valor do ICMS R$ 10,00"), None);
        assert_eq!(find_labelled_amount("Total de impostos R$ 10,00"), None);
        assert_eq!(
            find_labelled_amount("Valor do ICMS R$ 1,00\nValor R$ 20,00"),
            Some(2_000)
        );
        assert_eq!(
            find_labelled_amount("Total a pagar (impostos inclusos) R$ 30,00"),
            Some(3_000)
        );
    }

    #[test]
    fn due_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20);
        assert_eq!(find_due_date("Vencimento: 20/11/2026"), d);
        assert_eq!(find_due_date("DATA DE VENCIMENTO\n20/11/2026"), d);
        assert_eq!(find_due_date("Vencimento: 31/02/2026"), None);
        assert_eq!(find_due_date("Emissão 01/11/2026"), None);
        assert_eq!(find_due_date("Vencimento 120/11/20266"), None);
    }

    #[test]
    fn cnpj_is_not_glued_to_the_line() {
        let line = generate_collection(4, 123_456, "0101", "1");
        let text = format!("CNPJ 12.345.678/0001-90 {}\n", format(&line));
        let (found, invalid) = find_payment_line(&text, today());
        assert_eq!(found.unwrap().digits, line);
        assert_eq!(invalid, None);
        // Glued with a dash-only separator, too.
        let text = format!("12345678000190 - {line}");
        assert_eq!(find_payment_line(&text, today()).0.unwrap().digits, line);
    }

    #[test]
    fn source_names_for_the_window() {
        assert_eq!(
            serde_json::to_string(&[Source::LinhaDigitavel, Source::TextoDaFatura]).unwrap(),
            r#"["LINHA_DIGITAVEL","TEXTO_DA_FATURA"]"#
        );
    }

    #[test]
    fn odd_text_does_not_panic() {
        for t in [
            "",
            "R$",
            "R$ 1.",
            "Vencimento",
            "vencimento 1/",
            "ÇÃÕ VENCIMENTO ÉÉ 01/01/2026",
            "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8",
            &"9".repeat(10_000),
        ] {
            let _ = read_text(t, today());
        }
        assert_eq!(
            read_text("ÇÃÕ VENCIMENTO ÉÉ 01/01/2026", today()).due_date,
            NaiveDate::from_ymd_opt(2026, 1, 1)
        );
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;
    use lopdf::{dictionary, Object, Stream};
    use std::io::Write;

    fn page_of(content: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(content).unwrap();
        let mut doc = lopdf::Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let content_id = doc.add_object(Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            z.finish().unwrap(),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn page_content_past_the_budget_is_not_read() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
        let bomb = page_of(&vec![b' '; DECOMPRESSION_BUDGET + 1]);
        assert!(bomb.len() < DECOMPRESSION_BUDGET / 50);
        let err = read(&bomb, today).unwrap_err();
        assert!(
            matches!(err, ReadError::TooBig(ref m) if m.contains("64 MB")),
            "{err}"
        );
        assert!(err.to_string().contains("Digite o valor e o vencimento"));
        let fine = page_of(b"BT (Vencimento: 10/12/2026) Tj ET");
        assert!(read(&fine, today).is_ok());
    }
}
