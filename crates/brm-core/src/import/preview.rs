//! What the window shows before an import is applied: counts and rows, never passwords.

use super::planner::{ImportPlan, PlannedRow, RejectedRow};
use crate::client::field_label;
use crate::document::format_cnpj;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub duplicates: usize,
    pub rejected: usize,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} linhas: {} a criar, {} a alterar, {} sem mudança, {} repetidas ignoradas, {} recusadas.",
            self.rows, self.create, self.update, self.unchanged, self.duplicates, self.rejected
        )
    }
}

/// One row as the preview window shows it: enough to recognise the client, never the
/// password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub hash: String,
    pub legal_name: String,
    /// With punctuation: "13.878.375/0001-09".
    pub cnpj: String,
    pub operator_name: String,
    pub unit: String,
    pub service: String,
    pub active: bool,
    pub changed: Vec<String>,
    /// The same fields as the window labels them, in pt-BR.
    pub changed_labels: Vec<String>,
}

impl From<&PlannedRow> for PreviewRow {
    fn from(p: &PlannedRow) -> Self {
        Self {
            line: p.line,
            hash: p.hash.clone(),
            legal_name: p.valid.legal_name.clone(),
            cnpj: format_cnpj(&p.valid.cnpj),
            operator_name: p.operator_name.clone(),
            unit: p.valid.unit.clone(),
            service: p.valid.service.clone(),
            active: p.active,
            changed: p.changed.clone(),
            changed_labels: p.changed.iter().map(|f| field_label(f).into()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportPreview {
    pub summary: ImportSummary,
    /// The summary as one pt-BR sentence.
    pub message: String,
    pub create: Vec<PreviewRow>,
    pub update: Vec<PreviewRow>,
    pub unchanged_count: usize,
    pub duplicate_lines: Vec<usize>,
    pub rejected: Vec<RejectedRow>,
}

impl ImportPlan {
    pub fn summary(&self) -> ImportSummary {
        let mut s = ImportSummary {
            rows: 0,
            create: self.to_create.len(),
            update: self.to_update.len(),
            unchanged: self.unchanged.len(),
            duplicates: self.skipped_duplicates.len(),
            rejected: self.rejected.len(),
        };
        s.rows = s.create + s.update + s.unchanged + s.duplicates + s.rejected;
        s
    }

    pub fn preview(&self) -> ImportPreview {
        let summary = self.summary();
        ImportPreview {
            summary,
            message: summary.to_string(),
            create: self.to_create.iter().map(PreviewRow::from).collect(),
            update: self.to_update.iter().map(PreviewRow::from).collect(),
            unchanged_count: self.unchanged.len(),
            duplicate_lines: self.skipped_duplicates.clone(),
            rejected: self.rejected.clone(),
        }
    }
}
