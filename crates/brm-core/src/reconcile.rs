//! Which robot job a create whose answer was lost made, if any.
//!
//! The robot service creates the job before it answers; when that answer is lost (a
//! timeout, a dropped or garbled answer, a 5xx), the job may exist with nobody knowing
//! its id. Sending the create again would make a second job: the portal is logged into
//! twice, a SAT upload filled twice. So the execution waits, "unconfirmed", until the
//! robot's own list of jobs (`GET /jobs`: id, operator, creation time) shows what
//! happened. The list carries no process id, so a job is adopted only when nothing else
//! could have made it: it is the only unknown job of that operator in the window of the
//! lost create, and no other unconfirmed create of that operator could have made it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The key of the execution's `result` that marks it unconfirmed.
pub const UNCONFIRMED_KEY: &str = "conferir";

/// A create sent and not answered yet, or whose answer was lost: written just before the
/// create leaves, so that a worker that stops mid-request leaves a trace of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unconfirmed {
    /// When the create left.
    #[serde(rename = "enviado_em")]
    pub sent_at: DateTime<Utc>,
    /// When its failed answer came (or its worker was found stopped); `None` while the
    /// request is in flight.
    #[serde(rename = "resposta_em", default)]
    pub failed_at: Option<DateTime<Utc>>,
    /// What happened to the answer, pt-BR.
    #[serde(rename = "motivo", default)]
    pub reason: String,
}

impl Unconfirmed {
    /// The marker of a create about to leave.
    pub fn sending(now: DateTime<Utc>) -> Self {
        Self {
            sent_at: now,
            failed_at: None,
            reason: String::new(),
        }
    }

    /// The marker in an execution's `result`, if there is one.
    pub fn of(result: Option<&Value>) -> Option<Self> {
        serde_json::from_value(result?.get(UNCONFIRMED_KEY)?.clone()).ok()
    }

    /// The `result` an unconfirmed execution carries.
    pub fn to_result(&self) -> Value {
        serde_json::json!({ UNCONFIRMED_KEY: self })
    }

    /// What the executions screen shows while it waits.
    pub fn message(&self) -> String {
        format!(
            "{} O pedido pode ter criado um job no robô: antes de uma nova tentativa, a lista \
             de jobs do robô é conferida para não repetir o trabalho.",
            self.reason.trim_end()
        )
    }
}

/// An open execution of the same robot and operator that has no job id yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCreate {
    pub execution_id: Uuid,
    pub sent_at: DateTime<Utc>,
    /// `None`: its create is still in flight (or its worker stopped): it may yet claim
    /// any job created since it was sent.
    pub failed_at: Option<DateTime<Utc>>,
}

/// A job the robot lists that no execution records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownJob {
    pub job_id: String,
    /// The robot's clock.
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// This job is the one the lost create made.
    Adopt(String),
    /// No job could be the one: the create made nothing; a new attempt may follow.
    NothingCreated,
    /// Not without doubt yet (pt-BR reason, with the candidate ids).
    Wait(String),
}

/// Decides for `me` (one of `open`). `margin` widens every window both ways for the
/// difference between this computer's clock and the robot's.
pub fn decide(me: Uuid, open: &[OpenCreate], unknown: &[UnknownJob], margin: Duration) -> Decision {
    let Some(mine) = open.iter().find(|o| o.execution_id == me) else {
        return Decision::Wait("a execução não está mais entre as sem job".into());
    };
    let inside = |o: &OpenCreate, j: &UnknownJob| {
        j.created_at >= o.sent_at - margin && o.failed_at.is_none_or(|f| j.created_at <= f + margin)
    };
    let in_mine: Vec<&UnknownJob> = unknown.iter().filter(|j| inside(mine, j)).collect();
    match in_mine.as_slice() {
        [] => Decision::NothingCreated,
        [job] => {
            let rivals = open
                .iter()
                .filter(|o| o.execution_id != me && inside(o, job))
                .count();
            if rivals == 0 {
                Decision::Adopt(job.job_id.clone())
            } else {
                Decision::Wait(format!(
                    "o job {} pode ser deste pedido ou de outro {} pedido(s) sem resposta \
                     da mesma operadora",
                    job.job_id, rivals
                ))
            }
        }
        many => Decision::Wait(format!(
            "{} jobs desconhecidos do robô foram criados no mesmo intervalo ({})",
            many.len(),
            many.iter()
                .map(|j| j.job_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap() + Duration::seconds(s)
    }

    fn lost(id: u128, sent: i64, failed: i64) -> OpenCreate {
        OpenCreate {
            execution_id: Uuid::from_u128(id),
            sent_at: t(sent),
            failed_at: Some(t(failed)),
        }
    }

    fn job(id: &str, at: i64) -> UnknownJob {
        UnknownJob {
            job_id: id.into(),
            created_at: t(at),
        }
    }

    const M: Duration = Duration::seconds(60);

    #[test]
    fn the_only_unknown_job_in_the_window_is_adopted() {
        let me = Uuid::from_u128(1);
        let d = decide(me, &[lost(1, 0, 30)], &[job("a", 1), job("old", -3600)], M);
        assert_eq!(d, Decision::Adopt("a".into()));
    }

    #[test]
    fn no_unknown_job_in_the_window_means_nothing_was_created() {
        let me = Uuid::from_u128(1);
        let d = decide(me, &[lost(1, 0, 30)], &[job("old", -3600)], M);
        assert_eq!(d, Decision::NothingCreated);
        assert_eq!(
            decide(me, &[lost(1, 0, 30)], &[], M),
            Decision::NothingCreated
        );
    }

    #[test]
    fn a_job_another_lost_create_could_have_made_is_not_guessed() {
        let me = Uuid::from_u128(1);
        let open = [lost(1, 0, 30), lost(2, 5, 35)];
        let d = decide(me, &open, &[job("a", 6)], M);
        assert!(
            matches!(d, Decision::Wait(ref m) if m.contains("a")),
            "{d:?}"
        );
        // Two unknown jobs in one window: which is which cannot be told.
        let d = decide(me, &[lost(1, 0, 30)], &[job("a", 1), job("b", 2)], M);
        assert!(
            matches!(d, Decision::Wait(ref m) if m.contains("a, b")),
            "{d:?}"
        );
    }

    #[test]
    fn a_create_still_in_flight_may_claim_any_later_job() {
        let me = Uuid::from_u128(1);
        let in_flight = OpenCreate {
            execution_id: Uuid::from_u128(2),
            sent_at: t(10),
            failed_at: None,
        };
        let d = decide(me, &[lost(1, 0, 30), in_flight.clone()], &[job("a", 20)], M);
        assert!(matches!(d, Decision::Wait(_)), "{d:?}");
        // Windows far apart do not compete.
        let far = OpenCreate {
            sent_at: t(3600),
            ..in_flight
        };
        let d = decide(me, &[lost(1, 0, 30), far], &[job("a", 20)], M);
        assert_eq!(d, Decision::Adopt("a".into()));
    }

    #[test]
    fn the_margin_covers_a_robot_clock_off_by_less_than_it() {
        let me = Uuid::from_u128(1);
        let d = decide(me, &[lost(1, 0, 30)], &[job("ahead", 30 + 59)], M);
        assert_eq!(d, Decision::Adopt("ahead".into()));
        let d = decide(me, &[lost(1, 0, 30)], &[job("behind", -59)], M);
        assert_eq!(d, Decision::Adopt("behind".into()));
        let d = decide(me, &[lost(1, 0, 30)], &[job("far", 30 + 61)], M);
        assert_eq!(d, Decision::NothingCreated);
    }

    #[test]
    fn the_marker_round_trips_through_the_result() {
        let u = Unconfirmed {
            sent_at: t(0),
            failed_at: Some(t(30)),
            reason: "O serviço de robôs não respondeu em 30 s.".into(),
        };
        let sending = Unconfirmed::sending(t(0));
        assert_eq!(Unconfirmed::of(Some(&sending.to_result())), Some(sending));
        let v = u.to_result();
        assert!(v.get("conferir").is_some());
        assert_eq!(Unconfirmed::of(Some(&v)), Some(u.clone()));
        assert_eq!(Unconfirmed::of(None), None);
        assert_eq!(Unconfirmed::of(Some(&serde_json::json!("x"))), None);
        assert!(u
            .message()
            .starts_with("O serviço de robôs não respondeu em 30 s. O pedido"));
    }
}
