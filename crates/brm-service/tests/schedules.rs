//! Schedules through the `Desk`, on SQLite and on PostgreSQL (the throw-away cluster
//! scripts/test.sh starts and names in BRM_TEST_POSTGRES_URL; without it the PostgreSQL
//! half says so and passes, unless CI or BRM_REQUIRE_POSTGRES demands it): every change
//! audited with the cron and active state before → after, a stale version refused with
//! the row unchanged, a bad expression refused with nothing written, the form's rules,
//! next_run_at computed on every save, and the preview in Brasília time.

mod common;

use brm_core::clock::ManualClock;
use brm_core::schedule::Schedule;
use brm_core::{ErrorCode, Role};
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::{Desk, ScheduleInput};
use brm_store::Store;
use chrono::{Duration, TimeZone, Utc};
use common::{clock_at, login, TempFolder};
use std::sync::Arc;
use uuid::Uuid;

struct World {
    store: Arc<dyn Store>,
    desk: Desk,
    clock: Arc<ManualClock>,
    admin: String,
    _folder: Option<TempFolder>,
}

async fn on(store: Arc<dyn Store>, folder: Option<TempFolder>) -> World {
    // Saturday 28 November 2026, 09:00 in Brasília.
    let clock = clock_at(2026, 11, 28, 12, 0);
    let desk = Desk::with_clock(store.clone(), clock.clone())
        .with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let admin = common::first_admin(&desk).await;
    World {
        store,
        desk,
        clock,
        admin,
        _folder: folder,
    }
}

async fn sqlite() -> World {
    let folder = TempFolder::new("brm-schedules");
    std::fs::create_dir_all(&folder.0).unwrap();
    let url = format!("sqlite:{}", folder.0.join("brm.sqlite3").display());
    on(brm_store::connect(&url).await.unwrap(), Some(folder)).await
}

async fn postgres() -> Option<World> {
    let url = common::fresh_postgres_url().await?;
    Some(on(brm_store::connect(&url).await.unwrap(), None).await)
}

fn input(name: &str, cron: &str, kind: &str) -> ScheduleInput {
    ScheduleInput {
        name: name.into(),
        cron: cron.into(),
        kind: kind.into(),
        operator_id: None,
        active: None,
    }
}

impl World {
    async fn rows(&self) -> Vec<Schedule> {
        self.store.list_schedules().await.unwrap()
    }

    async fn audit(&self) -> Vec<brm_core::audit::AuditEvent> {
        let mut all = self
            .store
            .audit_trail("agendamento", None, 100)
            .await
            .unwrap();
        all.reverse(); // oldest first
        all
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

async fn changes_are_audited(w: &World) {
    let made = w
        .desk
        .create_schedule(
            &w.admin,
            input(
                "Criar processos do mês",
                " 0  6 1 * * ",
                "CRIAR_PROCESSOS_MENSAIS",
            ),
        )
        .await
        .unwrap();
    assert_eq!(made.schedule.cron, "0 6 1 * *");
    assert_eq!(made.schedule.version, 1);
    assert_eq!(made.description, "Dia 1 de cada mês às 06:00");
    assert_eq!(made.kind_label, "Criar processos do mês");
    // 06:00 in Brasília on 1 December is 09:00 UTC.
    assert_eq!(made.schedule.next_run_at, Some(utc(2026, 12, 1, 9, 0)));
    assert_eq!(made.next_run.as_ref().unwrap().display, "01/12/2026 06:00");
    let id = made.schedule.id;

    w.clock.advance(Duration::minutes(5));
    let changed = w
        .desk
        .update_schedule(
            &w.admin,
            id,
            1,
            input(
                "Criar processos do mês",
                "30 7 * * *",
                "CRIAR_PROCESSOS_MENSAIS",
            ),
        )
        .await
        .unwrap();
    assert_eq!(changed.schedule.version, 2);
    // Recomputed from the new expression: tomorrow, Sunday 29, at 07:30 Brasília.
    assert_eq!(
        changed.schedule.next_run_at,
        Some(utc(2026, 11, 29, 10, 30))
    );
    assert_eq!(changed.description, "Todo dia às 07:30");

    // The same form again: nothing changed, no new version, no audit row.
    let same = w
        .desk
        .update_schedule(
            &w.admin,
            id,
            2,
            input(
                "Criar processos do mês",
                "30 7 * * *",
                "CRIAR_PROCESSOS_MENSAIS",
            ),
        )
        .await
        .unwrap();
    assert_eq!(same.schedule.version, 2);

    let off = w
        .desk
        .set_schedule_active(&w.admin, id, 2, false)
        .await
        .unwrap();
    assert!(!off.schedule.active);
    assert_eq!(off.schedule.next_run_at, None);
    assert!(off.next_run.is_none());
    // Switched on three days later: the next run counts from now, no missed run is due.
    w.clock.advance(Duration::days(3));
    let on = w
        .desk
        .set_schedule_active(&w.admin, id, 3, true)
        .await
        .unwrap();
    assert_eq!(on.schedule.next_run_at, Some(utc(2026, 12, 2, 10, 30)));
    w.desk.delete_schedule(&w.admin, id, 4).await.unwrap();
    assert!(w.rows().await.is_empty());

    let trail = w.audit().await;
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["CRIAR", "ALTERAR", "DESATIVAR", "ATIVAR", "EXCLUIR"]
    );
    assert!(trail
        .iter()
        .all(|e| e.entity_id == Some(id) && e.actor.name == "Ana Administradora"));
    let details: Vec<_> = trail.iter().map(|e| e.detail.clone().unwrap()).collect();
    assert_eq!(
        details,
        [
            "Criar processos do mês: cron 0 6 1 * *; ativo sim",
            "Criar processos do mês: cron 0 6 1 * * → 30 7 * * *; ativo sim → sim",
            "Criar processos do mês: cron 30 7 * * * → 30 7 * * *; ativo sim → não",
            "Criar processos do mês: cron 30 7 * * * → 30 7 * * *; ativo não → sim",
            "Criar processos do mês: cron 30 7 * * * → (excluído); ativo sim → (excluído)",
        ]
    );
    assert_eq!(trail[1].before.as_ref().unwrap()["cron"], "0 6 1 * *");
    assert_eq!(trail[1].after.as_ref().unwrap()["cron"], "30 7 * * *");
    assert_eq!(trail[2].after.as_ref().unwrap()["active"], false);
}

async fn stale_and_bad_input_change_nothing(w: &World) {
    let made = w
        .desk
        .create_schedule(
            &w.admin,
            input("Limpar registros", "0 3 * * 0", "LIMPEZA_LOGS"),
        )
        .await
        .unwrap();
    let id = made.schedule.id;
    w.desk
        .update_schedule(
            &w.admin,
            id,
            1,
            input("Limpar registros", "0 4 * * 0", "LIMPEZA_LOGS"),
        )
        .await
        .unwrap();
    let before = w.rows().await;
    let audits = w.audit().await.len();

    // Another desktop saved version 2 meanwhile: this form still holds version 1.
    for err in [
        w.desk
            .update_schedule(
                &w.admin,
                id,
                1,
                input("Limpar registros", "0 5 * * 0", "LIMPEZA_LOGS"),
            )
            .await
            .unwrap_err(),
        w.desk
            .set_schedule_active(&w.admin, id, 1, false)
            .await
            .unwrap_err(),
        w.desk.delete_schedule(&w.admin, id, 1).await.unwrap_err(),
    ] {
        assert_eq!(err.code, ErrorCode::Conflict, "{err:?}");
        assert_eq!(
            err.message,
            "Este agendamento foi alterado por outra pessoa enquanto você editava. Recarregue e tente de novo."
        );
    }

    // A bad expression, on create and on update: the field's pt-BR message, nothing written.
    let err = w
        .desk
        .create_schedule(
            &w.admin,
            input("Enviar ao SAT", "0 25 * * *", "EXECUTAR_ENVIOS_SAT"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert_eq!(err.fields.len(), 1);
    assert_eq!(err.fields[0].field, "cron");
    assert_eq!(
        err.fields[0].message,
        "O campo hora aceita de 0 a 23; \"25\" está fora desse intervalo."
    );
    let err = w
        .desk
        .update_schedule(
            &w.admin,
            id,
            2,
            input("Limpar registros", "0 3 * *", "LIMPEZA_LOGS"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "cron");
    assert!(err.fields[0].message.contains("5 campos"), "{err:?}");
    let err = w
        .desk
        .update_schedule(
            &w.admin,
            id,
            2,
            input("Limpar registros", "0 6 31 2 *", "LIMPEZA_LOGS"),
        )
        .await
        .unwrap_err();
    assert!(err.fields[0].message.contains("nunca acontece"), "{err:?}");

    assert_eq!(w.rows().await, before);
    assert_eq!(w.audit().await.len(), audits);
}

async fn the_form_rules(w: &World) {
    let vivo = common::add_operator(&w.desk, &w.admin, "Vivo", "VIVO", true).await;
    w.desk
        .create_schedule(
            &w.admin,
            input("Baixar faturas", "0 7 * * 1-5", "EXECUTAR_DOWNLOADS"),
        )
        .await
        .unwrap();
    let field_errors = |e: brm_core::Error| -> Vec<(String, String)> {
        e.fields.into_iter().map(|f| (f.field, f.message)).collect()
    };

    // Everything wrong at once: every field says so.
    let err = w
        .desk
        .create_schedule(&w.admin, input("   ", "", "OUTRA_COISA"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert_eq!(
        field_errors(err),
        [
            (
                "name".to_string(),
                "Informe o nome do agendamento.".to_string()
            ),
            ("cron".into(), "Informe a expressão cron.".into()),
            (
                "kind".into(),
                "Tipo de agendamento desconhecido: \"OUTRA_COISA\".".into()
            ),
        ]
    );
    let err = w
        .desk
        .create_schedule(&w.admin, input("X", "0 7 * * *", ""))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(err),
        [(
            "kind".to_string(),
            "Escolha o tipo do agendamento.".to_string()
        )]
    );

    // The name is unique, whatever the case.
    let err = w
        .desk
        .create_schedule(
            &w.admin,
            input("baixar  FATURAS", "0 8 * * *", "EXECUTAR_DOWNLOADS"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(err.fields[0].field, "name");
    assert_eq!(
        err.message,
        "Já existe um agendamento com o nome \"baixar FATURAS\"."
    );

    // The database copy has its own setting: not scheduled here.
    let err = w
        .desk
        .create_schedule(&w.admin, input("Cópia", "0 2 * * *", "BACKUP_DADOS"))
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "kind");
    assert!(
        err.fields[0].message.contains("Cópias de segurança"),
        "{err:?}"
    );

    // An operator only for downloads, and one that exists.
    let mut with_op = input("Limpeza da Vivo", "0 3 * * *", "LIMPEZA_LOGS");
    with_op.operator_id = Some(vivo);
    let err = w.desk.create_schedule(&w.admin, with_op).await.unwrap_err();
    assert_eq!(
        field_errors(err),
        [(
            "operator_id".to_string(),
            "Só o agendamento \"Baixar faturas\" pode ser limitado a uma operadora.".to_string()
        )]
    );
    let mut ghost = input("Baixar de ninguém", "0 3 * * *", "EXECUTAR_DOWNLOADS");
    ghost.operator_id = Some(Uuid::new_v4());
    let err = w.desk.create_schedule(&w.admin, ghost).await.unwrap_err();
    assert_eq!(err.fields[0].field, "operator_id");
    let mut ok = input("Baixar da Vivo", "0 9 * * *", "EXECUTAR_DOWNLOADS");
    ok.operator_id = Some(vivo);
    ok.active = Some(false);
    let made = w.desk.create_schedule(&w.admin, ok).await.unwrap();
    assert_eq!(made.operator_name.as_deref(), Some("Vivo"));
    assert!(!made.schedule.active);
    assert_eq!(made.schedule.next_run_at, None);
    assert_eq!(w.rows().await.len(), 2);

    // The list: by name, with the kinds the editor offers (no BACKUP_DADOS).
    let list = w.desk.list_schedules(&w.admin).await.unwrap();
    let names: Vec<_> = list
        .items
        .iter()
        .map(|i| i.schedule.name.as_str())
        .collect();
    assert_eq!(names, ["Baixar da Vivo", "Baixar faturas"]);
    assert_eq!(list.items[1].description, "De segunda a sexta às 07:00");
    // Monday 30 November, 07:00 Brasília.
    assert_eq!(
        list.items[1].next_run.as_ref().unwrap().display,
        "30/11/2026 07:00"
    );
    assert_eq!(
        list.items[1].next_run.as_ref().unwrap().weekday,
        "segunda-feira"
    );
    let kinds: Vec<_> = list.kinds.iter().map(|k| k.value).collect();
    assert_eq!(
        kinds,
        [
            "CRIAR_PROCESSOS_MENSAIS",
            "EXECUTAR_DOWNLOADS",
            "EXECUTAR_ENVIOS_SAT",
            "LIMPEZA_LOGS",
            "RESUMO_EMAIL",
            "LEMBRETES_EMAIL"
        ]
    );
}

async fn only_administrators(w: &World, pool_users: impl std::future::Future<Output = ()>) {
    pool_users.await;
    let bia = login(&w.desk, "bia@beg.com.br").await;
    let made = w
        .desk
        .create_schedule(
            &w.admin,
            input("Enviar ao SAT", "0 10 * * *", "EXECUTAR_ENVIOS_SAT"),
        )
        .await
        .unwrap();
    let id = made.schedule.id;
    let errs = [
        w.desk.list_schedules(&bia).await.unwrap_err(),
        w.desk.preview_schedule(&bia, "0 6 * * *").unwrap_err(),
        w.desk
            .create_schedule(&bia, input("Outro", "0 6 * * *", "LIMPEZA_LOGS"))
            .await
            .unwrap_err(),
        w.desk
            .update_schedule(&bia, id, 1, input("Outro", "0 6 * * *", "LIMPEZA_LOGS"))
            .await
            .unwrap_err(),
        w.desk
            .set_schedule_active(&bia, id, 1, false)
            .await
            .unwrap_err(),
        w.desk.delete_schedule(&bia, id, 1).await.unwrap_err(),
    ];
    for e in errs {
        assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    }
    assert_eq!(w.rows().await, vec![made.schedule]);
}

#[tokio::test]
async fn changes_are_audited_on_sqlite() {
    changes_are_audited(&sqlite().await).await;
}

#[tokio::test]
async fn changes_are_audited_on_postgres() {
    if let Some(w) = postgres().await {
        changes_are_audited(&w).await;
    }
}

#[tokio::test]
async fn stale_versions_and_bad_expressions_change_nothing_on_sqlite() {
    stale_and_bad_input_change_nothing(&sqlite().await).await;
}

#[tokio::test]
async fn stale_versions_and_bad_expressions_change_nothing_on_postgres() {
    if let Some(w) = postgres().await {
        stale_and_bad_input_change_nothing(&w).await;
    }
}

#[tokio::test]
async fn the_form_rules_on_sqlite() {
    the_form_rules(&sqlite().await).await;
}

#[tokio::test]
async fn the_form_rules_on_postgres() {
    if let Some(w) = postgres().await {
        the_form_rules(&w).await;
    }
}

#[tokio::test]
async fn only_administrators_see_and_change_schedules_on_sqlite() {
    let w = sqlite().await;
    let users = common::create_user(
        &w.desk,
        &w.admin,
        "Bia Aprovadora",
        "bia@beg.com.br",
        Role::Aprovador,
    );
    only_administrators(&w, users).await;
}

#[tokio::test]
async fn only_administrators_see_and_change_schedules_on_postgres() {
    if let Some(w) = postgres().await {
        let users = common::create_user(
            &w.desk,
            &w.admin,
            "Bia Aprovadora",
            "bia@beg.com.br",
            Role::Aprovador,
        );
        only_administrators(&w, users).await;
    }
}

#[tokio::test]
async fn the_preview_crosses_the_month_in_brasilia_time() {
    let w = sqlite().await;
    // Saturday 28 November 2026, 09:00 in Brasília: daily at 02:00 runs from Sunday 29.
    let p = w.desk.preview_schedule(&w.admin, "0 2 * * *").unwrap();
    assert_eq!(p.description, "Todo dia às 02:00");
    let shown: Vec<_> = p
        .runs
        .iter()
        .map(|r| (r.display.as_str(), r.weekday))
        .collect();
    assert_eq!(
        shown,
        [
            ("29/11/2026 02:00", "domingo"),
            ("30/11/2026 02:00", "segunda-feira"),
            ("01/12/2026 02:00", "terça-feira"),
            ("02/12/2026 02:00", "quarta-feira"),
            ("03/12/2026 02:00", "quinta-feira"),
        ]
    );
    assert_eq!(p.runs[2].at, "2026-12-01T02:00:00-03:00");

    // No daylight saving: under the old rule the clocks jumped from 00:00 to 01:00 on the
    // first Sunday of November (2026-11-01) and 00:30 did not exist that night. Brasília
    // has kept UTC−3 since 2019, so every run is 03:30 UTC.
    use brm_core::clock::Clock;
    w.clock.advance(utc(2026, 10, 30, 12, 0) - w.clock.now());
    let p = w.desk.preview_schedule(&w.admin, "30 0 * * *").unwrap();
    let at: Vec<_> = p.runs.iter().map(|r| r.at.as_str()).collect();
    assert_eq!(
        at,
        [
            "2026-10-31T00:30:00-03:00",
            "2026-11-01T00:30:00-03:00",
            "2026-11-02T00:30:00-03:00",
            "2026-11-03T00:30:00-03:00",
            "2026-11-04T00:30:00-03:00",
        ]
    );

    // The last day of each month (day 31 skips the 30-day months).
    let p = w.desk.preview_schedule(&w.admin, "0 6 31 * *").unwrap();
    let days: Vec<_> = p.runs.iter().map(|r| &r.display[..10]).collect();
    assert_eq!(
        days,
        [
            "31/10/2026",
            "31/12/2026",
            "31/01/2027",
            "31/03/2027",
            "31/05/2027"
        ]
    );

    let err = w.desk.preview_schedule(&w.admin, "0 6 * * 9").unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert_eq!(err.fields[0].field, "cron");
    assert_eq!(
        err.fields[0].message,
        "O campo dia da semana aceita de 0 a 7; \"9\" está fora desse intervalo."
    );
}
