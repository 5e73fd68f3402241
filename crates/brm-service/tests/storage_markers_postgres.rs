//! The invoice folder on a shared database (issue 19, item 5): a folder is accepted only
//! when every approved robot machine reaches the same folder. Two robot machines (real
//! workers, each with its own key store) write their markers; the desktop reads them
//! back. A folder on a network share (here: the same path for everyone) passes; a folder
//! only the desktop has fails, naming the machine that cannot reach it.
//!
//! The one stand-in: both machines run in this process, so robot B is told to see the
//! desktop-only path on a disk of its own (`see_folders_through`), as another computer
//! would. Everything else is real: PostgreSQL, the workers' cycles, the files.

mod common;

use brm_core::clock::SystemClock;
use brm_core::robot_machine::MachineStatus;
use brm_core::ErrorCode;
use brm_secrets::{MemoryKeyStore, SecretBox};
use brm_service::storage_settings::StorageSettingsInput;
use brm_service::Desk;
use brm_store::Store;
use brm_worker::{RobotDirectory, Worker, WorkerConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn worker(store: &Arc<dyn Store>, name: &str, dir: &Path) -> Arc<Worker> {
    let main = brm_robot::RobotClient::new(brm_robot::RobotConfig::new(
        // No job is due: the cycles below never call the robot.
        "http://127.0.0.1:9".to_string(),
        None,
    ))
    .unwrap();
    let mut config = WorkerConfig::new(name);
    config.machine_name = name.into();
    Arc::new(Worker::new(
        store.clone(),
        Arc::new(brm_storage::LocalFolder::new(dir.join(format!("{name}-faturas"))).unwrap()),
        Arc::new(RobotDirectory::new(main, None)),
        Arc::new(SecretBox::new(Arc::new(MemoryKeyStore::new()))),
        Arc::new(SystemClock),
        config,
    ))
}

fn folder(path: &Path) -> StorageSettingsInput {
    StorageSettingsInput {
        kind: "pasta".into(),
        folder: path.display().to_string(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_every_robot_machine_reaches_passes_and_a_desktop_only_one_fails_named() {
    let Some(url) = common::fresh_postgres_url().await else {
        return;
    };
    let store = brm_store::connect(&url).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let desk =
        Desk::new(store.clone()).with_secrets(SecretBox::new(Arc::new(MemoryKeyStore::new())));
    let admin = common::first_admin(&desk).await;
    let default = root.join("padrao");

    let a = worker(&store, "robo-a", &root);
    let b = worker(&store, "robo-b", &root);
    // B is another computer: the desktop-only folder's path is, on B, a folder of B's own.
    let desk_only = root.join("so-neste-computador");
    let b_disk = root.join("disco-do-robo-b");
    let (only, disk) = (desk_only.clone(), b_disk.clone());
    b.see_folders_through(Arc::new(move |p: &Path| -> PathBuf {
        match p.strip_prefix(&only) {
            Ok(rest) => disk.join(rest),
            Err(_) => p.to_path_buf(),
        }
    }));
    for w in [&a, &b] {
        let m = w.register_machine().await.unwrap();
        assert_eq!(m.status, MachineStatus::Pendente);
        store
            .decide_robot_machine(
                m.id,
                MachineStatus::Aprovada,
                &brm_core::audit::AuditEvent::new(
                    chrono::Utc::now(),
                    brm_core::audit::Actor::anonymous("teste"),
                    "MAQUINA_ROBO_APROVADA",
                    "maquina_robo",
                ),
            )
            .await
            .unwrap();
    }

    // A network share every machine reaches (the same path for all).
    let shared = root.join("rede").join("faturas");
    let first = desk
        .test_storage(&admin, &default, folder(&shared))
        .await
        .unwrap();
    assert!(!first.ok, "{}", first.message);
    assert!(
        first.message.contains("ainda não gravou o marcador"),
        "{}",
        first.message
    );
    let refused = desk
        .save_storage_settings(&admin, &default, folder(&shared))
        .await
        .unwrap_err();
    assert_eq!(refused.fields[0].field, "folder");
    for w in [&a, &b] {
        w.cycle().await.unwrap();
    }
    let second = desk
        .test_storage(&admin, &default, folder(&shared))
        .await
        .unwrap();
    assert!(second.ok, "{}", second.message);
    assert!(
        second
            .message
            .contains("Todas as máquinas robô aprovadas alcançam"),
        "{}",
        second.message
    );
    let saved = desk
        .save_storage_settings(&admin, &default, folder(&shared))
        .await
        .unwrap();
    assert_eq!(saved.settings.folder, shared.display().to_string());
    assert_eq!(saved.settings.machines.len(), 2);
    assert!(
        saved.settings.machines.iter().all(|m| m.ok),
        "{:?}",
        saved.settings.machines
    );

    // A folder only this desktop has: B writes its marker on its own disk; the desktop
    // does not find it there, and names B (not A) in the refusal. Nothing is saved.
    desk.test_storage(&admin, &default, folder(&desk_only))
        .await
        .unwrap();
    for w in [&a, &b] {
        w.cycle().await.unwrap();
    }
    assert!(
        b_disk.join(".brm-maquinas").exists(),
        "B wrote on its own disk"
    );
    let t = desk
        .test_storage(&admin, &default, folder(&desk_only))
        .await
        .unwrap();
    assert!(!t.ok);
    assert!(
        t.message.contains("robo-b") && !t.message.contains("robo-a ("),
        "{}",
        t.message
    );
    let e = desk
        .save_storage_settings(&admin, &default, folder(&desk_only))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(
        e.message.contains("robo-b") && e.message.contains("não o encontra"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("robo-a ("), "{}", e.message);
    let view = desk.get_storage_settings(&admin, &default).await.unwrap();
    assert_eq!(
        view.folder,
        shared.display().to_string(),
        "the setting is unchanged"
    );
}
