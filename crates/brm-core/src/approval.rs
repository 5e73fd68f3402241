//! The checks an approver sees before deciding on an invoice: amount variation against
//! the previous months, a possible duplicate, the due date and the payment line.
//!
//! A pure function: the caller gathers the client's other processes and hands them in;
//! nothing here reads a database or the clock. Money is compared in whole cents with
//! `i128` arithmetic, never with floats; only the percentage shown to people is rounded
//! (up when a check failed, down when it passed, so the text never contradicts the
//! outcome).

use crate::process::Month;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Which check. Serialised `VARIACAO_VALOR`, `POSSIVEL_DUPLICATA`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckKind {
    VariacaoValor,
    PossivelDuplicata,
    Vencimento,
    LinhaDigitavel,
    IdentidadeFatura,
}

/// The result of one check. `Falhou` is a failed check (four eyes may be required);
/// `SemDados` means the check could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Ok,
    Atencao,
    Falhou,
    SemDados,
}

impl CheckKind {
    pub const ALL: [CheckKind; 5] = [
        CheckKind::VariacaoValor,
        CheckKind::PossivelDuplicata,
        CheckKind::Vencimento,
        CheckKind::LinhaDigitavel,
        CheckKind::IdentidadeFatura,
    ];

    /// What a person reads (the window's `CHECK_KIND_LABEL`, exports).
    pub fn label(self) -> &'static str {
        match self {
            Self::VariacaoValor => "Variação do valor",
            Self::PossivelDuplicata => "Possível duplicata",
            Self::Vencimento => "Vencimento",
            Self::LinhaDigitavel => "Linha digitável",
            Self::IdentidadeFatura => "Mês, CNPJ e conta",
        }
    }
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Atencao,
        Outcome::Falhou,
        Outcome::SemDados,
    ];

    /// What a person reads (the window's `CHECK_OUTCOME_LABEL`, exports).
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Atencao => "Atenção",
            Self::Falhou => "Falhou",
            Self::SemDados => "Sem dados",
        }
    }
}

/// One line for a list or an export: "4 OK", "3 OK, 1 sem dados", "2 OK, 1 pede atenção,
/// 1 sem dados"; failed checks by name first: "Falhou: Variação do valor (3 OK)".
/// No checks: "".
pub fn summary(checks: &[Check]) -> String {
    let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    let mut counts = Vec::new();
    let ok = count(Outcome::Ok);
    if ok > 0 {
        counts.push(format!("{ok} OK"));
    }
    match count(Outcome::Atencao) {
        0 => {}
        1 => counts.push("1 pede atenção".to_string()),
        n => counts.push(format!("{n} pedem atenção")),
    }
    let no_data = count(Outcome::SemDados);
    if no_data > 0 {
        counts.push(format!("{no_data} sem dados"));
    }
    let counts = counts.join(", ");
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Falhou)
        .map(|c| c.kind.label())
        .collect();
    match (failed.is_empty(), counts.is_empty()) {
        (true, _) => counts,
        (false, true) => format!("Falhou: {}", failed.join(", ")),
        (false, false) => format!("Falhou: {} ({counts})", failed.join(", ")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub kind: CheckKind,
    pub outcome: Outcome,
    /// pt-BR, always filled.
    pub reason: String,
    /// Days from today to the due date (negative when past); `Vencimento` with a due
    /// date only, `None` everywhere else.
    pub days_left: Option<i64>,
}

/// One of the same client's other processes.
#[derive(Debug, Clone)]
pub struct PastInvoice {
    /// `YYYY-MM`; entries whose month does not parse are ignored.
    pub reference_month: String,
    pub amount_cents: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub sha256: Option<String>,
    pub process_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct CheckInput {
    /// `YYYY-MM` of the invoice being decided.
    pub reference_month: String,
    pub amount_cents: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub sha256: Option<String>,
    /// `None`: no payment line was found in the invoice.
    pub payment_line_valid: Option<bool>,
    /// Why the payment line is invalid (pt-BR), when it is.
    pub payment_line_reason: Option<String>,
    /// The same client's other processes, any order, may include later months. Entries
    /// of the invoice's own month are ignored (the process itself, if the caller left it in).
    pub history: Vec<PastInvoice>,
    /// What the invoice's text says it is; `None` when it was never read.
    pub identity: Option<InvoiceIdentity>,
    /// The client's CNPJ (any punctuation) and account code at the operator.
    pub client_cnpj: String,
    pub client_account: Option<String>,
    pub today: NaiveDate,
    pub settings: CheckSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSettings {
    /// How far (in whole percent) the amount may stray from the recent average.
    pub tolerance_pct: u32,
    /// A due date this many days away or fewer (today included) asks for attention.
    pub due_soon_days: i64,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            tolerance_pct: 20,
            due_soon_days: 5,
        }
    }
}

/// What an invoice's text says about whose invoice it is and of which month (read by
/// brm-invoice, kept on the process).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceIdentity {
    /// `AAAA-MM`.
    pub reference_month: Option<String>,
    /// Every valid CNPJ in the text, 14 digits each (the operator's own among them).
    pub cnpjs: Vec<String>,
    /// The account code as printed.
    pub account: Option<String>,
}

/// An account code compared without punctuation, case or leading zeros ("0012345-6" is
/// "123456"); the database's brm_norm_account does the same.
pub fn norm_account(a: &str) -> String {
    let kept: String = a
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    kept.trim_start_matches('0').to_string()
}

/// How many earlier months with an amount make the average.
const AVERAGE_WINDOW: usize = 3;

/// Always the five checks, in `CheckKind` order.
pub fn evaluate(input: &CheckInput) -> Vec<Check> {
    let month = Month::parse(&input.reference_month).ok();
    // The other months' invoices, parsed; the invoice's own month and unparsable ones out.
    let others: Vec<(Month, &PastInvoice)> = input
        .history
        .iter()
        .filter_map(|p| Month::parse(&p.reference_month).ok().map(|m| (m, p)))
        .filter(|(m, _)| Some(*m) != month)
        .collect();
    vec![
        amount_variation(input, month, &others),
        duplicate(input, &others),
        due_date(input),
        payment_line(input),
        identity(input),
    ]
}

/// The invoice is the one the process asks for: every part its text names (month, CNPJ,
/// account) must match; one that differs fails; none read is "sem dados" (not a pass).
fn identity(input: &CheckInput) -> Check {
    let kind = CheckKind::IdentidadeFatura;
    let Some(id) = &input.identity else {
        return check(
            kind,
            Outcome::SemDados,
            "A fatura não foi lida: mês, CNPJ e conta não foram conferidos.",
        );
    };
    let show_month = |m: &str| {
        Month::parse(m)
            .map(|m| m.display())
            .unwrap_or_else(|_| m.to_string())
    };
    let mut wrong = Vec::new();
    let mut matched = Vec::new();
    let mut unread = Vec::new();
    match &id.reference_month {
        Some(m) if *m == input.reference_month => matched.push("mês"),
        Some(m) => wrong.push(format!(
            "Fatura de outro mês: a fatura é de {}, o processo é de {}",
            show_month(m),
            show_month(&input.reference_month)
        )),
        None => unread.push("mês"),
    }
    let want: String = input
        .client_cnpj
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if id.cnpjs.is_empty() {
        unread.push("CNPJ");
    } else if id.cnpjs.contains(&want) {
        matched.push("CNPJ");
    } else {
        wrong.push(format!(
            "Fatura de outro CNPJ: a fatura mostra {}, o cliente é {}",
            id.cnpjs
                .iter()
                .map(|c| crate::document::format_cnpj(c))
                .collect::<Vec<_>>()
                .join(", "),
            crate::document::format_cnpj(&want)
        ));
    }
    let expected = input
        .client_account
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    match (&id.account, expected) {
        (Some(a), Some(e)) if norm_account(a) == norm_account(e) => matched.push("conta"),
        (Some(a), Some(e)) => wrong.push(format!(
            "Fatura de outra conta: a fatura é da conta {a}, o cliente é da conta {e}"
        )),
        (None, Some(_)) => unread.push("conta"),
        // The client has no account code to compare with.
        (_, None) => {}
    }
    if !wrong.is_empty() {
        return check(kind, Outcome::Falhou, format!("{}.", wrong.join("; ")));
    }
    if matched.is_empty() {
        return check(
            kind,
            Outcome::SemDados,
            "Não foi possível ler na fatura o mês de referência, o CNPJ nem a conta.",
        );
    }
    let mut reason = format!("Conferem: {}.", matched.join(", "));
    if !unread.is_empty() {
        reason.push_str(&format!(" Não impressos na fatura: {}.", unread.join(", ")));
    }
    check(kind, Outcome::Ok, reason)
}

/// True when bulk approval may go ahead: no check `Falhou` and none is `SemDados`.
///
/// `Atencao` does not block (the approver saw it in the list). `SemDados` does: an
/// invoice without an amount or a due date, or without earlier amounts to compare with
/// (a new client's first invoice), must be looked at by a person, one at a time.
pub fn all_passed(checks: &[Check]) -> bool {
    checks
        .iter()
        .all(|c| matches!(c.outcome, Outcome::Ok | Outcome::Atencao))
}

fn check(kind: CheckKind, outcome: Outcome, reason: impl Into<String>) -> Check {
    Check {
        kind,
        outcome,
        reason: reason.into(),
        days_left: None,
    }
}

fn amount_variation(
    input: &CheckInput,
    month: Option<Month>,
    others: &[(Month, &PastInvoice)],
) -> Check {
    let kind = CheckKind::VariacaoValor;
    let Some(amount) = input.amount_cents else {
        return check(kind, Outcome::SemDados, "Informe o valor da fatura.");
    };
    let Some(month) = month else {
        return check(
            kind,
            Outcome::SemDados,
            format!(
                "Mês de referência inválido (\"{}\"); não há como comparar.",
                input.reference_month
            ),
        );
    };
    // One amount per earlier month; should a month appear twice, the entry with the
    // smallest process id wins, so the result does not depend on the history's order.
    let mut by_month: BTreeMap<Month, (Uuid, i64)> = BTreeMap::new();
    for (m, p) in others.iter().filter(|(m, _)| *m < month) {
        if let Some(cents) = p.amount_cents {
            by_month
                .entry(*m)
                .and_modify(|e| {
                    if p.process_id < e.0 {
                        *e = (p.process_id, cents);
                    }
                })
                .or_insert((p.process_id, cents));
        }
    }
    let window: Vec<i64> = by_month
        .values()
        .rev()
        .take(AVERAGE_WINDOW)
        .map(|(_, c)| *c)
        .collect();
    if window.is_empty() {
        return check(
            kind,
            Outcome::SemDados,
            "Sem faturas anteriores com valor para comparar.",
        );
    }
    let n = window.len() as i128;
    let sum: i128 = window.iter().map(|c| *c as i128).sum();
    let avg_text = brl(div_round(sum, n));
    let period = if n == 1 {
        "do último mês".to_string()
    } else {
        format!("dos últimos {n} meses")
    };
    let tolerance = input.settings.tolerance_pct as i128;
    // amount − avg = (amount·n − sum) / n, so |amount − avg| / |avg| = |diff| / |sum|.
    let diff = amount as i128 * n - sum;
    let abs_sum = sum.abs();

    if abs_sum == 0 {
        return if diff == 0 {
            check(
                kind,
                Outcome::Ok,
                format!("Igual à média {period} ({avg_text})."),
            )
        } else {
            check(
                kind,
                Outcome::Falhou,
                format!(
                    "{} com média {period} de {avg_text}: não há como medir a variação.",
                    brl(amount as i128)
                ),
            )
        };
    }

    let failed = diff.abs() * 100 > tolerance * abs_sum;
    let direction = if diff > 0 { "acima" } else { "abaixo" };
    let hundredths = diff.abs() * 10_000;
    if failed {
        // Rounded up, so a failure never reads as exactly the tolerance.
        let pct = percent_text((hundredths + abs_sum - 1) / abs_sum);
        check(
            kind,
            Outcome::Falhou,
            format!(
                "{} está {pct} {direction} da média {period} ({avg_text}).",
                brl(amount as i128)
            ),
        )
    } else {
        let amount_text = brl(amount as i128);
        let detail = if diff == 0 {
            format!("{amount_text} é igual à média.")
        } else {
            // Rounded down, so a pass never reads as above the tolerance.
            let pct = percent_text(hundredths / abs_sum);
            format!("{amount_text} está {pct} {direction}.")
        };
        check(
            kind,
            Outcome::Ok,
            format!(
                "Dentro de {}% da média {period} ({avg_text}): {detail}",
                input.settings.tolerance_pct
            ),
        )
    }
}

fn duplicate(input: &CheckInput, others: &[(Month, &PastInvoice)]) -> Check {
    let kind = CheckKind::PossivelDuplicata;
    // The earliest month is named: where the invoice was first received.
    let earliest = |pred: &dyn Fn(&PastInvoice) -> bool| {
        others
            .iter()
            .filter(|(_, p)| pred(p))
            .map(|(m, _)| *m)
            .min()
    };
    if let Some(sha) = normalized_sha(input.sha256.as_deref()) {
        let same_file = earliest(&|p: &PastInvoice| {
            normalized_sha(p.sha256.as_deref()).as_deref() == Some(&sha)
        });
        if let Some(m) = same_file {
            return check(
                kind,
                Outcome::Falhou,
                format!("O mesmo arquivo já foi recebido em {}.", m.display()),
            );
        }
    }
    if let (Some(amount), Some(due)) = (input.amount_cents, input.due_date) {
        let same_bill =
            earliest(&|p: &PastInvoice| p.amount_cents == Some(amount) && p.due_date == Some(due));
        if let Some(m) = same_bill {
            return check(
                kind,
                Outcome::Falhou,
                format!("Mesmo valor e vencimento da fatura de {}.", m.display()),
            );
        }
    }
    check(
        kind,
        Outcome::Ok,
        "Nenhuma fatura de outro mês com o mesmo arquivo ou o mesmo valor e vencimento.",
    )
}

fn due_date(input: &CheckInput) -> Check {
    let kind = CheckKind::Vencimento;
    let Some(due) = input.due_date else {
        return check(kind, Outcome::SemDados, "Informe a data de vencimento.");
    };
    let days = (due - input.today).num_days();
    let date = due.format("%d/%m/%Y");
    let (outcome, reason) = if days < 0 {
        (
            Outcome::Falhou,
            format!("Venceu em {date} (há {}).", days_text(-days)),
        )
    } else if days == 0 {
        (Outcome::Atencao, format!("Vence hoje ({date})."))
    } else if days <= input.settings.due_soon_days {
        (
            Outcome::Atencao,
            format!("Vence em {} ({date}).", days_text(days)),
        )
    } else {
        (
            Outcome::Ok,
            format!("Vence em {} ({date}).", days_text(days)),
        )
    };
    Check {
        kind,
        outcome,
        reason,
        days_left: Some(days),
    }
}

fn payment_line(input: &CheckInput) -> Check {
    let kind = CheckKind::LinhaDigitavel;
    match input.payment_line_valid {
        Some(true) => check(kind, Outcome::Ok, "Linha digitável válida."),
        Some(false) => {
            let reason = input
                .payment_line_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .unwrap_or("Linha digitável inválida.");
            check(kind, Outcome::Falhou, reason)
        }
        None => check(
            kind,
            Outcome::Atencao,
            "Nenhuma linha digitável encontrada na fatura.",
        ),
    }
}

fn normalized_sha(sha: Option<&str>) -> Option<String> {
    sha.map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
}

fn days_text(days: i64) -> String {
    if days == 1 {
        "1 dia".to_string()
    } else {
        format!("{days} dias")
    }
}

/// `num / den` rounded half away from zero; `den > 0`.
fn div_round(num: i128, den: i128) -> i128 {
    let q = (num.abs() * 2 + den) / (den * 2);
    if num < 0 {
        -q
    } else {
        q
    }
}

/// Hundredths of a percent as pt-BR: 5000 → "50%", 2001 → "20,01%", 1250 → "12,5%".
fn percent_text(hundredths: i128) -> String {
    let (int, frac) = (hundredths / 100, hundredths % 100);
    if frac == 0 {
        format!("{int}%")
    } else if frac % 10 == 0 {
        format!("{int},{}%", frac / 10)
    } else {
        format!("{int},{frac:02}%")
    }
}

/// Cents as pt-BR money: 123456 → "R$ 1.234,56", -5 → "-R$ 0,05". The one money
/// formatter for every pt-BR text built outside the window (checks, notifications).
pub fn format_brl(cents: i64) -> String {
    brl(cents as i128)
}

/// Cents as pt-BR money: 123456 → "R$ 1.234,56", -5 → "-R$ 0,05".
fn brl(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}R$ {grouped},{:02}", abs % 100)
}

// Amounts are written reais_centavos (1500_00 is R$ 1.500,00), on purpose.
#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_summary_are_pt_br() {
        assert_eq!(
            CheckKind::ALL.map(CheckKind::label),
            [
                "Variação do valor",
                "Possível duplicata",
                "Vencimento",
                "Linha digitável",
                "Mês, CNPJ e conta"
            ]
        );
        assert_eq!(
            Outcome::ALL.map(Outcome::label),
            ["OK", "Atenção", "Falhou", "Sem dados"]
        );
        let c = |kind, outcome| Check {
            kind,
            outcome,
            reason: "motivo".into(),
            days_left: None,
        };
        use CheckKind::*;
        use Outcome::*;
        assert_eq!(summary(&[]), "");
        let all_ok: Vec<_> = CheckKind::ALL.iter().map(|k| c(*k, Ok)).collect();
        assert_eq!(summary(&all_ok), "5 OK");
        assert_eq!(
            summary(&[
                c(VariacaoValor, SemDados),
                c(PossivelDuplicata, Ok),
                c(Vencimento, Ok),
                c(LinhaDigitavel, Ok)
            ]),
            "3 OK, 1 sem dados"
        );
        assert_eq!(
            summary(&[
                c(VariacaoValor, Falhou),
                c(PossivelDuplicata, Ok),
                c(Vencimento, Atencao),
                c(LinhaDigitavel, Falhou)
            ]),
            "Falhou: Variação do valor, Linha digitável (1 OK, 1 pede atenção)"
        );
        assert_eq!(summary(&[c(Vencimento, Falhou)]), "Falhou: Vencimento");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn past(month: &str, amount: Option<i64>) -> PastInvoice {
        PastInvoice {
            reference_month: month.to_string(),
            amount_cents: amount,
            due_date: None,
            sha256: None,
            process_id: Uuid::new_v4(),
        }
    }

    fn input(amount: Option<i64>, history: Vec<PastInvoice>) -> CheckInput {
        CheckInput {
            reference_month: "2024-06".to_string(),
            amount_cents: amount,
            due_date: Some(d(2024, 7, 20)),
            sha256: Some("abc".to_string()),
            payment_line_valid: Some(true),
            payment_line_reason: None,
            history,
            today: d(2024, 7, 1),
            settings: CheckSettings::default(),
            identity: Some(InvoiceIdentity {
                reference_month: Some("2024-06".into()),
                cnpjs: vec!["10141561000164".into()],
                account: Some("conta-7".into()),
            }),
            client_cnpj: "10.141.561/0001-64".into(),
            client_account: Some("CONTA 7".into()),
        }
    }

    #[test]
    fn the_invoice_must_be_the_processs_month_client_and_account() {
        let base = input(Some(100), vec![]);
        let id = |i: &CheckInput| get(&evaluate(i), CheckKind::IdentidadeFatura).clone();
        let ok = id(&base);
        assert_eq!(ok.outcome, Outcome::Ok);
        assert_eq!(ok.reason, "Conferem: mês, CNPJ, conta.");

        let mut i = base.clone();
        i.identity.as_mut().unwrap().reference_month = Some("2024-05".into());
        let c = id(&i);
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(
            c.reason,
            "Fatura de outro mês: a fatura é de 05/2024, o processo é de 06/2024."
        );
        assert!(!all_passed(&evaluate(&i)));

        let mut i = base.clone();
        i.identity.as_mut().unwrap().cnpjs = vec!["02558157000162".into()];
        i.identity.as_mut().unwrap().account = Some("9999".into());
        let c = id(&i);
        assert_eq!(c.outcome, Outcome::Falhou);
        assert!(c.reason.starts_with("Fatura de outro CNPJ: a fatura mostra 02.558.157/0001-62, o cliente é 10.141.561/0001-64; Fatura de outra conta: a fatura é da conta 9999, o cliente é da conta CONTA 7"), "{}", c.reason);

        // The operator's CNPJ beside the client's: fine. Leading zeros and punctuation too.
        let mut i = base.clone();
        i.identity
            .as_mut()
            .unwrap()
            .cnpjs
            .insert(0, "02558157000162".into());
        i.identity.as_mut().unwrap().account = Some("0CONTA-7".into());
        assert_eq!(id(&i).outcome, Outcome::Ok);

        // Only the month printed, and right: a pass that says what was not printed.
        let mut i = base.clone();
        i.identity = Some(InvoiceIdentity {
            reference_month: Some("2024-06".into()),
            ..Default::default()
        });
        let c = id(&i);
        assert_eq!(c.outcome, Outcome::Ok);
        assert_eq!(
            c.reason,
            "Conferem: mês. Não impressos na fatura: CNPJ, conta."
        );

        // Nothing read, or never read: its own outcome, not a pass.
        let mut i = base.clone();
        i.identity = Some(InvoiceIdentity::default());
        assert_eq!(id(&i).outcome, Outcome::SemDados);
        assert!(!all_passed(&evaluate(&i)));
        i.identity = None;
        assert_eq!(id(&i).outcome, Outcome::SemDados);

        // A client without an account code: the account is not compared.
        let mut i = base.clone();
        i.client_account = None;
        i.identity.as_mut().unwrap().account = Some("qualquer".into());
        assert_eq!(id(&i).reason, "Conferem: mês, CNPJ.");
        assert_eq!(norm_account(" 001-23.a "), "123A");
    }

    fn get(checks: &[Check], kind: CheckKind) -> &Check {
        checks.iter().find(|c| c.kind == kind).unwrap()
    }

    fn variation(i: &CheckInput) -> Check {
        get(&evaluate(i), CheckKind::VariacaoValor).clone()
    }

    fn three_months_of(cents: i64) -> Vec<PastInvoice> {
        vec![
            past("2024-03", Some(cents)),
            past("2024-04", Some(cents)),
            past("2024-05", Some(cents)),
        ]
    }

    #[test]
    fn five_checks_in_enum_order() {
        let kinds: Vec<CheckKind> = evaluate(&input(Some(100_00), vec![]))
            .iter()
            .map(|c| c.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                CheckKind::VariacaoValor,
                CheckKind::PossivelDuplicata,
                CheckKind::Vencimento,
                CheckKind::LinhaDigitavel,
                CheckKind::IdentidadeFatura
            ]
        );
    }

    #[test]
    fn money_and_percent_text() {
        assert_eq!(brl(123456), "R$ 1.234,56");
        assert_eq!(brl(5), "R$ 0,05");
        assert_eq!(brl(100_000_000_00), "R$ 100.000.000,00");
        assert_eq!(brl(-150_000), "-R$ 1.500,00");
        assert_eq!(percent_text(5000), "50%");
        assert_eq!(percent_text(2001), "20,01%");
        assert_eq!(percent_text(1250), "12,5%");
        assert_eq!(div_round(1001, 3), 334);
        assert_eq!(div_round(1000, 3), 333);
        assert_eq!(div_round(-1001, 3), -334);
    }

    #[test]
    fn amount_missing_is_sem_dados() {
        let c = variation(&input(None, three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::SemDados);
        assert_eq!(c.reason, "Informe o valor da fatura.");
        assert_eq!(c.days_left, None);
    }

    #[test]
    fn no_history_is_sem_dados() {
        let c = variation(&input(Some(1000_00), vec![past("2024-05", None)]));
        assert_eq!(c.outcome, Outcome::SemDados);
        assert_eq!(c.reason, "Sem faturas anteriores com valor para comparar.");
    }

    #[test]
    fn invalid_reference_month_is_sem_dados() {
        let mut i = input(Some(1000_00), three_months_of(1000_00));
        i.reference_month = "06/2024".into();
        assert_eq!(variation(&i).outcome, Outcome::SemDados);
    }

    #[test]
    fn fifty_percent_above_fails_naming_both_values() {
        let c = variation(&input(Some(1500_00), three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(
            c.reason,
            "R$ 1.500,00 está 50% acima da média dos últimos 3 meses (R$ 1.000,00)."
        );
    }

    #[test]
    fn below_fails_too() {
        let c = variation(&input(Some(700_00), three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(
            c.reason,
            "R$ 700,00 está 30% abaixo da média dos últimos 3 meses (R$ 1.000,00)."
        );
    }

    #[test]
    fn exactly_the_tolerance_passes() {
        let c = variation(&input(Some(1200_00), three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::Ok);
        assert_eq!(
            c.reason,
            "Dentro de 20% da média dos últimos 3 meses (R$ 1.000,00): R$ 1.200,00 está 20% acima."
        );
        let c = variation(&input(Some(800_00), three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::Ok);
    }

    #[test]
    fn one_hundredth_of_a_percent_over_fails() {
        // 20.01% above R$ 1.000,00 is R$ 1.200,10.
        let c = variation(&input(Some(1200_10), three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(
            c.reason,
            "R$ 1.200,10 está 20,01% acima da média dos últimos 3 meses (R$ 1.000,00)."
        );
        // A single cent over: 20.001%, shown rounded up so it never reads "20%".
        let c = variation(&input(Some(12_000_01), three_months_of(10_000_00)));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert!(c.reason.contains("20,01% acima"), "{}", c.reason);
    }

    #[test]
    fn average_that_is_not_whole_cents_is_exact() {
        // Average 1000.00333...: 1200.00 is 19.9992% above, passes; no float involved.
        let history = vec![
            past("2024-03", Some(1000_00)),
            past("2024-04", Some(1000_00)),
            past("2024-05", Some(1000_01)),
        ];
        let c = variation(&input(Some(1200_00), history.clone()));
        assert_eq!(c.outcome, Outcome::Ok);
        assert!(c.reason.contains("(R$ 1.000,00)"), "{}", c.reason);
        assert!(c.reason.contains("19,99% acima"), "{}", c.reason);
        // 20% above 1000.00333... is 1200.004: one more cent fails.
        let c = variation(&input(Some(1200_01), history));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert!(c.reason.contains("20,01% acima"), "{}", c.reason);
    }

    #[test]
    fn equal_to_average_passes() {
        let c = variation(&input(Some(1000_00), three_months_of(1000_00)));
        assert_eq!(c.outcome, Outcome::Ok);
        assert!(
            c.reason.ends_with("R$ 1.000,00 é igual à média."),
            "{}",
            c.reason
        );
    }

    #[test]
    fn zero_average() {
        let c = variation(&input(Some(0), three_months_of(0)));
        assert_eq!(c.outcome, Outcome::Ok);
        let c = variation(&input(Some(10_00), three_months_of(0)));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(
            c.reason,
            "R$ 10,00 com média dos últimos 3 meses de R$ 0,00: não há como medir a variação."
        );
    }

    #[test]
    fn later_months_and_the_same_month_are_ignored() {
        let mut history = three_months_of(1000_00);
        history.push(past("2024-07", Some(9_000_00)));
        history.push(past("2025-01", Some(9_000_00)));
        history.push(past("2024-06", Some(9_000_00)));
        let c = variation(&input(Some(1000_00), history));
        assert_eq!(c.outcome, Outcome::Ok);
        assert!(c.reason.contains("(R$ 1.000,00)"), "{}", c.reason);
    }

    #[test]
    fn window_takes_the_three_most_recent_months_with_an_amount() {
        // Any order; May and March have no amount; January is the 4th and stays out.
        let history = vec![
            past("2024-01", Some(100_000_00)),
            past("2024-05", None),
            past("2024-04", Some(900_00)),
            past("2023-12", Some(50_00)),
            past("2024-03", None),
            past("2024-02", Some(1100_00)),
        ];
        // Window: Apr 900, Feb 1100, Jan 100000 (average 34000); December stays out.
        let c = variation(&input(Some(1000_00), history.clone()));
        assert!(c.reason.contains("(R$ 34.000,00)"), "{}", c.reason);
        // Give March an amount: window becomes Apr, Mar, Feb; January drops out.
        let mut history = history;
        history.retain(|p| p.reference_month != "2024-03");
        history.push(past("2024-03", Some(1000_00)));
        let c = variation(&input(Some(1000_00), history));
        assert_eq!(c.outcome, Outcome::Ok);
        assert!(
            c.reason.contains("média dos últimos 3 meses (R$ 1.000,00)"),
            "{}",
            c.reason
        );
    }

    #[test]
    fn fewer_than_three_months_say_so() {
        let c = variation(&input(Some(1000_00), vec![past("2024-02", Some(1000_00))]));
        assert_eq!(c.outcome, Outcome::Ok);
        assert!(c.reason.contains("média do último mês"), "{}", c.reason);
        let c = variation(&input(
            Some(1000_00),
            vec![
                past("2024-02", Some(1000_00)),
                past("2024-04", Some(1000_00)),
            ],
        ));
        assert!(c.reason.contains("dos últimos 2 meses"), "{}", c.reason);
    }

    #[test]
    fn custom_tolerance() {
        let mut i = input(Some(1100_00), three_months_of(1000_00));
        i.settings.tolerance_pct = 5;
        let c = variation(&i);
        assert_eq!(c.outcome, Outcome::Falhou);
        assert!(c.reason.contains("10% acima"), "{}", c.reason);
    }

    fn dup(i: &CheckInput) -> Check {
        get(&evaluate(i), CheckKind::PossivelDuplicata).clone()
    }

    #[test]
    fn same_file_in_another_month_fails() {
        let mut p = past("2024-02", Some(1_00));
        p.sha256 = Some("  ABC ".into());
        let mut q = past("2024-04", Some(2_00));
        q.sha256 = Some("abc".into());
        let c = dup(&input(Some(1000_00), vec![q, p]));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(c.reason, "O mesmo arquivo já foi recebido em 02/2024.");
    }

    #[test]
    fn same_file_in_a_later_month_counts() {
        let mut p = past("2024-09", None);
        p.sha256 = Some("abc".into());
        let c = dup(&input(Some(1000_00), vec![p]));
        assert_eq!(c.reason, "O mesmo arquivo já foi recebido em 09/2024.");
    }

    #[test]
    fn same_amount_and_due_date_fails() {
        let mut p = past("2024-05", Some(1000_00));
        p.due_date = Some(d(2024, 7, 20));
        let c = dup(&input(Some(1000_00), vec![p]));
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(c.reason, "Mesmo valor e vencimento da fatura de 05/2024.");
    }

    #[test]
    fn same_amount_other_due_date_is_ok() {
        let mut p = past("2024-05", Some(1000_00));
        p.due_date = Some(d(2024, 6, 20));
        let mut q = past("2024-04", Some(999_99));
        q.due_date = Some(d(2024, 7, 20));
        let c = dup(&input(Some(1000_00), vec![p, q]));
        assert_eq!(c.outcome, Outcome::Ok);
        assert!(!c.reason.is_empty());
    }

    #[test]
    fn sha_duplicate_beats_amount_duplicate() {
        let mut same_bill = past("2024-03", Some(1000_00));
        same_bill.due_date = Some(d(2024, 7, 20));
        let mut same_file = past("2024-05", None);
        same_file.sha256 = Some("abc".into());
        let c = dup(&input(Some(1000_00), vec![same_bill, same_file]));
        assert_eq!(c.reason, "O mesmo arquivo já foi recebido em 05/2024.");
    }

    #[test]
    fn own_month_and_missing_data_never_duplicate() {
        // The process itself left in the history.
        let mut own = past("2024-06", Some(1000_00));
        own.sha256 = Some("abc".into());
        own.due_date = Some(d(2024, 7, 20));
        let c = dup(&input(Some(1000_00), vec![own]));
        assert_eq!(c.outcome, Outcome::Ok);
        // No sha, no amount on our side: nothing to match.
        let mut p = past("2024-05", None);
        p.due_date = Some(d(2024, 7, 20));
        let mut i = input(None, vec![p]);
        i.sha256 = Some("   ".into());
        assert_eq!(dup(&i).outcome, Outcome::Ok);
    }

    fn due(i: &CheckInput) -> Check {
        get(&evaluate(i), CheckKind::Vencimento).clone()
    }

    fn due_in(days: i64) -> Check {
        let mut i = input(Some(1_00), vec![]);
        i.due_date = Some(i.today + chrono::Duration::days(days));
        due(&i)
    }

    #[test]
    fn due_date_missing() {
        let mut i = input(Some(1_00), vec![]);
        i.due_date = None;
        let c = due(&i);
        assert_eq!(c.outcome, Outcome::SemDados);
        assert_eq!(c.reason, "Informe a data de vencimento.");
        assert_eq!(c.days_left, None);
    }

    #[test]
    fn due_yesterday_and_before() {
        let c = due_in(-1);
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(c.reason, "Venceu em 30/06/2024 (há 1 dia).");
        assert_eq!(c.days_left, Some(-1));
        assert_eq!(due_in(-10).reason, "Venceu em 21/06/2024 (há 10 dias).");
    }

    #[test]
    fn due_today_tomorrow_and_the_window_edge() {
        let c = due_in(0);
        assert_eq!(c.outcome, Outcome::Atencao);
        assert_eq!(c.reason, "Vence hoje (01/07/2024).");
        assert_eq!(c.days_left, Some(0));
        let c = due_in(1);
        assert_eq!(c.outcome, Outcome::Atencao);
        assert_eq!(c.reason, "Vence em 1 dia (02/07/2024).");
        let c = due_in(5);
        assert_eq!(c.outcome, Outcome::Atencao);
        assert_eq!(c.reason, "Vence em 5 dias (06/07/2024).");
        let c = due_in(6);
        assert_eq!(c.outcome, Outcome::Ok);
        assert_eq!(c.reason, "Vence em 6 dias (07/07/2024).");
        assert_eq!(c.days_left, Some(6));
    }

    fn line(valid: Option<bool>, reason: Option<&str>) -> Check {
        let mut i = input(Some(1_00), vec![]);
        i.payment_line_valid = valid;
        i.payment_line_reason = reason.map(str::to_string);
        get(&evaluate(&i), CheckKind::LinhaDigitavel).clone()
    }

    #[test]
    fn payment_line_outcomes() {
        assert_eq!(line(Some(true), None).outcome, Outcome::Ok);
        let c = line(
            Some(false),
            Some("Dígito verificador do campo 2 não confere."),
        );
        assert_eq!(c.outcome, Outcome::Falhou);
        assert_eq!(c.reason, "Dígito verificador do campo 2 não confere.");
        assert_eq!(line(Some(false), None).reason, "Linha digitável inválida.");
        assert_eq!(
            line(Some(false), Some(" ")).reason,
            "Linha digitável inválida."
        );
        let c = line(None, None);
        assert_eq!(c.outcome, Outcome::Atencao);
        assert_eq!(c.reason, "Nenhuma linha digitável encontrada na fatura.");
    }

    #[test]
    fn all_passed_blocks_on_falhou_and_sem_dados_only() {
        let ok = evaluate(&input(Some(1000_00), three_months_of(1000_00)));
        assert!(ok.iter().all(|c| c.outcome == Outcome::Ok), "{ok:?}");
        assert!(all_passed(&ok));
        // Attention (due soon, no payment line) does not block.
        let mut i = input(Some(1000_00), three_months_of(1000_00));
        i.due_date = Some(i.today);
        i.payment_line_valid = None;
        assert!(all_passed(&evaluate(&i)));
        // No amount: blocks.
        assert!(!all_passed(&evaluate(&input(
            None,
            three_months_of(1000_00)
        ))));
        // No history to compare with: blocks.
        assert!(!all_passed(&evaluate(&input(Some(1000_00), vec![]))));
        // A failure: blocks.
        assert!(!all_passed(&evaluate(&input(
            Some(5000_00),
            three_months_of(1000_00)
        ))));
        assert!(all_passed(&[]));
    }

    #[test]
    fn json_shape() {
        let c = due_in(3);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "kind": "VENCIMENTO",
                "outcome": "ATENCAO",
                "reason": "Vence em 3 dias (04/07/2024).",
                "days_left": 3
            })
        );
        let c = variation(&input(None, vec![]));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["kind"], "VARIACAO_VALOR");
        assert_eq!(v["outcome"], "SEM_DADOS");
        assert_eq!(v["days_left"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(CheckKind::PossivelDuplicata).unwrap(),
            "POSSIVEL_DUPLICATA"
        );
        assert_eq!(
            serde_json::to_value(CheckKind::LinhaDigitavel).unwrap(),
            "LINHA_DIGITAVEL"
        );
        assert_eq!(serde_json::to_value(Outcome::Falhou).unwrap(), "FALHOU");
        assert_eq!(serde_json::to_value(Outcome::Ok).unwrap(), "OK");
        let s: CheckSettings =
            serde_json::from_str(r#"{"tolerance_pct":10,"due_soon_days":3}"#).unwrap();
        assert_eq!(s.tolerance_pct, 10);
    }
}
