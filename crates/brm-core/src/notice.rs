//! Desktop notifications, free of any notification API: what an approver's desktop is
//! told (an invoice waiting, a process needing attention), in pt-BR, and how a burst of
//! them becomes one summary. The desktop shell only shows what [`NoticeComposer`]
//! returns and reports the clicks back.

use crate::approval::format_brl;
use crate::error::Violations;
use crate::process::Month;
use crate::Result;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// More alerts than this in one scan become one summary notification.
pub const SUMMARY_ABOVE: usize = 3;

/// This computer's preferences (kept in a file in the app's config folder, not in the
/// shared database): which events notify, quiet hours, and what closing the window does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DesktopPreferences {
    /// Notify when an invoice reaches AGUARDANDO_APROVACAO.
    pub notify_waiting: bool,
    /// Notify when a process starts needing attention.
    pub notify_attention: bool,
    /// Hold notifications between `quiet_start` and `quiet_end` (local time, "HH:MM";
    /// the range may cross midnight).
    pub quiet_hours: bool,
    pub quiet_start: String,
    pub quiet_end: String,
    /// Closing the window keeps the app (worker, notifications) running in the tray.
    pub close_to_tray: bool,
    /// Start the app when this computer's user logs in (off unless chosen; a file from
    /// before this option reads as off).
    pub start_with_system: bool,
    /// The window's colours on this computer ("auto" follows the operating system).
    pub theme: Theme,
}

/// The colour theme chosen on this computer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follows the operating system's light or dark setting.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The window's value ("auto", "light", "dark"), or a pt-BR reason on the `theme` field.
    pub fn parse(value: &str) -> crate::Result<Theme> {
        match value {
            "auto" => Ok(Theme::Auto),
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            other => Err(crate::Error::field(
                "theme",
                format!("Tema desconhecido: \"{other}\". Escolha automático, claro ou escuro."),
            )),
        }
    }

    /// In pt-BR, for the audit trail.
    pub fn label(self) -> &'static str {
        match self {
            Theme::Auto => "automático",
            Theme::Light => "claro",
            Theme::Dark => "escuro",
        }
    }
}

impl Default for DesktopPreferences {
    fn default() -> Self {
        Self {
            notify_waiting: true,
            notify_attention: true,
            quiet_hours: false,
            quiet_start: "19:00".into(),
            quiet_end: "08:00".into(),
            close_to_tray: true,
            start_with_system: false,
            theme: Theme::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertKind {
    /// The invoice reached AGUARDANDO_APROVACAO.
    Aguardando,
    /// The process started needing attention (robot failures, retries exhausted).
    Atencao,
}

/// One process an approver's desktop should hear about, as the service found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub process_id: Uuid,
    /// The version the notification shows; "Aprovar" approves exactly this version.
    pub version: i64,
    pub client_name: String,
    pub operator_name: String,
    /// "AAAA-MM", as stored.
    pub reference_month: String,
    pub amount_cents: Option<i64>,
    pub due_date: Option<NaiveDate>,
    /// True when this session could approve it from the notification: every check
    /// passed, four eyes not required, not the session's own upload, role allows.
    pub can_approve: bool,
    /// For attention alerts: why (the last error), in pt-BR.
    pub detail: Option<String>,
}

/// What a click on a notification opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum NoticeTarget {
    /// One process; `version` is what the notification showed.
    Processo { id: Uuid, version: i64 },
    /// The approval queue (summaries of waiting invoices).
    Aprovacao,
    /// The processes needing attention (summaries of attention alerts).
    Atencao,
    /// The approval desk on one process, its "Aprovar" focused: where a link that asks to
    /// approve lands. A link can come from anywhere (a web page, an e-mail), so it never
    /// approves by itself; the person is one keystroke away.
    ProcessoNaAprovacao { id: Uuid },
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// Offer the "Aprovar" button (besides "Abrir").
    pub approve: bool,
    pub target: NoticeTarget,
}

/// Turns scans into notices: one per alert, a summary for a burst, nothing during quiet
/// hours but a summary of what was held once they end. Keeps only the held counts.
#[derive(Debug, Default)]
pub struct NoticeComposer {
    held_waiting: usize,
    held_attention: usize,
}

/// What one scan of the database found new for this desktop. `alerts` carries the
/// details of at most a few dozen; the counts are the true numbers, so a summary can say
/// "120 faturas" even when only the first ones were read in full.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertBatch {
    pub alerts: Vec<Alert>,
    pub new_waiting: usize,
    pub new_attention: usize,
}

/// How many operators a summary names before folding the rest into "e mais N".
const SUMMARY_OPERATORS: usize = 4;

const TIME_FORMAT: &str = "Use o formato HH:MM, de 00:00 a 23:59.";
const SAME_QUIET_TIMES: &str = "O fim do horário de silêncio precisa ser diferente do início.";

/// "HH:MM" strictly (two digits each, 00:00–23:59), after trimming; `None` otherwise.
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let digits = |x: &[u8]| -> Option<u32> {
        if x.iter().all(u8::is_ascii_digit) {
            Some(u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
        } else {
            None
        }
    };
    let (h, m) = (digits(&b[..2])?, digits(&b[3..])?);
    if h > 23 || m > 59 {
        return None;
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

impl DesktopPreferences {
    /// Both times must be "HH:MM" (whether or not quiet hours are on, so a later switch
    /// cannot turn on a broken range); with quiet hours on, the range cannot be empty.
    pub fn validate(&self) -> Result<()> {
        let mut v = Violations::default();
        let start = parse_hhmm(&self.quiet_start);
        let end = parse_hhmm(&self.quiet_end);
        if start.is_none() {
            v.add("quiet_start", TIME_FORMAT);
        }
        if end.is_none() {
            v.add("quiet_end", TIME_FORMAT);
        }
        if let (true, Some(s), Some(e)) = (self.quiet_hours, start, end) {
            if s == e {
                v.add("quiet_end", SAME_QUIET_TIMES);
            }
        }
        v.into_result()
    }

    /// What is kept once validated: the same preferences with the times trimmed.
    pub fn normalized(&self) -> Result<DesktopPreferences> {
        self.validate()?;
        Ok(DesktopPreferences {
            quiet_start: self.quiet_start.trim().to_string(),
            quiet_end: self.quiet_end.trim().to_string(),
            ..self.clone()
        })
    }

    /// Whether `now` (local time) falls in the quiet hours: start inclusive, end
    /// exclusive; a start after the end crosses midnight (19:00–08:00). False when quiet
    /// hours are off or the times are not valid.
    pub fn in_quiet_hours(&self, now: NaiveTime) -> bool {
        if !self.quiet_hours {
            return false;
        }
        let (Some(start), Some(end)) = (parse_hhmm(&self.quiet_start), parse_hhmm(&self.quiet_end))
        else {
            return false;
        };
        if start <= end {
            start <= now && now < end
        } else {
            now >= start || now < end
        }
    }
}

impl NoticeComposer {
    pub fn new() -> Self {
        Self::default()
    }

    /// What quiet hours have held so far: (waiting, attention).
    pub fn held(&self) -> (usize, usize) {
        (self.held_waiting, self.held_attention)
    }

    /// Turns one scan into the notices to show now. `actions` says whether this
    /// desktop's notifications can carry buttons; "Aprovar" is offered only then, and
    /// only on an invoice the session could approve.
    pub fn compose(
        &mut self,
        batch: AlertBatch,
        prefs: &DesktopPreferences,
        now: NaiveTime,
        actions: bool,
    ) -> Vec<Notice> {
        let (mut waiting, mut attention): (Vec<Alert>, Vec<Alert>) = batch
            .alerts
            .into_iter()
            .partition(|a| a.kind == AlertKind::Aguardando);
        // The counts are the true numbers; never fewer than the alerts read in full.
        let mut new_waiting = batch.new_waiting.max(waiting.len());
        let mut new_attention = batch.new_attention.max(attention.len());
        if !prefs.notify_waiting {
            waiting.clear();
            new_waiting = 0;
        }
        if !prefs.notify_attention {
            attention.clear();
            new_attention = 0;
        }

        if prefs.in_quiet_hours(now) {
            self.held_waiting += new_waiting;
            self.held_attention += new_attention;
            return Vec::new();
        }

        let mut out = Vec::new();
        // Preferences may have changed since: say only what this desktop still wants.
        let held_waiting = if prefs.notify_waiting {
            self.held_waiting
        } else {
            0
        };
        let held_attention = if prefs.notify_attention {
            self.held_attention
        } else {
            0
        };
        self.held_waiting = 0;
        self.held_attention = 0;
        if held_waiting + held_attention > 0 {
            out.push(held_summary(held_waiting, held_attention));
        }

        if new_waiting > SUMMARY_ABOVE || waiting.len() < new_waiting {
            out.push(Notice {
                title: waiting_count(new_waiting),
                body: by_operator(
                    &waiting,
                    new_waiting,
                    "Abra a fila de aprovação para ver todas.",
                ),
                approve: false,
                target: NoticeTarget::Aprovacao,
            });
        } else {
            out.extend(waiting.iter().map(|a| waiting_notice(a, actions)));
        }

        if new_attention > SUMMARY_ABOVE || attention.len() < new_attention {
            out.push(Notice {
                title: attention_count(new_attention),
                body: by_operator(
                    &attention,
                    new_attention,
                    "Abra os processos que precisam de atenção para ver todos.",
                ),
                approve: false,
                target: NoticeTarget::Atencao,
            });
        } else {
            out.extend(attention.iter().map(attention_notice));
        }
        out
    }
}

/// The preferences' test button: shows how a notification arrives here.
pub fn test_notice(actions: bool) -> Notice {
    let mut body = String::from("As notificações do BRM RPA Desk chegam assim.");
    if !actions {
        body.push_str(
            " O servidor de notificações desta área de trabalho não mostra botões: \
             clique na notificação para abri-la.",
        );
    }
    Notice {
        title: "Notificação de teste".into(),
        body,
        approve: false,
        target: NoticeTarget::Aprovacao,
    }
}

fn held_summary(waiting: usize, attention: usize) -> Notice {
    let body = match (waiting, attention) {
        (0, a) => attention_count(a),
        (w, 0) => waiting_count(w),
        (w, a) => format!("{} e {}", waiting_count(w), attention_count(a)),
    };
    Notice {
        title: "Durante o horário de silêncio".into(),
        body: format!("{body}."),
        approve: false,
        target: if waiting > 0 {
            NoticeTarget::Aprovacao
        } else {
            NoticeTarget::Atencao
        },
    }
}

fn waiting_notice(a: &Alert, actions: bool) -> Notice {
    let amount = a
        .amount_cents
        .map(format_brl)
        .unwrap_or_else(|| "Valor não lido".into());
    let due = a
        .due_date
        .map(|d| format!("vence em {}", d.format("%d/%m/%Y")))
        .unwrap_or_else(|| "vencimento não lido".into());
    Notice {
        title: "Fatura aguardando aprovação".into(),
        body: format!("{}\n{amount} · {due}", headline(a)),
        approve: actions && a.can_approve,
        target: NoticeTarget::Processo {
            id: a.process_id,
            version: a.version,
        },
    }
}

fn attention_notice(a: &Alert) -> Notice {
    let detail = a
        .detail
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("Abra o processo para ver o motivo.");
    Notice {
        title: "Processo precisa de atenção".into(),
        body: format!("{}\n{detail}", headline(a)),
        approve: false,
        target: NoticeTarget::Processo {
            id: a.process_id,
            version: a.version,
        },
    }
}

/// "<cliente> · <operadora> · MM/AAAA".
fn headline(a: &Alert) -> String {
    let month = Month::parse(&a.reference_month)
        .map(Month::display)
        .unwrap_or_else(|_| a.reference_month.trim().to_string());
    format!("{} · {} · {month}", a.client_name.trim(), operator_name(a))
}

fn operator_name(a: &Alert) -> &str {
    let name = a.operator_name.trim();
    if name.is_empty() {
        "Sem operadora"
    } else {
        name
    }
}

/// "VIVO: 5 · OI: 4 · e mais 3": the alerts read in full grouped by operator (most
/// first), then how many more the count has.
fn by_operator(alerts: &[Alert], total: usize, none: &str) -> String {
    if alerts.is_empty() {
        return none.to_string();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in alerts {
        *counts.entry(operator_name(a)).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    // Most first; ties by name (the map already sorted them, the sort is stable).
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let shown: Vec<(&str, usize)> = counts.iter().take(SUMMARY_OPERATORS).copied().collect();
    let named: usize = shown.iter().map(|(_, n)| n).sum();
    let mut parts: Vec<String> = shown
        .iter()
        .map(|(name, n)| format!("{name}: {}", count_text(*n)))
        .collect();
    let more = total.saturating_sub(named);
    if more > 0 {
        parts.push(format!("e mais {}", count_text(more)));
    }
    parts.join(" · ")
}

fn waiting_count(n: usize) -> String {
    if n == 1 {
        "1 fatura aguardando aprovação".into()
    } else {
        format!("{} faturas aguardando aprovação", count_text(n))
    }
}

fn attention_count(n: usize) -> String {
    if n == 1 {
        "1 processo precisa de atenção".into()
    } else {
        format!("{} processos precisam de atenção", count_text(n))
    }
}

/// A count with pt-BR thousands: 1234 → "1.234".
fn count_text(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// A notification body as plain text for a server that reads markup (the Desktop
/// Notifications Specification's "body-markup": `<b>`, `<i>`, `<a href>`, `<img>`): the
/// texts in a body come from spreadsheets and from the robot, and must not become links
/// or images there.
pub fn escape_body_markup(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn start_with_system_is_off_by_default_and_in_older_files() {
        assert!(!DesktopPreferences::default().start_with_system);
        // A file written before the option existed.
        let old: DesktopPreferences = serde_json::from_str(
            r#"{"notify_waiting": false, "quiet_hours": true, "quiet_start": "20:00",
                "quiet_end": "07:00", "close_to_tray": false}"#,
        )
        .unwrap();
        assert!(!old.start_with_system);
        assert!(!old.notify_waiting && old.quiet_hours && !old.close_to_tray);
        let on: DesktopPreferences =
            serde_json::from_str(r#"{"start_with_system": true}"#).unwrap();
        assert!(on.start_with_system);
        assert_eq!(on.normalized().unwrap(), on, "kept when saved");
    }

    fn quiet(start: &str, end: &str) -> DesktopPreferences {
        DesktopPreferences {
            quiet_hours: true,
            quiet_start: start.into(),
            quiet_end: end.into(),
            ..Default::default()
        }
    }

    fn alert(kind: AlertKind, operator: &str) -> Alert {
        Alert {
            kind,
            process_id: Uuid::new_v4(),
            version: 7,
            client_name: "Padaria Estrela".into(),
            operator_name: operator.into(),
            reference_month: "2025-03".into(),
            amount_cents: Some(123_456),
            due_date: NaiveDate::from_ymd_opt(2025, 4, 5),
            can_approve: true,
            detail: Some("O portal recusou a senha.".into()),
        }
    }

    fn waiting(n: usize, operator: &str) -> Vec<Alert> {
        (0..n)
            .map(|_| alert(AlertKind::Aguardando, operator))
            .collect()
    }

    fn batch(alerts: Vec<Alert>) -> AlertBatch {
        let new_waiting = alerts
            .iter()
            .filter(|a| a.kind == AlertKind::Aguardando)
            .count();
        AlertBatch {
            new_attention: alerts.len() - new_waiting,
            new_waiting,
            alerts,
        }
    }

    fn fields(e: &crate::Error) -> Vec<(&str, &str)> {
        e.fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect()
    }

    #[test]
    fn default_preferences_are_valid() {
        assert_eq!(DesktopPreferences::default().validate(), Ok(()));
        assert_eq!(quiet(" 22:30 ", "06:00").validate(), Ok(()));
        assert_eq!(quiet("00:00", "23:59").validate(), Ok(()));
    }

    #[test]
    fn times_must_be_strict_hh_mm() {
        for bad in [
            "8:05", "24:00", "12:60", "12h30", "", "12:3", "12:300", "+1:00", "１2:00",
        ] {
            let e = quiet(bad, "08:00").validate().unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::Validation, "{bad}");
            assert_eq!(fields(&e), vec![("quiet_start", TIME_FORMAT)], "{bad}");
        }
        assert_eq!(parse_hhmm(" 07:45\n"), Some(t(7, 45)));
        assert_eq!(parse_hhmm("23:59"), Some(t(23, 59)));
    }

    #[test]
    fn both_bad_times_are_reported_even_with_quiet_hours_off() {
        let prefs = DesktopPreferences {
            quiet_hours: false,
            quiet_start: "25:00".into(),
            quiet_end: "x".into(),
            ..Default::default()
        };
        let e = prefs.validate().unwrap_err();
        assert_eq!(
            fields(&e),
            vec![("quiet_start", TIME_FORMAT), ("quiet_end", TIME_FORMAT)]
        );
    }

    #[test]
    fn equal_times_are_refused_only_when_quiet_hours_are_on() {
        let e = quiet("22:00", " 22:00").validate().unwrap_err();
        assert_eq!(fields(&e), vec![("quiet_end", SAME_QUIET_TIMES)]);
        assert_eq!(e.message, SAME_QUIET_TIMES);
        let off = DesktopPreferences {
            quiet_hours: false,
            ..quiet("22:00", "22:00")
        };
        assert_eq!(off.validate(), Ok(()));
    }

    #[test]
    fn normalized_trims_the_times_and_refuses_bad_ones() {
        let n = quiet(" 19:00", "08:00 ").normalized().unwrap();
        assert_eq!(
            (n.quiet_start.as_str(), n.quiet_end.as_str()),
            ("19:00", "08:00")
        );
        assert!(quiet("7:00", "08:00").normalized().is_err());
    }

    #[test]
    fn quiet_hours_crossing_midnight() {
        let p = quiet("19:00", "08:00");
        assert!(!p.in_quiet_hours(t(18, 59)));
        assert!(p.in_quiet_hours(t(19, 0)));
        assert!(p.in_quiet_hours(t(23, 59)));
        assert!(p.in_quiet_hours(t(0, 0)));
        assert!(p.in_quiet_hours(t(7, 59)));
        assert!(!p.in_quiet_hours(t(8, 0)));
        assert!(!p.in_quiet_hours(t(12, 0)));
    }

    #[test]
    fn quiet_hours_within_a_day_and_off() {
        let p = quiet("12:00", "13:30");
        assert!(!p.in_quiet_hours(t(11, 59)));
        assert!(p.in_quiet_hours(t(12, 0)));
        assert!(p.in_quiet_hours(NaiveTime::from_hms_opt(13, 29, 59).unwrap()));
        assert!(!p.in_quiet_hours(t(13, 30)));
        let off = DesktopPreferences {
            quiet_hours: false,
            ..p.clone()
        };
        assert!(!off.in_quiet_hours(t(12, 30)));
        // An empty or broken range never silences.
        assert!(!quiet("12:00", "12:00").in_quiet_hours(t(12, 0)));
        assert!(!quiet("25:00", "08:00").in_quiet_hours(t(3, 0)));
    }

    #[test]
    fn three_waiting_are_three_notices() {
        let mut c = NoticeComposer::new();
        let alerts = waiting(3, "VIVO");
        let ids: Vec<Uuid> = alerts.iter().map(|a| a.process_id).collect();
        let out = c.compose(
            batch(alerts),
            &DesktopPreferences::default(),
            t(10, 0),
            true,
        );
        assert_eq!(out.len(), 3);
        for (n, id) in out.iter().zip(ids) {
            assert_eq!(n.title, "Fatura aguardando aprovação");
            assert_eq!(n.target, NoticeTarget::Processo { id, version: 7 });
        }
    }

    #[test]
    fn waiting_body_is_pt_br() {
        let mut c = NoticeComposer::new();
        let out = c.compose(
            batch(waiting(1, " VIVO ")),
            &DesktopPreferences::default(),
            t(10, 0),
            true,
        );
        assert_eq!(
            out[0].body,
            "Padaria Estrela · VIVO · 03/2025\nR$ 1.234,56 · vence em 05/04/2025"
        );
    }

    #[test]
    fn missing_amount_and_due_date_say_so() {
        let mut a = alert(AlertKind::Aguardando, "OI");
        a.amount_cents = None;
        a.due_date = None;
        let mut c = NoticeComposer::new();
        let out = c.compose(
            batch(vec![a]),
            &DesktopPreferences::default(),
            t(10, 0),
            true,
        );
        assert_eq!(
            out[0].body,
            "Padaria Estrela · OI · 03/2025\nValor não lido · vencimento não lido"
        );
    }

    #[test]
    fn four_waiting_are_one_summary_by_operator() {
        let mut alerts = waiting(1, "OI");
        alerts.extend(waiting(3, "VIVO"));
        let mut c = NoticeComposer::new();
        let out = c.compose(
            batch(alerts),
            &DesktopPreferences::default(),
            t(10, 0),
            true,
        );
        assert_eq!(
            out,
            vec![Notice {
                title: "4 faturas aguardando aprovação".into(),
                body: "VIVO: 3 · OI: 1".into(),
                approve: false,
                target: NoticeTarget::Aprovacao,
            }]
        );
    }

    #[test]
    fn summary_says_e_mais_when_the_count_exceeds_the_details() {
        let mut alerts = waiting(5, "VIVO");
        alerts.extend(waiting(4, "OI"));
        let b = AlertBatch {
            alerts,
            new_waiting: 1_212,
            new_attention: 0,
        };
        let out = NoticeComposer::new().compose(b, &DesktopPreferences::default(), t(9, 0), true);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].title, "1.212 faturas aguardando aprovação");
        assert_eq!(out[0].body, "VIVO: 5 · OI: 4 · e mais 1.203");
    }

    #[test]
    fn summary_names_at_most_four_operators() {
        let mut alerts = waiting(3, "VIVO");
        for op in ["OI", "CLARO", "TIM", "ALGAR"] {
            alerts.extend(waiting(1, op));
        }
        let out = NoticeComposer::new().compose(
            batch(alerts),
            &DesktopPreferences::default(),
            t(9, 0),
            false,
        );
        assert_eq!(
            out[0].body,
            "VIVO: 3 · ALGAR: 1 · CLARO: 1 · OI: 1 · e mais 1"
        );
    }

    #[test]
    fn a_count_without_details_is_still_a_summary() {
        let b = AlertBatch {
            alerts: Vec::new(),
            new_waiting: 1,
            new_attention: 2,
        };
        let out = NoticeComposer::new().compose(b, &DesktopPreferences::default(), t(9, 0), true);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].title, "1 fatura aguardando aprovação");
        assert_eq!(out[0].body, "Abra a fila de aprovação para ver todas.");
        assert_eq!(out[1].title, "2 processos precisam de atenção");
        assert_eq!(out[1].target, NoticeTarget::Atencao);
    }

    #[test]
    fn approve_needs_actions_and_can_approve() {
        let mut yes = alert(AlertKind::Aguardando, "VIVO");
        yes.can_approve = true;
        let mut no = alert(AlertKind::Aguardando, "VIVO");
        no.can_approve = false;
        let prefs = DesktopPreferences::default();
        let mut c = NoticeComposer::new();
        let with = c.compose(batch(vec![yes.clone(), no.clone()]), &prefs, t(10, 0), true);
        assert_eq!(
            with.iter().map(|n| n.approve).collect::<Vec<_>>(),
            vec![true, false]
        );
        let without = c.compose(batch(vec![yes, no]), &prefs, t(10, 0), false);
        assert_eq!(
            without.iter().map(|n| n.approve).collect::<Vec<_>>(),
            vec![false, false]
        );
    }

    #[test]
    fn attention_notices_and_summary() {
        let a = alert(AlertKind::Atencao, "CLARO");
        let id = a.process_id;
        let mut c = NoticeComposer::new();
        let one = c.compose(
            batch(vec![a]),
            &DesktopPreferences::default(),
            t(10, 0),
            true,
        );
        assert_eq!(
            one,
            vec![Notice {
                title: "Processo precisa de atenção".into(),
                body: "Padaria Estrela · CLARO · 03/2025\nO portal recusou a senha.".into(),
                approve: false,
                target: NoticeTarget::Processo { id, version: 7 },
            }]
        );
        let four = (0..4).map(|_| alert(AlertKind::Atencao, "CLARO")).collect();
        let out = c.compose(batch(four), &DesktopPreferences::default(), t(10, 0), true);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].title, "4 processos precisam de atenção");
        assert_eq!(out[0].body, "CLARO: 4");
        assert_eq!(out[0].target, NoticeTarget::Atencao);
        assert!(!out[0].approve);
    }

    #[test]
    fn attention_without_detail_points_to_the_process() {
        let mut a = alert(AlertKind::Atencao, "TIM");
        a.detail = Some("  ".into());
        a.reference_month = "março".into();
        let out = NoticeComposer::new().compose(
            batch(vec![a]),
            &DesktopPreferences::default(),
            t(10, 0),
            true,
        );
        assert_eq!(
            out[0].body,
            "Padaria Estrela · TIM · março\nAbra o processo para ver o motivo."
        );
    }

    #[test]
    fn preferences_filter_kinds() {
        let mut alerts = waiting(2, "VIVO");
        alerts.push(alert(AlertKind::Atencao, "OI"));
        let only_attention = DesktopPreferences {
            notify_waiting: false,
            ..Default::default()
        };
        let out =
            NoticeComposer::new().compose(batch(alerts.clone()), &only_attention, t(10, 0), true);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].title, "Processo precisa de atenção");
        let only_waiting = DesktopPreferences {
            notify_attention: false,
            ..Default::default()
        };
        let out =
            NoticeComposer::new().compose(batch(alerts.clone()), &only_waiting, t(10, 0), true);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|n| n.title == "Fatura aguardando aprovação"));
        let none = DesktopPreferences {
            notify_waiting: false,
            notify_attention: false,
            ..Default::default()
        };
        assert!(NoticeComposer::new()
            .compose(batch(alerts), &none, t(10, 0), true)
            .is_empty());
    }

    #[test]
    fn quiet_hours_hold_then_summarise_once() {
        let prefs = quiet("19:00", "08:00");
        let mut c = NoticeComposer::new();
        assert!(c
            .compose(batch(waiting(2, "VIVO")), &prefs, t(22, 0), true)
            .is_empty());
        let mut later = waiting(1, "OI");
        later.push(alert(AlertKind::Atencao, "OI"));
        assert!(c.compose(batch(later), &prefs, t(3, 0), true).is_empty());
        assert_eq!(c.held(), (3, 1));
        // The once-a-minute empty scan after the quiet hours end.
        let out = c.compose(AlertBatch::default(), &prefs, t(8, 0), true);
        assert_eq!(
            out,
            vec![Notice {
                title: "Durante o horário de silêncio".into(),
                body: "3 faturas aguardando aprovação e 1 processo precisa de atenção.".into(),
                approve: false,
                target: NoticeTarget::Aprovacao,
            }]
        );
        assert_eq!(c.held(), (0, 0));
        assert!(c
            .compose(AlertBatch::default(), &prefs, t(8, 1), true)
            .is_empty());
    }

    #[test]
    fn held_summary_comes_before_new_notices_and_handles_singular() {
        let prefs = quiet("19:00", "08:00");
        let mut c = NoticeComposer::new();
        let held = (0..2).map(|_| alert(AlertKind::Atencao, "OI")).collect();
        c.compose(batch(held), &prefs, t(20, 0), true);
        let out = c.compose(batch(waiting(1, "VIVO")), &prefs, t(9, 0), true);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].body, "2 processos precisam de atenção.");
        assert_eq!(out[0].target, NoticeTarget::Atencao);
        assert_eq!(out[1].title, "Fatura aguardando aprovação");

        let mut c = NoticeComposer::new();
        c.compose(batch(waiting(1, "VIVO")), &prefs, t(20, 0), true);
        let out = c.compose(AlertBatch::default(), &prefs, t(9, 0), true);
        assert_eq!(out[0].body, "1 fatura aguardando aprovação.");
        assert_eq!(out[0].target, NoticeTarget::Aprovacao);
    }

    #[test]
    fn held_kinds_turned_off_meanwhile_are_dropped() {
        let mut c = NoticeComposer::new();
        c.compose(
            batch(waiting(2, "VIVO")),
            &quiet("19:00", "08:00"),
            t(20, 0),
            true,
        );
        let now_off = DesktopPreferences {
            notify_waiting: false,
            ..quiet("19:00", "08:00")
        };
        assert!(c
            .compose(AlertBatch::default(), &now_off, t(9, 0), true)
            .is_empty());
        assert_eq!(c.held(), (0, 0));
    }

    #[test]
    fn test_notice_mentions_missing_buttons_only_without_actions() {
        let with = test_notice(true);
        assert_eq!(with.title, "Notificação de teste");
        assert_eq!(with.body, "As notificações do BRM RPA Desk chegam assim.");
        assert_eq!(with.target, NoticeTarget::Aprovacao);
        assert!(!with.approve);
        let without = test_notice(false);
        assert!(without.body.starts_with(&with.body));
        assert!(
            without.body.contains("não mostra botões"),
            "{}",
            without.body
        );
        assert!(!without.approve);
    }

    #[test]
    fn counts_are_grouped_pt_br() {
        assert_eq!(count_text(0), "0");
        assert_eq!(count_text(999), "999");
        assert_eq!(count_text(1_000), "1.000");
        assert_eq!(count_text(1_234_567), "1.234.567");
        assert_eq!(attention_count(1), "1 processo precisa de atenção");
        assert_eq!(waiting_count(0), "0 faturas aguardando aprovação");
    }

    #[test]
    fn markup_in_a_body_stays_text() {
        assert_eq!(
            escape_body_markup("Padaria <b>Estrela</b> & Cia\nO portal: <a href=\"http://x\">clique</a><img src=x>"),
            "Padaria &lt;b&gt;Estrela&lt;/b&gt; &amp; Cia\nO portal: &lt;a href=\"http://x\"&gt;clique&lt;/a&gt;&lt;img src=x&gt;"
        );
        assert_eq!(escape_body_markup("VIVO: 3 · OI: 1"), "VIVO: 3 · OI: 1");
    }
}
