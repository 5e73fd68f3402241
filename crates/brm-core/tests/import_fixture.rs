//! The client import against the sample spreadsheet (a synthetic copy of the real one's
//! columns and mess, in `tests/fixtures/`), in the spellings other programs export it.

use brm_core::client::Client;
use brm_core::import::{parse, plan, read, ImportPlan, PlannedRow, SheetEncoding, SheetRow};
use brm_core::operator::Operator;
use brm_core::ErrorCode;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

const FIXTURE: &[u8] = include_bytes!("fixtures/clientes-exemplo.csv");

fn operator(name: &str) -> Operator {
    Operator {
        id: Uuid::new_v4(),
        name: name.to_string(),
        code: name.to_string(),
        has_rpa: true,
        rpa_outsourced: false,
        rpa_endpoint_url: None,
        portal_url: None,
        access_instructions: None,
        timeout_secs: 300,
        max_attempts: 3,
        active: true,
        version: 1,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// The operators registered in the sample's world: AZUTON, NET and Claro are not.
fn operators() -> Vec<Operator> {
    ["VIVO", "OI", "EMBRATEL", "DIGITALNET"]
        .into_iter()
        .map(operator)
        .collect()
}

fn plan_fixture(bytes: &[u8], ops: &[Operator]) -> ImportPlan {
    plan(&parse(bytes).unwrap(), ops, &HashMap::new())
}

fn reason_of(p: &ImportPlan, line: usize) -> &str {
    &p.rejected
        .iter()
        .find(|r| r.line == line)
        .unwrap_or_else(|| panic!("line {line} not rejected: {:?}", p.rejected))
        .reason
}

/// What the store would hold after applying a planned row.
fn stored(row: &PlannedRow, ops: &[Operator]) -> Client {
    let v = &row.valid;
    let op = ops.iter().find(|o| o.id == v.operator_id).unwrap();
    Client {
        id: Uuid::new_v4(),
        hash: v.hash.clone(),
        legal_name: v.legal_name.clone(),
        sat_name: v.sat_name.clone(),
        cnpj: v.cnpj.clone(),
        operator_id: v.operator_id,
        operator_name: op.name.clone(),
        operator_code: op.code.clone(),
        account_filter: v.account_filter.clone(),
        service: v.service.clone(),
        sat_data: v.sat_data.clone(),
        unit: v.unit.clone(),
        sat_category: v.sat_category.clone(),
        issue_site_url: v.issue_site_url.clone(),
        portal_login: v.portal_login.clone(),
        portal_password_set: v.portal_password.is_some(),
        cpf: v.cpf.clone(),
        notes: v.notes.clone(),
        active: row.active,
        version: 1,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

fn stored_all(p: &ImportPlan, ops: &[Operator]) -> HashMap<String, Client> {
    p.to_create
        .iter()
        .map(|r| (r.hash.clone(), stored(r, ops)))
        .collect()
}

#[test]
fn fixture_parses_with_line_numbers_and_trimmed_cells() {
    let rows = parse(FIXTURE).unwrap();
    assert_eq!(rows.len(), 42);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[41].line, 43);
    let first = &rows[0];
    assert_eq!(first.hash, "exemplo0030");
    assert_eq!(first.legal_name, "PÃO E TAL TRANSPORTES S/A");
    assert_eq!(first.operator, "vivo");
    assert_eq!(first.service.as_deref(), Some("Voz originado"));
    // "SITE PARA EMISSÃO " with its trailing space still finds its column.
    assert_eq!(
        first.issue_site_url.as_deref(),
        Some("https://portal.exemplo-operadora.com.br")
    );
    assert_eq!(
        first.portal_login.as_deref(),
        Some("login30@exemplo.com.br")
    );
    assert_eq!(first.status.as_deref(), Some(""));
}

#[test]
fn fixture_plan_counts_and_reasons() {
    let ops = operators();
    let p = plan_fixture(FIXTURE, &ops);
    let s = p.summary();
    assert_eq!(
        (
            s.rows,
            s.create,
            s.update,
            s.unchanged,
            s.duplicates,
            s.rejected
        ),
        (42, 27, 0, 0, 2, 13),
        "{:#?}",
        p.rejected
    );
    // Lines 39 and 41 repeat lines 8 and 20 cell for cell.
    assert_eq!(p.skipped_duplicates, vec![39, 41]);

    let rejected: Vec<usize> = p.rejected.iter().map(|r| r.line).collect();
    assert_eq!(
        rejected,
        vec![3, 7, 11, 16, 18, 19, 21, 27, 31, 32, 38, 40, 42]
    );
    assert_eq!(reason_of(&p, 3), "operadora desconhecida: AZUTON");
    assert_eq!(reason_of(&p, 21), "operadora desconhecida: Claro");
    assert_eq!(
        reason_of(&p, 11),
        "CNPJ inválido (00.251.678/0001-48): dígitos verificadores não conferem"
    );
    assert_eq!(
        reason_of(&p, 42),
        "CNPJ inválido (71.177.774/0001-31): dígitos verificadores não conferem"
    );
    assert_eq!(reason_of(&p, 32), "campo obrigatório vazio: CNPJ");
    assert_eq!(
        reason_of(&p, 19),
        "operadora desconhecida: NET; campo obrigatório vazio: CNPJ"
    );
    assert_eq!(p.rejected[0].hash, "exemplo0027");
}

#[test]
fn fixture_rows_are_normalised() {
    let ops = operators();
    let p = plan_fixture(FIXTURE, &ops);
    let row = |hash: &str| p.to_create.iter().find(|r| r.hash == hash).unwrap();

    let first = row("exemplo0030");
    assert_eq!(first.line, 2);
    assert_eq!(first.valid.cnpj, "13878375000109");
    assert_eq!(first.operator_name, "VIVO");
    assert_eq!(first.valid.service_key, "voz originado");
    assert_eq!(first.valid.unit, "Dourados-MS");
    assert!(first.active);
    assert_eq!(
        first.valid.portal_password.as_deref(),
        Some("senha-ficticia-30")
    );
    // STATUS 0 is an inactive account.
    assert!(!row("exemplo0037").active);
    // "CONSTRUTORA AGROPECUÁRIA LTDA " loses its trailing space.
    assert_eq!(
        row("exemplo0004").valid.legal_name,
        "CONSTRUTORA AGROPECUÁRIA LTDA"
    );
    assert_eq!(row("exemplo0004").valid.issue_site_url, None);
}

fn with_crlf(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes()
}

fn with_bom(bytes: &[u8]) -> Vec<u8> {
    [b"\xEF\xBB\xBF".as_slice(), bytes].concat()
}

/// The fixture has no quoted cells and no semicolons, so swapping the delimiter is
/// exactly what Excel in pt-BR would write.
fn with_semicolons(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(!text.contains(';') && !text.contains('"'));
    text.replace(',', ";").into_bytes()
}

fn comparable(rows: &[SheetRow]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{:?}|{:?}",
                r.line, r.hash, r.cnpj, r.unit, r.status
            )
        })
        .collect()
}

#[test]
fn semicolon_bom_and_crlf_variants_read_the_same() {
    let base = parse(FIXTURE).unwrap();
    let variants = [
        with_semicolons(FIXTURE),
        with_bom(FIXTURE),
        with_crlf(FIXTURE),
        with_bom(&with_crlf(&with_semicolons(FIXTURE))),
    ];
    let ops = operators();
    for (i, bytes) in variants.iter().enumerate() {
        let rows = parse(bytes).unwrap_or_else(|e| panic!("variant {i}: {e}"));
        assert_eq!(rows, base, "variant {i}");
        assert_eq!(comparable(&rows), comparable(&base));
        let s = plan_fixture(bytes, &ops).summary();
        assert_eq!(
            (s.create, s.duplicates, s.rejected),
            (27, 2, 13),
            "variant {i}"
        );
    }
}

/// "CSV (separado por vírgulas)" from Excel in pt-BR: Windows-1252, semicolons, CRLF.
fn as_excel_csv(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(with_crlf(&with_semicolons(bytes))).unwrap();
    let (encoded, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    encoded.into_owned()
}

/// "Texto Unicode" from Excel: UTF-16LE with its byte-order mark, TAB, CRLF.
fn as_excel_unicode_text(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(with_crlf(bytes)).unwrap();
    assert!(!text.contains('\t') && !text.contains('"'));
    let text = text.replace(',', "\t");
    // encoding_rs only decodes UTF-16 (its encoder writes UTF-8 for it), so the bytes are
    // made by hand: the mark, then each code unit little-endian.
    [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect()
}

#[test]
fn excel_csv_and_unicode_text_read_the_same_as_utf8() {
    let base = read(FIXTURE).unwrap();
    assert_eq!(base.encoding, SheetEncoding::Utf8);
    let ops = operators();
    for (bytes, encoding) in [
        (as_excel_csv(FIXTURE), SheetEncoding::Windows1252),
        (as_excel_unicode_text(FIXTURE), SheetEncoding::Utf16Le),
    ] {
        // Not UTF-8 at all: the accents are single Windows-1252 bytes or UTF-16 units.
        assert!(std::str::from_utf8(&bytes).is_err(), "{encoding:?}");
        let sheet = read(&bytes).unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
        assert_eq!(sheet.encoding, encoding);
        assert_eq!(sheet.rows.len(), base.rows.len(), "{encoding:?}");
        assert_eq!(sheet.rows, base.rows, "{encoding:?}");
        let names: Vec<&str> = sheet.rows.iter().map(|r| r.legal_name.as_str()).collect();
        for accented in [
            "PÃO E TAL TRANSPORTES S/A",
            "CONSTRUTORA SOLUÇÕES LTDA",
            "COMÉRCIO ALVORADA EIRELI",
            "INDÚSTRIA ALVORADA S/A",
        ] {
            assert!(names.contains(&accented), "{encoding:?}: {accented}");
        }
        let p = plan(&sheet.rows, &ops, &HashMap::new());
        let s = p.summary();
        assert_eq!(
            (s.create, s.duplicates, s.rejected),
            (27, 2, 13),
            "{encoding:?}"
        );
        assert_eq!(p.preview(), plan_fixture(FIXTURE, &ops).preview());
    }
}

#[test]
fn utf16_without_its_mark_is_refused_and_nothing_is_read() {
    let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
    let no_mark: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let e = read(&no_mark).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(e.message.contains("bytes nulos"), "{}", e.message);
    assert!(e.message.contains("Texto Unicode"), "{}", e.message);
}

/// Cells a spreadsheet would run as formulas are read as the text they are, in every
/// encoding: nothing evaluated, nothing dropped (the exports neutralise them).
#[test]
fn formula_cells_in_an_excel_csv_stay_text() {
    let hostile = [
        "=HYPERLINK(\"http://x\",\"ÇÃ\")",
        "+55 (11) AÇÃO",
        "-1+2 É",
        "@SUM(A1)",
    ];
    let mut text = String::from("HASH;RAZÃO SOCIAL;CNPJ;OPERADORA;SERVIÇO\r\n");
    for (i, cell) in hostile.iter().enumerate() {
        // Quoted as Excel quotes a cell holding quotes.
        let quoted = format!("\"{}\"", cell.replace('"', "\"\""));
        text.push_str(&format!("h{i};{quoted};13878375000109;VIVO;{cell}x\r\n"));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let sheet = read(&bytes).unwrap();
    assert_eq!(sheet.encoding, SheetEncoding::Windows1252);
    let names: Vec<&str> = sheet.rows.iter().map(|r| r.legal_name.as_str()).collect();
    assert_eq!(names, hostile);
    let p = plan(&sheet.rows, &operators(), &HashMap::new());
    assert_eq!(p.to_create.len(), 4, "{:#?}", p.rejected);
    for (row, cell) in p.to_create.iter().zip(hostile) {
        assert_eq!(row.valid.legal_name, cell);
    }
}

#[test]
fn importing_again_changes_nothing() {
    let ops = operators();
    let first = plan_fixture(FIXTURE, &ops);
    let existing = stored_all(&first, &ops);
    let again = plan(&parse(FIXTURE).unwrap(), &ops, &existing);
    let s = again.summary();
    assert_eq!(
        (s.create, s.update, s.unchanged, s.duplicates, s.rejected),
        (0, 0, 27, 2, 13),
        "{:#?}",
        again.to_update
    );
}

#[test]
fn a_changed_cell_is_one_update_naming_the_field() {
    let ops = operators();
    let first = plan_fixture(FIXTURE, &ops);
    let existing = stored_all(&first, &ops);
    let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
    let edited = text.replacen(
        "Voz originado ,Internet ,Dourados-MS",
        "Voz originado ,Internet ,Corumbá-MS",
        1,
    );
    assert_ne!(edited, text);
    let p = plan(&parse(edited.as_bytes()).unwrap(), &ops, &existing);
    assert_eq!(p.to_create.len(), 0);
    assert_eq!(p.to_update.len(), 1);
    let u = &p.to_update[0];
    assert_eq!((u.line, u.hash.as_str()), (2, "exemplo0030"));
    assert_eq!(u.changed, vec!["unit"]);
    assert_eq!(u.existing_id, Some(existing["exemplo0030"].id));
    assert_eq!(u.existing_version, Some(1));
    assert_eq!(p.preview().update[0].changed_labels, vec!["Unidade"]);
}

#[test]
fn a_password_only_counts_as_a_change_when_none_is_set() {
    let ops = operators();
    let first = plan_fixture(FIXTURE, &ops);
    let mut existing = stored_all(&first, &ops);
    existing.get_mut("exemplo0030").unwrap().portal_password_set = false;
    let p = plan(&parse(FIXTURE).unwrap(), &ops, &existing);
    assert_eq!(p.to_update.len(), 1);
    assert_eq!(p.to_update[0].changed, vec!["portal_password"]);
    assert_eq!(p.unchanged.len(), 26);
}

#[test]
fn a_file_without_optional_columns_keeps_the_stored_values() {
    let ops = operators();
    let first = plan_fixture(FIXTURE, &ops);
    let existing = stored_all(&first, &ops);
    let lean = "HASH;RAZÃO SOCIAL;CNPJ;OPERADORA\n\
                exemplo0030;PÃO E TAL TRANSPORTES S/A;13.878.375/0001-09;VIVO\n";
    let p = plan(&parse(lean.as_bytes()).unwrap(), &ops, &existing);
    assert_eq!(p.unchanged, vec![2], "{:#?}", p.to_update);
}
