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

/// Runs the database's integrity check and waits for it up to `wait`:
/// damage found by then stops the start with the error a person must act
/// on (a restart cannot repair a file). A longer check goes on in the
/// background (returned, to be reported when it ends); what it finds
/// reaches `/readyz` and `STATUS=` through the store's condition.
pub(crate) async fn at_start(store: &Store, wait: Duration) -> Result<Option<PendingCheck>, store::Error> {
    let mut verdict = store.start_integrity_check();
    if wait.is_zero() {
        info!("database check started in the background (storage.startup_check_wait is 0s)");
        return Ok(Some(verdict));
    }
    match tokio::time::timeout(wait, &mut verdict).await {
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
