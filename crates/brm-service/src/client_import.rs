//! The client spreadsheet import in two steps: a preview that writes nothing, kept in
//! memory under an id, and a commit that applies exactly that preview in one transaction.

use crate::clients::{actor, apply, blank_client, ENTITY};
use crate::Desk;
use base64::Engine;
use brm_core::audit::{action, diff, AuditEvent};
use brm_core::client::Client;
use brm_core::import::{self, ImportPlan, ImportPreview, PlannedRow};
use brm_core::operator::{Operator, OperatorFilter};
use brm_core::{Error, ErrorCode, Result, Role};
use brm_store::{ClientWrite, ImportWrite, PasswordWrite};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// A spreadsheet of 100,000 rows is about 30 MB; anything larger is not a client list.
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;
/// A preview left on screen longer than this is stale: the person previews again.
const PREVIEW_TTL_MINUTES: i64 = 30;

pub(crate) struct PendingImport {
    user_id: Uuid,
    file_name: String,
    plan: ImportPlan,
    made_at: DateTime<Utc>,
}

#[derive(Clone, Default)]
pub(crate) struct PendingImports(Arc<Mutex<HashMap<Uuid, PendingImport>>>);

#[derive(Debug, Clone, Serialize)]
pub struct ImportPreviewOut {
    pub import_id: Uuid,
    pub file_name: String,
    /// How the file was read, as the preview names it: "UTF-8", "Windows-1252 (CSV do
    /// Excel)", "UTF-16 (Texto Unicode do Excel)".
    pub encoding: &'static str,
    #[serde(flatten)]
    pub preview: ImportPreview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped_duplicates: usize,
    pub rejected: usize,
}

fn preview_gone() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Esta prévia não está mais disponível (expirou ou já foi importada). Escolha o arquivo de novo.",
    )
}

impl Desk {
    pub async fn preview_client_import(
        &self,
        token: &str,
        file_name: &str,
        content_base64: &str,
    ) -> Result<ImportPreviewOut> {
        let session = self.require(token, Role::can_edit_clients, "importar clientes")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content_base64.trim())
            .map_err(|_| {
                Error::new(
                    ErrorCode::Validation,
                    "Não foi possível ler o arquivo enviado. Escolha o arquivo de novo.",
                )
            })?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(Error::new(
                ErrorCode::Validation,
                format!(
                    "O arquivo tem {} MB; o limite é {} MB.",
                    bytes.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            ));
        }
        let sheet = import::read(&bytes)?;
        let operators = self.all_operators().await?;
        let existing: HashMap<String, Client> = self
            .store
            .clients_with_hash()
            .await?
            .into_iter()
            .filter_map(|c| c.hash.clone().map(|h| (h, c)))
            .collect();
        let plan = import::plan(&sheet.rows, &operators, &existing);
        let preview = plan.preview();
        let import_id = Uuid::new_v4();
        let now = self.clock.now();
        let mut pending = self.imports.0.lock().expect("imports lock");
        pending.retain(|_, p| now - p.made_at < Duration::minutes(PREVIEW_TTL_MINUTES));
        pending.insert(
            import_id,
            PendingImport {
                user_id: session.user_id(),
                file_name: file_name.to_string(),
                plan,
                made_at: now,
            },
        );
        Ok(ImportPreviewOut {
            import_id,
            file_name: file_name.to_string(),
            encoding: sheet.encoding.label(),
            preview,
        })
    }

    pub async fn commit_client_import(&self, token: &str, import_id: Uuid) -> Result<ImportResult> {
        let session = self.require(token, Role::can_edit_clients, "importar clientes")?;
        self.ensure_writable()?;
        let now = self.clock.now();
        let pending = {
            let mut map = self.imports.0.lock().expect("imports lock");
            match map.get(&import_id) {
                Some(p)
                    if p.user_id == session.user_id()
                        && now - p.made_at < Duration::minutes(PREVIEW_TTL_MINUTES) => {}
                _ => return Err(preview_gone()),
            }
            map.remove(&import_id).expect("checked above")
        };
        let plan = &pending.plan;
        let stored: HashMap<Uuid, Client> = self
            .store
            .clients_with_hash()
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut writes = Vec::with_capacity(plan.to_create.len() + plan.to_update.len());
        for row in &plan.to_create {
            let mut c = blank_client(Uuid::new_v4(), row.valid.operator_id, now);
            apply(&mut c, &row.valid);
            c.hash = Some(row.hash.clone());
            c.active = row.active;
            writes.push(self.import_write(&session, row, None, c, now).await?);
        }
        for row in &plan.to_update {
            let id = row.existing_id.ok_or_else(preview_gone)?;
            // The store re-checks the version; a client removed since the preview is the
            // same story told earlier.
            let current = stored.get(&id).ok_or_else(|| {
                Error::new(
                    ErrorCode::Conflict,
                    format!("Linha {}: o cliente não existe mais. Nada foi importado; gere a prévia de novo.", row.line),
                )
            })?;
            let mut c = current.clone();
            apply(&mut c, &row.valid);
            c.hash = Some(row.hash.clone());
            c.active = row.active;
            c.version = row.existing_version.unwrap_or(current.version) + 1;
            c.updated_at = now;
            writes.push(
                self.import_write(&session, row, Some(current), c, now)
                    .await?,
            );
        }
        let result = ImportResult {
            created: plan.to_create.len(),
            updated: plan.to_update.len(),
            unchanged: plan.unchanged.len(),
            skipped_duplicates: plan.skipped_duplicates.len(),
            rejected: plan.rejected.len(),
        };
        let summary = AuditEvent::new(now, actor(&session), "IMPORTAR_CLIENTES", ENTITY)
            .change(
                None,
                Some(serde_json::to_value(result).map_err(Error::internal)?),
            )
            .detail(format!("arquivo {}", pending.file_name));
        self.observe(self.store.import_clients(&writes, &summary).await)?;
        Ok(result)
    }

    async fn import_write(
        &self,
        session: &crate::sessions::Session,
        row: &PlannedRow,
        current: Option<&Client>,
        mut client: Client,
        now: DateTime<Utc>,
    ) -> Result<ImportWrite> {
        let password = self.password_write(client.id, &row.valid).await?;
        if matches!(password, PasswordWrite::Set(_)) {
            client.portal_password_set = true;
        }
        let audit = match current {
            None => AuditEvent::new(now, actor(session), action::CRIAR, ENTITY)
                .on(client.id)
                .change(None, Some(client.audit_view())),
            Some(before) => {
                let (b, a) = diff(&before.audit_view(), &client.audit_view());
                AuditEvent::new(now, actor(session), action::ALTERAR, ENTITY)
                    .on(client.id)
                    .change(Some(b), Some(a))
            }
        }
        .detail(format!("importação, linha {}", row.line));
        Ok(ImportWrite {
            line: row.line,
            expected_version: row.existing_version,
            write: ClientWrite { client, password },
            audit,
        })
    }

    /// Every operator, page by page (there are tens, not thousands).
    pub(crate) async fn all_operators(&self) -> Result<Vec<Operator>> {
        let mut out = Vec::new();
        let mut page = 0;
        loop {
            let p = self
                .store
                .list_operators(&OperatorFilter {
                    page,
                    page_size: 200,
                    ..Default::default()
                })
                .await?;
            let n = p.items.len();
            out.extend(p.items);
            if n == 0 || out.len() as i64 >= p.total {
                return Ok(out);
            }
            page += 1;
        }
    }
}
