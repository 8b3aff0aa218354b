//! When to try a failing source again: the server's `Retry-After` when it
//! gave one, the longest wait after 410 Gone, otherwise exponential
//! back-off with jitter. It never gives up: the wait stops growing at the
//! cap. Pure arithmetic; the store keeps the result across restarts.

use std::time::Duration;

/// A server's `Retry-After` is honoured up to this long, so a bogus date
/// cannot silence a source for months.
pub(crate) const RETRY_AFTER_MAX: Duration = Duration::from_secs(24 * 3600);

/// Why a poll failed, as far as waiting is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// 429 or 503 with `Retry-After`.
    RetryAfter(Duration),
    /// 410: the feed was removed; check again rarely.
    Gone,
    Other,
}

/// The configured base and cap.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Policy {
    pub base: Duration,
    pub max: Duration,
}

impl Policy {
    /// The wait after the `failures`-th failure in a row (1 for the first).
    pub(crate) fn delay(&self, failures: u32, reason: Reason, rng: &mut fastrand::Rng) -> Duration {
        match reason {
            // As asked, but never sooner than the base: "Retry-After: 0"
            // must not become a retry every second.
            Reason::RetryAfter(wait) => wait.clamp(self.base.min(RETRY_AFTER_MAX), RETRY_AFTER_MAX),
            Reason::Gone => self.max,
            Reason::Other => {
                let doublings = failures.saturating_sub(1).min(32);
                let full = self.base.saturating_mul(1u32 << doublings.min(31)).min(self.max);
                // "Equal jitter": between half and all of the full wait, so
                // sources that failed together do not retry together, and the
                // wait still grows with every failure.
                let half = full / 2;
                half + half.mul_f64(rng.f64())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn waits_double_with_jitter_up_to_the_cap_and_never_stop() {
        let policy = Policy {
            base: 5 * MINUTE,
            max: 6 * 60 * MINUTE,
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for failures in 1..=40u32 {
            let full = (5 * MINUTE * 2u32.pow(failures.min(20) - 1)).min(policy.max);
            for _ in 0..50 {
                let d = policy.delay(failures, Reason::Other, &mut rng);
                assert!(
                    d >= full / 2 && d <= full,
                    "failure {failures}: {d:?} not in [{:?}, {full:?}]",
                    full / 2
                );
            }
        }
        assert!(policy.delay(u32::MAX, Reason::Other, &mut rng) <= policy.max);
    }

    #[test]
    fn retry_after_and_gone_override_the_back_off() {
        let policy = Policy {
            base: MINUTE,
            max: 60 * MINUTE,
        };
        let mut rng = fastrand::Rng::with_seed(1);
        let asked = Reason::RetryAfter(Duration::from_secs(120));
        assert_eq!(policy.delay(9, asked, &mut rng), Duration::from_secs(120));
        let bogus = Reason::RetryAfter(Duration::from_secs(90 * 24 * 3600));
        assert_eq!(policy.delay(1, bogus, &mut rng), RETRY_AFTER_MAX);
        assert_eq!(policy.delay(1, Reason::Gone, &mut rng), 60 * MINUTE);
        assert_eq!(policy.delay(1, Reason::RetryAfter(Duration::ZERO), &mut rng), MINUTE);
    }
}
