//! The approval desk: the queue of invoices waiting for approval with their checks, the
//! invoice file and the client's history for the preview, values typed by a person, and
//! the decisions (approve, with four eyes when a check failed; reject with a coded
//! reason; bulk approve of invoices that passed everything). Every decision goes through
//! the same version-checked write as the rest of the processes.

use crate::approval_checks::{
    by_client, months_before, ApprovalSettings, HISTORY_MONTHS, SETTING_DUE_SOON_DAYS,
    SETTING_FOUR_EYES, SETTING_TOLERANCE_PCT,
};
use crate::clients::actor;
use crate::processes::{not_found, reason_of, REASON_MAX_CHARS, REASON_MIN_CHARS};
use crate::sessions::Session;
use crate::Desk;
use brm_core::approval::{all_passed, Check, Outcome};
use brm_core::audit::{diff, AuditEvent};
use brm_core::process::{
    cents_to_string, Month, Process, ProcessRow, ProcessStatus, Transition, ValueSource,
};
use brm_core::{Error, ErrorCode, FieldError, Result, Role};
use brm_store::{HistoryEntry, QueueQuery, QueueSort};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// At most this many invoices in the queue.
pub const QUEUE_CAP: i64 = 2_000;
/// At most this many invoices in one bulk approval.
pub const BULK_MAX: usize = 500;
/// Notes of an approval.
pub const NOTES_MAX_CHARS: usize = 1000;
/// R$ 999.999.999,99.
pub const MAX_TYPED_CENTS: i64 = 99_999_999_999;

/// Audit actions of the desk (besides the transitions' own).
pub const FIRST_APPROVAL: &str = "PRIMEIRA_APROVACAO";
pub const VALUES_TYPED: &str = "VALORES_DIGITADOS";
const UNREADABLE_NO_STORAGE: &str = "O armazenamento de faturas não está aberto neste \
     computador, então a fatura não pode ser conferida nem aprovada aqui. Confira as chaves \
     do armazenamento em Configurações → Armazenamento das faturas.";
const NO_AMOUNT: &str = "O valor desta fatura não foi lido: digite o valor antes de aprovar.";
pub const APPROVAL_SETTINGS: &str = "CONFIGURACAO_APROVACAO";

pub const OWN_UPLOAD: &str = "Você enviou esta fatura manualmente; outra pessoa precisa aprová-la.";

/// Added to the audit event's detail of an approval given from a desktop notification.
pub const NOTIFICATION_ORIGIN: &str = "Origem: notificação da área de trabalho.";

/// Where an approval comes from: what it refuses beyond the rules every approval keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The approval desk or the process detail, one invoice at a time.
    Window,
    /// "Aprovar selecionadas": refuses what a person must look at (a check not passed).
    Bulk,
    /// "Aprovar" on a desktop notification: refuses what a person must look at (a check
    /// not passed, four eyes), and says so in the audit trail.
    Notification,
}

/// Why an invoice cannot be approved from a notification (pt-BR).
fn look_in_window(checks: &[Check], four_eyes: bool) -> String {
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !matches!(c.outcome, Outcome::Ok | Outcome::Atencao))
        .map(|c| format!("{}: {}", c.kind.label(), c.reason))
        .collect();
    let mut message = if failed.is_empty() {
        "Esta fatura precisa ser conferida na janela: nem todas as verificações passaram."
            .to_string()
    } else {
        format!(
            "Esta fatura precisa ser conferida na janela: {}",
            failed.join(" ")
        )
    };
    if four_eyes {
        message.push_str(" Com quatro olhos ligado, ela precisa de duas aprovações.");
    }
    message
}

fn second_approver(first_name: &str) -> String {
    format!("Esta fatura precisa de um segundo aprovador, diferente de {first_name}.")
}

/// The fixed list of rejection reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RejectionReason {
    pub code: &'static str,
    pub label: &'static str,
    /// Free text is required (at least 5 characters) with this code.
    pub text_required: bool,
}

pub const REJECTION_REASONS: [RejectionReason; 6] = [
    RejectionReason {
        code: "VALOR_DIVERGENTE",
        label: "Valor diferente do esperado",
        text_required: false,
    },
    RejectionReason {
        code: "FATURA_DE_OUTRA_CONTA",
        label: "Fatura de outra conta ou cliente",
        text_required: false,
    },
    RejectionReason {
        code: "ARQUIVO_ILEGIVEL",
        label: "Arquivo ilegível ou incompleto",
        text_required: false,
    },
    RejectionReason {
        code: "FATURA_DUPLICADA",
        label: "Fatura duplicada",
        text_required: false,
    },
    RejectionReason {
        code: "VENCIMENTO_INCORRETO",
        label: "Vencimento incorreto",
        text_required: false,
    },
    RejectionReason {
        code: "OUTRO",
        label: "Outro motivo",
        text_required: true,
    },
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApprovalQueueFilter {
    pub month: Option<String>,
    pub operator_id: Option<Uuid>,
    pub search: Option<String>,
    /// "vencimento" (default), "valor", "operadora" or "cliente".
    pub sort: Option<String>,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirstApproval {
    pub by_id: Uuid,
    pub by_name: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    #[serde(flatten)]
    pub row: ProcessRow,
    pub amount_cents: Option<i64>,
    pub amount_source: Option<ValueSource>,
    pub due_date_source: Option<ValueSource>,
    pub manual_upload: bool,
    pub uploaded_by_name: Option<String>,
    pub checks: Vec<Check>,
    pub all_passed: bool,
    pub four_eyes_required: bool,
    pub first_approval: Option<FirstApproval>,
    pub blocked_reason: Option<String>,
    pub can_bulk_approve: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalQueue {
    pub items: Vec<QueueItem>,
    /// How many invoices wait (with the filter), even beyond the cap.
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalResult {
    pub process: ProcessRow,
    /// True when this was the first of two approvals (the status did not change).
    pub first_approval_only: bool,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct BulkItem {
    pub id: Uuid,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub id: Uuid,
    pub client_name: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BulkResult {
    pub approved: Vec<ProcessRow>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPoint {
    pub process_id: Uuid,
    pub reference_month: String,
    pub amount_cents: Option<i64>,
    /// "1234.56", as everywhere else.
    pub amount: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: ProcessStatus,
}

/// One waiting invoice as one session sees it: its checks and what the session may do.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub checks: Vec<Check>,
    pub passed: bool,
    pub gate: Gate,
}

impl Verdict {
    /// Approvable without a look at it (bulk approval, a notification's "Aprovar"):
    /// every check passed, four eyes not required, nothing blocks this session.
    pub fn can_bulk_approve(&self) -> bool {
        self.passed && !self.gate.four_eyes_required && self.gate.blocked_reason.is_none()
    }
}

/// What one session may do with one invoice waiting for approval.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    pub four_eyes_required: bool,
    pub first_approval: Option<FirstApproval>,
    pub uploaded_by_name: Option<String>,
    pub blocked_reason: Option<String>,
}

fn name_of(names: &HashMap<Uuid, String>, id: Uuid) -> String {
    names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| "outro usuário".to_string())
}

/// The same rules the approval enforces, as the window shows them.
pub(crate) fn gate(
    session: &Session,
    p: &Process,
    passed: bool,
    settings: &ApprovalSettings,
    names: &HashMap<Uuid, String>,
) -> Gate {
    let four_eyes_required =
        p.status == ProcessStatus::AguardandoAprovacao && settings.four_eyes && !passed;
    let first_approval = match (p.first_approved_by, p.first_approved_at) {
        (Some(by), Some(at)) => Some(FirstApproval {
            by_id: by,
            by_name: name_of(names, by),
            at,
        }),
        _ => None,
    };
    let me = session.user_id();
    let blocked_reason = if p.status != ProcessStatus::AguardandoAprovacao {
        None
    } else if !session.role().can_approve() {
        Some(Error::forbidden("aprovar faturas").message)
    } else if p.uploaded_by == Some(me) {
        Some(OWN_UPLOAD.to_string())
    } else if p.amount_cents.is_none() {
        Some(NO_AMOUNT.to_string())
    } else if four_eyes_required && p.first_approved_by == Some(me) {
        Some(second_approver(&session.user.full_name))
    } else {
        None
    };
    Gate {
        four_eyes_required,
        first_approval,
        uploaded_by_name: p.uploaded_by.map(|u| name_of(names, u)),
        blocked_reason,
    }
}

fn parse_sort(s: Option<&str>) -> Result<QueueSort> {
    match s.map(str::trim).unwrap_or("") {
        "" | "vencimento" => Ok(QueueSort::DueDate),
        "valor" => Ok(QueueSort::Amount),
        "operadora" => Ok(QueueSort::Operator),
        "cliente" => Ok(QueueSort::Client),
        other => Err(Error::field(
            "sort",
            format!(
                "Ordenação desconhecida: \"{other}\" (use vencimento, valor, operadora ou cliente)."
            ),
        )),
    }
}

fn notes_of(notes: Option<String>) -> Result<Option<String>> {
    let Some(n) = notes else { return Ok(None) };
    let n = n.trim().to_string();
    if n.is_empty() {
        return Ok(None);
    }
    if n.chars().count() > NOTES_MAX_CHARS {
        return Err(Error::field(
            "notes",
            format!("As observações podem ter no máximo {NOTES_MAX_CHARS} caracteres."),
        ));
    }
    Ok(Some(n))
}

/// "1.234,56", "1234,56", "R$ 1.234,56", "89" → cents. pt-BR only: the comma is the
/// decimal separator, dots group thousands (by three).
pub fn parse_typed_amount(s: &str) -> Result<i64> {
    let bad = || {
        Error::field(
            "amount",
            format!("Valor inválido: \"{}\" (use o formato 1.234,56).", s.trim()),
        )
    };
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return Err(Error::field("amount", "Informe o valor."));
    }
    if t.starts_with('-') || t.contains("R$-") || t.contains("r$-") {
        return Err(Error::field("amount", "O valor não pode ser negativo."));
    }
    for prefix in ["R$", "r$"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.to_string();
        }
    }
    let (int, frac) = match t.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (t.as_str(), None),
    };
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    if let Some(f) = frac {
        if !digits(f) || f.len() > 2 {
            return Err(bad());
        }
    }
    let int_ok = if int.contains('.') {
        let mut groups = int.split('.');
        let first = groups.next().unwrap_or("");
        digits(first) && first.len() <= 3 && groups.all(|g| g.len() == 3 && digits(g))
    } else {
        digits(int)
    };
    if !int_ok {
        return Err(bad());
    }
    let int_digits: String = int.chars().filter(char::is_ascii_digit).collect();
    let too_big = || Error::field("amount", "O valor máximo é R$ 999.999.999,99.".to_string());
    if int_digits.trim_start_matches('0').len() > 9 {
        return Err(too_big());
    }
    let whole: i64 = int_digits.parse().map_err(|_| bad())?;
    let cents: i64 = match frac {
        None => 0,
        Some(f) if f.len() == 1 => f.parse::<i64>().map_err(|_| bad())? * 10,
        Some(f) => f.parse().map_err(|_| bad())?,
    };
    let total = whole * 100 + cents;
    if total > MAX_TYPED_CENTS {
        return Err(too_big());
    }
    Ok(total)
}

/// "AAAA-MM-DD", a year from 2000 to 2100.
pub fn parse_typed_due_date(s: &str) -> Result<NaiveDate> {
    let t = s.trim();
    let bad = || {
        Error::field(
            "due_date",
            format!("Data de vencimento inválida: \"{t}\" (use AAAA-MM-DD)."),
        )
    };
    if t.len() != 10 {
        return Err(bad());
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad())?;
    if !(2000..=2100).contains(&d.year()) {
        return Err(Error::field(
            "due_date",
            format!("Ano de vencimento fora do intervalo aceito (2000 a 2100): {t}."),
        ));
    }
    Ok(d)
}

fn values_view(p: &Process) -> serde_json::Value {
    serde_json::json!({
        "amount": p.amount_cents.map(cents_to_string),
        "amount_source": p.amount_source.map(ValueSource::as_str),
        "due_date": p.due_date,
        "due_date_source": p.due_date_source.map(ValueSource::as_str),
        "first_approved_by": p.first_approved_by,
    })
}

fn waiting_for_approval(p: &Process) -> Result<()> {
    if p.status != ProcessStatus::AguardandoAprovacao {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "Só é possível digitar valores de uma fatura aguardando aprovação; este processo está \"{}\" ({}).",
                p.status.label(),
                p.status.as_str()
            ),
        ));
    }
    Ok(())
}

impl Desk {
    /// Full names of these users (unknown ids left out).
    pub(crate) async fn user_names(
        &self,
        ids: impl Iterator<Item = Uuid>,
    ) -> Result<HashMap<Uuid, String>> {
        let mut names = HashMap::new();
        for id in ids.collect::<HashSet<_>>() {
            if let Some(u) = self.store.user_by_id(id).await? {
                names.insert(id, u.full_name);
            }
        }
        Ok(names)
    }

    /// The history of every client of `processes`, from one query.
    async fn histories(&self, processes: &[&Process]) -> Result<HashMap<Uuid, Vec<HistoryEntry>>> {
        let Some(earliest) = processes.iter().map(|p| p.reference_month.as_str()).min() else {
            return Ok(HashMap::new());
        };
        let since = months_before(earliest, HISTORY_MONTHS);
        let clients: Vec<Uuid> = processes
            .iter()
            .map(|p| p.client_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        Ok(by_client(
            self.store.invoice_history(&clients, Some(&since)).await?,
        ))
    }

    pub async fn approval_queue(
        &self,
        token: &str,
        filter: ApprovalQueueFilter,
    ) -> Result<ApprovalQueue> {
        let session = self.require(token, Role::can_edit_clients, "ver a fila de aprovação")?;
        let month = match filter.month.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => Some(Month::parse(m)?.to_string()),
        };
        let query = QueueQuery {
            month,
            operator_id: filter.operator_id,
            search: filter
                .search
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            sort: parse_sort(filter.sort.as_deref())?,
            descending: filter.descending,
            limit: QUEUE_CAP,
        };
        let (total, rows) = self.store.approval_queue(&query).await?;
        let processes: Vec<&Process> = rows.iter().map(|(_, p)| p).collect();
        let verdicts = self.verdicts(&session, &processes).await?;
        let items = rows
            .into_iter()
            .zip(verdicts)
            .map(|((row, p), v)| QueueItem {
                row,
                amount_cents: p.amount_cents,
                amount_source: p.amount_source,
                due_date_source: p.due_date_source,
                manual_upload: p.manual_upload,
                can_bulk_approve: v.can_bulk_approve(),
                uploaded_by_name: v.gate.uploaded_by_name,
                checks: v.checks,
                all_passed: v.passed,
                four_eyes_required: v.gate.four_eyes_required,
                first_approval: v.gate.first_approval,
                blocked_reason: v.gate.blocked_reason,
            })
            .collect();
        Ok(ApprovalQueue { items, total })
    }

    /// The verdict of each of `processes` for this session, in their order, from one
    /// settings read, one history query and one name lookup: what the queue shows and
    /// what the alert scan offers as "Aprovar".
    pub(crate) async fn verdicts(
        &self,
        session: &Session,
        processes: &[&Process],
    ) -> Result<Vec<Verdict>> {
        let settings = self.approval_settings_now().await;
        let today = crate::brasilia(self.clock.now()).date_naive();
        let histories = self.histories(processes).await?;
        let names = self
            .user_names(
                processes
                    .iter()
                    .flat_map(|p| p.uploaded_by.into_iter().chain(p.first_approved_by)),
            )
            .await?;
        let mut out = Vec::with_capacity(processes.len());
        for p in processes {
            let history = histories
                .get(&p.client_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let checks = self.checks_with(p, history, &settings, today).await;
            let passed = all_passed(&checks);
            let gate = gate(session, p, passed, &settings, &names);
            out.push(Verdict {
                checks,
                passed,
                gate,
            });
        }
        Ok(out)
    }

    /// The stored invoice, checked against its SHA-256.
    pub async fn invoice_pdf(&self, token: &str, id: Uuid) -> Result<Vec<u8>> {
        self.require(token, Role::can_edit_clients, "ver faturas")?;
        let p = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        let (Some(key), Some(sha)) = (p.invoice_key.as_deref(), p.invoice_sha256.as_deref()) else {
            return Err(Error::new(
                ErrorCode::NotFound,
                "Este processo ainda não tem fatura: aguarde o download ou envie o PDF.",
            ));
        };
        let hooks = self.robot_hooks().ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "O armazenamento de faturas não foi iniciado nesta instalação.",
            )
        })?;
        match hooks.storage.get_checked(key, sha).await {
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(e @ brm_storage::StorageError::NotFound(_)) => {
                Err(Error::new(ErrorCode::NotFound, e.to_string()))
            }
            Err(e) => Err(Error::new(ErrorCode::Internal, e.to_string())),
        }
    }

    /// The client's last `months` reference months (oldest first), for the chart.
    pub async fn client_invoice_history(
        &self,
        token: &str,
        client_id: Uuid,
        months: Option<u32>,
    ) -> Result<Vec<HistoryPoint>> {
        self.require(token, Role::can_edit_clients, "ver o histórico de faturas")?;
        let months = months.unwrap_or(12);
        if !(1..=60).contains(&months) {
            return Err(Error::field(
                "months",
                "Informe de 1 a 60 meses de histórico.",
            ));
        }
        self.store.client_by_id(client_id).await?.ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "Cliente não encontrado. Ele pode ter sido removido; recarregue a lista.",
            )
        })?;
        let mut entries = self.store.invoice_history(&[client_id], None).await?;
        entries.sort_by(|a, b| b.reference_month.cmp(&a.reference_month));
        entries.truncate(months as usize);
        entries.reverse();
        Ok(entries
            .into_iter()
            .map(|h| HistoryPoint {
                process_id: h.process_id,
                reference_month: h.reference_month,
                amount: h.amount_cents.map(cents_to_string),
                amount_cents: h.amount_cents,
                due_date: h.due_date,
                status: h.status,
            })
            .collect())
    }

    /// Amount and/or due date typed by a person while the invoice waits for approval.
    pub async fn set_invoice_values(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        amount: Option<String>,
        due_date: Option<String>,
    ) -> Result<ProcessRow> {
        let session = self.require(token, Role::can_approve, "digitar valores de faturas")?;
        self.ensure_writable()?;
        let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let (amount, due_date) = (given(amount), given(due_date));
        if amount.is_none() && due_date.is_none() {
            return Err(Error::validation(vec![
                FieldError {
                    field: "amount".into(),
                    message: "Informe o valor ou o vencimento.".into(),
                },
                FieldError {
                    field: "due_date".into(),
                    message: "Informe o valor ou o vencimento.".into(),
                },
            ]));
        }
        let mut fields = Vec::new();
        let cents = match amount.as_deref().map(parse_typed_amount).transpose() {
            Ok(c) => c,
            Err(e) => {
                fields.extend(e.fields);
                None
            }
        };
        let date = match due_date.as_deref().map(parse_typed_due_date).transpose() {
            Ok(d) => d,
            Err(e) => {
                fields.extend(e.fields);
                None
            }
        };
        if !fields.is_empty() {
            return Err(Error::validation(fields));
        }
        let current = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        if current.version != version {
            return Err(self.already_decided(id).await);
        }
        waiting_for_approval(&current)?;
        let mut next = current.clone();
        if let Some(c) = cents {
            next.amount_cents = Some(c);
            next.amount_source = Some(ValueSource::Digitado);
        }
        if let Some(d) = date {
            next.due_date = Some(d);
            next.due_date_source = Some(ValueSource::Digitado);
        }
        // The values changed: an approval given to the old ones does not hold.
        next.first_approved_by = None;
        next.first_approved_at = None;
        let now = self.clock.now();
        next.version = current.version + 1;
        next.updated_at = now;
        let (before, after) = diff(&values_view(&current), &values_view(&next));
        let mut event =
            AuditEvent::new(now, actor(&session), VALUES_TYPED, crate::processes::ENTITY)
                .on(id)
                .change(Some(before), Some(after));
        event.invoice_sha256 = current.invoice_sha256.clone();
        if !self.observe(self.store.update_process(&next, version, &event).await)? {
            return Err(self.already_decided(id).await);
        }
        self.store.process_row(id).await?.ok_or_else(not_found)
    }

    pub async fn approve_process(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        notes: Option<String>,
    ) -> Result<ApprovalResult> {
        let session = self.require(token, Role::can_approve, "aprovar faturas")?;
        self.ensure_writable()?;
        let notes = notes_of(notes)?;
        let current = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        let settings = self.approval_settings_now().await;
        let histories = self.histories(&[&current]).await?;
        self.approve_one(
            &session,
            current,
            version,
            notes,
            &settings,
            &histories,
            Origin::Window,
        )
        .await
    }

    /// "Aprovar" on a desktop notification, with the desktop's session and the version
    /// the notification showed: the same approval as the window's (version, own upload,
    /// audit in the same transaction), refused with CONFLICT and nothing written when
    /// the invoice must be looked at in the window (a check not passed, four eyes). The
    /// audit event's detail says it came from a notification.
    pub async fn approve_from_notification(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
    ) -> Result<ApprovalResult> {
        let session = self.require(token, Role::can_approve, "aprovar faturas")?;
        self.ensure_writable()?;
        let current = self.store.process_by_id(id).await?.ok_or_else(not_found)?;
        let settings = self.approval_settings_now().await;
        let histories = self.histories(&[&current]).await?;
        self.approve_one(
            &session,
            current,
            version,
            None,
            &settings,
            &histories,
            Origin::Notification,
        )
        .await
    }

    /// The one path of an approval: from the window, in bulk or from a notification
    /// (see [`Origin`] for what each also refuses).
    #[allow(clippy::too_many_arguments)]
    async fn approve_one(
        &self,
        session: &Session,
        current: Process,
        version: i64,
        notes: Option<String>,
        settings: &ApprovalSettings,
        histories: &HashMap<Uuid, Vec<HistoryEntry>>,
        origin: Origin,
    ) -> Result<ApprovalResult> {
        if current.version != version {
            return Err(self.already_decided(current.id).await);
        }
        let next_status = current.status.apply(Transition::Approve)?;
        if current.uploaded_by == Some(session.user_id()) {
            return Err(Error::new(ErrorCode::Forbidden, OWN_UPLOAD));
        }
        // "Valor —" is never approved (nor sent to the SAT): the approver types it first.
        // The database's brm_approve says the same (migrations/postgres-shared/0003).
        if current.amount_cents.is_none() {
            return Err(Error::field("amount", NO_AMOUNT));
        }
        self.ensure_invoice_readable(&current).await?;
        let today = crate::brasilia(self.clock.now()).date_naive();
        let history = histories
            .get(&current.client_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let checks = self.checks_with(&current, history, settings, today).await;
        let passed = all_passed(&checks);
        if origin == Origin::Bulk && !passed {
            return Err(Error::new(
                ErrorCode::Conflict,
                "Nem todas as verificações passaram: aprove esta fatura individualmente.",
            ));
        }
        if origin == Origin::Notification && !passed {
            return Err(Error::new(
                ErrorCode::Conflict,
                look_in_window(&checks, settings.four_eyes),
            ));
        }
        let origin_note = (origin == Origin::Notification).then_some(NOTIFICATION_ORIGIN);
        let four_eyes = settings.four_eyes && !passed;
        let now = self.clock.now();
        let mut next = current.clone();
        if notes.is_some() {
            next.notes = notes.clone();
        }
        if four_eyes {
            match current.first_approved_by {
                None => {
                    next.first_approved_by = Some(session.user_id());
                    next.first_approved_at = Some(now);
                    let mut detail = match &notes {
                        Some(n) => format!("Primeira aprovação (quatro olhos). Observações: {n}"),
                        None => "Primeira aprovação (quatro olhos).".to_string(),
                    };
                    if let Some(o) = origin_note {
                        detail = format!("{detail} {o}");
                    }
                    let process = self
                        .commit(session, &current, next, now, FIRST_APPROVAL, Some(detail))
                        .await?;
                    return Ok(ApprovalResult {
                        process,
                        first_approval_only: true,
                        message: "Primeira aprovação registrada; falta a de outro aprovador."
                            .into(),
                    });
                }
                Some(first) if first == session.user_id() => {
                    return Err(Error::new(
                        ErrorCode::Forbidden,
                        second_approver(&session.user.full_name),
                    ));
                }
                Some(_) => {}
            }
        }
        let first_name = match current.first_approved_by.filter(|_| four_eyes) {
            Some(first) => Some(name_of(&self.user_names([first].into_iter()).await?, first)),
            None => None,
        };
        next.status = next_status;
        next.approved_by = Some(session.user_id());
        next.approved_at = Some(now);
        let mut detail = Vec::new();
        if let Some(first) = &first_name {
            detail.push(format!(
                "Aprovada por {first} (primeira aprovação) e {} (segunda aprovação).",
                session.user.full_name
            ));
        }
        if let Some(n) = &notes {
            detail.push(format!("Observações: {n}"));
        }
        if let Some(o) = origin_note {
            detail.push(o.to_string());
        }
        let detail = (!detail.is_empty()).then(|| detail.join(" "));
        let process = self
            .commit(
                session,
                &current,
                next,
                now,
                Transition::Approve.action(),
                detail,
            )
            .await?;
        let message = match first_name {
            Some(first) => {
                format!("Fatura aprovada (segunda aprovação; a primeira foi de {first}).")
            }
            None => "Fatura aprovada.".to_string(),
        };
        Ok(ApprovalResult {
            process,
            first_approval_only: false,
            message,
        })
    }

    /// Issue 19: nobody approves an invoice they could not have opened. When the process
    /// names a stored file, this computer must read it and find the hash the process
    /// keeps; otherwise the approval is refused with the reason (not only a disabled
    /// button). A desktop of the shared database with personal logins whose storage did
    /// not open is refused too.
    async fn ensure_invoice_readable(&self, p: &Process) -> Result<()> {
        let Some(key) = p.invoice_key.as_deref() else {
            // Nothing stored to read (a process imported from the old system).
            return Ok(());
        };
        let Some(hooks) = self.robot_hooks() else {
            if self.has_person_logins() {
                return Err(Error::new(ErrorCode::Conflict, UNREADABLE_NO_STORAGE));
            }
            return Ok(());
        };
        let read = match p.invoice_sha256.as_deref() {
            Some(sha) => hooks.storage.get_checked(key, sha).await.map(|_| ()),
            None => hooks.storage.get(key).await.map(|_| ()),
        };
        read.map_err(|e| {
            Error::new(
                ErrorCode::Conflict,
                format!(
                    "Este computador não consegue ler a fatura deste processo no armazenamento \
                     ({e}), então ela não pode ser aprovada aqui. Confira o armazenamento de \
                     faturas em Configurações, ou aprove num computador que abra a fatura."
                ),
            )
        })
    }

    pub async fn approve_many(
        &self,
        token: &str,
        items: Vec<BulkItem>,
        notes: Option<String>,
    ) -> Result<BulkResult> {
        let session = self.require(token, Role::can_approve, "aprovar faturas")?;
        self.ensure_writable()?;
        if items.is_empty() {
            return Err(Error::field("items", "Selecione ao menos uma fatura."));
        }
        if items.len() > BULK_MAX {
            return Err(Error::field(
                "items",
                format!(
                    "Aprove no máximo {BULK_MAX} faturas de uma vez ({} selecionadas).",
                    items.len()
                ),
            ));
        }
        let notes = notes_of(notes)?;
        let settings = self.approval_settings_now().await;
        let mut seen = HashSet::new();
        let mut loaded = Vec::new();
        let mut skipped = Vec::new();
        for item in items {
            if !seen.insert(item.id) {
                continue;
            }
            match self.store.process_by_id(item.id).await? {
                Some(p) => loaded.push((item, p)),
                None => skipped.push(Skipped {
                    id: item.id,
                    client_name: String::new(),
                    message: not_found().message,
                }),
            }
        }
        let histories = self
            .histories(&loaded.iter().map(|(_, p)| p).collect::<Vec<_>>())
            .await?;
        let mut approved = Vec::new();
        for (item, p) in loaded {
            let client_id = p.client_id;
            match self
                .approve_one(
                    &session,
                    p,
                    item.version,
                    notes.clone(),
                    &settings,
                    &histories,
                    Origin::Bulk,
                )
                .await
            {
                Ok(r) if !r.first_approval_only => approved.push(r.process),
                // Cannot happen in bulk (a check failed is refused first); kept honest.
                Ok(r) => skipped.push(Skipped {
                    id: item.id,
                    client_name: r.process.client_name,
                    message: r.message,
                }),
                Err(e)
                    if matches!(
                        e.code,
                        ErrorCode::Conflict | ErrorCode::Forbidden | ErrorCode::NotFound
                    ) =>
                {
                    let client_name = match self.store.process_row(item.id).await? {
                        Some(r) => r.client_name,
                        None => self
                            .store
                            .client_by_id(client_id)
                            .await?
                            .map(|c| c.legal_name)
                            .unwrap_or_default(),
                    };
                    skipped.push(Skipped {
                        id: item.id,
                        client_name,
                        message: e.message,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(BulkResult { approved, skipped })
    }

    pub async fn reject_process(
        &self,
        token: &str,
        id: Uuid,
        version: i64,
        reason: &str,
        reason_code: Option<&str>,
    ) -> Result<ProcessRow> {
        let session = self.require(token, Role::can_approve, "rejeitar faturas")?;
        self.ensure_writable()?;
        let (code, stored) = rejection_text(reason, reason_code)?;
        self.decide(&session, id, version, Transition::Reject, move |p, _, _| {
            // The invoice was wrong: download again from the first attempt.
            p.last_rejection_reason = Some(stored.clone());
            p.rejection_reason_code = code.clone();
            p.approved_by = None;
            p.approved_at = None;
            p.first_approved_by = None;
            p.first_approved_at = None;
            p.download_attempts = 0;
            p.next_retry_at = None;
            p.needs_attention = false;
        })
        .await
    }

    pub fn rejection_reasons(&self, token: &str) -> Result<Vec<RejectionReason>> {
        self.require(token, Role::can_edit_clients, "ver os motivos de rejeição")?;
        Ok(REJECTION_REASONS.to_vec())
    }

    pub async fn get_approval_settings(&self, token: &str) -> Result<ApprovalSettings> {
        self.require(
            token,
            Role::can_edit_clients,
            "ver as configurações de aprovação",
        )?;
        Ok(self.approval_settings_now().await)
    }

    pub async fn save_approval_settings(
        &self,
        token: &str,
        input: ApprovalSettings,
    ) -> Result<ApprovalSettings> {
        let session = self.require(
            token,
            Role::can_change_settings,
            "alterar as configurações de aprovação",
        )?;
        self.ensure_writable()?;
        let mut fields = Vec::new();
        if !(0..=1000).contains(&input.tolerance_pct) {
            fields.push(FieldError {
                field: "tolerance_pct".into(),
                message: "A tolerância deve ficar entre 0% e 1000%.".into(),
            });
        }
        if !(0..=365).contains(&input.due_soon_days) {
            fields.push(FieldError {
                field: "due_soon_days".into(),
                message: "O alerta de vencimento deve ficar entre 0 e 365 dias.".into(),
            });
        }
        if !fields.is_empty() {
            return Err(Error::validation(fields));
        }
        let before = self.approval_settings_now().await;
        let now = self.clock.now();
        let changes: [(&str, serde_json::Value, serde_json::Value); 3] = [
            (
                SETTING_TOLERANCE_PCT,
                before.tolerance_pct.into(),
                input.tolerance_pct.into(),
            ),
            (
                SETTING_DUE_SOON_DAYS,
                before.due_soon_days.into(),
                input.due_soon_days.into(),
            ),
            (
                SETTING_FOUR_EYES,
                before.four_eyes.into(),
                input.four_eyes.into(),
            ),
        ];
        for (key, old, new) in changes {
            if old == new {
                continue;
            }
            let event = AuditEvent::new(now, actor(&session), APPROVAL_SETTINGS, "configuracao")
                .change(
                    Some(serde_json::json!({ key: old })),
                    Some(serde_json::json!({ key: new.clone() })),
                )
                .detail(format!("{key}: {old} → {new}"));
            self.observe(self.store.put_setting(key, &new, &event).await)?;
        }
        Ok(self.approval_settings_now().await)
    }
}

/// The stored code and text of a rejection: "<label>: <text>" (or the label alone) with
/// a code; the old free-text rule without one.
fn rejection_text(reason: &str, code: Option<&str>) -> Result<(Option<String>, String)> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let Some(code) = code else {
        return Ok((None, reason_of(reason)?));
    };
    let Some(r) = REJECTION_REASONS.iter().find(|r| r.code == code) else {
        return Err(Error::field(
            "reason_code",
            format!("Motivo de rejeição desconhecido: \"{code}\". Escolha um motivo da lista."),
        ));
    };
    let text = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = text.chars().count();
    if r.text_required && n < REASON_MIN_CHARS {
        return Err(Error::field(
            "reason",
            format!(
                "Com \"{}\", descreva o motivo (pelo menos {REASON_MIN_CHARS} caracteres).",
                r.label
            ),
        ));
    }
    if n > REASON_MAX_CHARS {
        return Err(Error::field(
            "reason",
            format!("O motivo pode ter no máximo {REASON_MAX_CHARS} caracteres."),
        ));
    }
    let stored = if text.is_empty() {
        r.label.to_string()
    } else {
        format!("{}: {text}", r.label)
    };
    Ok((Some(r.code.to_string()), stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_are_pt_br() {
        assert_eq!(parse_typed_amount("1.234,56").unwrap(), 123456);
        assert_eq!(parse_typed_amount("1234,56").unwrap(), 123456);
        assert_eq!(parse_typed_amount("R$ 1.234,56").unwrap(), 123456);
        assert_eq!(parse_typed_amount("R$\u{a0}89").unwrap(), 8900);
        assert_eq!(parse_typed_amount("0,5").unwrap(), 50);
        assert_eq!(
            parse_typed_amount("999.999.999,99").unwrap(),
            MAX_TYPED_CENTS
        );
        for bad in [
            "abc", "1,234.56", "12,345", "1.23,00", "1.2345", ",5", "1,", "R$", "1..000",
        ] {
            let e = parse_typed_amount(bad).unwrap_err();
            assert_eq!(e.fields[0].field, "amount", "{bad}");
        }
        let e = parse_typed_amount("-5,00").unwrap_err();
        assert_eq!(e.fields[0].message, "O valor não pode ser negativo.");
        let e = parse_typed_amount("R$ -5,00").unwrap_err();
        assert_eq!(e.fields[0].message, "O valor não pode ser negativo.");
        let e = parse_typed_amount("1.000.000.000,00").unwrap_err();
        assert_eq!(e.fields[0].message, "O valor máximo é R$ 999.999.999,99.");
        assert!(parse_typed_amount("99999999999999999999999").is_err());
    }

    #[test]
    fn typed_due_dates_are_iso_and_plausible() {
        assert_eq!(
            parse_typed_due_date(" 2026-11-20 ").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        );
        for bad in [
            "20/11/2026",
            "2026-11-31",
            "2026-1-5",
            "amanhã",
            "1999-12-31",
            "2101-01-01",
        ] {
            let e = parse_typed_due_date(bad).unwrap_err();
            assert_eq!(e.fields[0].field, "due_date", "{bad}");
        }
    }

    #[test]
    fn rejection_codes_and_texts() {
        assert_eq!(
            rejection_text("", Some("FATURA_DUPLICADA")).unwrap(),
            (Some("FATURA_DUPLICADA".into()), "Fatura duplicada".into())
        );
        assert_eq!(
            rejection_text("  já  paga ", Some("FATURA_DUPLICADA"))
                .unwrap()
                .1,
            "Fatura duplicada: já paga"
        );
        let e = rejection_text("abc", Some("OUTRO")).unwrap_err();
        assert_eq!(e.fields[0].field, "reason");
        assert_eq!(
            rejection_text("cliente pediu", Some("OUTRO")).unwrap().1,
            "Outro motivo: cliente pediu"
        );
        let e = rejection_text("qualquer coisa", Some("INVENTADO")).unwrap_err();
        assert_eq!(e.fields[0].field, "reason_code");
        assert_eq!(
            rejection_text("valor errado", None).unwrap(),
            (None, "valor errado".into())
        );
        assert_eq!(
            rejection_text("ab", Some(" ")).unwrap_err().fields[0].field,
            "reason"
        );
        assert_eq!(REJECTION_REASONS.len(), 6);
        assert_eq!(
            REJECTION_REASONS.iter().filter(|r| r.text_required).count(),
            1
        );
    }
}
