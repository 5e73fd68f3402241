//! The invoice PDF a simulated download writes: one A4 page in the builtin Helvetica
//! (WinAnsiEncoding), with an uncompressed content stream so its text is real, extractable
//! text. No timestamps or random ids are embedded: the same invoice gives the same bytes.

use chrono::NaiveDate;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

/// What the invoice shows.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub operadora: String,
    /// CNPJ digits (shown formatted).
    pub cnpj: String,
    /// The client's account code at the operator (the robot's `filtro`).
    pub filtro: String,
    /// Reference month, 1-12, and year.
    pub month: u32,
    pub year: i32,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub amount_cents: i64,
    /// The 48 digits of the payment line (printed grouped).
    pub payment_line: String,
    pub job_id: String,
}

/// `12.345.678/0001-90` for 14 digits; anything else as given.
pub fn format_cnpj(cnpj: &str) -> String {
    let d: String = cnpj.chars().filter(char::is_ascii_digit).collect();
    if d.len() != 14 {
        return cnpj.to_string();
    }
    format!(
        "{}.{}.{}/{}-{}",
        &d[0..2],
        &d[2..5],
        &d[5..8],
        &d[8..12],
        &d[12..14]
    )
}

/// `R$ 1.234,56`.
pub fn format_brl(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let reais = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in reais.chars().enumerate() {
        if i > 0 && (reais.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}R$ {grouped},{:02}", cents % 100)
}

/// `dd/mm/aaaa`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Text to WinAnsiEncoding bytes (Latin-1 plus the few typographic marks pt-BR uses).
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '–' => 0x96,
            '—' => 0x97,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            _ => b'?',
        })
        .collect()
}

fn text_at(ops: &mut Vec<Operation>, font: &str, size: i64, x: i64, y: i64, text: &str) {
    ops.push(Operation::new("BT", vec![]));
    ops.push(Operation::new("Tf", vec![font.into(), size.into()]));
    ops.push(Operation::new("Td", vec![x.into(), y.into()]));
    ops.push(Operation::new(
        "Tj",
        vec![Object::string_literal(win_ansi(text))],
    ));
    ops.push(Operation::new("ET", vec![]));
}

/// The PDF bytes of an invoice.
pub fn invoice_pdf(inv: &Invoice) -> Vec<u8> {
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let font = |name: &str| {
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => name.to_string(),
            "Encoding" => "WinAnsiEncoding",
        }
    };
    let regular = doc.add_object(font("Helvetica"));
    let bold = doc.add_object(font("Helvetica-Bold"));
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => regular, "F2" => bold },
    });

    let reference = format!("{:02}/{}", inv.month, inv.year);
    let amount = format_brl(inv.amount_cents);
    let mut ops = Vec::new();
    text_at(&mut ops, "F2", 26, 50, 770, "Fatura");
    text_at(
        &mut ops,
        "F1",
        11,
        50,
        748,
        &format!("Operadora: {}", inv.operadora),
    );
    let lines = [
        format!("Cliente (CNPJ): {}", format_cnpj(&inv.cnpj)),
        format!("Código da conta: {}", inv.filtro),
        format!("Mês de referência: {reference}"),
        format!("Data de emissão: {}", format_date(inv.issued)),
    ];
    let mut y = 712;
    for line in &lines {
        text_at(&mut ops, "F1", 12, 50, y, line);
        y -= 20;
    }
    y -= 14;
    text_at(&mut ops, "F2", 14, 50, y, &format!("Valor total: {amount}"));
    y -= 22;
    text_at(
        &mut ops,
        "F2",
        14,
        50,
        y,
        &format!("Vencimento: {}", format_date(inv.due)),
    );
    y -= 40;
    text_at(&mut ops, "F1", 11, 50, y, "Linha digitável (arrecadação):");
    y -= 20;
    text_at(
        &mut ops,
        "F2",
        12,
        50,
        y,
        &brm_core::payment_line::format(&inv.payment_line),
    );
    // Box around the payment section.
    ops.push(Operation::new("q", vec![]));
    ops.push(Operation::new("w", vec![Object::Real(0.8)]));
    ops.push(Operation::new(
        "re",
        vec![40.into(), (y - 14).into(), 515.into(), 116.into()],
    ));
    ops.push(Operation::new("S", vec![]));
    ops.push(Operation::new("Q", vec![]));
    text_at(
        &mut ops,
        "F1",
        8,
        50,
        60,
        &format!(
            "Documento gerado pelo simulador do BRM RPA Desk (job {}). Sem valor fiscal.",
            inv.job_id
        ),
    );

    let content = Content { operations: ops };
    let stream = Stream::new(dictionary! {}, content.encode().expect("content encodes"))
        .with_compression(false);
    let content_id = doc.add_object(stream);
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::string_literal(win_ansi(&format!(
            "Fatura {} {reference}", inv.operadora
        ))),
        "Producer" => Object::string_literal("brm-simulator"),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .expect("writing to memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_brl(123_456), "R$ 1.234,56");
        assert_eq!(format_brl(5_000), "R$ 50,00");
        assert_eq!(format_brl(7), "R$ 0,07");
        assert_eq!(format_brl(100_000_000), "R$ 1.000.000,00");
        assert_eq!(format_cnpj("12345678000190"), "12.345.678/0001-90");
        assert_eq!(format_cnpj("123"), "123");
    }

    #[test]
    fn pdf_text_is_extractable() {
        let line = brm_core::payment_line::generate_collection(4, 123_456, "0101", "1");
        let inv = Invoice {
            operadora: "OI".into(),
            cnpj: "12345678000190".into(),
            filtro: "CONTA-1".into(),
            month: 11,
            year: 2026,
            issued: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            due: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            amount_cents: 123_456,
            payment_line: line.clone(),
            job_id: "abc".into(),
        };
        let bytes = invoice_pdf(&inv);
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(bytes, invoice_pdf(&inv), "deterministic bytes");
        let doc = Document::load_mem(&bytes).unwrap();
        let text = doc.extract_text(&[1]).unwrap();
        for needle in [
            "Fatura",
            "Operadora: OI",
            "12.345.678/0001-90",
            "CONTA-1",
            "Mês de referência: 11/2026",
            "R$ 1.234,56",
            "20/11/2026",
            &brm_core::payment_line::format(&line),
        ] {
            assert!(text.contains(needle), "{needle:?} not in {text:?}");
        }
    }
}
