//! What a failed attempt does to a process: count it, then either schedule the next try
//! (exponential backoff with jitter) or stop and ask for a person.

use brm_core::execution::{ErrorClass, ExecutionKind};
use brm_core::process::Process;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;

/// The delay before retry number `attempts` (1 = after the first failure), with
/// ± `jitter` spread. The last configured delay repeats.
pub fn backoff_delay(
    backoff: &[Duration],
    attempts: i64,
    jitter: f64,
    rng: &mut impl Rng,
) -> Duration {
    let idx = (attempts.max(1) - 1) as usize;
    let base = backoff
        .get(idx)
        .or(backoff.last())
        .copied()
        .unwrap_or(Duration::minutes(30));
    if jitter <= 0.0 {
        return base;
    }
    let spread = rng.gen_range(-jitter..=jitter);
    let ms = base.num_milliseconds() as f64 * (1.0 + spread);
    Duration::milliseconds(ms.round().max(0.0) as i64)
}

/// Applies one failed attempt of `kind` (its number is `attempt`) to `p`. Returns true
/// when the process now needs attention (no more automatic retries).
#[allow(clippy::too_many_arguments)]
pub fn apply_failure(
    p: &mut Process,
    kind: ExecutionKind,
    attempt: i64,
    class: ErrorClass,
    max_attempts: i64,
    backoff: &[Duration],
    jitter: f64,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> bool {
    let attempts = match kind {
        ExecutionKind::UploadSat => {
            p.sat_attempts = p.sat_attempts.max(attempt);
            p.last_sat_at = Some(now);
            p.sat_attempts
        }
        _ => {
            p.download_attempts = p.download_attempts.max(attempt);
            p.last_download_at = Some(now);
            p.download_attempts
        }
    };
    if class == ErrorClass::Negocio || attempts >= max_attempts {
        p.needs_attention = true;
        p.next_retry_at = None;
        true
    } else {
        p.next_retry_at = Some(now + backoff_delay(backoff, attempts, jitter, rng));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brm_core::process::{Month, Process};
    use rand::SeedableRng;
    use uuid::Uuid;

    fn default_backoff() -> Vec<Duration> {
        vec![
            Duration::minutes(30),
            Duration::hours(1),
            Duration::hours(2),
        ]
    }

    fn process() -> Process {
        Process::new_for(
            Uuid::new_v4(),
            Uuid::new_v4(),
            Month::parse("2026-11").unwrap(),
            None,
            false,
            Utc::now(),
        )
    }

    #[test]
    fn delays_double_and_the_last_repeats() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let b = default_backoff();
        assert_eq!(backoff_delay(&b, 1, 0.0, &mut rng), Duration::minutes(30));
        assert_eq!(backoff_delay(&b, 2, 0.0, &mut rng), Duration::hours(1));
        assert_eq!(backoff_delay(&b, 3, 0.0, &mut rng), Duration::hours(2));
        assert_eq!(backoff_delay(&b, 9, 0.0, &mut rng), Duration::hours(2));
    }

    #[test]
    fn jitter_stays_within_its_spread_and_varies() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let b = default_backoff();
        let seen: Vec<_> = (0..50)
            .map(|_| backoff_delay(&b, 1, 0.1, &mut rng).num_seconds())
            .collect();
        assert!(seen.iter().all(|s| (1620..=1980).contains(s)), "{seen:?}");
        assert!(seen.iter().any(|s| *s != seen[0]));
    }

    #[test]
    fn transient_failures_retry_until_the_operators_maximum() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let now = Utc::now();
        let mut p = process();
        let b = default_backoff();
        let k = ExecutionKind::DownloadFatura;
        let t = ErrorClass::Transitorio;
        assert!(!apply_failure(&mut p, k, 1, t, 3, &b, 0.0, now, &mut rng));
        assert_eq!(p.next_retry_at, Some(now + Duration::minutes(30)));
        assert!(!apply_failure(&mut p, k, 2, t, 3, &b, 0.0, now, &mut rng));
        assert_eq!(p.next_retry_at, Some(now + Duration::hours(1)));
        assert!(apply_failure(&mut p, k, 3, t, 3, &b, 0.0, now, &mut rng));
        assert!(p.needs_attention);
        assert_eq!(p.next_retry_at, None);
        assert_eq!(p.download_attempts, 3);
        assert_eq!(p.sat_attempts, 0);
    }

    #[test]
    fn business_failures_are_not_retried() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut p = process();
        let stop = apply_failure(
            &mut p,
            ExecutionKind::UploadSat,
            1,
            ErrorClass::Negocio,
            3,
            &default_backoff(),
            0.1,
            Utc::now(),
            &mut rng,
        );
        assert!(stop && p.needs_attention && p.next_retry_at.is_none());
        assert_eq!(p.sat_attempts, 1);
    }
}
