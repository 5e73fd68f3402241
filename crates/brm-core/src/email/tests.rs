use super::plan::*;
use super::*;
use crate::role::Role;
use chrono::TimeZone;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn person(name: &str, role: Role) -> Recipient {
    Recipient {
        user_id: Uuid::new_v4(),
        name: name.into(),
        email: Some(format!("{}@empresa.com.br", name.to_lowercase())),
        active: true,
        role,
        preference: EmailPreference::default(),
    }
}

fn invoice(client: &str, due: Option<NaiveDate>, since: DateTime<Utc>) -> WaitingInvoice {
    WaitingInvoice {
        process_id: Uuid::new_v4(),
        client_name: client.into(),
        operator_name: "VIVO".into(),
        month: "2026-11".into(),
        amount_cents: Some(123_456),
        due_date: due,
        waiting_since: since,
        first_approved_by: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn plain_smtp_only_to_this_machine() {
    let mut s = SmtpSettings {
        host: "smtp.empresa.com.br".into(),
        security: SmtpSecurity::Nenhuma,
        sender_address: "faturas@empresa.com.br".into(),
        ..Default::default()
    };
    let e = s.validate().unwrap_err();
    assert_eq!(e.fields[0].field, "smtp.security", "{e:?}");
    for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"] {
        s.host = host.into();
        assert!(s.validate().is_ok(), "{host}");
    }
    s.security = SmtpSecurity::StartTls;
    s.host = "smtp.empresa.com.br".into();
    assert!(s.validate().is_ok());
}

#[test]
fn bad_settings_name_every_field() {
    let s = SmtpSettings {
        host: " ".into(),
        port: 0,
        sender_address: "faturas empresa".into(),
        sender_name: "Nome\r\nBcc: x@y".into(),
        ..Default::default()
    };
    let e = s.validate().unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "smtp.host",
            "smtp.port",
            "smtp.sender_name",
            "smtp.sender_address"
        ]
    );
    let r = EmailRules {
        digest_hour: 24,
        due_soon_days: 0,
        reminder_after_hours: 0,
        escalate_within_days: 31,
    };
    assert_eq!(r.validate().unwrap_err().fields.len(), 4);
    assert!(EmailPreference {
        receive: true,
        hour: Some(24)
    }
    .validate()
    .is_err());
}

#[test]
fn retries_back_off_then_stop() {
    let waits: Vec<i64> = (1..=MAX_ATTEMPTS)
        .map(|n| retry_after(n).map(|d| d.num_minutes()).unwrap_or(-1))
        .collect();
    assert_eq!(waits, [1, 5, 15, 60, 240, -1]);
}

#[test]
fn digest_waits_for_each_persons_hour_in_brasilia() {
    let rules = EmailRules::default(); // 08:00
    let ana = person("Ana", Role::Aprovador);
    let mut bia = person("Bia", Role::Aprovador);
    bia.preference.hour = Some(14);
    let people = [ana.clone(), bia.clone()];
    let waiting = [invoice(
        "ACME",
        Some(day(2026, 12, 20)),
        utc(2026, 12, 1, 12, 0),
    )];
    // 10:59 UTC = 07:59 in Brasília: nobody yet.
    assert!(digests(utc(2026, 12, 7, 10, 59), &rules, &people, &waiting, &[]).is_empty());
    // 11:00 UTC = 08:00: Ana only.
    let at8 = digests(utc(2026, 12, 7, 11, 0), &rules, &people, &waiting, &[]);
    assert_eq!(at8.len(), 1);
    assert_eq!(at8[0].recipient_id, Some(ana.user_id));
    assert_eq!(at8[0].day, day(2026, 12, 7));
    assert_eq!(at8[0].subject_key, "resumo");
    // 17:00 UTC = 14:00: both.
    assert_eq!(
        digests(utc(2026, 12, 7, 17, 0), &rules, &people, &waiting, &[]).len(),
        2
    );
    // 02:30 UTC on the 8th is still the 7th in Brasília (23:30): the same day's key.
    let late = digests(utc(2026, 12, 8, 2, 30), &rules, &people, &waiting, &[]);
    assert!(late.iter().all(|m| m.day == day(2026, 12, 7)), "{late:?}");
    // 03:00 UTC on the 8th is midnight in Brasília: a new day, before anyone's hour.
    assert!(digests(utc(2026, 12, 8, 3, 0), &rules, &people, &waiting, &[]).is_empty());
}

#[test]
fn nothing_for_inactive_without_address_turned_off_or_operators() {
    let rules = EmailRules::default();
    let mut off = person("Off", Role::Aprovador);
    off.preference.receive = false;
    let mut gone = person("Gone", Role::Aprovador);
    gone.active = false;
    let mut blank = person("Blank", Role::Aprovador);
    blank.email = Some("  ".into());
    let op = person("Op", Role::Operador);
    let people = [off, gone, blank, op];
    let waiting = [invoice(
        "ACME",
        Some(day(2026, 12, 7)),
        utc(2026, 11, 1, 0, 0),
    )];
    let now = utc(2026, 12, 7, 15, 0);
    assert!(digests(now, &rules, &people, &waiting, &[]).is_empty());
    assert!(reminders_and_escalations(now, &rules, &people, &waiting, &[]).is_empty());
}

#[test]
fn nothing_to_say_sends_nothing_but_admins_hear_of_attention() {
    let rules = EmailRules::default();
    let ana = person("Ana", Role::Aprovador);
    let adm = person("Adm", Role::Administrador);
    let attention = [AttentionItem {
        process_id: Uuid::new_v4(),
        client_name: "ACME".into(),
        operator_name: "OI".into(),
        month: "2026-11".into(),
        reason: Some("Senha do portal recusada".into()),
    }];
    let now = utc(2026, 12, 7, 12, 0);
    let out = digests(now, &rules, &[ana, adm.clone()], &[], &attention);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].recipient_id, Some(adm.user_id));
    assert!(out[0].body_text.contains("Senha do portal recusada"));
    assert!(out[0].subject.contains("1 processo precisando de atenção"));
}

#[test]
fn digest_groups_by_due_date_with_links_amounts_and_dates() {
    let rules = EmailRules::default(); // due soon: 3 days
    let since = utc(2026, 12, 1, 12, 0);
    let waiting = [
        invoice("Later", Some(day(2026, 12, 20)), since),
        invoice("Overdue", Some(day(2026, 12, 5)), since),
        invoice("Soon", Some(day(2026, 12, 10)), since),
        invoice("NoDue", None, since),
    ];
    let out = digests(
        utc(2026, 12, 7, 12, 0),
        &rules,
        &[person("Ana", Role::Aprovador)],
        &waiting,
        &[],
    );
    let m = &out[0];
    assert_eq!(
        m.subject,
        "Resumo de aprovações de 07/12/2026: 4 faturas aguardando (1 vencida(s))"
    );
    let t = &m.body_text;
    let (o, s, l) = (
        t.find("Vencidas (1)").unwrap(),
        t.find("Vencem em até 3 dia(s) (1)").unwrap(),
        t.find("Vencem depois (2)").unwrap(),
    );
    assert!(o < s && s < l);
    assert!(t.find("Overdue").unwrap() < s && t.find("Soon").unwrap() < l);
    assert!(t.find("Later").unwrap() < t.find("NoDue").unwrap());
    for inv in &waiting {
        let link = format!("brm-desk://processo/{}", inv.process_id);
        assert!(t.contains(&link));
        assert!(m.body_html.contains(&format!("href=\"{link}\"")));
    }
    assert!(
        t.contains("R$ 1.234,56") && t.contains("vence em 05/12/2026") && t.contains("11/2026")
    );
    assert!(t.contains("sem vencimento informado"));
}

#[test]
fn hostile_names_are_escaped_in_html() {
    let mut inv = invoice(
        "<script>alert(1)</script> & Cia",
        None,
        utc(2026, 12, 1, 0, 0),
    );
    inv.operator_name = "\"OI\"".into();
    let (_, text, html) = render::reminder("Ana <x>", &inv, utc(2026, 12, 3, 0, 0));
    assert!(
        text.contains("<script>"),
        "plain text keeps the name as typed"
    );
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    assert!(html.contains("&amp; Cia") && html.contains("&quot;OI&quot;"));
    assert!(html.contains("Ana &lt;x&gt;"));
}

#[test]
fn reminder_after_h_hours_once_not_to_the_first_approver() {
    let rules = EmailRules {
        reminder_after_hours: 24,
        ..Default::default()
    };
    let ana = person("Ana", Role::Aprovador);
    let bia = person("Bia", Role::Administrador);
    let mut inv = invoice("ACME", Some(day(2026, 12, 30)), utc(2026, 12, 6, 12, 0));
    let people = [ana.clone(), bia.clone()];
    assert!(reminders_and_escalations(
        utc(2026, 12, 7, 11, 59),
        &rules,
        &people,
        std::slice::from_ref(&inv),
        &[]
    )
    .is_empty());
    let out = reminders_and_escalations(
        utc(2026, 12, 7, 12, 0),
        &rules,
        &people,
        std::slice::from_ref(&inv),
        &[],
    );
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|m| m.rule == OutboxRule::Lembrete
        && m.process_id == Some(inv.process_id)
        && m.subject_key == inv.process_id.to_string()));
    assert!(out[0].subject.contains("há 24 horas"), "{}", out[0].subject);
    // Its key's day is the day the invoice started waiting: the next days' scans plan
    // the same key (dropped by the database), and once sent it is not planned at all.
    assert!(out.iter().all(|m| m.day == day(2026, 12, 6)));
    let next_day = reminders_and_escalations(
        utc(2026, 12, 8, 12, 0),
        &rules,
        &people,
        std::slice::from_ref(&inv),
        &[],
    );
    assert!(next_day.iter().all(|m| m.day == day(2026, 12, 6)));
    let sent = [ReminderSent {
        process_id: inv.process_id,
        recipient_name: "Ana".into(),
        sent_at: utc(2026, 12, 7, 12, 1),
    }];
    let after = reminders_and_escalations(
        utc(2026, 12, 8, 12, 0),
        &rules,
        &people,
        std::slice::from_ref(&inv),
        &sent,
    );
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].recipient_id, Some(bia.user_id));
    assert!(out[0].body_text.contains("desde 06/12/2026 às 09:00"));
    inv.first_approved_by = Some(ana.user_id);
    let out = reminders_and_escalations(utc(2026, 12, 7, 12, 0), &rules, &people, &[inv], &[]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].recipient_id, Some(bia.user_id));
}

#[test]
fn escalation_within_d_days_to_admins_even_turned_off_naming_the_reminded() {
    let rules = EmailRules {
        escalate_within_days: 2,
        reminder_after_hours: 720,
        ..Default::default()
    };
    let ana = person("Ana", Role::Aprovador);
    let mut adm = person("Adm", Role::Administrador);
    adm.preference.receive = false;
    let people = [ana, adm.clone()];
    let inv = invoice("ACME", Some(day(2026, 12, 9)), utc(2026, 12, 6, 12, 0));
    // The 6th in Brasília: 3 days before.
    assert!(reminders_and_escalations(
        utc(2026, 12, 7, 2, 59),
        &rules,
        &people,
        std::slice::from_ref(&inv),
        &[]
    )
    .is_empty());
    let reminded = [ReminderSent {
        process_id: inv.process_id,
        recipient_name: "Ana".into(),
        sent_at: utc(2026, 12, 6, 15, 5),
    }];
    // 03:00 UTC on the 7th: the 7th in Brasília, 2 days before: escalated.
    let out = reminders_and_escalations(
        utc(2026, 12, 7, 3, 0),
        &rules,
        &people,
        std::slice::from_ref(&inv),
        &reminded,
    );
    assert_eq!(out.len(), 1, "{out:?}");
    let m = &out[0];
    assert_eq!(m.rule, OutboxRule::Escalonamento);
    assert_eq!(m.recipient_id, Some(adm.user_id));
    assert!(m.subject.contains("vence em 09/12/2026"), "{}", m.subject);
    assert!(
        m.body_text.contains("Ana em 06/12/2026 às 12:05"),
        "{}",
        m.body_text
    );
    // Overdue invoices are escalated too.
    let late = reminders_and_escalations(utc(2026, 12, 12, 12, 0), &rules, &people, &[inv], &[]);
    assert!(late[0].subject.contains("venceu em 09/12/2026"));
    assert!(late[0].body_text.contains("Ninguém foi lembrado"));
}

#[test]
fn test_messages_never_collide() {
    let now = utc(2026, 12, 7, 12, 0);
    let a = plan::test_message(" Ana@Empresa.com.br ", "Adm", now);
    let b = plan::test_message("ana@empresa.com.br", "Adm", now);
    assert_eq!(a.recipient_email, "ana@empresa.com.br");
    assert_ne!(a.subject_key, b.subject_key);
    assert_eq!(a.message_id(), format!("<{}@brm-desk>", a.id));
}

#[test]
fn an_escalation_names_the_reminders_of_its_own_scan_once() {
    let rules = EmailRules {
        reminder_after_hours: 24,
        escalate_within_days: 2,
        ..Default::default()
    };
    let ana = person("Ana", Role::Aprovador);
    let adm = person("Adm", Role::Administrador);
    let inv = invoice("ACME", Some(day(2026, 12, 8)), utc(2026, 12, 5, 12, 0));
    let now = utc(2026, 12, 7, 12, 0);
    let out = reminders_and_escalations(now, &rules, &[ana, adm], std::slice::from_ref(&inv), &[]);
    let esc = out
        .iter()
        .find(|m| m.rule == OutboxRule::Escalonamento)
        .unwrap();
    assert!(
        esc.body_text.contains("- Ana em 07/12/2026 às 09:00"),
        "{}",
        esc.body_text
    );
    assert!(esc.body_text.contains("- Adm em 07/12/2026 às 09:00"));
    // Later the same day, with Ana's reminder sent at 09:00: named once, at its time.
    let sent = [ReminderSent {
        process_id: inv.process_id,
        recipient_name: "Ana".into(),
        sent_at: now,
    }];
    let later = reminders_and_escalations(
        now + Duration::hours(2),
        &rules,
        &[person("Ana", Role::Aprovador)],
        &[inv],
        &sent,
    );
    assert!(later.is_empty(), "Ana was reminded already: {later:?}");
}
