//! Reading the spreadsheet file: encoding, delimiter, header, one `SheetRow` per line.

use crate::error::{Error, ErrorCode, Result};
use serde::Serialize;

/// The spreadsheet columns we read. Others (PATCHDOWNLOAD, ATUALIZA/CRIA, anything a
/// person adds) are ignored: they drove the system we replace and mean nothing here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Hash,
    LegalName,
    SatName,
    Cnpj,
    Operator,
    AccountFilter,
    Service,
    SatData,
    Unit,
    SatCategory,
    IssueSite,
    PortalLogin,
    PortalPassword,
    Cpf,
    Notes,
    Status,
}

const COLUMNS: [Column; 16] = [
    Column::Hash,
    Column::LegalName,
    Column::SatName,
    Column::Cnpj,
    Column::Operator,
    Column::AccountFilter,
    Column::Service,
    Column::SatData,
    Column::Unit,
    Column::SatCategory,
    Column::IssueSite,
    Column::PortalLogin,
    Column::PortalPassword,
    Column::Cpf,
    Column::Notes,
    Column::Status,
];

impl Column {
    /// The name as the spreadsheet spells it, for messages.
    pub(super) fn title(self) -> &'static str {
        match self {
            Column::Hash => "HASH",
            Column::LegalName => "RAZÃO SOCIAL",
            Column::SatName => "NOME SAT",
            Column::Cnpj => "CNPJ",
            Column::Operator => "OPERADORA",
            Column::AccountFilter => "FILTRO",
            Column::Service => "SERVIÇO",
            Column::SatData => "DADOS SAT",
            Column::Unit => "UNIDADE / FILTRO SAT",
            Column::SatCategory => "CATEGORIAS / FILTRO SAT",
            Column::IssueSite => "SITE PARA EMISSÃO",
            Column::PortalLogin => "LOGIN",
            Column::PortalPassword => "SENHA",
            Column::Cpf => "CPF",
            Column::Notes => "OBS",
            Column::Status => "STATUS",
        }
    }

    /// Header keys (see `header_key`) that name this column; the first is the title's.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Column::Hash => &["HASH"],
            Column::LegalName => &["RAZAOSOCIAL"],
            Column::SatName => &["NOMESAT"],
            Column::Cnpj => &["CNPJ"],
            Column::Operator => &["OPERADORA"],
            Column::AccountFilter => &["FILTRO"],
            Column::Service => &["SERVICO"],
            Column::SatData => &["DADOSSAT"],
            Column::Unit => &["UNIDADEFILTROSAT", "UNIDADE"],
            Column::SatCategory => &[
                "CATEGORIASFILTROSAT",
                "CATEGORIAFILTROSAT",
                "CATEGORIAS",
                "CATEGORIA",
            ],
            Column::IssueSite => &["SITEPARAEMISSAO"],
            Column::PortalLogin => &["LOGIN"],
            Column::PortalPassword => &["SENHA"],
            Column::Cpf => &["CPF"],
            Column::Notes => &["OBS", "OBSERVACAO", "OBSERVACOES"],
            Column::Status => &["STATUS"],
        }
    }

    /// Without these a row cannot become a client, so the whole file is refused.
    fn required(self) -> bool {
        matches!(
            self,
            Column::Hash | Column::LegalName | Column::Cnpj | Column::Operator
        )
    }

    /// The column a `ClientInput` field comes from, to word validation messages the way
    /// the spreadsheet names things.
    pub(super) fn of_field(field: &str) -> Option<Column> {
        Some(match field {
            "hash" => Column::Hash,
            "legal_name" => Column::LegalName,
            "sat_name" => Column::SatName,
            "cnpj" => Column::Cnpj,
            "operator_id" => Column::Operator,
            "account_filter" => Column::AccountFilter,
            "service" => Column::Service,
            "sat_data" => Column::SatData,
            "unit" => Column::Unit,
            "sat_category" => Column::SatCategory,
            "issue_site_url" => Column::IssueSite,
            "portal_login" => Column::PortalLogin,
            "portal_password" => Column::PortalPassword,
            "cpf" => Column::Cpf,
            "notes" => Column::Notes,
            _ => return None,
        })
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'Á' | 'À' | 'Â' | 'Ã' | 'Ä' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ç' => 'C',
        'Ñ' => 'N',
        c => c,
    }
}

/// Upper case, accents folded, only letters and digits: "Razão Social ", "RAZAO SOCIAL"
/// and "UNIDADE/FILTRO SAT" all find their column.
pub(super) fn header_key(s: &str) -> String {
    s.chars()
        .flat_map(char::to_uppercase)
        .map(fold_accent)
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// One data row of the spreadsheet, every cell trimmed. Optional columns are `None` when
/// the file has no such column (the stored value is then kept) and `Some("")` when the
/// cell is blank. `Debug` is written by hand: the row carries the portal password.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SheetRow {
    /// 1-based line in the file; the header is line 1.
    pub line: usize,
    pub hash: String,
    pub legal_name: String,
    pub cnpj: String,
    pub operator: String,
    pub sat_name: Option<String>,
    pub account_filter: Option<String>,
    pub service: Option<String>,
    pub sat_data: Option<String>,
    pub unit: Option<String>,
    pub sat_category: Option<String>,
    pub issue_site_url: Option<String>,
    pub portal_login: Option<String>,
    pub portal_password: Option<String>,
    pub cpf: Option<String>,
    pub notes: Option<String>,
    pub status: Option<String>,
    /// Non-blank cells past the last header column: a sign that a value held an
    /// unquoted delimiter and every later cell moved one column to the right.
    pub extra_cells: usize,
}

impl SheetRow {
    /// Same cells, wherever the row is.
    pub(super) fn same_content(&self, other: &SheetRow) -> bool {
        SheetRow {
            line: other.line,
            ..self.clone()
        } == *other
    }

    fn set(&mut self, column: Column, value: String) {
        match column {
            Column::Hash => self.hash = value,
            Column::LegalName => self.legal_name = value,
            Column::Cnpj => self.cnpj = value,
            Column::Operator => self.operator = value,
            Column::SatName => self.sat_name = Some(value),
            Column::AccountFilter => self.account_filter = Some(value),
            Column::Service => self.service = Some(value),
            Column::SatData => self.sat_data = Some(value),
            Column::Unit => self.unit = Some(value),
            Column::SatCategory => self.sat_category = Some(value),
            Column::IssueSite => self.issue_site_url = Some(value),
            Column::PortalLogin => self.portal_login = Some(value),
            Column::PortalPassword => self.portal_password = Some(value),
            Column::Cpf => self.cpf = Some(value),
            Column::Notes => self.notes = Some(value),
            Column::Status => self.status = Some(value),
        }
    }
}

impl std::fmt::Debug for SheetRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetRow")
            .field("line", &self.line)
            .field("hash", &self.hash)
            .field("legal_name", &self.legal_name)
            .field("cnpj", &self.cnpj)
            .field("operator", &self.operator)
            .field("unit", &self.unit)
            .field("service", &self.service)
            .field("status", &self.status)
            .field(
                "portal_password",
                &self.portal_password.as_ref().map(|_| "<oculta>"),
            )
            .finish_non_exhaustive()
    }
}

fn file_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Validation, message)
}

/// The text encoding a spreadsheet file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetEncoding {
    /// With or without a byte-order mark: "CSV UTF-8" in Excel, LibreOffice, Google.
    Utf8,
    /// No byte-order mark and not UTF-8: what Excel in pt-BR saves as "CSV (separado por
    /// vírgulas)", semicolon-delimited.
    Windows1252,
    /// With its byte-order mark: Excel's "Texto Unicode", TAB-delimited.
    Utf16Le,
    /// With its byte-order mark; no office program of ours writes it, but it is UTF-16.
    Utf16Be,
}

impl SheetEncoding {
    /// How the preview names it, in pt-BR.
    pub fn label(self) -> &'static str {
        match self {
            SheetEncoding::Utf8 => "UTF-8",
            SheetEncoding::Windows1252 => "Windows-1252 (CSV do Excel)",
            SheetEncoding::Utf16Le => "UTF-16 (Texto Unicode do Excel)",
            SheetEncoding::Utf16Be => "UTF-16 big-endian",
        }
    }
}

/// The spreadsheet as read: its rows, and the encoding its bytes were in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub encoding: SheetEncoding,
    pub rows: Vec<SheetRow>,
}

/// What to tell someone whose file we cannot read as text: the three ways Excel saves one
/// that we can.
const SAVE_AS: &str = "No Excel, use \"Salvar como\" e escolha \"CSV UTF-8 (delimitado por \
                       vírgulas)\", \"CSV (separado por vírgulas)\" ou \"Texto Unicode\", e \
                       importe o arquivo salvo.";

/// 1-based line of a byte offset, counting LF (CRLF counts once, as the rows do).
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A UTF-8 file with a few cells in another encoding (pasted from elsewhere, edited in an
/// old editor) has more well-formed non-ASCII UTF-8 characters than broken bytes; a real
/// Windows-1252 file almost never has any (its "Ã" is followed by "O", not by a
/// continuation byte). Reading the first as Windows-1252 would turn every "Ã" of the file
/// into "Ãƒ", so it is refused instead: the first broken offset, if the file is mixed.
fn mixed_utf8(bytes: &[u8]) -> Option<usize> {
    let (mut good, mut bad, mut first_bad) = (0usize, 0usize, None);
    let mut offset = 0;
    loop {
        let rest = &bytes[offset..];
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                good += std::str::from_utf8(&rest[..valid])
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                bad += 1;
                first_bad.get_or_insert(offset + valid);
                offset += valid + e.error_len().unwrap_or(rest.len() - valid);
                if offset >= bytes.len() {
                    break;
                }
            }
        }
    }
    first_bad.filter(|_| good > bad)
}

/// The text of the file and the encoding it was in. A byte-order mark decides (UTF-8,
/// UTF-16LE, UTF-16BE); without one, UTF-8 if the bytes are UTF-8, otherwise Windows-1252,
/// which is how Excel in pt-BR saves "CSV". Windows-1252 decodes almost any bytes, so what
/// is plainly not text is refused first: an Excel workbook, and NUL bytes (UTF-16 without
/// its mark, or any other binary file), which no CSV has.
fn decode(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, str>, SheetEncoding)> {
    use encoding_rs::{Encoding, UTF_16LE, UTF_8, WINDOWS_1252};
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let kind = if encoding == UTF_8 {
            SheetEncoding::Utf8
        } else if encoding == UTF_16LE {
            SheetEncoding::Utf16Le
        } else {
            SheetEncoding::Utf16Be
        };
        let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if malformed {
            let before = text.find('\u{FFFD}').unwrap_or(text.len());
            let line = line_at(text.as_bytes(), before);
            return Err(file_error(match kind {
                SheetEncoding::Utf8 => format!(
                    "A planilha começa com a marca de UTF-8, mas a linha {line} tem bytes \
                     que não são UTF-8. {SAVE_AS}"
                ),
                _ => format!(
                    "A planilha começa com a marca de UTF-16 (Texto Unicode), mas está \
                     incompleta ou danificada (primeiro problema na linha {line}). {SAVE_AS}"
                ),
            }));
        }
        return Ok((text, kind));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(file_error(format!(
            "Este arquivo é uma pasta de trabalho do Excel (.xlsx ou .xls), não uma \
             planilha em texto. {SAVE_AS}"
        )));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(file_error(format!(
            "A planilha não é um arquivo de texto: tem bytes nulos (linha {}). Pode ser um \
             \"Texto Unicode\" sem a marca de início ou outro tipo de arquivo. {SAVE_AS}",
            line_at(bytes, at)
        )));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.into(), SheetEncoding::Utf8));
    }
    if let Some(at) = mixed_utf8(bytes) {
        return Err(file_error(format!(
            "A planilha mistura codificações: quase tudo está em UTF-8, mas a linha {} não. \
             Salve-a de novo como \"CSV UTF-8 (delimitado por vírgulas)\" e importe de novo.",
            line_at(bytes, at)
        )));
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    Ok((text, SheetEncoding::Windows1252))
}

/// LF only. The csv reader ends a record at the CR of a CRLF and counts the LF as the
/// start of the next record, so every line number after the header would be one short;
/// a lone CR (old Mac exports) would not count at all.
fn unify_line_ends(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// The delimiter the header uses most, outside quotes. Semicolon is what Excel writes
/// where the comma is the decimal separator, as in Brazil; TAB is its "Texto Unicode".
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut commas, mut semicolons, mut tabs, mut quoted) = (0, 0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

/// Which column each header cell is, refusing a file that lacks a required column or
/// names one twice (we could not tell which of the two to believe).
fn map_header(header: &csv::StringRecord) -> Result<Vec<Option<Column>>> {
    let mut mapped = Vec::with_capacity(header.len());
    let mut seen: Vec<Column> = Vec::new();
    for cell in header {
        let key = header_key(cell);
        let column = COLUMNS
            .into_iter()
            .find(|c| c.keys().contains(&key.as_str()));
        if let Some(c) = column {
            if seen.contains(&c) {
                return Err(file_error(format!(
                    "A coluna {} aparece duas vezes no cabeçalho da planilha (linha 1).",
                    c.title()
                )));
            }
            seen.push(c);
        }
        mapped.push(column);
    }
    let missing: Vec<&str> = COLUMNS
        .into_iter()
        .filter(|c| c.required() && !seen.contains(c))
        .map(Column::title)
        .collect();
    if !missing.is_empty() {
        return Err(file_error(format!(
            "Faltam colunas obrigatórias no cabeçalho da planilha (linha 1): {}. \
             A primeira linha deve ter os nomes das colunas, separados por vírgula, \
             ponto e vírgula ou tabulação.",
            missing.join(", ")
        )));
    }
    Ok(mapped)
}

fn read_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    file_error(format!(
        "Não foi possível ler a planilha (linha {line}): {e}."
    ))
}

fn to_row(record: &csv::StringRecord, columns: &[Option<Column>]) -> SheetRow {
    let mut row = SheetRow {
        line: record.position().map_or(0, |p| p.line() as usize),
        ..Default::default()
    };
    for (i, cell) in record.iter().enumerate() {
        let cell = cell.trim();
        match columns.get(i) {
            Some(Some(column)) => row.set(*column, cell.to_string()),
            Some(None) => {}
            None if !cell.is_empty() => row.extra_cells += 1,
            None => {}
        }
    }
    // A short row (a program that drops trailing empty cells) still has every column of
    // the file: blank, not "absent", so it does not keep stored values by accident.
    for column in columns.iter().flatten() {
        row.set_blank_if_absent(*column);
    }
    row
}

impl SheetRow {
    fn set_blank_if_absent(&mut self, column: Column) {
        let slot = match column {
            Column::SatName => &mut self.sat_name,
            Column::AccountFilter => &mut self.account_filter,
            Column::Service => &mut self.service,
            Column::SatData => &mut self.sat_data,
            Column::Unit => &mut self.unit,
            Column::SatCategory => &mut self.sat_category,
            Column::IssueSite => &mut self.issue_site_url,
            Column::PortalLogin => &mut self.portal_login,
            Column::PortalPassword => &mut self.portal_password,
            Column::Cpf => &mut self.cpf,
            Column::Notes => &mut self.notes,
            Column::Status => &mut self.status,
            Column::Hash | Column::LegalName | Column::Cnpj | Column::Operator => return,
        };
        slot.get_or_insert_with(String::new);
    }
}

/// Reads the spreadsheet: header on line 1, one client per later line. Lines whose cells
/// are all blank (what spreadsheets leave under the data) are skipped. Errors concern
/// the whole file (encoding, header); problems of a single row are for `plan`.
pub fn read(bytes: &[u8]) -> Result<Sheet> {
    let (decoded, encoding) = decode(bytes)?;
    let text = unify_line_ends(&decoded);
    if text.trim().is_empty() {
        return Err(file_error("A planilha está vazia."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(read_error)?,
        None => return Err(file_error("A planilha está vazia.")),
    };
    let columns = map_header(&header)?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(read_error)?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(to_row(&record, &columns));
    }
    if rows.is_empty() {
        return Err(file_error(
            "A planilha só tem o cabeçalho: nenhuma linha de cliente para importar.",
        ));
    }
    Ok(Sheet { encoding, rows })
}

/// The rows of `read`, for callers that do not need the encoding.
pub fn parse(bytes: &[u8]) -> Result<Vec<SheetRow>> {
    read(bytes).map(|s| s.rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "HASH,RAZÃO SOCIAL,CNPJ,OPERADORA,UNIDADE / FILTRO SAT,SERVIÇO,SENHA";

    fn csv(lines: &[&str]) -> Vec<u8> {
        let mut text = String::from(HEADER);
        for l in lines {
            text.push('\n');
            text.push_str(l);
        }
        text.into_bytes()
    }

    #[test]
    fn header_keys_fold_case_accents_and_spaces() {
        assert_eq!(header_key(" Razão  Social "), "RAZAOSOCIAL");
        assert_eq!(header_key("SITE PARA EMISSÃO "), "SITEPARAEMISSAO");
        assert_eq!(header_key("UNIDADE/FILTRO SAT"), "UNIDADEFILTROSAT");
    }

    #[test]
    fn missing_required_columns_refuse_the_file() {
        let e = parse(b"HASH;NOME SAT\nx;y\n").unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(
            e.message.contains("RAZÃO SOCIAL, CNPJ, OPERADORA"),
            "{}",
            e.message
        );
    }

    #[test]
    fn repeated_column_refuses_the_file() {
        let e = parse(b"HASH,CNPJ,RAZAO SOCIAL,OPERADORA,cnpj\n").unwrap_err();
        assert!(
            e.message.contains("CNPJ aparece duas vezes"),
            "{}",
            e.message
        );
    }

    #[test]
    fn empty_and_header_only_files_are_refused() {
        assert!(parse(b"").unwrap_err().message.contains("vazia"));
        assert!(parse(b"\xEF\xBB\xBF \n")
            .unwrap_err()
            .message
            .contains("vazia"));
        assert!(parse(HEADER.as_bytes())
            .unwrap_err()
            .message
            .contains("só tem o cabeçalho"));
    }

    #[test]
    fn a_utf8_file_with_a_latin1_cell_is_refused_naming_the_line() {
        let mut bytes = csv(&["a,AÇÃO É,13878375000109,VIVO,,,"]);
        bytes.extend_from_slice(b"\nb,P\xC3O E TAL,13878375000109,VIVO,,,");
        let e = parse(&bytes).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("mistura codificações"), "{}", e.message);
        assert!(e.message.contains("linha 3"), "{}", e.message);
    }

    fn cp1252(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    #[test]
    fn encodings_are_detected_and_named() {
        let text = format!("{HEADER}\nh1,AÇÃO É,13878375000109,VIVO,,,");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let cases = [
            (text.clone().into_bytes(), SheetEncoding::Utf8),
            (
                [b"\xEF\xBB\xBF", text.as_bytes()].concat(),
                SheetEncoding::Utf8,
            ),
            (cp1252(&text), SheetEncoding::Windows1252),
            (utf16le, SheetEncoding::Utf16Le),
            (utf16be, SheetEncoding::Utf16Be),
        ];
        for (bytes, encoding) in cases {
            let sheet = read(&bytes).unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
            assert_eq!(sheet.encoding, encoding);
            assert_eq!(sheet.rows[0].legal_name, "AÇÃO É", "{encoding:?}");
        }
        assert_eq!(
            SheetEncoding::Windows1252.label(),
            "Windows-1252 (CSV do Excel)"
        );
        assert_eq!(
            serde_json::to_string(&SheetEncoding::Utf16Le).unwrap(),
            "\"utf16_le\""
        );
    }

    #[test]
    fn tab_semicolon_and_comma_are_each_the_delimiter() {
        for (d, expected) in [("\t", b'\t'), (";", b';'), (",", b',')] {
            let header = format!("HASH{d}RAZÃO SOCIAL{d}CNPJ{d}OPERADORA");
            assert_eq!(detect_delimiter(&header), expected, "{d:?}");
        }
        // Commas and semicolons inside a TAB file's cells are just text.
        let rows = parse(
            "HASH\tRAZÃO SOCIAL\tCNPJ\tOPERADORA\r\nh1\tACME, FILIAL; SA\t1\tVIVO\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(rows[0].legal_name, "ACME, FILIAL; SA");
        assert_eq!(rows[0].operator, "VIVO");
    }

    #[test]
    fn what_is_not_text_is_refused_with_a_message() {
        let nul = b"H\0A\0S\0H\0,\0C\0N\0P\0J\0\n\0";
        let cases: [(&[u8], &str); 5] = [
            // UTF-16LE without its byte-order mark.
            (nul, "bytes nulos"),
            (b"PK\x03\x04\x14\x00\x06\x00", "pasta de trabalho do Excel"),
            (
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
                "pasta de trabalho do Excel",
            ),
            // A UTF-16 mark followed by an odd number of bytes.
            (
                b"\xFF\xFEH\0A\0S",
                "UTF-16 (Texto Unicode), mas está incompleta",
            ),
            (b"\xEF\xBB\xBFHASH\n\xC3O", "marca de UTF-8, mas a linha 2"),
        ];
        for (bytes, expected) in cases {
            let e = parse(bytes).unwrap_err();
            assert_eq!(e.code, ErrorCode::Validation);
            assert!(e.message.contains(expected), "{expected}: {}", e.message);
            assert!(e.message.contains("Salv"), "{}", e.message);
        }
    }

    #[test]
    fn cells_are_trimmed_and_absent_columns_are_none() {
        let rows = parse(&csv(&["  h1 , ACME ,13878375000109, vivo ,,  Internet  ,"])).unwrap();
        let r = &rows[0];
        assert_eq!((r.line, r.hash.as_str()), (2, "h1"));
        assert_eq!(r.service.as_deref(), Some("Internet"));
        assert_eq!(r.unit.as_deref(), Some(""));
        assert_eq!(r.notes, None);
    }

    #[test]
    fn quoted_cells_may_hold_the_delimiter_and_line_breaks() {
        let rows = parse(&csv(&[
            "h1,\"ACME, FILIAL\",13878375000109,VIVO,,,",
            "h2,\"DUAS\nLINHAS\",10141561000164,VIVO,,,",
            "h3,ACME,76426565000105,VIVO,,,",
        ]))
        .unwrap();
        assert_eq!(rows[0].legal_name, "ACME, FILIAL");
        // Lines count the file's lines, so the row after a two-line cell is line 5.
        assert_eq!(
            rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 3, 5]
        );
    }
}
