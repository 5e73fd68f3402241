//! Moving in from the old Flask system (issue 7): a preview that reads the old database
//! and writes nothing here, kept in memory under an id, and a commit that writes exactly
//! that preview in one transaction. Administrators only.
//!
//! Old portal passwords are sealed on the way in (as the spreadsheet import does); the
//! old robot token goes to the keyring entry `robo-token` and its address to the setting
//! `robo.url`. Old users keep their password hash, marked as legacy, until their first
//! login replaces it with argon2id (see `auth.rs`).

use crate::clients::actor;
use crate::settings::ALTERAR_CONFIGURACAO;
use crate::Desk;
use brm_core::audit::AuditEvent;
use brm_core::operator::is_http_url;
use brm_core::process::cents_to_string;
use brm_core::user::UserView;
use brm_core::{Error, ErrorCode, Result, Role};
use brm_legacy::plan::{RobotLine, TokenCandidate};
use brm_legacy::{Plan, Planner, Report};
use brm_secrets::{KeyStore, SecretAction, ROBOT_TOKEN};
use brm_store::legacy::{LegacyBatch, LegacyProbe};
use brm_store::{ClientWrite, PasswordWrite};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The source types the window sends, for the command layer.
pub use brm_legacy::{LegacySource, SourceKind};

/// The audit action of every row the import creates, and of its summary.
pub const IMPORTAR_SISTEMA_ANTIGO: &str = "IMPORTAR_SISTEMA_ANTIGO";
/// The setting the robot client reads its address from (see brm-worker).
pub const SETTING_ROBOT_URL: &str = "robo.url";
const PREVIEW_TTL_MINUTES: i64 = 30;

pub(crate) struct PendingLegacy {
    user_id: Uuid,
    source: String,
    plan: Plan,
    robot_url: Option<String>,
    robot_token: Option<String>,
    made_at: DateTime<Utc>,
}

#[derive(Clone, Default)]
pub(crate) struct PendingLegacyImports(Arc<Mutex<HashMap<Uuid, PendingLegacy>>>);

#[derive(Debug, Clone, Serialize)]
pub struct LegacyPreviewOut {
    pub preview_id: Uuid,
    /// The source as a person reads it (no password).
    pub source: String,
    /// False when everything is already here: committing would change nothing.
    pub has_changes: bool,
    #[serde(flatten)]
    pub report: Report,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LegacyImportResult {
    pub operators: usize,
    pub users: usize,
    pub clients: usize,
    pub processes: usize,
    pub executions: usize,
    pub schedules: usize,
    pub rejected: usize,
    pub robot_url_saved: bool,
    pub robot_token_saved: bool,
}

fn admin_only(role: Role) -> bool {
    role == Role::Administrador
}

fn preview_gone() -> Error {
    Error::new(
        ErrorCode::NotFound,
        "Esta prévia não está mais disponível (expirou ou já foi importada). Gere a prévia de novo.",
    )
}

impl Desk {
    /// Reads the old system and says what the import would do. Writes nothing.
    pub async fn legacy_import_preview(
        &self,
        token: &str,
        source: LegacySource,
    ) -> Result<LegacyPreviewOut> {
        let session = self.require(token, admin_only, "importar dados do sistema antigo")?;
        let snapshot = brm_legacy::source::read(&source).await?;
        let now = self.clock.now();
        let base = self.store.legacy_keys(&LegacyProbe::default()).await?;
        let planner = Planner::new(&snapshot, &base, now);
        let keys = self.store.legacy_keys(&planner.probe()).await?;
        let mut plan = planner.finish(&keys);

        // The address comes from the old .env; the token by the old system's priority
        // (an administrator's in users, else the .env's). Lines first, then the planner's
        // lines of what is not imported.
        let mut robot_lines = Vec::new();
        let mut robot_url = None;
        if let Some(env) = &snapshot.env {
            let (line, url) = self.plan_robot_url(env.robot_url.as_deref()).await?;
            robot_lines.push(line);
            robot_url = url;
        }
        let (line, robot_token) = self
            .plan_robot_token(plan.robot_token.clone(), snapshot.env.is_some())
            .await;
        robot_lines.extend(line);
        robot_lines.append(&mut plan.report.robot);
        plan.report.robot = robot_lines;

        let preview_id = Uuid::new_v4();
        let out = LegacyPreviewOut {
            preview_id,
            source: source.describe(),
            has_changes: plan.report.creates_anything(),
            report: plan.report.clone(),
        };
        let mut pending = self.legacy_imports.0.lock().expect("legacy imports lock");
        pending.retain(|_, p| now - p.made_at < Duration::minutes(PREVIEW_TTL_MINUTES));
        pending.insert(
            preview_id,
            PendingLegacy {
                user_id: session.user_id(),
                source: out.source.clone(),
                plan,
                robot_url,
                robot_token,
                made_at: now,
            },
        );
        Ok(out)
    }

    async fn plan_robot_url(&self, old: Option<&str>) -> Result<(RobotLine, Option<String>)> {
        let what = "Endereço do robô (API_EXTERNA_URL → robo.url)";
        let Some(url) = old.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok((
                line(what, "ausente", "O .env antigo não tem API_EXTERNA_URL."),
                None,
            ));
        };
        if !is_http_url(url) {
            return Ok((
                line(
                    what,
                    "rejeitado",
                    format!("Endereço inválido: \"{url}\" (esperado http:// ou https://)."),
                ),
                None,
            ));
        }
        let current = self
            .store
            .get_setting(SETTING_ROBOT_URL)
            .await?
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|u| !u.trim().is_empty());
        Ok(match current {
            None => (line(what, "criar", url.to_string()), Some(url.to_string())),
            Some(c) if c == url => (line(what, "igual", url.to_string()), None),
            Some(c) => (
                line(
                    what,
                    "manter",
                    format!("Já configurado como {c}; fica como está."),
                ),
                None,
            ),
        })
    }

    /// Never says the token, only what happens to it and where it was found.
    async fn plan_robot_token(
        &self,
        old: Option<TokenCandidate>,
        env_read: bool,
    ) -> (Option<RobotLine>, Option<String>) {
        let what = "Token do robô (→ chaveiro, robo-token)";
        let Some(old) = old else {
            return (
                env_read.then(|| {
                    line(
                        what,
                        "ausente",
                        "Nem o .env antigo (API_EXTERNA_TOKEN) nem os administradores da tabela users têm um token.",
                    )
                }),
                None,
            );
        };
        let from = format!("Encontrado em {}", old.source);
        let keys = self.secrets.store().clone();
        let current = tokio::task::spawn_blocking(move || keys.get(ROBOT_TOKEN)).await;
        let (line, token) = match current {
            Ok(Ok(None)) => (
                line(
                    what,
                    "criar",
                    format!("{from}; será guardado no chaveiro do sistema."),
                ),
                Some(old.value),
            ),
            Ok(Ok(Some(c))) if c == old.value => (
                line(
                    what,
                    "igual",
                    format!("{from}; o chaveiro já tem este token."),
                ),
                None,
            ),
            Ok(Ok(Some(_))) => (
                line(
                    what,
                    "manter",
                    format!("{from}; o chaveiro já tem outro token, que fica como está."),
                ),
                None,
            ),
            Ok(Err(e)) => (
                line(what, "rejeitado", e.into_error(SecretAction::Read).message),
                None,
            ),
            Err(_) => (
                line(what, "rejeitado", "Não foi possível ler o chaveiro."),
                None,
            ),
        };
        (Some(line), token)
    }

    /// Writes the preview `preview_id` in one transaction (the token to the keyring just
    /// before, and put back as it was if the transaction fails).
    pub async fn legacy_import_commit(
        &self,
        token: &str,
        preview_id: Uuid,
    ) -> Result<LegacyImportResult> {
        let session = self.require(token, admin_only, "importar dados do sistema antigo")?;
        self.ensure_writable()?;
        let now = self.clock.now();
        let pending = {
            let mut map = self.legacy_imports.0.lock().expect("legacy imports lock");
            match map.get(&preview_id) {
                Some(p)
                    if p.user_id == session.user_id()
                        && now - p.made_at < Duration::minutes(PREVIEW_TTL_MINUTES) => {}
                _ => return Err(preview_gone()),
            }
            map.remove(&preview_id).expect("checked above")
        };
        let plan = &pending.plan;
        let who = actor(&session);
        let event = |entity: &str, id: Uuid, view: serde_json::Value| {
            AuditEvent::new(now, who.clone(), IMPORTAR_SISTEMA_ANTIGO, entity)
                .on(id)
                .change(None, Some(view))
                .detail("importado do sistema antigo")
        };

        let mut batch = LegacyBatch {
            at: now,
            by: Some(session.user_id()),
            ..Default::default()
        };
        for op in &plan.operators {
            batch
                .audits
                .push(event("operadora", op.id, op.audit_view()));
            batch.operators.push(op.clone());
        }
        for u in &plan.users {
            let view = serde_json::to_value(UserView::from(u)).map_err(Error::internal)?;
            batch.audits.push(event("usuario", u.id, view));
            batch.users.push(u.clone());
        }
        for nc in &plan.clients {
            let password = match &nc.portal_password {
                Some(plain) => {
                    PasswordWrite::Set(self.seal_for_client(nc.client.id, plain.clone()).await?)
                }
                None => PasswordWrite::Keep,
            };
            batch
                .audits
                .push(event("cliente", nc.client.id, nc.client.audit_view()));
            batch.clients.push(ClientWrite {
                client: nc.client.clone(),
                password,
            });
        }
        for (p, old_status) in &plan.processes {
            let view = json!({
                "client_id": p.client_id,
                "reference_month": p.reference_month,
                "status": p.status.as_str(),
                "status_antigo": old_status,
                "needs_attention": p.needs_attention,
                "amount": p.amount_cents.map(cents_to_string),
                "due_date": p.due_date,
                "approved_by": p.approved_by,
                "approved_at": p.approved_at,
                "sent_at": p.sent_at,
            });
            batch.audits.push(event("processo", p.id, view));
            batch.processes.push(p.clone());
        }
        batch.executions = plan.executions.clone();
        for sch in &plan.schedules {
            let view = json!({
                "name": sch.name,
                "cron": sch.cron,
                "kind": sch.kind.as_str(),
                "operator_id": sch.operator_id,
                "active": sch.active,
            });
            batch.audits.push(event("agendamento", sch.id, view));
            batch.schedules.push(sch.clone());
        }
        if let Some(url) = &pending.robot_url {
            batch
                .settings
                .push((SETTING_ROBOT_URL.to_string(), json!(url)));
            batch.audits.push(
                AuditEvent::new(now, who.clone(), ALTERAR_CONFIGURACAO, "configuracao")
                    .change(None, Some(json!({ SETTING_ROBOT_URL: url })))
                    .detail("robo.url importado do sistema antigo"),
            );
        }
        let result = LegacyImportResult {
            operators: plan.operators.len(),
            users: plan.users.len(),
            clients: plan.clients.len(),
            processes: plan.processes.len(),
            executions: plan.executions.len(),
            schedules: plan.schedules.len(),
            rejected: plan.report.rejected.len(),
            robot_url_saved: pending.robot_url.is_some(),
            robot_token_saved: pending.robot_token.is_some(),
        };
        if batch.is_empty() && pending.robot_token.is_none() {
            // Everything is already here: a second run writes nothing, not even a summary.
            return Ok(result);
        }
        if pending.robot_token.is_some() {
            batch.audits.push(
                AuditEvent::new(now, who.clone(), ALTERAR_CONFIGURACAO, "configuracao")
                    .detail("token do robô importado do sistema antigo para o chaveiro"),
            );
        }
        batch.audits.push(
            AuditEvent::new(now, who, IMPORTAR_SISTEMA_ANTIGO, "importacao")
                .change(
                    None,
                    Some(serde_json::to_value(&result).map_err(Error::internal)?),
                )
                .detail(format!("origem: {}", pending.source)),
        );

        let keys = self.secrets.store().clone();
        let previous_token = match &pending.robot_token {
            Some(t) => Some(swap_token(keys.clone(), Some(t.clone())).await?),
            None => None,
        };
        if let Err(e) = self.observe(self.store.import_legacy(&batch).await) {
            if let Some(previous) = previous_token {
                if let Err(undo) = swap_token(keys, previous).await {
                    tracing::error!(error = %undo.message, "robot token not restored after a failed legacy import");
                }
            }
            return Err(e.into());
        }
        tracing::info!(
            operators = result.operators,
            users = result.users,
            clients = result.clients,
            processes = result.processes,
            executions = result.executions,
            "legacy import committed"
        );
        Ok(result)
    }
}

fn line(what: &'static str, action: &'static str, detail: impl Into<String>) -> RobotLine {
    RobotLine {
        what,
        action,
        detail: detail.into(),
    }
}

/// Puts `value` (or nothing) under `robo-token`; returns what was there.
async fn swap_token(keys: Arc<dyn KeyStore>, value: Option<String>) -> Result<Option<String>> {
    tokio::task::spawn_blocking(move || {
        let before = keys
            .get(ROBOT_TOKEN)
            .map_err(|e| e.into_error(SecretAction::Read))?;
        match value {
            Some(v) => keys.set(ROBOT_TOKEN, &v),
            None => keys.delete(ROBOT_TOKEN),
        }
        .map_err(|e| e.into_error(SecretAction::Save))?;
        Ok(before)
    })
    .await
    .map_err(Error::internal)?
}
