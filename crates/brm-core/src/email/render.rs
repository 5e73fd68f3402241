//! The words of each message, pt-BR, as plain text and a simple HTML part. Every invoice
//! line carries client, operator, month, amount, due date and a `brm-desk://processo/<id>`
//! link, which opens the process in the app where it is installed.

use super::plan::{AttentionItem, ReminderSent, WaitingInvoice};
use super::EmailRules;
use crate::approval::format_brl;
use crate::schedule::brasilia;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;

/// Lines listed per group at most; the rest are counted ("e mais N") so a month with
/// thousands waiting still makes a message a mail server takes.
pub const LINES_PER_GROUP: usize = 200;

/// (subject, text, html).
pub type Content = (String, String, String);

pub fn link(process_id: uuid::Uuid) -> String {
    format!("brm-desk://processo/{process_id}")
}

pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Day and time in Brasília: "07/12/2026 às 14:05".
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&brasilia())
        .format("%d/%m/%Y às %H:%M")
        .to_string()
}

/// `YYYY-MM` as "MM/AAAA" (kept as given when it is not a month).
pub fn month(m: &str) -> String {
    match m.split_once('-') {
        Some((y, mm)) if y.len() == 4 && mm.len() == 2 => format!("{mm}/{y}"),
        _ => m.to_string(),
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn amount(inv: &WaitingInvoice) -> String {
    inv.amount_cents
        .map(format_brl)
        .unwrap_or_else(|| "valor não informado".into())
}

fn due(inv: &WaitingInvoice) -> String {
    inv.due_date
        .map(|d| format!("vence em {}", date(d)))
        .unwrap_or_else(|| "sem vencimento informado".into())
}

/// One invoice as a text line.
fn text_line(inv: &WaitingInvoice) -> String {
    format!(
        "- {} — {} — {} — {} — {}\n  {}\n",
        inv.client_name,
        inv.operator_name,
        month(&inv.month),
        amount(inv),
        due(inv),
        link(inv.process_id)
    )
}

/// One invoice as an HTML table row.
fn html_row(inv: &WaitingInvoice) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td style=\"text-align:right\">{}</td><td>{}</td>\
         <td><a href=\"{}\">Abrir</a></td></tr>\n",
        escape(&inv.client_name),
        escape(&inv.operator_name),
        escape(&month(&inv.month)),
        escape(&amount(inv)),
        escape(&due(inv)),
        escape(&link(inv.process_id))
    )
}

const TABLE_HEAD: &str = "<table cellpadding=\"4\" style=\"border-collapse:collapse\">\
<tr><th align=\"left\">Cliente</th><th align=\"left\">Operadora</th><th align=\"left\">Mês</th>\
<th align=\"right\">Valor</th><th align=\"left\">Vencimento</th><th></th></tr>\n";

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif\">\n{}\n<p style=\"color:#666\">Mensagem automática do BRM RPA Desk. \
         Os links abrem o processo no aplicativo, no computador onde ele está instalado.</p>\n</body></html>\n",
        escape(title),
        body
    )
}

const TEXT_FOOTER: &str = "\n--\nMensagem automática do BRM RPA Desk. Os links abrem o processo \
no aplicativo, no computador onde ele está instalado.\n";

/// The waiting invoices of a digest, by due date.
#[derive(Debug, Default)]
pub struct DigestGroups<'a> {
    pub overdue: Vec<&'a WaitingInvoice>,
    pub due_soon: Vec<&'a WaitingInvoice>,
    pub later: Vec<&'a WaitingInvoice>,
}

impl<'a> DigestGroups<'a> {
    /// Overdue (due before `today`), due within `days` (today included), later or with
    /// no due date; each by due date, then client.
    pub fn of(waiting: &'a [WaitingInvoice], today: NaiveDate, days: i64) -> Self {
        let mut g = DigestGroups::default();
        for inv in waiting {
            match inv.due_date {
                Some(d) if d < today => g.overdue.push(inv),
                Some(d) if (d - today).num_days() <= days => g.due_soon.push(inv),
                _ => g.later.push(inv),
            }
        }
        for list in [&mut g.overdue, &mut g.due_soon, &mut g.later] {
            list.sort_by(|a, b| {
                (a.due_date.is_none(), a.due_date, &a.client_name).cmp(&(
                    b.due_date.is_none(),
                    b.due_date,
                    &b.client_name,
                ))
            });
        }
        g
    }

    pub fn total(&self) -> usize {
        self.overdue.len() + self.due_soon.len() + self.later.len()
    }
}

fn group(text: &mut String, html: &mut String, title: &str, items: &[&WaitingInvoice]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(text, "\n{title} ({}):", items.len());
    let _ = writeln!(html, "<h3>{} ({})</h3>", escape(title), items.len());
    html.push_str(TABLE_HEAD);
    for inv in items.iter().take(LINES_PER_GROUP) {
        text.push_str(&text_line(inv));
        html.push_str(&html_row(inv));
    }
    html.push_str("</table>\n");
    if items.len() > LINES_PER_GROUP {
        let more = items.len() - LINES_PER_GROUP;
        let _ = writeln!(text, "  … e mais {more} (veja a tela Aprovação)");
        let _ = writeln!(html, "<p>… e mais {more} (veja a tela Aprovação)</p>");
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub fn digest(
    name: &str,
    today: NaiveDate,
    rules: &EmailRules,
    groups: &DigestGroups,
    attention: &[AttentionItem],
) -> Content {
    let total = groups.total();
    let mut subject = format!(
        "Resumo de aprovações de {}: {} aguardando",
        date(today),
        plural(total, "fatura", "faturas")
    );
    if !groups.overdue.is_empty() {
        let _ = write!(subject, " ({} vencida(s))", groups.overdue.len());
    }
    if !attention.is_empty() {
        let _ = write!(
            subject,
            ", {} precisando de atenção",
            plural(attention.len(), "processo", "processos")
        );
    }
    let mut text = format!(
        "Olá, {name}.\n\nFaturas aguardando aprovação em {}: {total}.\n",
        date(today)
    );
    let mut html = format!(
        "<p>Olá, {}.</p>\n<p>Faturas aguardando aprovação em {}: <b>{total}</b>.</p>\n",
        escape(name),
        date(today)
    );
    group(&mut text, &mut html, "Vencidas", &groups.overdue);
    group(
        &mut text,
        &mut html,
        &format!("Vencem em até {} dia(s)", rules.due_soon_days),
        &groups.due_soon,
    );
    group(&mut text, &mut html, "Vencem depois", &groups.later);
    if !attention.is_empty() {
        let _ = writeln!(
            text,
            "\nPrecisam de atenção (administradores) ({}):",
            attention.len()
        );
        let _ = writeln!(
            html,
            "<h3>Precisam de atenção (administradores) ({})</h3>\n<ul>",
            attention.len()
        );
        for a in attention.iter().take(LINES_PER_GROUP) {
            let why = a.reason.as_deref().unwrap_or("sem motivo registrado");
            let _ = writeln!(
                text,
                "- {} — {} — {} — {}\n  {}",
                a.client_name,
                a.operator_name,
                month(&a.month),
                why,
                link(a.process_id)
            );
            let _ = writeln!(
                html,
                "<li>{} — {} — {} — {} <a href=\"{}\">Abrir</a></li>",
                escape(&a.client_name),
                escape(&a.operator_name),
                escape(&month(&a.month)),
                escape(why),
                escape(&link(a.process_id))
            );
        }
        html.push_str("</ul>\n");
        if attention.len() > LINES_PER_GROUP {
            let _ = writeln!(text, "  … e mais {}", attention.len() - LINES_PER_GROUP);
        }
    }
    text.push_str(
        "\nPara não receber este resumo, desligue-o em Preferências → E-mail no aplicativo.\n",
    );
    html.push_str(
        "<p>Para não receber este resumo, desligue-o em Preferências → E-mail no aplicativo.</p>\n",
    );
    text.push_str(TEXT_FOOTER);
    let html = html_page(&subject, &html);
    (subject, text, html)
}

pub fn reminder(name: &str, inv: &WaitingInvoice, now: DateTime<Utc>) -> Content {
    let hours = (now - inv.waiting_since).num_hours();
    let subject = format!(
        "Lembrete: fatura de {} ({}, {}) aguarda aprovação há {}",
        inv.client_name,
        inv.operator_name,
        month(&inv.month),
        plural(hours as usize, "hora", "horas")
    );
    let text = format!(
        "Olá, {name}.\n\nA fatura abaixo aguarda aprovação desde {}:\n\n{}{TEXT_FOOTER}",
        date_time(inv.waiting_since),
        text_line(inv)
    );
    let body = format!(
        "<p>Olá, {}.</p>\n<p>A fatura abaixo aguarda aprovação desde {}:</p>\n{TABLE_HEAD}{}</table>\n",
        escape(name),
        date_time(inv.waiting_since),
        html_row(inv)
    );
    let html = html_page(&subject, &body);
    (subject, text, html)
}

pub fn escalation(
    name: &str,
    inv: &WaitingInvoice,
    today: NaiveDate,
    reminded: &[&ReminderSent],
) -> Content {
    let when = match inv.due_date {
        Some(d) if d < today => format!("venceu em {}", date(d)),
        Some(d) if d == today => "vence hoje".to_string(),
        Some(d) => format!("vence em {}", date(d)),
        None => "sem vencimento".to_string(),
    };
    let subject = format!(
        "Escalonamento: fatura de {} ({}, {}) {when} e ainda não foi decidida",
        inv.client_name,
        inv.operator_name,
        month(&inv.month)
    );
    let mut who_text = String::new();
    let mut who_html = String::new();
    if reminded.is_empty() {
        who_text.push_str(
            "Ninguém foi lembrado por e-mail (nenhum aprovador com e-mail e lembretes ligados).\n",
        );
        who_html.push_str(
            "<p>Ninguém foi lembrado por e-mail (nenhum aprovador com e-mail e lembretes ligados).</p>\n",
        );
    } else {
        who_text.push_str("Lembretes enviados:\n");
        who_html.push_str("<p>Lembretes enviados:</p>\n<ul>\n");
        for r in reminded {
            let _ = writeln!(
                who_text,
                "- {} em {}",
                r.recipient_name,
                date_time(r.sent_at)
            );
            let _ = writeln!(
                who_html,
                "<li>{} em {}</li>",
                escape(&r.recipient_name),
                date_time(r.sent_at)
            );
        }
        who_html.push_str("</ul>\n");
    }
    let text = format!(
        "Olá, {name}.\n\nEsta fatura {when} e continua aguardando aprovação desde {}. \
         Depois do vencimento vêm a multa e, em seguida, o corte da linha.\n\n{}\n{who_text}{TEXT_FOOTER}",
        date_time(inv.waiting_since),
        text_line(inv)
    );
    let body = format!(
        "<p>Olá, {}.</p>\n<p>Esta fatura <b>{}</b> e continua aguardando aprovação desde {}. \
         Depois do vencimento vêm a multa e, em seguida, o corte da linha.</p>\n{TABLE_HEAD}{}</table>\n{who_html}\
         <p>Os escalonamentos aos administradores não podem ser desligados.</p>\n",
        escape(name),
        escape(&when),
        date_time(inv.waiting_since),
        html_row(inv)
    );
    let html = html_page(&subject, &body);
    (subject, text, html)
}

pub fn test(by: &str, now: DateTime<Utc>) -> Content {
    let subject = "Teste de e-mail do BRM RPA Desk".to_string();
    let text = format!(
        "Este é um e-mail de teste pedido por {by} em {}.\n\nSe ele chegou, os resumos, \
         lembretes e escalonamentos também chegam.{TEXT_FOOTER}",
        date_time(now)
    );
    let body = format!(
        "<p>Este é um e-mail de teste pedido por {} em {}.</p>\n<p>Se ele chegou, os resumos, \
         lembretes e escalonamentos também chegam.</p>\n",
        escape(by),
        date_time(now)
    );
    let html = html_page(&subject, &body);
    (subject, text, html)
}
