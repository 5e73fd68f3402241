//! Deciding what each spreadsheet row does against the operators and stored clients.

use super::sheet::{header_key, Column, SheetRow};
use crate::client::{Client, ClientInput, ClientKey, ValidClient};
use crate::document::{normalize_cnpj, normalize_cpf};
use crate::operator::{name_key, Operator};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A row that will create or change a client, or that matches a stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedRow {
    pub line: usize,
    pub hash: String,
    /// Serialised without the password (see `ValidClient`).
    pub valid: ValidClient,
    pub active: bool,
    pub operator_name: String,
    /// The stored client this row updates, and the version the plan saw: the store
    /// refuses the update if someone changed the client in between.
    pub existing_id: Option<Uuid>,
    pub existing_version: Option<i64>,
    /// `ClientInput` field names (and "active") that differ from the stored client.
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    pub line: usize,
    pub hash: String,
    /// pt-BR; several problems of one row are joined with "; ".
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub to_create: Vec<PlannedRow>,
    pub to_update: Vec<PlannedRow>,
    /// Lines of rows equal to their stored client.
    pub unchanged: Vec<usize>,
    /// Lines of rows identical to an earlier row of the file.
    pub skipped_duplicates: Vec<usize>,
    pub rejected: Vec<RejectedRow>,
}

/// Operators by `name_key` of their name and of their code; a name wins over another
/// operator's equal code, since the spreadsheet column is "OPERADORA" (the name).
fn operator_index(operators: &[Operator]) -> HashMap<String, &Operator> {
    let mut index = HashMap::new();
    for o in operators {
        index.entry(name_key(&o.name)).or_insert(o);
    }
    for o in operators {
        index.entry(name_key(&o.code)).or_insert(o);
    }
    index
}

fn match_operator<'a>(
    raw: &str,
    index: &HashMap<String, &'a Operator>,
) -> std::result::Result<&'a Operator, String> {
    if raw.is_empty() {
        return Err(format!(
            "campo obrigatório vazio: {}",
            Column::Operator.title()
        ));
    }
    match index.get(&name_key(raw)) {
        None => Err(format!("operadora desconhecida: {raw}")),
        Some(o) if !o.active => Err(format!("operadora inativa: {}", o.name)),
        Some(o) => Ok(o),
    }
}

/// STATUS "0" marks an inactive account in the spreadsheet; we also read the obvious
/// words for it. Anything else, blank included, is active.
fn parse_status(raw: &str) -> bool {
    !matches!(
        header_key(raw).as_str(),
        "0" | "INATIVO" | "INATIVA" | "NAO" | "N" | "FALSE"
    )
}

/// The cell when the file has the column, else the stored value (none for a new client).
fn cell_or(cell: &Option<String>, stored: Option<&Option<String>>) -> Option<String> {
    match cell {
        Some(v) => Some(v.clone()),
        None => stored.cloned().flatten(),
    }
}

fn to_input(row: &SheetRow, operator_id: Option<Uuid>, stored: Option<&Client>) -> ClientInput {
    let unit = stored.map(|c| Some(c.unit.clone()));
    let service = stored.map(|c| Some(c.service.clone()));
    ClientInput {
        hash: Some(row.hash.clone()),
        legal_name: row.legal_name.clone(),
        sat_name: cell_or(&row.sat_name, stored.map(|c| &c.sat_name)),
        cnpj: row.cnpj.clone(),
        operator_id,
        account_filter: cell_or(&row.account_filter, stored.map(|c| &c.account_filter)),
        service: cell_or(&row.service, service.as_ref()),
        sat_data: cell_or(&row.sat_data, stored.map(|c| &c.sat_data)),
        unit: cell_or(&row.unit, unit.as_ref()),
        sat_category: cell_or(&row.sat_category, stored.map(|c| &c.sat_category)),
        issue_site_url: cell_or(&row.issue_site_url, stored.map(|c| &c.issue_site_url)),
        portal_login: cell_or(&row.portal_login, stored.map(|c| &c.portal_login)),
        // Blank or absent keeps the stored password, as in the form.
        portal_password: row.portal_password.clone(),
        clear_portal_password: false,
        cpf: cell_or(&row.cpf, stored.map(|c| &c.cpf)),
        notes: cell_or(&row.notes, stored.map(|c| &c.notes)),
    }
}

/// A validation message worded for a spreadsheet row: the column as the file names it,
/// and the offending value for the documents, so a person can find it with Ctrl+F.
fn reason_for(row: &SheetRow, field: &str, message: &str) -> String {
    let Some(column) = Column::of_field(field) else {
        return message.to_string();
    };
    match column {
        Column::LegalName if row.legal_name.is_empty() => {
            format!("campo obrigatório vazio: {}", column.title())
        }
        Column::Cnpj if row.cnpj.is_empty() => {
            format!("campo obrigatório vazio: {}", column.title())
        }
        Column::Cnpj if normalize_cnpj(&row.cnpj).is_none() => {
            format!("CNPJ inválido ({}): deve ter 14 dígitos", row.cnpj)
        }
        Column::Cnpj => format!(
            "CNPJ inválido ({}): dígitos verificadores não conferem",
            row.cnpj
        ),
        Column::Cpf => {
            let raw = row.cpf.as_deref().unwrap_or_default();
            if normalize_cpf(raw).is_none() {
                format!("CPF inválido ({raw}): deve ter 11 dígitos")
            } else {
                format!("CPF inválido ({raw}): dígitos verificadores não conferem")
            }
        }
        _ => format!("{}: {message}", column.title()),
    }
}

/// Opts compare blank and missing as equal, so a stored `Some("")` (written by an older
/// version or by hand) does not show up as a change forever.
fn same_opt(a: &Option<String>, b: &Option<String>) -> bool {
    let norm = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    norm(a) == norm(b)
}

/// The fields where the row differs from the stored client. The password cannot be
/// compared (only its seal is stored): one in the row counts as a change only when the
/// client has none.
fn changed_fields(v: &ValidClient, active: bool, c: &Client) -> Vec<String> {
    let checks = [
        ("legal_name", v.legal_name != c.legal_name),
        ("sat_name", !same_opt(&v.sat_name, &c.sat_name)),
        ("cnpj", v.cnpj != c.cnpj),
        ("operator_id", v.operator_id != c.operator_id),
        (
            "account_filter",
            !same_opt(&v.account_filter, &c.account_filter),
        ),
        ("service", v.service != c.service.trim()),
        ("sat_data", !same_opt(&v.sat_data, &c.sat_data)),
        ("unit", v.unit != c.unit.trim()),
        ("sat_category", !same_opt(&v.sat_category, &c.sat_category)),
        (
            "issue_site_url",
            !same_opt(&v.issue_site_url, &c.issue_site_url),
        ),
        ("portal_login", !same_opt(&v.portal_login, &c.portal_login)),
        (
            "portal_password",
            v.portal_password.is_some() && !c.portal_password_set,
        ),
        ("cpf", !same_opt(&v.cpf, &c.cpf)),
        ("notes", !same_opt(&v.notes, &c.notes)),
        ("active", active != c.active),
    ];
    checks
        .into_iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Everything one row needs on its own: operator, validation, comparison with the stored
/// client of the same HASH. Rows that depend on other rows are `plan`'s business.
fn plan_row(
    row: &SheetRow,
    operators: &HashMap<String, &Operator>,
    existing: &HashMap<String, Client>,
) -> std::result::Result<PlannedRow, Vec<String>> {
    if row.extra_cells > 0 {
        // Every cell after the stray delimiter is in the wrong column: other messages
        // would only confuse.
        return Err(vec![
            "a linha tem mais colunas que o cabeçalho: algum campo tem vírgula ou ponto e \
             vírgula sem aspas"
                .to_string(),
        ]);
    }
    let mut reasons = Vec::new();
    if row.hash.is_empty() {
        reasons.push("HASH vazio".to_string());
    }
    let operator = match match_operator(&row.operator, operators) {
        Ok(o) => Some(o),
        Err(reason) => {
            reasons.push(reason);
            None
        }
    };
    let stored = existing.get(&row.hash);
    let input = to_input(row, operator.map(|o| o.id), stored);
    let valid = match input.validate() {
        Ok(v) => Some(v),
        Err(e) => {
            for f in &e.fields {
                // The operator problem is already worded above, with the name read.
                if f.field != "operator_id" || operator.is_some() {
                    reasons.push(reason_for(row, &f.field, &f.message));
                }
            }
            None
        }
    };
    let (Some(valid), Some(operator), true) = (valid, operator, reasons.is_empty()) else {
        return Err(reasons);
    };
    // A file without STATUS leaves the stored flag alone; a new client starts active.
    let active = match (&row.status, stored) {
        (Some(s), _) => parse_status(s),
        (None, Some(c)) => c.active,
        (None, None) => true,
    };
    Ok(PlannedRow {
        line: row.line,
        hash: row.hash.clone(),
        changed: stored.map_or_else(Vec::new, |c| changed_fields(&valid, active, c)),
        valid,
        active,
        operator_name: operator.name.clone(),
        existing_id: stored.map(|c| c.id),
        existing_version: stored.map(|c| c.version),
    })
}

/// Decides what each row does, without writing anything. `existing` holds the stored
/// clients by HASH (at least those whose HASH appears in the file).
///
/// In file order: a row identical to an earlier one is skipped; a row reusing an earlier
/// row's HASH with other content is rejected; a row is rejected when it fails validation
/// or names an unknown or inactive operator, or when an earlier accepted row of the file
/// has the same (CNPJ, operator, unit, service). Collisions with stored clients outside
/// the file are checked by the store when it applies the plan.
pub fn plan(
    rows: &[SheetRow],
    operators: &[Operator],
    existing: &HashMap<String, Client>,
) -> ImportPlan {
    let operators = operator_index(operators);
    let mut out = ImportPlan::default();
    let mut first_by_hash: HashMap<&str, &SheetRow> = HashMap::new();
    let mut accepted_keys: HashMap<ClientKey, (usize, String)> = HashMap::new();
    for row in rows {
        let reject = |reason: String| RejectedRow {
            line: row.line,
            hash: row.hash.clone(),
            reason,
        };
        if !row.hash.is_empty() {
            if let Some(first) = first_by_hash.get(row.hash.as_str()) {
                if first.same_content(row) {
                    out.skipped_duplicates.push(row.line);
                } else {
                    out.rejected.push(reject(format!(
                        "HASH repetido na planilha (linha {})",
                        first.line
                    )));
                }
                continue;
            }
            first_by_hash.insert(&row.hash, row);
        }
        let planned = match plan_row(row, &operators, existing) {
            Ok(p) => p,
            Err(reasons) => {
                out.rejected.push(reject(reasons.join("; ")));
                continue;
            }
        };
        if let Some((line, hash)) = accepted_keys.get(&planned.valid.key()) {
            out.rejected.push(reject(format!(
                "mesmo CNPJ, operadora, unidade e serviço da linha {line} (HASH {hash})"
            )));
            continue;
        }
        accepted_keys.insert(planned.valid.key(), (row.line, row.hash.clone()));
        match (planned.existing_id, planned.changed.is_empty()) {
            (None, _) => out.to_create.push(planned),
            (Some(_), true) => out.unchanged.push(row.line),
            (Some(_), false) => out.to_update.push(planned),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse;
    use chrono::{DateTime, Utc};

    fn operator(name: &str, active: bool) -> Operator {
        Operator {
            id: Uuid::new_v4(),
            name: name.to_string(),
            code: name.to_uppercase(),
            has_rpa: true,
            rpa_outsourced: false,
            rpa_endpoint_url: None,
            portal_url: None,
            access_instructions: None,
            timeout_secs: 300,
            max_attempts: 3,
            active,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    const HEADER: &str = "HASH,RAZÃO SOCIAL,CNPJ,OPERADORA,UNIDADE / FILTRO SAT,SERVIÇO,SENHA";

    fn csv(lines: &[&str]) -> Vec<u8> {
        let mut text = String::from(HEADER);
        for l in lines {
            text.push('\n');
            text.push_str(l);
        }
        text.into_bytes()
    }

    fn plan_of(lines: &[&str], operators: &[Operator]) -> ImportPlan {
        plan(&parse(&csv(lines)).unwrap(), operators, &HashMap::new())
    }

    #[test]
    fn unquoted_delimiter_shifts_are_rejected() {
        let ops = [operator("VIVO", true)];
        let p = plan_of(&["h1,ACME, FILIAL,13878375000109,VIVO,,,senha"], &ops);
        assert_eq!(p.rejected.len(), 1);
        assert!(p.rejected[0].reason.contains("mais colunas"));
    }

    #[test]
    fn blank_lines_are_skipped() {
        let ops = [operator("VIVO", true)];
        let p = plan_of(&["", "h1,ACME,13878375000109,VIVO,,,", ",,,,,,", ""], &ops);
        assert_eq!(p.summary().rows, 1);
        assert_eq!(p.to_create.len(), 1);
    }

    #[test]
    fn operators_match_by_name_or_code_and_inactive_ones_refuse() {
        let mut embratel = operator("Embratel Empresas", true);
        embratel.code = "EMBRATEL".into();
        let ops = [embratel, operator("OI", false)];
        let p = plan_of(
            &[
                "h1,ACME,13878375000109,  embratel ,,,",
                "h2,ACME,10141561000164,embratel   empresas,,,",
                "h3,ACME,76426565000105,Oi,,,",
                "h4,ACME,05617483000191,,,,",
            ],
            &ops,
        );
        assert_eq!(p.to_create.len(), 2);
        assert_eq!(p.to_create[0].operator_name, "Embratel Empresas");
        assert_eq!(p.rejected[0].reason, "operadora inativa: OI");
        assert_eq!(p.rejected[1].reason, "campo obrigatório vazio: OPERADORA");
    }

    #[test]
    fn hash_rules() {
        let ops = [operator("VIVO", true)];
        let p = plan_of(
            &[
                "h1,ACME,13878375000109,VIVO,,,",
                "h1,ACME,13878375000109,VIVO,,,",
                "h1,OUTRA,10141561000164,VIVO,,,",
                ",ACME,76426565000105,VIVO,,,",
            ],
            &ops,
        );
        assert_eq!(p.skipped_duplicates, vec![3]);
        assert_eq!(p.rejected[0].line, 4);
        assert_eq!(p.rejected[0].reason, "HASH repetido na planilha (linha 2)");
        assert_eq!(p.rejected[1].reason, "HASH vazio");
    }

    #[test]
    fn same_account_twice_in_the_file_rejects_the_second() {
        let ops = [operator("VIVO", true)];
        let p = plan_of(
            &[
                "h1,ACME,13878375000109,VIVO,Cuiabá-MT,Link Dedicado,",
                "h2,ACME,13.878.375/0001-09,vivo,cuiabá-mt ,link  dedicado,",
                "h3,ACME,13878375000109,VIVO,Cuiabá-MT,Internet,",
            ],
            &ops,
        );
        assert_eq!(p.to_create.len(), 2);
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(
            p.rejected[0].reason,
            "mesmo CNPJ, operadora, unidade e serviço da linha 2 (HASH h1)"
        );
    }

    #[test]
    fn several_problems_of_one_row_are_listed_together() {
        let ops = [operator("VIVO", true)];
        let p = plan_of(&["h1,,123,Claro,,,"], &ops);
        assert_eq!(
            p.rejected[0].reason,
            "operadora desconhecida: Claro; campo obrigatório vazio: RAZÃO SOCIAL; \
             CNPJ inválido (123): deve ter 14 dígitos"
        );
    }

    #[test]
    fn status_zero_is_inactive() {
        assert!(!parse_status("0"));
        assert!(!parse_status(" Inativo "));
        assert!(!parse_status("NÃO"));
        assert!(parse_status(""));
        assert!(parse_status("1"));
        assert!(parse_status("SIM"));
    }

    #[test]
    fn preview_and_debug_never_carry_the_password() {
        let ops = [operator("VIVO", true)];
        let p = plan_of(&["h1,ACME,13878375000109,VIVO,,,segredo-do-portal"], &ops);
        assert_eq!(
            p.to_create[0].valid.portal_password.as_deref(),
            Some("segredo-do-portal")
        );
        let texts = [
            serde_json::to_string(&p).unwrap(),
            serde_json::to_string(&p.preview()).unwrap(),
            format!("{p:?}"),
            format!(
                "{:?}",
                parse(&csv(&["h1,ACME,1,VIVO,,,segredo-do-portal"])).unwrap()
            ),
        ];
        for t in texts {
            assert!(!t.contains("segredo"), "{t}");
        }
        assert_eq!(p.preview().create[0].cnpj, "13.878.375/0001-09");
    }
}
