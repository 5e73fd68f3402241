//! The e-mail outbox and each person's e-mail preference (issue 21), written once against
//! `&dyn Store` and run on both backends: a message planned twice is written once, a
//! claim takes what is due under a lease, only the lease's holder says how a send ended,
//! and the lists, reminders and preferences read back what was written.

use super::domain::client;
use super::{operator, t0, user};
use brm_core::audit::{action, Actor, AuditEvent};
use brm_core::email::plan::{test_message, Recipient, ReminderSent};
use brm_core::email::{
    EmailOutcome, EmailPreference, OutboxFilter, OutboxMessage, OutboxRule, OutboxState,
    SETTING_SMTP_PASSWORD,
};
use brm_core::process::ProcessFilter;
use brm_core::user::User;
use brm_core::Role;
use brm_store::{Backend, ClientWrite, MonthRequest, PasswordWrite, Store};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// The e-mail cases, listed once: each backend's test file turns every line into a test
/// with its own way of opening a store (`$each!`), so no backend can miss one.
macro_rules! cases {
    ($each:ident) => {
        $each! {
            email_enqueue_writes_each_key_once => suite::email::enqueue_writes_each_key_once;
            email_test_message_and_its_audit_event_both_or_neither => suite::email::test_message_and_its_audit_event_both_or_neither;
            email_claims_take_due_messages_oldest_first_under_a_lease => suite::email::claims_take_due_messages_oldest_first_under_a_lease;
            email_finish_records_how_the_send_ended => suite::email::finish_records_how_the_send_ended;
            email_outbox_filters_newest_first_without_bodies => suite::email::outbox_filters_newest_first_without_bodies;
            email_reminders_sent_are_the_sent_reminders_of_those_processes => suite::email::reminders_sent_are_the_sent_reminders_of_those_processes;
            email_recipients_join_preferences_with_defaults => suite::email::recipients_join_preferences_with_defaults;
            email_reseal_changes_only_the_value_it_opened => suite::email::reseal_changes_only_the_value_it_opened;
        }
    };
}
pub(crate) use cases;

fn ev(action: &str, entity: &str, id: Option<Uuid>) -> AuditEvent {
    let e = AuditEvent::new(t0(), Actor::anonymous("teste"), action, entity);
    match id {
        Some(id) => e.on(id),
        None => e,
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, n).unwrap()
}

/// A message as the planner makes one: due when it is created.
pub fn message(
    rule: OutboxRule,
    key: &str,
    to: &str,
    day: NaiveDate,
    created: DateTime<Utc>,
) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        rule,
        recipient_id: None,
        recipient_email: to.into(),
        recipient_name: None,
        process_id: None,
        subject_key: key.into(),
        day,
        subject: format!("Assunto {key}"),
        body_text: format!("Texto de {key}"),
        body_html: format!("<p>Texto de {key}</p>"),
        state: OutboxState::Pendente,
        attempts: 0,
        next_attempt_at: Some(created),
        last_error: None,
        created_at: created,
        sent_at: None,
    }
}

/// How a list shows a message: without its bodies.
fn listed(m: &OutboxMessage) -> OutboxMessage {
    OutboxMessage {
        body_text: String::new(),
        body_html: String::new(),
        ..m.clone()
    }
}

fn ids(v: &[OutboxMessage]) -> Vec<Uuid> {
    v.iter().map(|m| m.id).collect()
}

async fn one(store: &dyn Store, id: Uuid) -> OutboxMessage {
    let mut v = store
        .outbox(&OutboxFilter {
            id: Some(id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(v.len(), 1, "message {id}");
    v.remove(0)
}

async fn list(store: &dyn Store, f: OutboxFilter) -> Vec<Uuid> {
    ids(&store.outbox(&f).await.unwrap())
}

async fn enqueue(store: &dyn Store, messages: &[&OutboxMessage]) -> u64 {
    let owned: Vec<OutboxMessage> = messages.iter().map(|m| (*m).clone()).collect();
    store.enqueue_emails(&owned).await.unwrap()
}

/// `n` processes of November 2026 (one client each), for the messages about invoices.
pub async fn processes(store: &dyn Store, n: usize) -> Vec<Uuid> {
    let op = operator("Vivo", "VIVO");
    store
        .insert_operator(&op, &ev(action::CRIAR, "operadora", Some(op.id)))
        .await
        .unwrap();
    for i in 0..n {
        let mut c = client(
            &format!("h{i}"),
            &format!("Cliente {i}"),
            "10141561000164",
            op.id,
        );
        c.unit = format!("U{i}");
        store
            .insert_client(
                &ClientWrite {
                    client: c.clone(),
                    password: PasswordWrite::Keep,
                },
                &ev(action::CRIAR, "cliente", Some(c.id)),
            )
            .await
            .unwrap();
    }
    store
        .create_month_processes(
            &MonthRequest {
                month: "2026-11".into(),
                operator_id: None,
                created_by: None,
                auto: false,
                now: t0(),
            },
            &ev("CRIAR_PROCESSOS_MES", "processo", None),
        )
        .await
        .unwrap();
    let mut out: Vec<Uuid> = store
        .list_processes(&ProcessFilter {
            page_size: 200,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| p.id)
        .collect();
    out.sort();
    assert_eq!(out.len(), n);
    out
}

/// Planned twice (by two machines, or two scans) the same (rule, subject, recipient, day)
/// is written once; another day, rule or recipient is another message. Whatever the value
/// handed in says, the outbox starts it queued with no tries.
pub async fn enqueue_writes_each_key_once(store: &dyn Store) {
    let a = message(
        OutboxRule::Resumo,
        "resumo",
        "bia@beg.com.br",
        day(2),
        at(0),
    );
    assert_eq!(enqueue(store, &[&a]).await, 1);
    // Planned again elsewhere: another id, other words, the same key.
    let mut again = message(
        OutboxRule::Resumo,
        "resumo",
        "bia@beg.com.br",
        day(2),
        at(5),
    );
    again.subject = "Outro assunto".into();
    assert_eq!(enqueue(store, &[&again]).await, 0);
    assert_eq!(one(store, a.id).await, listed(&a), "the first one stays");
    assert!(store
        .outbox(&OutboxFilter {
            id: Some(again.id),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty());

    // The next day, another rule, another recipient: new messages. Twice in one batch:
    // once.
    let next_day = message(
        OutboxRule::Resumo,
        "resumo",
        "bia@beg.com.br",
        day(3),
        at(60),
    );
    let next_day_twice = message(
        OutboxRule::Resumo,
        "resumo",
        "bia@beg.com.br",
        day(3),
        at(61),
    );
    let other_rule = message(OutboxRule::Teste, "resumo", "bia@beg.com.br", day(2), at(2));
    let other_to = message(
        OutboxRule::Resumo,
        "resumo",
        "beto@beg.com.br",
        day(2),
        at(3),
    );
    assert_eq!(
        enqueue(store, &[&next_day, &next_day_twice, &other_rule, &other_to]).await,
        3
    );
    assert_eq!(
        list(store, OutboxFilter::default()).await,
        vec![next_day.id, other_to.id, other_rule.id, a.id]
    );

    // Queued as PENDENTE with no tries and no error, due when created when no time is given.
    let mut odd = message(
        OutboxRule::Lembrete,
        "p-1",
        "caio@beg.com.br",
        day(2),
        at(7),
    );
    odd.state = OutboxState::Enviado;
    odd.attempts = 3;
    odd.next_attempt_at = None;
    odd.last_error = Some("não".into());
    odd.sent_at = Some(at(8));
    assert_eq!(enqueue(store, &[&odd]).await, 1);
    let stored = one(store, odd.id).await;
    assert_eq!(
        (
            stored.state,
            stored.attempts,
            stored.next_attempt_at,
            stored.last_error.as_deref(),
            stored.sent_at
        ),
        (OutboxState::Pendente, 0, Some(at(7)), None, None)
    );
    assert_eq!(store.enqueue_emails(&[]).await.unwrap(), 0);
}

/// A test message a person asked for goes in with its audit event, in one transaction:
/// an event that cannot be written leaves no message behind.
pub async fn test_message_and_its_audit_event_both_or_neither(store: &dyn Store) {
    let asked = |m: &OutboxMessage, actor: Actor| {
        AuditEvent::new(t0(), actor, "EMAIL_TESTE", "email").on(m.id)
    };
    let ok = test_message("ana@beg.com.br", "Ana", t0());
    assert!(store
        .enqueue_email_audited(&ok, &asked(&ok, Actor::anonymous("teste")))
        .await
        .unwrap());
    assert_eq!(one(store, ok.id).await, listed(&ok));
    assert_eq!(
        store
            .audit_trail("email", Some(ok.id), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // The event names a person who does not exist: refused, and the message with it.
    let orphan = test_message("ana@beg.com.br", "Ana", t0());
    let nobody = Actor::user(Uuid::new_v4(), "Ninguém");
    assert!(store
        .enqueue_email_audited(&orphan, &asked(&orphan, nobody))
        .await
        .is_err());
    assert_eq!(list(store, OutboxFilter::default()).await, vec![ok.id]);
    assert!(store
        .audit_trail("email", Some(orphan.id), 10)
        .await
        .unwrap()
        .is_empty());
}

/// A claim takes the messages due at `now`, oldest first, up to its limit, marks them
/// ENVIANDO under the claimer's lease and counts the try; nothing leased is taken again
/// before the lease ends, and everything leased is after it (the machine died mid-send).
pub async fn claims_take_due_messages_oldest_first_under_a_lease(store: &dyn Store) {
    let m0 = message(OutboxRule::Resumo, "k0", "ana@beg.com.br", day(2), at(0));
    let m1 = message(OutboxRule::Resumo, "k1", "ana@beg.com.br", day(2), at(1));
    let m2 = message(OutboxRule::Resumo, "k2", "ana@beg.com.br", day(2), at(2));
    let mut tomorrow = message(OutboxRule::Resumo, "k3", "ana@beg.com.br", day(2), at(-10));
    tomorrow.next_attempt_at = Some(at(24 * 60));
    // Written out of order: the order comes from the times.
    assert_eq!(enqueue(store, &[&m2, &tomorrow, &m0, &m1]).await, 4);

    let now = at(10);
    let lease = now + Duration::minutes(5);
    let first = store.claim_emails("robo-1", now, lease, 2).await.unwrap();
    assert_eq!(ids(&first), vec![m0.id, m1.id]);
    for (got, planned) in first.iter().zip([&m0, &m1]) {
        assert_eq!(
            (got.state, got.attempts, got.next_attempt_at),
            (OutboxState::Enviando, 1, Some(lease))
        );
        // The sender gets the bodies.
        assert_eq!(
            (&got.body_text, &got.body_html, &got.subject),
            (&planned.body_text, &planned.body_html, &planned.subject)
        );
    }
    // Another machine at the same moment gets only what nobody holds.
    let second = store.claim_emails("robo-2", now, lease, 10).await.unwrap();
    assert_eq!(ids(&second), vec![m2.id]);
    // Until the leases end, nothing is due.
    let before_end = lease - Duration::seconds(1);
    assert!(store
        .claim_emails("robo-2", before_end, before_end + Duration::minutes(5), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(one(store, tomorrow.id).await.state, OutboxState::Pendente);

    // The leases ran out without a word: taken again, the second try counted.
    let again = store
        .claim_emails("robo-2", lease, lease + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(ids(&again), vec![m0.id, m1.id, m2.id]);
    assert!(again
        .iter()
        .all(|m| m.attempts == 2 && m.state == OutboxState::Enviando));
    assert_eq!(
        list(
            store,
            OutboxFilter {
                state: Some(OutboxState::Enviando),
                ..Default::default()
            }
        )
        .await
        .len(),
        3
    );
    for m in &again {
        let sent = EmailOutcome::Sent { at: lease };
        assert!(store.finish_email(m.id, "robo-2", &sent).await.unwrap());
    }
    // Tomorrow's message is taken tomorrow.
    let tomorrow_claim = store
        .claim_emails("robo-1", at(24 * 60), at(24 * 60 + 5), 10)
        .await
        .unwrap();
    assert_eq!(ids(&tomorrow_claim), vec![tomorrow.id]);
    assert_eq!(tomorrow_claim[0].attempts, 1);
}

/// Only the machine holding a message's lease says how its send ended; each outcome
/// leaves the state, the times and the error Diagnóstico shows. A retry waits for its
/// time; sent, failed and cancelled messages are never taken again.
pub async fn finish_records_how_the_send_ended(store: &dyn Store) {
    let ms: Vec<OutboxMessage> = (0..5)
        .map(|i| {
            message(
                OutboxRule::Lembrete,
                &format!("p{i}"),
                "bia@beg.com.br",
                day(2),
                at(i),
            )
        })
        .collect();
    store.enqueue_emails(&ms).await.unwrap();
    let (now, lease) = (at(10), at(15));
    assert_eq!(
        store
            .claim_emails("robo-1", now, lease, 10)
            .await
            .unwrap()
            .len(),
        5
    );
    let [sent, retry, failed, cancelled, late] = [0, 1, 2, 3, 4].map(|i| ms[i].id);

    // Another machine's word does nothing.
    let ok = EmailOutcome::Sent { at: at(11) };
    assert!(!store.finish_email(sent, "robo-2", &ok).await.unwrap());
    assert_eq!(one(store, sent).await.state, OutboxState::Enviando);
    assert!(!store
        .finish_email(Uuid::new_v4(), "robo-1", &ok)
        .await
        .unwrap());

    assert!(store.finish_email(sent, "robo-1", &ok).await.unwrap());
    let m = one(store, sent).await;
    assert_eq!(
        (
            m.state,
            m.sent_at,
            m.next_attempt_at,
            m.last_error.as_deref(),
            m.attempts
        ),
        (OutboxState::Enviado, Some(at(11)), None, None, 1)
    );
    // Said once: a second word on a finished message does nothing.
    let fail = EmailOutcome::Failed {
        error: "550 caixa inexistente".into(),
    };
    assert!(!store.finish_email(sent, "robo-1", &fail).await.unwrap());
    assert_eq!(one(store, sent).await.state, OutboxState::Enviado);

    let busy = EmailOutcome::Retry {
        error: "421 servidor ocupado".into(),
        next_at: at(20),
    };
    assert!(store.finish_email(retry, "robo-1", &busy).await.unwrap());
    let m = one(store, retry).await;
    assert_eq!(
        (
            m.state,
            m.sent_at,
            m.next_attempt_at,
            m.last_error.as_deref()
        ),
        (
            OutboxState::Pendente,
            None,
            Some(at(20)),
            Some("421 servidor ocupado")
        )
    );

    assert!(store.finish_email(failed, "robo-1", &fail).await.unwrap());
    let m = one(store, failed).await;
    assert_eq!(
        (
            m.state,
            m.sent_at,
            m.next_attempt_at,
            m.last_error.as_deref()
        ),
        (
            OutboxState::Falhou,
            None,
            None,
            Some("550 caixa inexistente")
        )
    );

    let decided = EmailOutcome::Cancelled {
        reason: "A fatura já foi decidida.".into(),
    };
    assert!(store
        .finish_email(cancelled, "robo-1", &decided)
        .await
        .unwrap());
    let m = one(store, cancelled).await;
    assert_eq!(
        (
            m.state,
            m.sent_at,
            m.next_attempt_at,
            m.last_error.as_deref()
        ),
        (
            OutboxState::Cancelado,
            None,
            None,
            Some("A fatura já foi decidida.")
        )
    );

    // robo-1 let its lease on the last one run out; robo-2 took it. robo-1's late word
    // does nothing, robo-2's counts.
    let taken = store
        .claim_emails("robo-2", lease, at(25), 10)
        .await
        .unwrap();
    assert_eq!(ids(&taken), vec![late]);
    assert_eq!(taken[0].attempts, 2);
    assert!(!store.finish_email(late, "robo-1", &ok).await.unwrap());
    assert_eq!(one(store, late).await.state, OutboxState::Enviando);
    assert!(store
        .finish_email(late, "robo-2", &EmailOutcome::Sent { at: at(16) })
        .await
        .unwrap());

    // The retry waits for its time, and is taken then (its second try).
    assert!(store
        .claim_emails("robo-2", at(20) - Duration::seconds(1), at(30), 10)
        .await
        .unwrap()
        .is_empty());
    let retried = store
        .claim_emails("robo-2", at(20), at(30), 10)
        .await
        .unwrap();
    assert_eq!(ids(&retried), vec![retry]);
    assert_eq!(retried[0].attempts, 2);
    assert!(store
        .finish_email(retry, "robo-2", &EmailOutcome::Sent { at: at(21) })
        .await
        .unwrap());
    let m = one(store, retry).await;
    // Sent in the end; the error of the try before stays for Diagnóstico.
    assert_eq!(
        (
            m.state,
            m.sent_at,
            m.next_attempt_at,
            m.last_error.as_deref()
        ),
        (
            OutboxState::Enviado,
            Some(at(21)),
            None,
            Some("421 servidor ocupado")
        )
    );

    // Nothing finished is ever taken again.
    assert!(store
        .claim_emails("robo-3", at(100_000), at(100_005), 10)
        .await
        .unwrap()
        .is_empty());
}

/// Diagnóstico's and the process screen's list: by state, rule, process and id; the text
/// searched in the recipient's address and name and in the subject, in any case, with
/// the `%` and `_` a person types taken as letters; newest first, at most 100, no bodies.
pub async fn outbox_filters_newest_first_without_bodies(store: &dyn Store) {
    let ps = processes(store, 2).await;
    let (p1, p2) = (ps[0], ps[1]);
    let about = |rule, p: Uuid, to: &str, name: &str, subject: &str, minute| {
        let mut m = message(rule, &p.to_string(), to, day(2), at(minute));
        m.process_id = Some(p);
        m.recipient_name = Some(name.into());
        m.subject = subject.into();
        m
    };
    let r1 = about(
        OutboxRule::Lembrete,
        p1,
        "ana_b@beg.com.br",
        "Ana Beatriz",
        "Fatura 100% conferida aguarda",
        1,
    );
    let r2 = about(
        OutboxRule::Lembrete,
        p2,
        "anaxb@beg.com.br",
        "Ana Xavier",
        "Fatura 1000 aguarda",
        2,
    );
    let mut r3 = message(
        OutboxRule::Resumo,
        "resumo",
        "BETO@BEG.COM.BR",
        day(2),
        at(3),
    );
    r3.subject = "Resumo do dia".into();
    r3.recipient_name = Some("Beto".into());
    let mut r4 = message(
        OutboxRule::Teste,
        "teste-1",
        "teste@fora.com",
        day(2),
        at(4),
    );
    r4.subject = "E-mail de teste".into();
    let r5 = about(
        OutboxRule::Escalonamento,
        p1,
        "ana_b@beg.com.br",
        "Ana Beatriz",
        "Fatura vence amanhã",
        5,
    );
    // r4 fails and r5 is sent: claimed alone, in turn.
    for (m, outcome) in [
        (
            &r4,
            EmailOutcome::Failed {
                error: "550 recusado".into(),
            },
        ),
        (&r5, EmailOutcome::Sent { at: at(6) }),
    ] {
        assert_eq!(enqueue(store, &[m]).await, 1);
        let got = store
            .claim_emails("robo-1", at(6), at(9), 10)
            .await
            .unwrap();
        assert_eq!(ids(&got), vec![m.id]);
        assert!(store.finish_email(m.id, "robo-1", &outcome).await.unwrap());
    }
    assert_eq!(enqueue(store, &[&r1, &r2, &r3]).await, 3);

    let f = |g: fn(&mut OutboxFilter)| {
        let mut filter = OutboxFilter::default();
        g(&mut filter);
        filter
    };
    let all = store.outbox(&OutboxFilter::default()).await.unwrap();
    assert_eq!(ids(&all), vec![r5.id, r4.id, r3.id, r2.id, r1.id]);
    for m in &all {
        assert!(m.body_text.is_empty() && m.body_html.is_empty(), "{m:?}");
        assert!(!m.subject.is_empty());
    }
    assert_eq!(all[4], listed(&r1));
    let m4 = &all[1];
    assert_eq!(
        (m4.state, m4.last_error.as_deref(), m4.attempts),
        (OutboxState::Falhou, Some("550 recusado"), 1)
    );

    let state = |s| OutboxFilter {
        state: Some(s),
        ..Default::default()
    };
    assert_eq!(list(store, state(OutboxState::Falhou)).await, vec![r4.id]);
    assert_eq!(list(store, state(OutboxState::Enviado)).await, vec![r5.id]);
    assert_eq!(
        list(store, state(OutboxState::Pendente)).await,
        vec![r3.id, r2.id, r1.id]
    );
    assert!(list(store, state(OutboxState::Cancelado)).await.is_empty());
    assert_eq!(
        list(store, f(|f| f.rule = Some(OutboxRule::Lembrete))).await,
        vec![r2.id, r1.id]
    );

    let text = |t: &str| OutboxFilter {
        text: Some(t.into()),
        ..Default::default()
    };
    // "_" is a letter: "a_b" is not "axb".
    assert_eq!(list(store, text("a_b")).await, vec![r5.id, r1.id]);
    // "%" is a letter: "0%" is not "00".
    assert_eq!(list(store, text("0%")).await, vec![r1.id]);
    assert_eq!(list(store, text("%")).await, vec![r1.id]);
    // Any case, in the address, the name or the subject.
    assert_eq!(list(store, text("beto@beg")).await, vec![r3.id]);
    assert_eq!(list(store, text("XAVIER")).await, vec![r2.id]);
    assert_eq!(list(store, text("resumo DO")).await, vec![r3.id]);
    assert_eq!(list(store, text("fatura")).await, vec![r5.id, r2.id, r1.id]);
    assert!(list(store, text("ninguém")).await.is_empty());
    // Blank is no filter.
    assert_eq!(list(store, text("   ")).await.len(), 5);

    let about_p1 = OutboxFilter {
        process_id: Some(p1),
        ..Default::default()
    };
    assert_eq!(list(store, about_p1.clone()).await, vec![r5.id, r1.id]);
    assert_eq!(
        list(
            store,
            OutboxFilter {
                rule: Some(OutboxRule::Lembrete),
                ..about_p1
            }
        )
        .await,
        vec![r1.id]
    );
    assert_eq!(
        list(
            store,
            OutboxFilter {
                process_id: Some(p2),
                ..Default::default()
            }
        )
        .await,
        vec![r2.id]
    );
    assert_eq!(
        list(
            store,
            OutboxFilter {
                state: Some(OutboxState::Pendente),
                text: Some("ana".into()),
                ..Default::default()
            }
        )
        .await,
        vec![r2.id, r1.id]
    );
    assert_eq!(
        list(
            store,
            OutboxFilter {
                id: Some(r2.id),
                ..Default::default()
            }
        )
        .await,
        vec![r2.id]
    );

    // At most 100, the newest.
    let many: Vec<OutboxMessage> = (0..120)
        .map(|i| {
            message(
                OutboxRule::Resumo,
                &format!("extra-{i}"),
                "dani@beg.com.br",
                day(3),
                at(100 + i),
            )
        })
        .collect();
    assert_eq!(store.enqueue_emails(&many).await.unwrap(), 120);
    let newest: Vec<Uuid> = many.iter().rev().take(100).map(|m| m.id).collect();
    assert_eq!(list(store, OutboxFilter::default()).await, newest);
    assert_eq!(
        list(
            store,
            OutboxFilter {
                limit: 500,
                ..Default::default()
            }
        )
        .await,
        newest
    );
    assert_eq!(
        list(
            store,
            OutboxFilter {
                limit: 3,
                ..Default::default()
            }
        )
        .await,
        newest[..3].to_vec()
    );
}

/// For an escalation's "who was reminded": only reminders, only sent ones, only about the
/// processes asked, named by the recipient's name (or address when none was kept).
pub async fn reminders_sent_are_the_sent_reminders_of_those_processes(store: &dyn Store) {
    let ps = processes(store, 3).await;
    let (p1, p2, p3) = (ps[0], ps[1], ps[2]);
    let about = |rule, p: Uuid, to: &str, name: Option<&str>| {
        let mut m = message(rule, &p.to_string(), to, day(2), at(0));
        m.process_id = Some(p);
        m.recipient_name = name.map(str::to_string);
        m
    };
    let sent = [
        (
            about(OutboxRule::Lembrete, p1, "bia@beg.com.br", Some("Bia")),
            11,
        ),
        (about(OutboxRule::Lembrete, p1, "beto@beg.com.br", None), 12),
        (
            about(OutboxRule::Lembrete, p2, "bia@beg.com.br", Some("Bia")),
            13,
        ),
        (
            about(OutboxRule::Lembrete, p3, "bia@beg.com.br", Some("Bia")),
            14,
        ),
        (
            about(OutboxRule::Escalonamento, p1, "ana@beg.com.br", Some("Ana")),
            15,
        ),
    ];
    let failed = about(OutboxRule::Lembrete, p1, "dani@beg.com.br", Some("Dani"));
    let mut waiting = about(OutboxRule::Lembrete, p1, "caio@beg.com.br", Some("Caio"));
    waiting.next_attempt_at = Some(at(60));
    let mut all: Vec<OutboxMessage> = sent.iter().map(|(m, _)| m.clone()).collect();
    all.extend([failed.clone(), waiting.clone()]);
    assert_eq!(store.enqueue_emails(&all).await.unwrap(), 7);
    assert_eq!(
        store
            .claim_emails("robo-1", at(10), at(20), 10)
            .await
            .unwrap()
            .len(),
        6
    );
    for (m, minute) in &sent {
        let outcome = EmailOutcome::Sent { at: at(*minute) };
        assert!(store.finish_email(m.id, "robo-1", &outcome).await.unwrap());
    }
    let fail = EmailOutcome::Failed {
        error: "550".into(),
    };
    assert!(store
        .finish_email(failed.id, "robo-1", &fail)
        .await
        .unwrap());

    let mut got = store.reminders_sent(&[p1, p2]).await.unwrap();
    got.sort_by_key(|r| r.sent_at);
    let reminder = |process_id, name: &str, minute| ReminderSent {
        process_id,
        recipient_name: name.into(),
        sent_at: at(minute),
    };
    assert_eq!(
        got,
        vec![
            reminder(p1, "Bia", 11),
            reminder(p1, "beto@beg.com.br", 12),
            reminder(p2, "Bia", 13),
        ]
    );
    assert!(store.reminders_sent(&[]).await.unwrap().is_empty());
    assert!(store
        .reminders_sent(&[Uuid::new_v4()])
        .await
        .unwrap()
        .is_empty());
}

fn person(name: &str, email: &str, role: Role, active: bool) -> User {
    let mut u = user(email);
    u.full_name = name.into();
    u.role = role;
    u.active = active;
    u
}

fn recipient(u: &User, preference: EmailPreference) -> Recipient {
    Recipient {
        user_id: u.id,
        name: u.full_name.clone(),
        email: Some(u.email.clone()),
        active: u.active,
        role: u.role,
        preference,
    }
}

/// Every person comes with their e-mail preference, or the defaults (receive, the
/// office's hour) when they saved none; a saved preference reads back as saved, is
/// replaced by the next one, and is written with its audit event or not at all.
pub async fn recipients_join_preferences_with_defaults(store: &dyn Store) {
    let ana = person("Ana Admin", "ana.adm@beg.com.br", Role::Administrador, true);
    let bia = person(
        "Bia Aprovadora",
        "bia.apr@beg.com.br",
        Role::Aprovador,
        true,
    );
    let caio = person("Caio Operador", "caio.op@beg.com.br", Role::Operador, false);
    for u in [&ana, &bia, &caio] {
        store
            .insert_user(u, &ev(action::CRIAR, "usuario", Some(u.id)))
            .await
            .unwrap();
    }
    let pref_event = |u: &User| ev("PREFERENCIA_EMAIL", "preferencias_email", Some(u.id));
    assert_eq!(store.email_preference(ana.id).await.unwrap(), None);

    let quiet = EmailPreference {
        receive: false,
        hour: Some(7),
    };
    store
        .set_email_preference(bia.id, &quiet, &pref_event(&bia))
        .await
        .unwrap();
    assert_eq!(store.email_preference(bia.id).await.unwrap(), Some(quiet));
    let back = EmailPreference {
        receive: true,
        hour: None,
    };
    store
        .set_email_preference(bia.id, &back, &pref_event(&bia))
        .await
        .unwrap();
    assert_eq!(store.email_preference(bia.id).await.unwrap(), Some(back));
    let midnight = EmailPreference {
        receive: true,
        hour: Some(0),
    };
    store
        .set_email_preference(caio.id, &midnight, &pref_event(&caio))
        .await
        .unwrap();

    let mine: HashSet<Uuid> = [ana.id, bia.id, caio.id].into();
    let got: Vec<Recipient> = store
        .email_recipients()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| mine.contains(&r.user_id))
        .collect();
    assert_eq!(
        got,
        vec![
            recipient(&ana, EmailPreference::default()),
            recipient(&bia, back),
            recipient(&caio, midnight),
        ]
    );
    assert_eq!(
        EmailPreference::default(),
        EmailPreference {
            receive: true,
            hour: None
        }
    );

    let trail = |id| async move {
        store
            .audit_trail("preferencias_email", Some(id), 10)
            .await
            .unwrap()
    };
    let bia_trail = trail(bia.id).await;
    assert_eq!(bia_trail.len(), 2);
    assert!(bia_trail.iter().all(|e| e.action == "PREFERENCIA_EMAIL"));
    assert!(trail(ana.id).await.is_empty());

    // Nobody by that id: refused, and neither the row nor its event is left behind.
    let nobody = Uuid::new_v4();
    let before = store
        .audit_trail("preferencias_email", None, 50)
        .await
        .unwrap()
        .len();
    assert!(store
        .set_email_preference(
            nobody,
            &quiet,
            &ev("PREFERENCIA_EMAIL", "preferencias_email", Some(nobody))
        )
        .await
        .is_err());
    assert_eq!(store.email_preference(nobody).await.unwrap(), None);
    assert_eq!(
        store
            .audit_trail("preferencias_email", None, 50)
            .await
            .unwrap()
            .len(),
        before
    );
}

/// The SMTP password sealed again: written only where the stored value is still the one
/// the machine opened (a password saved meanwhile wins), only that setting, audited once.
pub async fn reseal_changes_only_the_value_it_opened(store: &dyn Store) {
    let resealed = || ev("SENHA_EMAIL_SELADA_DE_NOVO", "configuracao", None);
    let saved = |v: &str| {
        let v = json!(v);
        async move {
            store
                .put_setting(
                    SETTING_SMTP_PASSWORD,
                    &v,
                    &ev("ALTERAR_CONFIGURACAO", "configuracao", None),
                )
                .await
                .unwrap()
        }
    };
    // Nothing saved: nothing to seal again.
    assert!(!store
        .reseal_smtp_password("v2:antes", "v2:depois", &resealed())
        .await
        .unwrap());
    assert_eq!(
        store.get_setting(SETTING_SMTP_PASSWORD).await.unwrap(),
        None
    );

    saved("v2:antes").await;
    // Another setting holding the same text is not the password.
    store
        .put_setting(
            "email.outra",
            &json!("v2:antes"),
            &ev("ALTERAR_CONFIGURACAO", "configuracao", None),
        )
        .await
        .unwrap();
    // Opened from another value: a password saved meanwhile wins.
    assert!(!store
        .reseal_smtp_password("v2:outro", "v2:depois", &resealed())
        .await
        .unwrap());
    assert_eq!(
        store.get_setting(SETTING_SMTP_PASSWORD).await.unwrap(),
        Some(json!("v2:antes"))
    );
    assert!(store
        .reseal_smtp_password("v2:antes", "v2:depois", &resealed())
        .await
        .unwrap());
    assert_eq!(
        store.get_setting(SETTING_SMTP_PASSWORD).await.unwrap(),
        Some(json!("v2:depois"))
    );
    assert_eq!(
        store.get_setting("email.outra").await.unwrap(),
        Some(json!("v2:antes"))
    );
    // The same old value again (a second machine, late): nothing.
    assert!(!store
        .reseal_smtp_password("v2:antes", "v2:terceiro", &resealed())
        .await
        .unwrap());
    assert_eq!(
        store.get_setting(SETTING_SMTP_PASSWORD).await.unwrap(),
        Some(json!("v2:depois"))
    );
    let reseals = store
        .audit_trail("configuracao", None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "SENHA_EMAIL_SELADA_DE_NOVO")
        .count();
    assert_eq!(reseals, 1);
}

/// Two machines (two pools, one database), two claimers each, claim 300 due messages
/// seven at a time as fast as they can: every message is claimed exactly once, on its
/// first try.
pub async fn concurrent_claims_take_each_message_once(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let all: Vec<OutboxMessage> = (0..300)
        .map(|i| {
            message(
                OutboxRule::Lembrete,
                &format!("p{i}"),
                "bia@beg.com.br",
                day(2),
                at(i % 17),
            )
        })
        .collect();
    assert_eq!(a.enqueue_emails(&all).await.unwrap(), 300);
    let start = Arc::new(tokio::sync::Barrier::new(4));
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("robo-{n}");
            start.wait().await;
            let mut got = Vec::new();
            loop {
                let claimed = store.claim_emails(&owner, at(30), at(35), 7).await.unwrap();
                if claimed.is_empty() {
                    return got;
                }
                assert!(claimed.len() <= 7);
                got.extend(claimed);
            }
        }));
    }
    let mut per_claimer = Vec::new();
    let mut claimed = Vec::new();
    for t in tasks {
        let got = t.await.unwrap();
        per_claimer.push(got.len());
        claimed.extend(got);
    }
    println!("{:?}: messages per claimer {per_claimer:?}", a.backend());
    assert!(
        claimed.iter().all(|m| m.attempts == 1),
        "a message claimed twice"
    );
    let unique: HashSet<Uuid> = claimed.iter().map(|m| m.id).collect();
    assert_eq!(claimed.len(), 300);
    assert_eq!(unique, all.iter().map(|m| m.id).collect::<HashSet<_>>());
    if a.backend() == Backend::Postgres {
        // SKIP LOCKED lets claimers pass each other: the race really was one.
        assert!(
            per_claimer.iter().filter(|n| **n > 0).count() > 1,
            "{per_claimer:?}"
        );
    }
    assert!(b
        .claim_emails("robo-9", at(30), at(35), 7)
        .await
        .unwrap()
        .is_empty());
}
