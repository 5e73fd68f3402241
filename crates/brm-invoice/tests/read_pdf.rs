use brm_core::payment_line::{format, generate_bank_slip, generate_collection, PaymentLineKind};
use brm_invoice::{read, Source};
use brm_simulator::pdf::{invoice_pdf, Invoice};
use chrono::NaiveDate;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    date(2026, 11, 29)
}

fn invoice(line: &str, amount_cents: i64) -> Invoice {
    Invoice {
        operadora: "OI".into(),
        cnpj: "12345678000190".into(),
        filtro: "CONTA-1".into(),
        month: 11,
        year: 2026,
        issued: date(2026, 11, 1),
        due: date(2026, 12, 10),
        amount_cents,
        payment_line: line.into(),
        job_id: "abc".into(),
    }
}

/// A one-page PDF with the given text lines in Helvetica (None: a page with no content).
fn tiny_pdf(lines: Option<&[&str]>) -> Vec<u8> {
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut page = dictionary! { "Type" => "Page", "Parent" => pages_id };
    if let Some(lines) = lines {
        let mut ops = Vec::new();
        let mut y = 780;
        for line in lines {
            let bytes: Vec<u8> = line
                .chars()
                .map(|c| {
                    if (c as u32) < 256 {
                        c as u32 as u8
                    } else {
                        b'?'
                    }
                })
                .collect();
            ops.push(Operation::new("BT", vec![]));
            ops.push(Operation::new("Tf", vec!["F1".into(), 12.into()]));
            ops.push(Operation::new("Td", vec![50.into(), y.into()]));
            ops.push(Operation::new("Tj", vec![Object::string_literal(bytes)]));
            ops.push(Operation::new("ET", vec![]));
            y -= 20;
        }
        let content = Content { operations: ops };
        let stream = Stream::new(dictionary! {}, content.encode().unwrap());
        page.set("Contents", doc.add_object(stream));
    }
    let page_id = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn simulator_invoice() {
    let line = generate_collection(4, 123_456, "0101", "1");
    let pdf = invoice_pdf(&invoice(&line, 123_456));
    let r = read(&pdf, today()).unwrap();
    assert!(r.text_found);
    let pl = r.payment_line.expect("valid line");
    assert_eq!(pl.digits, line);
    assert_eq!(pl.kind, PaymentLineKind::Collection48);
    assert_eq!(r.invalid_payment_line, None);
    assert_eq!(r.amount_cents, Some(123_456));
    assert_eq!(r.amount_source, Some(Source::LinhaDigitavel));
    assert_eq!(r.due_date, Some(date(2026, 12, 10)));
    assert_eq!(r.due_date_source, Some(Source::TextoDaFatura));
}

#[test]
fn line_wins_when_the_amounts_differ() {
    let line = generate_collection(4, 123_456, "0101", "1");
    let pdf = invoice_pdf(&invoice(&line, 99_999));
    let r = read(&pdf, today()).unwrap();
    assert_eq!(r.amount_cents, Some(123_456));
    assert_eq!(r.amount_source, Some(Source::LinhaDigitavel));
}

#[test]
fn corrupted_line_falls_back_to_the_text() {
    let line = generate_collection(4, 123_456, "0101", "1");
    // Change one digit of block 2 (not its check digit).
    let mut digits: Vec<u8> = line.clone().into_bytes();
    digits[15] = if digits[15] == b'9' {
        b'0'
    } else {
        digits[15] + 1
    };
    let corrupted = String::from_utf8(digits).unwrap();
    let pdf = invoice_pdf(&invoice(&corrupted, 123_456));
    let r = read(&pdf, today()).unwrap();
    assert!(r.text_found);
    assert_eq!(r.payment_line, None);
    let reason = r.invalid_payment_line.expect("reason");
    assert!(reason.contains("bloco 2"), "{reason}");
    assert_eq!(r.amount_cents, Some(123_456));
    assert_eq!(r.amount_source, Some(Source::TextoDaFatura));
    assert_eq!(r.due_date, Some(date(2026, 12, 10)));
    assert_eq!(r.due_date_source, Some(Source::TextoDaFatura));
}

#[test]
fn bank_slip_without_due_date_in_the_text() {
    let due = date(2026, 12, 15);
    let line = generate_bank_slip("001", Some(due), 45_678, "123");
    let formatted = format(&line);
    let pdf = tiny_pdf(Some(&[
        "Fatura",
        "Cliente (CNPJ): 12.345.678/0001-90",
        "Boleto bancário",
        &formatted,
    ]));
    let r = read(&pdf, today()).unwrap();
    assert!(r.text_found);
    let pl = r.payment_line.expect("valid line");
    assert_eq!(pl.kind, PaymentLineKind::BankSlip47);
    assert_eq!(pl.digits, line);
    assert_eq!(r.amount_cents, Some(45_678));
    assert_eq!(r.amount_source, Some(Source::LinhaDigitavel));
    assert_eq!(r.due_date, Some(due));
    assert_eq!(r.due_date_source, Some(Source::LinhaDigitavel));
}

#[test]
fn text_only_values_and_unlabelled_amounts() {
    let pdf = tiny_pdf(Some(&[
        "Total a pagar: R$ 1.234,56",
        "Vencimento 05/01/2027",
    ]));
    let r = read(&pdf, today()).unwrap();
    assert_eq!(r.payment_line, None);
    assert_eq!(r.invalid_payment_line, None);
    assert_eq!(r.amount_cents, Some(123_456));
    assert_eq!(r.amount_source, Some(Source::TextoDaFatura));
    assert_eq!(r.due_date, Some(date(2027, 1, 5)));

    let pdf = tiny_pdf(Some(&["Pague R$ 1.234,56"]));
    let r = read(&pdf, today()).unwrap();
    assert!(r.text_found);
    assert_eq!(r.amount_cents, None);
    assert_eq!(r.amount_source, None);
}

#[test]
fn text_less_pdf() {
    for pdf in [tiny_pdf(None), tiny_pdf(Some(&[]))] {
        let r = read(&pdf, today()).unwrap();
        assert!(!r.text_found);
        assert_eq!(r.payment_line, None);
        assert_eq!(r.invalid_payment_line, None);
        assert_eq!(r.amount_cents, None);
        assert_eq!(r.amount_source, None);
        assert_eq!(r.due_date, None);
        assert_eq!(r.due_date_source, None);
    }
}

#[test]
fn garbage_is_an_error_in_portuguese() {
    for bytes in [
        &b""[..],
        b"not a pdf at all",
        b"%PDF-1.4\n garbage",
        &[0xff; 64],
    ] {
        let err = read(bytes, today()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("O arquivo não pôde ser lido como PDF: "),
            "{err}"
        );
    }
}

#[test]
fn truncated_pdfs_never_panic() {
    let line = generate_collection(4, 123_456, "0101", "1");
    let pdf = invoice_pdf(&invoice(&line, 123_456));
    for len in (0..pdf.len()).step_by(7) {
        if let Ok(r) = read(&pdf[..len], today()) {
            // Whatever was recovered must be consistent.
            if let Some(pl) = &r.payment_line {
                assert_eq!(pl.digits, line);
            }
        }
    }
}
