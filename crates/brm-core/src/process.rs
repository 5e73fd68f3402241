//! Processes (processos): the invoice of one client for one reference month, from the
//! operator's portal to the SAT. The state machine of `domain.md` lives here and only
//! here: every change of status goes through [`ProcessStatus::apply`].

use crate::error::{Error, ErrorCode, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProcessStatus {
    AguardandoDownload,
    AguardandoAprovacao,
    AguardandoEnvioSat,
    UploadRealizado,
    Cancelado,
}

impl ProcessStatus {
    pub const ALL: [ProcessStatus; 5] = [
        ProcessStatus::AguardandoDownload,
        ProcessStatus::AguardandoAprovacao,
        ProcessStatus::AguardandoEnvioSat,
        ProcessStatus::UploadRealizado,
        ProcessStatus::Cancelado,
    ];

    /// The wire value, as stored and as the window receives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AguardandoDownload => "AGUARDANDO_DOWNLOAD",
            Self::AguardandoAprovacao => "AGUARDANDO_APROVACAO",
            Self::AguardandoEnvioSat => "AGUARDANDO_ENVIO_SAT",
            Self::UploadRealizado => "UPLOAD_REALIZADO",
            Self::Cancelado => "CANCELADO",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// What a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::AguardandoDownload => "Aguardando download",
            Self::AguardandoAprovacao => "Aguardando aprovação",
            Self::AguardandoEnvioSat => "Aguardando envio ao SAT",
            Self::UploadRealizado => "Enviado ao SAT",
            Self::Cancelado => "Cancelado",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::UploadRealizado | Self::Cancelado)
    }

    /// The one table of legal moves. Anything not listed is refused with a message that
    /// names the status the process is actually in.
    pub fn apply(self, t: Transition) -> Result<ProcessStatus> {
        use ProcessStatus::*;
        use Transition::*;
        let next = match (self, t) {
            (AguardandoDownload, DownloadSucceeded) => AguardandoAprovacao,
            (AguardandoDownload, ManualUpload) => AguardandoAprovacao,
            (AguardandoAprovacao, Approve) => AguardandoEnvioSat,
            (AguardandoAprovacao, Reject) => AguardandoDownload,
            (AguardandoEnvioSat, SatUploadSucceeded) => UploadRealizado,
            (s, Cancel) if s != UploadRealizado && s != Cancelado => Cancelado,
            (s, t) => return Err(illegal(s, t)),
        };
        Ok(next)
    }
}

fn illegal(current: ProcessStatus, t: Transition) -> Error {
    Error::new(
        ErrorCode::Conflict,
        format!(
            "Não é possível {} um processo com status \"{}\" ({}).",
            t.verb(),
            current.label(),
            current.as_str()
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    DownloadSucceeded,
    ManualUpload,
    Approve,
    Reject,
    SatUploadSucceeded,
    Cancel,
}

impl Transition {
    pub const ALL: [Transition; 6] = [
        Transition::DownloadSucceeded,
        Transition::ManualUpload,
        Transition::Approve,
        Transition::Reject,
        Transition::SatUploadSucceeded,
        Transition::Cancel,
    ];

    fn verb(self) -> &'static str {
        match self {
            Self::DownloadSucceeded => "concluir o download de",
            Self::ManualUpload => "enviar fatura manual para",
            Self::Approve => "aprovar",
            Self::Reject => "rejeitar",
            Self::SatUploadSucceeded => "concluir o envio ao SAT de",
            Self::Cancel => "cancelar",
        }
    }

    /// The audit action written with the change.
    pub fn action(self) -> &'static str {
        match self {
            Self::DownloadSucceeded => "DOWNLOAD_CONCLUIDO",
            Self::ManualUpload => "UPLOAD_MANUAL",
            Self::Approve => "APROVAR",
            Self::Reject => "REJEITAR",
            Self::SatUploadSucceeded => "ENVIO_SAT_CONCLUIDO",
            Self::Cancel => "CANCELAR",
        }
    }
}

/// `YYYY-MM`, the reference month as stored. Shown `MM/AAAA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(s: &str) -> Result<Month> {
        let bad = || {
            Error::field(
                "month",
                format!("Mês de referência inválido: \"{s}\" (use AAAA-MM)."),
            )
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn display(self) -> String {
        format!("{:02}/{}", self.month, self.year)
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// Money as whole cents: exact, never a float. The window gets "1234.56".
pub fn cents_to_string(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Parses "1234.56", "1234,5", "1.234,56" (pt-BR) or "1,234.56" into cents; refuses
/// more than two decimals rather than rounding money.
pub fn parse_cents(s: &str) -> Option<i64> {
    let s = s.trim().replace(' ', "");
    if s.is_empty() {
        return None;
    }
    // The last separator is the decimal one when two kinds appear.
    let dec_pos = s.rfind([',', '.']);
    let (int_part, frac_part) = match dec_pos {
        Some(p) if s.len() - p - 1 <= 2 => (&s[..p], &s[p + 1..]),
        _ => (s.as_str(), ""),
    };
    let int_digits: String = int_part
        .chars()
        .filter(|c| *c != '.' && *c != ',')
        .collect();
    let (neg, int_digits) = match int_digits.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, int_digits),
    };
    if int_digits.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_digits.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let int: i64 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().ok()?
    };
    let frac: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().ok()? * 10,
        _ => frac_part.parse().ok()?,
    };
    let cents = int.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -cents } else { cents })
}

/// Where an invoice's amount or due date came from, so a person reviewing it knows how
/// far to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueSource {
    /// Read from the boleto's linha digitável.
    LinhaDigitavel,
    /// Read from the invoice's text.
    TextoDaFatura,
    /// Reported by the operator's robot.
    Robo,
    /// Typed by a person.
    Digitado,
}

impl ValueSource {
    pub const ALL: [ValueSource; 4] = [
        ValueSource::LinhaDigitavel,
        ValueSource::TextoDaFatura,
        ValueSource::Robo,
        ValueSource::Digitado,
    ];

    /// The wire value, as stored and as the window receives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LinhaDigitavel => "LINHA_DIGITAVEL",
            Self::TextoDaFatura => "TEXTO_DA_FATURA",
            Self::Robo => "ROBO",
            Self::Digitado => "DIGITADO",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// What a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::LinhaDigitavel => "linha digitável",
            Self::TextoDaFatura => "texto da fatura",
            Self::Robo => "robô",
            Self::Digitado => "digitado",
        }
    }
}

/// What reading the invoice found of its payment line (linha digitável).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentLineStatus {
    /// A line whose check digits verify.
    Valida,
    /// Something shaped like a line, but its check digits fail (or the file could not be read).
    Invalida,
    /// No payment line in the invoice.
    Ausente,
}

impl PaymentLineStatus {
    pub const ALL: [PaymentLineStatus; 3] = [
        PaymentLineStatus::Valida,
        PaymentLineStatus::Invalida,
        PaymentLineStatus::Ausente,
    ];

    /// The wire value, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valida => "VALIDA",
            Self::Invalida => "INVALIDA",
            Self::Ausente => "AUSENTE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub id: Uuid,
    pub client_id: Uuid,
    /// Copied from the client when the process is created: the invoice belongs to the
    /// operator of that month even if the client moves later. Also what list filters use.
    pub operator_id: Uuid,
    pub reference_month: String,
    pub status: ProcessStatus,
    pub invoice_key: Option<String>,
    pub invoice_file_name: Option<String>,
    pub invoice_size: Option<i64>,
    pub invoice_sha256: Option<String>,
    pub due_date: Option<NaiveDate>,
    #[serde(skip)]
    pub amount_cents: Option<i64>,
    /// Where `amount_cents` came from; None when unknown (or no amount yet).
    pub amount_source: Option<ValueSource>,
    /// Where `due_date` came from; None when unknown (or no due date yet).
    pub due_date_source: Option<ValueSource>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub sent_to_sat: bool,
    pub sent_at: Option<DateTime<Utc>>,
    pub download_attempts: i64,
    pub last_download_at: Option<DateTime<Utc>>,
    pub sat_attempts: i64,
    pub last_sat_at: Option<DateTime<Utc>>,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub needs_attention: bool,
    pub manual_upload: bool,
    pub auto_created: bool,
    pub created_by: Option<Uuid>,
    pub notes: Option<String>,
    pub last_rejection_reason: Option<String>,
    /// The first of two approvals (four eyes): who gave it and when; cleared when the
    /// invoice is rejected, replaced or its values are typed again.
    pub first_approved_by: Option<Uuid>,
    pub first_approved_at: Option<DateTime<Utc>>,
    /// Who uploaded the invoice by hand; None for a robot download.
    pub uploaded_by: Option<Uuid>,
    /// The valid payment line's digits, read on arrival.
    pub payment_line: Option<String>,
    /// None: not read on arrival (older rows).
    pub payment_line_status: Option<PaymentLineStatus>,
    /// Why the payment line is invalid (pt-BR), when it is.
    pub payment_line_reason: Option<String>,
    /// The coded reason of the last rejection (see the service's list).
    pub rejection_reason_code: Option<String>,
    /// What the invoice's text says it is (month, CNPJs, account), read on arrival;
    /// None: not read (older rows, or no invoice yet).
    pub invoice_identity: Option<crate::approval::InvoiceIdentity>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Process {
    /// Records what reading the invoice found of its payment line: the digits of a valid
    /// line, else why the line found is invalid, else that there is none.
    pub fn record_payment_line(&mut self, valid_digits: Option<String>, invalid: Option<String>) {
        let (status, line, reason) = match (valid_digits, invalid) {
            (Some(d), _) => (PaymentLineStatus::Valida, Some(d), None),
            (None, Some(r)) => (PaymentLineStatus::Invalida, None, Some(r)),
            (None, None) => (PaymentLineStatus::Ausente, None, None),
        };
        self.payment_line_status = Some(status);
        self.payment_line = line;
        self.payment_line_reason = reason;
    }

    /// A new process of the month, waiting for its download.
    pub fn new_for(
        client_id: Uuid,
        operator_id: Uuid,
        month: Month,
        created_by: Option<Uuid>,
        auto: bool,
        now: DateTime<Utc>,
    ) -> Process {
        Process {
            id: Uuid::new_v4(),
            client_id,
            operator_id,
            reference_month: month.to_string(),
            status: ProcessStatus::AguardandoDownload,
            invoice_key: None,
            invoice_file_name: None,
            invoice_size: None,
            invoice_sha256: None,
            due_date: None,
            amount_cents: None,
            amount_source: None,
            due_date_source: None,
            approved_by: None,
            approved_at: None,
            sent_to_sat: false,
            sent_at: None,
            download_attempts: 0,
            last_download_at: None,
            sat_attempts: 0,
            last_sat_at: None,
            next_retry_at: None,
            needs_attention: false,
            manual_upload: false,
            auto_created: auto,
            created_by,
            notes: None,
            last_rejection_reason: None,
            first_approved_by: None,
            first_approved_at: None,
            uploaded_by: None,
            payment_line: None,
            payment_line_status: None,
            payment_line_reason: None,
            rejection_reason_code: None,
            invoice_identity: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// The fields an audit line shows for a status change.
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status.as_str(),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "last_rejection_reason": self.last_rejection_reason,
            "rejection_reason_code": self.rejection_reason_code,
            "first_approved_by": self.first_approved_by,
            "first_approved_at": self.first_approved_at,
            "uploaded_by": self.uploaded_by,
            "notes": self.notes,
            "invoice_sha256": self.invoice_sha256,
        })
    }
}

/// A row of the process list: the process with what the list shows of its client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub client_hash: Option<String>,
    pub cnpj: String,
    pub operator_id: Uuid,
    pub operator_name: String,
    pub reference_month: String,
    pub status: ProcessStatus,
    pub amount: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub download_attempts: i64,
    pub sat_attempts: i64,
    pub needs_attention: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessFilter {
    pub month: Option<String>,
    pub status: Option<ProcessStatus>,
    pub operator_id: Option<Uuid>,
    /// Client text: legal name, CNPJ or HASH.
    pub search: Option<String>,
    pub needs_attention: Option<bool>,
    pub page: i64,
    pub page_size: i64,
}

impl ProcessFilter {
    pub fn limit_offset(&self) -> (i64, i64) {
        let size = self.page_size.clamp(1, 200);
        (size, self.page.max(0) * size)
    }

    /// A month given in the filter must be well formed; blank means every month.
    pub fn normalized(&self) -> Result<ProcessFilter> {
        let mut f = self.clone();
        f.month = match self.month.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => Some(Month::parse(m)?.to_string()),
        };
        f.search = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Ok(f)
    }
}

/// Counts by status for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub aguardando_download: i64,
    pub aguardando_aprovacao: i64,
    pub aguardando_envio_sat: i64,
    pub upload_realizado: i64,
    pub cancelado: i64,
    pub needs_attention: i64,
}

impl StatusCounts {
    pub fn add(&mut self, status: ProcessStatus, n: i64) {
        match status {
            ProcessStatus::AguardandoDownload => self.aguardando_download += n,
            ProcessStatus::AguardandoAprovacao => self.aguardando_aprovacao += n,
            ProcessStatus::AguardandoEnvioSat => self.aguardando_envio_sat += n,
            ProcessStatus::UploadRealizado => self.upload_realizado += n,
            ProcessStatus::Cancelado => self.cancelado += n,
        }
    }
}

/// What the monthly creation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCreation {
    pub created: i64,
    pub skipped: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProcessStatus::*;
    use Transition::*;

    #[test]
    fn every_legal_transition_of_the_domain() {
        assert_eq!(
            AguardandoDownload.apply(DownloadSucceeded).unwrap(),
            AguardandoAprovacao
        );
        assert_eq!(
            AguardandoDownload.apply(ManualUpload).unwrap(),
            AguardandoAprovacao
        );
        assert_eq!(
            AguardandoAprovacao.apply(Approve).unwrap(),
            AguardandoEnvioSat
        );
        assert_eq!(
            AguardandoAprovacao.apply(Reject).unwrap(),
            AguardandoDownload
        );
        assert_eq!(
            AguardandoEnvioSat.apply(SatUploadSucceeded).unwrap(),
            UploadRealizado
        );
        for s in [AguardandoDownload, AguardandoAprovacao, AguardandoEnvioSat] {
            assert_eq!(s.apply(Cancel).unwrap(), Cancelado);
        }
    }

    #[test]
    fn nothing_else_is_legal_and_the_message_names_the_status() {
        let legal = 5 + 3;
        let mut refused = 0;
        for s in ProcessStatus::ALL {
            for t in Transition::ALL {
                if let Err(e) = s.apply(t) {
                    refused += 1;
                    assert_eq!(e.code, ErrorCode::Conflict);
                    assert!(e.message.contains(s.label()), "{}", e.message);
                    assert!(e.message.contains(s.as_str()), "{}", e.message);
                }
            }
        }
        assert_eq!(refused, 5 * 6 - legal);
        let e = UploadRealizado.apply(Approve).unwrap_err();
        assert_eq!(
            e.message,
            "Não é possível aprovar um processo com status \"Enviado ao SAT\" (UPLOAD_REALIZADO)."
        );
    }

    #[test]
    fn wire_values_round_trip() {
        for s in ProcessStatus::ALL {
            assert_eq!(ProcessStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(ProcessStatus::parse("APROVADO"), None);
    }

    #[test]
    fn value_sources_round_trip() {
        for v in ValueSource::ALL {
            assert_eq!(ValueSource::parse(v.as_str()), Some(v));
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<ValueSource>(&json).unwrap(), v);
        }
        assert_eq!(
            ValueSource::ALL.map(ValueSource::as_str),
            ["LINHA_DIGITAVEL", "TEXTO_DA_FATURA", "ROBO", "DIGITADO"]
        );
        assert_eq!(
            ValueSource::ALL.map(ValueSource::label),
            ["linha digitável", "texto da fatura", "robô", "digitado"]
        );
        assert_eq!(ValueSource::parse("robo"), None);
    }

    #[test]
    fn payment_line_reading_is_recorded() {
        let mut p = Process::new_for(
            Uuid::new_v4(),
            Uuid::new_v4(),
            Month::parse("2026-11").unwrap(),
            None,
            false,
            Utc::now(),
        );
        assert_eq!(p.payment_line_status, None);
        p.record_payment_line(Some("123".into()), Some("ignorado".into()));
        assert_eq!(p.payment_line_status, Some(PaymentLineStatus::Valida));
        assert_eq!(p.payment_line.as_deref(), Some("123"));
        assert_eq!(p.payment_line_reason, None);
        p.record_payment_line(None, Some("dígito errado".into()));
        assert_eq!(p.payment_line_status, Some(PaymentLineStatus::Invalida));
        assert_eq!(p.payment_line, None);
        assert_eq!(p.payment_line_reason.as_deref(), Some("dígito errado"));
        p.record_payment_line(None, None);
        assert_eq!(p.payment_line_status, Some(PaymentLineStatus::Ausente));
        assert_eq!(p.payment_line_reason, None);
        for s in PaymentLineStatus::ALL {
            assert_eq!(PaymentLineStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(Month::parse("2026-11").unwrap().display(), "11/2026");
        assert_eq!(
            Month::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        for bad in ["2026-13", "2026-1", "26-11", "novembro", "", "2026-00"] {
            let e = Month::parse(bad).unwrap_err();
            assert_eq!(e.fields[0].field, "month");
        }
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_cents("1234.56"), Some(123456));
        assert_eq!(parse_cents("1.234,56"), Some(123456));
        assert_eq!(parse_cents("1,234.56"), Some(123456));
        assert_eq!(parse_cents("0,1"), Some(10));
        assert_eq!(parse_cents("89"), Some(8900));
        assert_eq!(parse_cents("-5,00"), Some(-500));
        assert_eq!(parse_cents("1.2345"), Some(12345 * 100)); // thousands, not decimals
        assert_eq!(parse_cents("abc"), None);
        assert_eq!(cents_to_string(123456), "1234.56");
        assert_eq!(cents_to_string(5), "0.05");
        assert_eq!(cents_to_string(-500), "-5.00");
        // 0.1 + 0.2 in cents is 30, not 30.000000000000004.
        assert_eq!(
            cents_to_string(parse_cents("0.1").unwrap() + parse_cents("0.2").unwrap()),
            "0.30"
        );
    }
}
