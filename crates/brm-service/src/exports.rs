//! Exports (issue 5, item 8): every list exports what it shows, with its filters, to CSV
//! (`;`, UTF-8 with BOM, dd/mm/aaaa, 1.234,56: what Excel pt-BR opens as is) or XLSX
//! (money as numbers in R$, dates as real dates, bold frozen header with a filter).
//! The same role check as the list; every page of the filtered result; never a secret.

use crate::approval_desk::{ApprovalQueueFilter, QueueItem};
use crate::processes::brasilia;
use crate::Desk;
use brm_core::approval;
use brm_core::client::ClientFilter;
use brm_core::execution::ExecutionFilter;
use brm_core::operator::OperatorFilter;
use brm_core::process::{parse_cents, ProcessFilter, ProcessRow, ValueSource};
use brm_core::user::UserFilter;
use brm_core::{Error, ErrorCode, Result};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::Serialize;

/// Rows read per page while exporting.
const PAGE: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            _ => Err(Error::field(
                "format",
                "Formato de exportação inválido: use CSV ou XLSX.",
            )),
        }
    }

    fn ext(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// A finished export: the file's suggested name, its bytes and how many rows it holds.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub file_name: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// One cell, typed so each format writes it its own way.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Money(Option<i64>),
    Date(Option<NaiveDate>),
    /// Shown in Brasília time.
    DateTime(Option<DateTime<Utc>>),
    Bool(bool),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: &Option<String>) -> Cell {
    Cell::Text(s.clone().unwrap_or_default())
}

/// "12.345.678/0001-95"; anything that is not 14 digits as it is.
pub fn format_cnpj(cnpj: &str) -> String {
    if cnpj.len() != 14 || !cnpj.bytes().all(|b| b.is_ascii_digit()) {
        return cnpj.to_string();
    }
    format!(
        "{}.{}.{}/{}-{}",
        &cnpj[0..2],
        &cnpj[2..5],
        &cnpj[5..8],
        &cnpj[8..12],
        &cnpj[12..14]
    )
}

/// Column titles (pt-BR, the list's order) and widths, then the rows.
pub struct Table {
    pub sheet: &'static str,
    pub columns: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<Cell>>,
}

/// "1.234,56" (no currency sign: the column title says R$).
pub fn money_br(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let int = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02}", abs % 100)
}

/// A text cell as a spreadsheet cannot run it: a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return is a formula to Excel and LibreOffice when the CSV is
/// opened (a client name imported as `=HYPERLINK(...)` would be a live link), so it gets
/// a leading apostrophe, which both show as text. Numbers and dates are not text cells
/// and stay as they are.
fn inert(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => inert(s),
        Cell::Int(n) => n.to_string(),
        Cell::Money(m) => m.map(money_br).unwrap_or_default(),
        Cell::Date(d) => d
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        Cell::DateTime(t) => t
            .map(|t| brasilia(t).format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default(),
        Cell::Bool(b) => if *b { "Sim" } else { "Não" }.to_string(),
    }
}

pub fn to_csv(table: &Table) -> Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let internal =
            |e: csv::Error| Error::new(ErrorCode::Internal, format!("Falha ao gerar o CSV: {e}"));
        w.write_record(table.columns.iter().map(|(t, _)| *t))
            .map_err(internal)?;
        for row in &table.rows {
            w.write_record(row.iter().map(cell_text))
                .map_err(internal)?;
        }
        w.flush()
            .map_err(|e| Error::new(ErrorCode::Internal, format!("Falha ao gerar o CSV: {e}")))?;
    }
    Ok(out)
}

pub fn to_xlsx(table: &Table) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| {
        Error::new(
            ErrorCode::Internal,
            format!("Falha ao gerar a planilha: {e}"),
        )
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(table.sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("\"R$\" #,##0.00");
    let date = Format::new()
        .set_num_format("dd/mm/yyyy")
        .set_align(FormatAlign::Left);
    let date_time = Format::new()
        .set_num_format("dd/mm/yyyy hh:mm")
        .set_align(FormatAlign::Left);
    for (col, (title, width)) in table.columns.iter().enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, *title, &bold)
            .map_err(fail)?;
        sheet.set_column_width(col, *width).map_err(fail)?;
    }
    for (i, row) in table.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(s) if !s.is_empty() => {
                    sheet.write_string(r, col, s).map_err(fail)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, col, *n as f64).map_err(fail)?;
                }
                Cell::Money(Some(c)) => {
                    sheet
                        .write_number_with_format(r, col, *c as f64 / 100.0, &money)
                        .map_err(fail)?;
                }
                Cell::Date(Some(d)) => {
                    let x =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .map_err(fail)?;
                    sheet
                        .write_datetime_with_format(r, col, &x, &date)
                        .map_err(fail)?;
                }
                Cell::DateTime(Some(t)) => {
                    let b = brasilia(*t);
                    let x =
                        ExcelDateTime::from_ymd(b.year() as u16, b.month() as u8, b.day() as u8)
                            .and_then(|x| x.and_hms(b.hour() as u16, b.minute() as u8, 0))
                            .map_err(fail)?;
                    sheet
                        .write_datetime_with_format(r, col, &x, &date_time)
                        .map_err(fail)?;
                }
                Cell::Bool(_) => {
                    sheet.write_string(r, col, cell_text(cell)).map_err(fail)?;
                }
                _ => {}
            }
        }
    }
    let last_col = table.columns.len().saturating_sub(1) as u16;
    sheet
        .autofilter(0, 0, table.rows.len() as u32, last_col)
        .map_err(fail)?;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

fn bad_filter(e: serde_json::Error) -> Error {
    Error::field("filter", format!("Filtro da lista inválido: {e}"))
}

fn filter<T: serde::de::DeserializeOwned + Default>(v: serde_json::Value) -> Result<T> {
    if v.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(v).map_err(bad_filter)
}

/// "2026-11" → "11/2026"; anything else as it is.
fn month_br(month: &str) -> String {
    match month.split_once('-') {
        Some((y, m)) => format!("{m}/{y}"),
        None => month.to_string(),
    }
}

/// "Linha digitável", "Texto da fatura", "Robô", "Digitado" (as the approval desk shows
/// them); nothing when the value has no source.
fn source_cell(source: Option<ValueSource>) -> Cell {
    let Some(label) = source.map(ValueSource::label) else {
        return text("");
    };
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => text(first.to_uppercase().chain(chars).collect::<String>()),
        None => text(""),
    }
}

fn process_columns() -> Vec<(&'static str, f64)> {
    vec![
        ("Mês de referência", 12.0),
        ("Cliente", 40.0),
        ("CNPJ", 20.0),
        ("HASH", 14.0),
        ("Operadora", 16.0),
        ("Situação", 24.0),
        ("Valor (R$)", 14.0),
        ("Vencimento", 12.0),
        ("Tentativas de download", 10.0),
        ("Tentativas de envio ao SAT", 10.0),
        ("Precisa de atenção", 10.0),
        ("Atualizado em", 17.0),
    ]
}

/// The process list's cells of one row, in [`process_columns`] order.
fn process_cells(r: ProcessRow) -> Vec<Cell> {
    vec![
        text(month_br(&r.reference_month)),
        text(r.client_name),
        text(format_cnpj(&r.cnpj)),
        opt(&r.client_hash),
        text(r.operator_name),
        text(r.status.label()),
        Cell::Money(r.amount.as_deref().and_then(parse_cents)),
        Cell::Date(r.due_date),
        Cell::Int(r.download_attempts),
        Cell::Int(r.sat_attempts),
        Cell::Bool(r.needs_attention),
        Cell::DateTime(Some(r.updated_at)),
    ]
}

fn process_table(rows: Vec<ProcessRow>) -> Table {
    Table {
        sheet: "Processos",
        columns: process_columns(),
        rows: rows.into_iter().map(process_cells).collect(),
    }
}

/// The approval desk's queue, in its order: the process columns, then what the desk
/// shows of each invoice (its checks, where amount and due date came from, a first
/// approval under four eyes, who uploaded it by hand).
fn approval_table(items: Vec<QueueItem>) -> Table {
    let mut columns = process_columns();
    columns.extend([
        ("Verificações", 40.0),
        ("Fonte do valor", 16.0),
        ("Fonte do vencimento", 16.0),
        ("1ª aprovação", 24.0),
        ("Envio manual por", 24.0),
    ]);
    Table {
        sheet: "Aprovação",
        columns,
        rows: items
            .into_iter()
            .map(|item| {
                let mut cells = process_cells(item.row);
                cells.extend([
                    text(approval::summary(&item.checks)),
                    source_cell(item.amount_source),
                    source_cell(item.due_date_source),
                    text(item.first_approval.map(|f| f.by_name).unwrap_or_default()),
                    text(if item.manual_upload {
                        item.uploaded_by_name.unwrap_or_default()
                    } else {
                        String::new()
                    }),
                ]);
                cells
            })
            .collect(),
    }
}

impl Desk {
    /// Exports `list` (processos, aprovacao, execucoes, clientes, operadoras, usuarios)
    /// with `filter` (the same object the list command takes: `list_approval_queue`'s
    /// `{month, operator_id, search, sort, descending}` for aprovacao; page and page size
    /// are ignored) as `format` ("csv" or "xlsx"). Wire values (statuses, kinds, roles,
    /// sources) are written as the window shows them, in pt-BR words.
    pub async fn export_list(
        &self,
        token: &str,
        list: &str,
        filter_json: serde_json::Value,
        format: &str,
    ) -> Result<Export> {
        let format = ExportFormat::parse(format)?;
        let table = match list {
            "aprovacao" => {
                // The filter the approval desk sends to `list_approval_queue`; the same
                // query, so the same rows in the same order (up to the queue's cap).
                let f: ApprovalQueueFilter = filter(filter_json)?;
                approval_table(self.approval_queue(token, f).await?.items)
            }
            "processos" => {
                let mut f: ProcessFilter = filter(filter_json)?;
                let mut rows = Vec::new();
                for page in 0.. {
                    f.page = page;
                    f.page_size = PAGE as i64;
                    let got = self.list_processes(token, f.clone()).await?;
                    let n = got.items.len();
                    rows.extend(got.items);
                    if n < PAGE as usize || rows.len() as i64 >= got.total {
                        break;
                    }
                }
                process_table(rows)
            }
            "execucoes" => {
                let mut f: ExecutionFilter = filter(filter_json)?;
                let mut rows = Vec::new();
                for page in 0.. {
                    f.page = page;
                    f.page_size = PAGE as i64;
                    let got = self.list_executions(token, f.clone()).await?;
                    let n = got.items.len();
                    rows.extend(got.items);
                    if n < PAGE as usize || rows.len() as i64 >= got.total {
                        break;
                    }
                }
                Table {
                    sheet: "Execuções",
                    columns: vec![
                        ("Criada em", 17.0),
                        ("Cliente", 40.0),
                        ("Operadora", 16.0),
                        ("Mês de referência", 12.0),
                        ("Tipo", 18.0),
                        ("Situação", 14.0),
                        ("Progresso (%)", 10.0),
                        ("Tentativa", 10.0),
                        ("Job do robô", 24.0),
                        ("Iniciada em", 17.0),
                        ("Concluída em", 17.0),
                        ("Erro", 40.0),
                        ("Disparada por", 16.0),
                    ],
                    rows: rows
                        .into_iter()
                        .map(|r| {
                            let e = r.execution;
                            vec![
                                Cell::DateTime(Some(e.created_at)),
                                text(r.client_name),
                                text(r.operator_name),
                                text(month_br(&r.reference_month)),
                                text(e.kind.label()),
                                text(e.status.label()),
                                Cell::Int(e.progress),
                                Cell::Int(e.attempt),
                                opt(&e.job_id),
                                Cell::DateTime(e.started_at),
                                Cell::DateTime(e.finished_at),
                                opt(&e.error),
                                text(e.triggered_by),
                            ]
                        })
                        .collect(),
                }
            }
            "clientes" => {
                let mut f: ClientFilter = filter(filter_json)?;
                let mut rows = Vec::new();
                for page in 0.. {
                    f.page = page;
                    f.page_size = PAGE;
                    let got = self.list_clients(token, f.clone()).await?;
                    let n = got.items.len();
                    rows.extend(got.items);
                    if n < PAGE as usize || rows.len() as i64 >= got.total {
                        break;
                    }
                }
                Table {
                    sheet: "Clientes",
                    columns: vec![
                        ("Razão social", 40.0),
                        ("Nome no SAT", 30.0),
                        ("CNPJ", 20.0),
                        ("Operadora", 16.0),
                        ("Unidade", 18.0),
                        ("Serviço", 16.0),
                        ("Conta / filtro", 16.0),
                        ("HASH", 14.0),
                        ("Login do portal", 24.0),
                        ("Senha cadastrada", 10.0),
                        ("Ativo", 8.0),
                        ("Atualizado em", 17.0),
                    ],
                    rows: rows
                        .into_iter()
                        .map(|c| {
                            vec![
                                text(c.legal_name),
                                opt(&c.sat_name),
                                text(format_cnpj(&c.cnpj)),
                                text(c.operator_name),
                                text(c.unit),
                                text(c.service),
                                opt(&c.account_filter),
                                opt(&c.hash),
                                opt(&c.portal_login),
                                // Whether a password is stored; never the password.
                                Cell::Bool(c.portal_password_set),
                                Cell::Bool(c.active),
                                Cell::DateTime(Some(c.updated_at)),
                            ]
                        })
                        .collect(),
                }
            }
            "operadoras" => {
                let mut f: OperatorFilter = filter(filter_json)?;
                let mut rows = Vec::new();
                for page in 0.. {
                    f.page = page;
                    f.page_size = PAGE;
                    let got = self.list_operators(token, f.clone()).await?;
                    let n = got.items.len();
                    rows.extend(got.items);
                    if n < PAGE as usize || rows.len() as i64 >= got.total {
                        break;
                    }
                }
                Table {
                    sheet: "Operadoras",
                    columns: vec![
                        ("Nome", 24.0),
                        ("Código", 12.0),
                        ("Tem robô", 10.0),
                        ("Robô terceirizado", 10.0),
                        ("Endereço do robô", 30.0),
                        ("Portal", 30.0),
                        ("Tempo limite (s)", 10.0),
                        ("Máximo de tentativas", 10.0),
                        ("Ativa", 8.0),
                        ("Atualizada em", 17.0),
                    ],
                    rows: rows
                        .into_iter()
                        .map(|o| {
                            vec![
                                text(o.name),
                                text(o.code),
                                Cell::Bool(o.has_rpa),
                                Cell::Bool(o.rpa_outsourced),
                                opt(&o.rpa_endpoint_url),
                                opt(&o.portal_url),
                                Cell::Int(o.timeout_secs),
                                Cell::Int(o.max_attempts),
                                Cell::Bool(o.active),
                                Cell::DateTime(Some(o.updated_at)),
                            ]
                        })
                        .collect(),
                }
            }
            "usuarios" => {
                let mut f: UserFilter = filter(filter_json)?;
                let mut rows = Vec::new();
                for page in 0.. {
                    f.page = page;
                    f.page_size = PAGE as i64;
                    let got = self.list_users(token, f.clone()).await?;
                    let n = got.items.len();
                    rows.extend(got.items);
                    if n < PAGE as usize || rows.len() as i64 >= got.total {
                        break;
                    }
                }
                Table {
                    sheet: "Usuários",
                    columns: vec![
                        ("Nome", 30.0),
                        ("E-mail", 30.0),
                        ("Telefone", 16.0),
                        ("Perfil", 16.0),
                        ("Ativo", 8.0),
                        ("Bloqueado", 10.0),
                        ("Último acesso", 17.0),
                    ],
                    rows: rows
                        .into_iter()
                        .map(|u| {
                            vec![
                                text(u.full_name),
                                text(u.email),
                                opt(&u.phone),
                                text(u.role.label()),
                                Cell::Bool(u.active),
                                Cell::Bool(u.locked),
                                Cell::DateTime(u.last_login_at),
                            ]
                        })
                        .collect(),
                }
            }
            other => {
                return Err(Error::field(
                    "list",
                    format!(
                        "Lista desconhecida para exportar: {other:?}. Use processos, aprovacao, \
                         execucoes, clientes, operadoras ou usuarios."
                    ),
                ))
            }
        };
        let rows = table.rows.len();
        let bytes = match format {
            ExportFormat::Csv => to_csv(&table)?,
            ExportFormat::Xlsx => to_xlsx(&table)?,
        };
        let stamp = brasilia(self.clock.now()).format("%Y-%m-%d-%H%M");
        Ok(Export {
            file_name: format!("{list}-{stamp}.{}", format.ext()),
            bytes,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_is_kept_as_text() {
        let table = Table {
            sheet: "Clientes",
            columns: vec![
                ("Razão social", 30.0),
                ("Valor (R$)", 12.0),
                ("Vencimento", 12.0),
            ],
            rows: [
                "=HYPERLINK(\"http://x.example/\",\"Clique\")",
                "+55 11 99999-0000",
                "-2+3",
                "@SUM(A1:A9)",
                "\t=1+1",
                "\r=1+1",
                "Alvorada Ltda",
                "",
            ]
            .iter()
            .map(|name| {
                vec![
                    text(*name),
                    Cell::Money(Some(-123_456)),
                    Cell::Date(NaiveDate::from_ymd_opt(2026, 11, 30)),
                ]
            })
            .collect(),
        };
        let csv = String::from_utf8(to_csv(&table).unwrap()).unwrap();
        let names: Vec<String> = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        assert_eq!(
            names,
            [
                "'=HYPERLINK(\"http://x.example/\",\"Clique\")",
                "'+55 11 99999-0000",
                "'-2+3",
                "'@SUM(A1:A9)",
                "'\t=1+1",
                "'\r=1+1",
                "Alvorada Ltda",
                "",
            ]
        );
        // Amounts and dates are numbers to the spreadsheet, a negative amount included.
        assert!(csv.contains(";-1.234,56;30/11/2026\r\n"), "{csv}");
    }
}
