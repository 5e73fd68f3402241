//! E-mail to approvers (issue 21) through the worker, on a manual clock, into a real SMTP
//! server (scripts/smtp-test-server.sh): the daily digest at each person's hour in
//! Brasília time, reminders, escalations that name who was reminded, an invoice decided
//! in between, the server down and back, a recipient refused for good, and (on
//! PostgreSQL) two machines planning and sending at once with every message received
//! exactly once.

mod common;

use brm_core::audit::{Actor, AuditEvent};
use brm_core::email::{EmailPreference, EmailRules, OutboxFilter, OutboxRule, OutboxState};
use brm_core::process::ProcessStatus;
use brm_core::user::NewUserInput;
use brm_core::Role;
use brm_simulator::Faults;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::smtp::Smtp;
use common::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Moves the shared clock to `at` (forward only).
async fn set_clock(rig: &Rig, at: chrono::DateTime<Utc>) {
    let now = rig.sim.now();
    assert!(at >= now, "{at} < {now}");
    rig.advance(at - now).await;
}

/// `n` VIVO invoices downloaded and waiting for approval; the clock ends a few minutes on.
async fn waiting_invoices(rig: &Rig, n: u32) -> Vec<Uuid> {
    rig.clients("VIVO", n, 1, "senha-portal").await;
    rig.month().await;
    let worker = rig.worker();
    for _ in 0..6 {
        worker.cycle().await.unwrap();
        rig.advance(Duration::seconds(61)).await;
    }
    let ids: Vec<Uuid> = rig
        .processes()
        .await
        .into_iter()
        .filter(|p| p.status == ProcessStatus::AguardandoAprovacao)
        .map(|p| p.id)
        .collect();
    assert_eq!(ids.len(), n as usize);
    ids
}

/// Sets an invoice's due date (as typed values would).
async fn due(rig: &Rig, id: Uuid, d: Option<NaiveDate>) {
    let mut p = rig.process(id).await;
    let v = p.version;
    p.due_date = d;
    p.version += 1;
    let ev = AuditEvent::new(
        rig.sim.now(),
        Actor::anonymous("teste"),
        "VALORES",
        "processo",
    )
    .on(id);
    assert!(rig.store.update_process(&p, v, &ev).await.unwrap());
}

/// The invoice decided (approved) by someone.
async fn decide(rig: &Rig, id: Uuid) {
    let mut p = rig.process(id).await;
    let v = p.version;
    p.status = ProcessStatus::AguardandoEnvioSat;
    p.approved_at = Some(rig.sim.now());
    p.version += 1;
    let ev = AuditEvent::new(
        rig.sim.now(),
        Actor::anonymous("teste"),
        "APROVAR_TESTE",
        "processo",
    )
    .on(id);
    assert!(rig.store.update_process(&p, v, &ev).await.unwrap());
}

async fn person(rig: &Rig, name: &str, role: Role) -> Uuid {
    rig.desk
        .create_user(
            &rig.admin,
            NewUserInput {
                full_name: name.into(),
                email: format!("{}@beg.com.br", name.to_lowercase()),
                phone: None,
                role: Some(role),
                password: PW.into(),
                password_confirmation: PW.into(),
            },
        )
        .await
        .unwrap()
        .id
}

/// A worker that trusts the test server's CA.
fn mail_worker(rig: &Rig, smtp: &Smtp, owner: &str) -> std::sync::Arc<brm_worker::Worker> {
    let mut c = rig.config(owner);
    c.smtp_extra_ca_pem = Some(smtp.ca.clone());
    c.mail_batch = 5;
    rig.worker_with(c)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// (rule subject prefix, recipient) of every message received, counted.
fn tally(smtp: &Smtp) -> BTreeMap<(String, String), usize> {
    let mut t = BTreeMap::new();
    for m in smtp.received() {
        let kind = m.subject.split(':').next().unwrap_or_default().to_string();
        *t.entry((kind, m.to.clone())).or_insert(0) += 1;
    }
    t
}

#[tokio::test]
async fn digests_reminders_and_escalations_on_a_manual_clock() {
    let Some(smtp) = Smtp::start() else { return };
    let rig = Rig::sqlite(Faults::default()).await;
    let ids = waiting_invoices(&rig, 3).await;
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    due(&rig, a, Some(day(2026, 11, 13))).await;
    due(&rig, b, Some(day(2026, 11, 14))).await;
    due(&rig, c, None).await;
    let bruno = person(&rig, "Bruno", Role::Aprovador).await;
    let carla = person(&rig, "Carla", Role::Aprovador).await;
    let davi = person(&rig, "Davi", Role::Aprovador).await;
    person(&rig, "Edu", Role::Operador).await;
    rig.desk
        .set_user_active(&rig.admin, davi, false)
        .await
        .unwrap();
    let off = AuditEvent::new(
        rig.sim.now(),
        Actor::anonymous("Carla"),
        "PREFERENCIA_EMAIL",
        "usuario",
    );
    rig.store
        .set_email_preference(
            carla,
            &EmailPreference {
                receive: false,
                hour: None,
            },
            &off,
        )
        .await
        .unwrap();
    let _ = bruno;
    smtp.configure(
        &*rig.store,
        EmailRules {
            digest_hour: 8,
            due_soon_days: 3,
            reminder_after_hours: 24,
            escalate_within_days: 2,
        },
    )
    .await;
    let w = mail_worker(&rig, &smtp, "teste-1");

    // 10 Nov, 09:0x in Brasília: the digest hour (08:00) has passed.
    let r = w.plan_digests(rig.sim.now()).await.unwrap();
    assert_eq!(
        r.planned, 2,
        "Ana (admin) and Bruno; not Carla (off), Davi (inactive), Edu (operator)"
    );
    assert_eq!(
        w.plan_digests(rig.sim.now()).await.unwrap().planned,
        0,
        "once a day"
    );
    assert_eq!(
        w.plan_reminders(rig.sim.now()).await.unwrap().planned,
        0,
        "too early"
    );
    let sent = w.send_due_emails().await.unwrap();
    assert_eq!(sent.sent, 2, "{sent:?}");
    let got = smtp.received();
    let mut to: Vec<&str> = got.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["ana@beg.com.br", "bruno@beg.com.br"]);
    let digest = &got[0];
    assert!(
        digest
            .subject
            .starts_with("Resumo de aprovações de 10/11/2026: 3 faturas aguardando"),
        "{}",
        digest.subject
    );
    for id in &ids {
        let link = format!("brm-desk://processo/{id}");
        assert!(digest.text.contains(&link), "{}", digest.text);
        assert!(digest.html.contains(&format!("href=\"{link}\"")));
    }
    assert!(
        digest.text.contains("Vencem em até 3 dia(s) (1)"),
        "{}",
        digest.text
    );
    assert!(digest.text.contains("vence em 13/11/2026"));
    assert!(digest.text.contains("11/2026") && digest.text.contains("R$ "));
    assert!(digest.raw.contains("multipart/alternative"));
    assert!(
        digest.raw.contains("@brm-desk>"),
        "Message-ID from the outbox row"
    );

    // 23:59 in Brasília (02:59 UTC on the 11th): still the 10th, nothing new.
    set_clock(&rig, utc(2026, 11, 11, 2, 59)).await;
    assert_eq!(w.plan_digests(rig.sim.now()).await.unwrap().planned, 0);
    // Midnight in Brasília: a new day, but before anyone's hour.
    set_clock(&rig, utc(2026, 11, 11, 3, 0)).await;
    assert_eq!(w.plan_digests(rig.sim.now()).await.unwrap().planned, 0);
    set_clock(&rig, utc(2026, 11, 11, 11, 0)).await;
    assert_eq!(
        w.plan_digests(rig.sim.now()).await.unwrap().planned,
        2,
        "11 Nov's digests"
    );

    // 11 Nov 12:10 UTC: waited over 24 h: reminders (Ana, Bruno × 3); invoice a is two days
    // from its due date: escalated to Ana, naming who was reminded. c is decided after
    // its reminders were planned but before they are sent: they are not sent.
    set_clock(&rig, utc(2026, 11, 11, 12, 10)).await;
    let r = w.plan_reminders(rig.sim.now()).await.unwrap();
    assert_eq!(r.planned, 7, "{r:?}");
    decide(&rig, c).await;
    let r = w.send_due_emails().await.unwrap();
    // 7: the 11th's two digests, 4 reminders and the escalation.
    assert_eq!((r.sent, r.cancelled), (7, 2), "c's two reminders: {r:?}");
    let t = tally(&smtp);
    assert_eq!(
        t[&("Lembrete".into(), "bruno@beg.com.br".into())],
        2,
        "{t:?}"
    );
    assert_eq!(t[&("Lembrete".into(), "ana@beg.com.br".into())], 2);
    assert_eq!(t[&("Escalonamento".into(), "ana@beg.com.br".into())], 1);
    let esc = smtp
        .received()
        .into_iter()
        .find(|m| m.subject.starts_with("Escalonamento"))
        .unwrap();
    assert!(
        esc.subject.contains("vence em 13/11/2026"),
        "{}",
        esc.subject
    );
    assert!(
        esc.text.contains("Bruno em 11/11/2026 às 09:10"),
        "{}",
        esc.text
    );
    assert!(esc.text.contains(&format!("brm-desk://processo/{a}")));
    // The same scan again, and the next hour's: nothing twice.
    assert_eq!(w.plan_reminders(rig.sim.now()).await.unwrap().planned, 0);

    // b is approved before it comes within two days of its due date: no escalation for
    // it on the 12th; a is escalated again (a new day), naming the reminders sent on the
    // 11th; nobody is reminded of a second time.
    decide(&rig, b).await;
    set_clock(&rig, utc(2026, 11, 12, 12, 10)).await;
    let r = w.plan_reminders(rig.sim.now()).await.unwrap();
    assert_eq!(r.planned, 1, "a's escalation only: {r:?}");
    assert_eq!(w.send_due_emails().await.unwrap().sent, 1);
    let esc: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.subject.starts_with("Escalonamento"))
        .collect();
    assert_eq!(esc.len(), 2, "a on the 11th and on the 12th, never b");
    assert!(esc
        .iter()
        .all(|m| m.text.contains(&a.to_string()) && !m.text.contains(&b.to_string())));
    assert!(
        esc[1]
            .text
            .contains("Ana Administradora em 11/11/2026 às 09:10")
            && esc[1].text.contains("Bruno em 11/11/2026 às 09:10"),
        "{}",
        esc[1].text
    );
    assert_eq!(smtp.received().len(), 2 + 2 + 5 + 1);
    // The process screen lists what was sent about a.
    let about_a = rig
        .store
        .outbox(&OutboxFilter {
            process_id: Some(a),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        about_a
            .iter()
            .filter(|m| m.rule == OutboxRule::Escalonamento && m.state == OutboxState::Enviado)
            .count(),
        2
    );
    let cancelled = rig
        .store
        .outbox(&OutboxFilter {
            state: Some(OutboxState::Cancelado),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(cancelled.iter().all(|m| m.process_id == Some(c)));
}

#[tokio::test]
async fn smtp_down_then_up_delivers_each_once_and_a_refused_recipient_is_shown() {
    let Some(smtp) = Smtp::start() else { return };
    let rig = Rig::sqlite(Faults::default()).await;
    waiting_invoices(&rig, 2).await;
    for n in ["Bruno", "Carla", "Davi"] {
        person(&rig, n, Role::Aprovador).await;
    }
    smtp.configure(&*rig.store, EmailRules::default()).await;
    smtp.reject("davi@beg.com.br");
    let w = mail_worker(&rig, &smtp, "teste-1");
    assert_eq!(w.plan_digests(rig.sim.now()).await.unwrap().planned, 4);

    smtp.pause();
    let r = w.send_due_emails().await.unwrap();
    assert_eq!((r.sent, r.retried), (0, 4), "{r:?}");
    let queued = rig.store.outbox(&OutboxFilter::default()).await.unwrap();
    assert!(queued
        .iter()
        .all(|m| m.state == OutboxState::Pendente && m.attempts == 1 && m.last_error.is_some()));
    // Not before the backoff.
    assert_eq!(w.send_due_emails().await.unwrap(), Default::default());
    smtp.resume();
    rig.advance(Duration::seconds(61)).await;
    let r = w.send_due_emails().await.unwrap();
    assert_eq!((r.sent, r.failed), (3, 1), "{r:?}");
    assert_eq!(w.send_due_emails().await.unwrap(), Default::default());
    let got = smtp.received();
    assert_eq!(got.len(), 3);
    let mut ids: Vec<&str> = got.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each once");
    let failed = rig
        .store
        .outbox(&OutboxFilter {
            state: Some(OutboxState::Falhou),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].recipient_email, "davi@beg.com.br");
    assert_eq!(failed[0].attempts, 2);
    assert!(failed[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("davi@beg.com.br"));
    let sent = rig
        .store
        .outbox(&OutboxFilter {
            state: Some(OutboxState::Enviado),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(sent.iter().all(|m| m.attempts == 2 && m.sent_at.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_one_postgres_send_every_message_exactly_once() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let Some(smtp) = Smtp::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = brm_store::connect(&url).await.unwrap();
    let rig = Rig::on(dir, store, Faults::default()).await;
    waiting_invoices(&rig, 6).await;
    for i in 0..5 {
        person(&rig, &format!("Aprovador{i}"), Role::Aprovador).await;
    }
    smtp.configure(
        &*rig.store,
        EmailRules {
            reminder_after_hours: 1,
            ..Default::default()
        },
    )
    .await;
    set_clock(&rig, rig.sim.now() + Duration::hours(2)).await;
    let other = brm_store::connect(&url).await.unwrap();
    let a = mail_worker(&rig, &smtp, "maquina-a");
    let b = std::sync::Arc::new(brm_worker::Worker::new(
        other,
        rig.storage.clone(),
        a.robots().clone(),
        rig.secrets.clone(),
        rig.clock.clone(),
        {
            let mut c = rig.config("maquina-b");
            c.smtp_extra_ca_pem = Some(smtp.ca.clone());
            c.mail_batch = 5;
            c
        },
    ));
    let now = rig.sim.now();
    // Both plan at once, twice.
    for _ in 0..2 {
        let (x, y) = (a.clone(), b.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move { (x.plan_digests(now).await, x.plan_reminders(now).await) }),
            tokio::spawn(async move { (y.plan_digests(now).await, y.plan_reminders(now).await) })
        );
        let _ = (r1.unwrap(), r2.unwrap());
    }
    let all = rig.store.outbox(&OutboxFilter::default()).await.unwrap();
    // 6 approvers (Ana + 5): one digest each, and a reminder per invoice each.
    assert_eq!(all.len(), 6 + 6 * 6);
    // Both send at once, with small batches so their claims interleave.
    let (x, y) = (a.clone(), b.clone());
    let (r1, r2) = tokio::join!(
        tokio::spawn(async move { x.send_due_emails().await }),
        tokio::spawn(async move { y.send_due_emails().await })
    );
    let (r1, r2) = (r1.unwrap().unwrap(), r2.unwrap().unwrap());
    assert_eq!(r1.sent + r2.sent, 42, "{r1:?} {r2:?}");
    let got = smtp.received();
    assert_eq!(got.len(), 42);
    let mut ids: Vec<&str> = got.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 42, "every message received exactly once");
}

#[tokio::test]
async fn the_seeded_schedules_plan_through_the_scheduler() {
    let Some(smtp) = Smtp::start() else { return };
    let rig = Rig::sqlite(Faults::default()).await;
    waiting_invoices(&rig, 2).await;
    smtp.configure(&*rig.store, EmailRules::default()).await;
    let now = rig.sim.now();
    assert_eq!(
        brm_worker::schedule::seed_email_schedules(&*rig.store, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        brm_worker::schedule::seed_email_schedules(&*rig.store, now)
            .await
            .unwrap(),
        0,
        "written once"
    );
    let kinds: Vec<_> = rig
        .store
        .list_schedules()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.kind, s.cron))
        .collect();
    assert!(kinds.contains(&(
        brm_core::schedule::ScheduleKind::ResumoEmail,
        "0 * * * *".into()
    )));
    assert!(kinds.contains(&(
        brm_core::schedule::ScheduleKind::LembretesEmail,
        "*/15 * * * *".into()
    )));
    let w = mail_worker(&rig, &smtp, "teste-1");
    // The digest schedule's next run is the next full hour (Brasília 10:00): the cycle
    // there plans Ana's digest; the sender's round delivers it.
    set_clock(&rig, utc(2026, 11, 10, 13, 0)).await;
    let r = w.cycle().await.unwrap();
    assert!(r.schedules_run >= 1, "{r:?}");
    assert_eq!(w.send_due_emails().await.unwrap().sent, 1);
    assert_eq!(smtp.received()[0].to, "ana@beg.com.br");
}

#[tokio::test]
async fn a_machine_that_dies_mid_send_leaves_its_messages_to_the_next_start() {
    let Some(smtp) = Smtp::start() else { return };
    let rig = Rig::sqlite(Faults::default()).await;
    waiting_invoices(&rig, 1).await;
    person(&rig, "Bruno", Role::Aprovador).await;
    smtp.configure(&*rig.store, EmailRules::default()).await;
    let first = mail_worker(&rig, &smtp, "antes-de-cair");
    assert_eq!(first.plan_digests(rig.sim.now()).await.unwrap().planned, 2);
    // The first run took both messages and died before sending (its lease stands).
    let now = rig.sim.now();
    let taken = rig
        .store
        .claim_emails("antes-de-cair", now, now + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 2);
    drop(first);
    let next = mail_worker(&rig, &smtp, "depois-de-reiniciar");
    assert_eq!(
        next.send_due_emails().await.unwrap(),
        Default::default(),
        "lease still held"
    );
    rig.advance(Duration::minutes(5) + Duration::seconds(1))
        .await;
    let r = next.send_due_emails().await.unwrap();
    assert_eq!(r.sent, 2, "{r:?}");
    assert_eq!(smtp.received().len(), 2);
    let sent = rig.store.outbox(&OutboxFilter::default()).await.unwrap();
    assert!(sent
        .iter()
        .all(|m| m.state == OutboxState::Enviado && m.attempts == 2));
}
