//! What the worker tells whoever listens (the window, tests): ids of what changed and
//! the robot's health. The desktop sends them to the window as one batched event per
//! quarter second, however many jobs moved.

use crate::health::RobotHealth;
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub enum WorkerEvent {
    ProcessChanged(Uuid),
    ExecutionChanged { id: Uuid, process_id: Uuid },
    Robot(RobotHealth),
}

/// The `model-changed` payload: `{processes: [ids], executions: [ids]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelChanged {
    pub processes: BTreeSet<Uuid>,
    pub executions: BTreeSet<Uuid>,
    /// The receiver fell behind and events were dropped: screens reload what they show.
    pub everything: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub model: ModelChanged,
    /// The latest health in the window, if it changed.
    pub robot: Option<RobotHealth>,
}

impl Batch {
    fn add(&mut self, e: WorkerEvent) {
        match e {
            WorkerEvent::ProcessChanged(id) => {
                self.model.processes.insert(id);
            }
            WorkerEvent::ExecutionChanged { id, process_id } => {
                self.model.executions.insert(id);
                self.model.processes.insert(process_id);
            }
            WorkerEvent::Robot(h) => self.robot = Some(h),
        }
    }

    pub fn has_model_changes(&self) -> bool {
        self.model.everything
            || !self.model.processes.is_empty()
            || !self.model.executions.is_empty()
    }
}

/// Waits for the next event, then gathers everything that arrives within `window`.
/// `None` once the worker is gone.
pub async fn next_batch(
    rx: &mut broadcast::Receiver<WorkerEvent>,
    window: Duration,
) -> Option<Batch> {
    let mut batch = Batch::default();
    match rx.recv().await {
        Ok(e) => batch.add(e),
        Err(RecvError::Lagged(_)) => batch.model.everything = true,
        Err(RecvError::Closed) => return None,
    }
    let deadline = tokio::time::sleep(window);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return Some(batch),
            r = rx.recv() => match r {
                Ok(e) => batch.add(e),
                Err(RecvError::Lagged(_)) => batch.model.everything = true,
                Err(RecvError::Closed) => return Some(batch),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn many_changes_become_one_batch() {
        let (tx, mut rx) = broadcast::channel(16);
        let (p, e) = (Uuid::new_v4(), Uuid::new_v4());
        for _ in 0..5 {
            tx.send(WorkerEvent::ExecutionChanged {
                id: e,
                process_id: p,
            })
            .unwrap();
        }
        tx.send(WorkerEvent::ProcessChanged(p)).unwrap();
        let b = next_batch(&mut rx, Duration::from_millis(50))
            .await
            .unwrap();
        assert_eq!(b.model.processes.len(), 1);
        assert_eq!(b.model.executions.len(), 1);
        assert!(b.robot.is_none());
        drop(tx);
        assert!(next_batch(&mut rx, Duration::from_millis(10))
            .await
            .is_none());
    }

    #[tokio::test]
    async fn a_receiver_that_fell_behind_is_told_to_reload_everything() {
        let (tx, mut rx) = broadcast::channel(2);
        for _ in 0..5 {
            tx.send(WorkerEvent::ProcessChanged(Uuid::new_v4()))
                .unwrap();
        }
        let b = next_batch(&mut rx, Duration::from_millis(20))
            .await
            .unwrap();
        assert!(b.model.everything && b.has_model_changes());
    }
}
