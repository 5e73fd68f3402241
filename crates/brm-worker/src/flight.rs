//! Requests in flight: which executions a task of this worker is working on right now
//! (a later cycle leaves them alone), how many requests each robot endpoint has open
//! (bounded, so one hanging endpoint never takes the others' turn), and the tasks
//! themselves (a killed worker stops them all).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::AbortHandle;
use uuid::Uuid;

#[derive(Default)]
pub(crate) struct Flight {
    busy: Mutex<HashSet<Uuid>>,
    lanes: Mutex<HashMap<String, Arc<Semaphore>>>,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// Marks executions busy until dropped (also when their task panics or is aborted).
pub(crate) struct Busy {
    flight: Arc<Flight>,
    ids: Vec<Uuid>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut busy = self.flight.busy.lock().expect("flight");
        for id in &self.ids {
            busy.remove(id);
        }
    }
}

impl Flight {
    /// `None` when a task already works on one of `ids`.
    pub(crate) fn take(self: &Arc<Self>, ids: Vec<Uuid>) -> Option<Busy> {
        let mut busy = self.busy.lock().expect("flight");
        if ids.iter().any(|id| busy.contains(id)) {
            return None;
        }
        busy.extend(ids.iter().copied());
        Some(Busy {
            flight: self.clone(),
            ids,
        })
    }

    pub(crate) fn is_busy(&self, id: Uuid) -> bool {
        self.busy.lock().expect("flight").contains(&id)
    }

    /// Waits until no task works on any execution, or `grace` passes; true when idle.
    pub(crate) async fn wait_idle(&self, grace: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            if self.busy.lock().expect("flight").is_empty() {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// A turn on the endpoint at `base_url` (at most `width` at once).
    pub(crate) async fn lane(&self, base_url: &str, width: usize) -> OwnedSemaphorePermit {
        let lane = self
            .lanes
            .lock()
            .expect("flight")
            .entry(base_url.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(width.max(1))))
            .clone();
        lane.acquire_owned().await.expect("lanes are never closed")
    }

    pub(crate) fn track(&self, task: AbortHandle) {
        let mut tasks = self.tasks.lock().expect("flight");
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    pub(crate) fn abort_all(&self) {
        for t in self.tasks.lock().expect("flight").drain(..) {
            t.abort();
        }
    }
}

/// A read that may be asked twice (`GET` of a job or of the list): when the first
/// answer has not come after `after`, the same request goes again beside it and the
/// first answer of the two wins. A hanging answer then costs `after`, not the timeout.
pub(crate) async fn hedged<T, F, Fut>(after: std::time::Duration, call: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let first = call();
    tokio::pin!(first);
    tokio::select! {
        r = &mut first => return r,
        _ = tokio::time::sleep(after) => {}
    }
    let second = call();
    tokio::pin!(second);
    tokio::select! {
        r = &mut first => r,
        r = &mut second => r,
    }
}

#[cfg(test)]
mod tests {
    use super::hedged;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_hanging_read_is_asked_again_and_the_first_answer_wins() {
        let calls = AtomicUsize::new(0);
        let started = tokio::time::Instant::now();
        let r = hedged(Duration::from_millis(50), || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                n
            }
        })
        .await;
        assert_eq!(r, 1);
        assert!(started.elapsed() < Duration::from_secs(5));
        // A quick answer is asked once.
        let calls = AtomicUsize::new(0);
        let r = hedged(Duration::from_millis(500), || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { 7 }
        })
        .await;
        assert_eq!((r, calls.load(Ordering::SeqCst)), (7, 1));
    }
}
