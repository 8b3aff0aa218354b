//! The daemon keeping an eye on its own store: the integrity check at
//! start-up (waited for within a bound, then left to finish in the
//! background), and a small write tried now and then while writes fail,
//! so health turns good as soon as the store can write again. What they
//! find goes into the store's condition, which `/readyz`, `STATUS=` and
//! `/metrics` report.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::store::{self, Store, Verdict};

/// The integrity check's verdict, still to come.
pub(crate) type PendingCheck = tokio::sync::oneshot::Receiver<Verdict>;

/// The integrity check under way, and when it began.
pub(crate) struct Checking {
    verdict: PendingCheck,
    began: tokio::time::Instant,
}

/// Starts the database's integrity check on its own read-only
/// connection, so that the parts of start-up that neither serve nor
/// write are made while it reads the file.
pub(crate) fn start(store: &Store) -> Checking {
    Checking {
        verdict: store.start_integrity_check(),
        began: tokio::time::Instant::now(),
    }
}

/// Waits for the check [`start`]ed until `wait` after it began: damage
/// found by then stops the start with the error a person must act on (a
/// restart cannot repair a file). A longer check goes on in the
/// background (returned, to be reported when it ends); what it finds
/// reaches `/readyz` and `STATUS=` through the store's condition.
pub(crate) async fn at_start(
    store: &Store,
    checking: Checking,
    wait: Duration,
) -> Result<Option<PendingCheck>, store::Error> {
    let mut verdict = checking.verdict;
    if wait.is_zero() {
        info!("database check started in the background (storage.startup_check_wait is 0s)");
        return Ok(Some(verdict));
    }
    match tokio::time::timeout_at(checking.began + wait, &mut verdict).await {
        Ok(Ok(Verdict::Damaged(findings))) => Err(store::Error::Unusable {
            path: store.path().to_path_buf(),
            reason: store::Unusable::Damaged(findings),
        }),
        Ok(ended) => {
            log_verdict(ended.ok());
            Ok(None)
        }
        Err(_) => {
            warn!(
                wait_s = wait.as_secs(),
                "the database check takes longer than storage.startup_check_wait: it goes on in \
                 the background, and /readyz reports what it finds"
            );
            Ok(Some(verdict))
        }
    }
}

/// Logs the verdict of a check that went on in the background.
pub(crate) async fn report_verdict(check: PendingCheck) {
    log_verdict(check.await.ok());
}

fn log_verdict(verdict: Option<Verdict>) {
    match verdict {
        Some(Verdict::Sound) => info!("database check passed"),
        Some(Verdict::Damaged(findings)) => error!(
            %findings,
            "the database is damaged: stop thbwatch and restore a backup; /readyz reports not ready"
        ),
        Some(Verdict::Unfinished(why)) => warn!(%why, "the database check could not finish"),
        None => warn!("the database check stopped without a verdict"),
    }
}

/// How often a failing store is tried with a small write.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// While writes fail, tries a small one now and then, so health turns
/// good again (and channels send again) as soon as the store can write,
/// even when nothing else writes for a while.
pub(crate) async fn probe_writes(store: Store, token: CancellationToken) {
    let mut tick = tokio::time::interval(PROBE_EVERY);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        if store.condition().writes_failing.is_some() {
            // Its outcome goes into the store's condition; nothing to log twice.
            let _ = store.probe_write().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Checking, at_start};
    use crate::store::Store;

    /// The wait counts from when the check began, not from when start-up
    /// got round to waiting: the rest of start-up runs inside it. (Time
    /// is paused: it moves only to the deadline awaited, and a verdict
    /// that never comes shows how long that was.)
    #[tokio::test(start_paused = true)]
    async fn the_wait_for_the_check_counts_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let wait = Duration::from_secs(10);
        for (begun_ago, waited) in [(4, 6), (10, 0), (60, 0)] {
            let (_never_sent, verdict) = tokio::sync::oneshot::channel();
            let now = Instant::now();
            let checking = Checking {
                verdict,
                began: now - Duration::from_secs(begun_ago),
            };
            let pending = at_start(&store, checking, wait).await.unwrap();
            assert!(pending.is_some(), "left to the background");
            assert_eq!(now.elapsed(), Duration::from_secs(waited), "begun {begun_ago} s before");
        }
        store.close().await;
    }
}
