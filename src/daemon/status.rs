//! What the daemon tells systemd while it runs: the one-line status kept
//! current, and watchdog pings while the store answers and polling is
//! scheduled.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::config::Config;
use crate::server;
use crate::store::Store;
use crate::systemd;
use crate::wording::counted;

/// The status at start and after a reload: what is watched, after the
/// store's problem if it has one.
pub(super) fn status_line(config: &Config, store: &Store) -> String {
    let watching = format!(
        "watching {} with {}; {}",
        counted(config.sources.len() as u64, "source", "sources"),
        counted(config.tags.len() as u64, "tag", "tags"),
        counted(
            config.notify.len() as u64,
            "notification channel",
            "notification channels"
        )
    );
    match store.condition().problem() {
        Some(problem) => format!("{problem}; {watching}"),
        None => watching,
    }
}

/// Pings systemd's watchdog while the store answers and polling is
/// scheduled; stops pinging (so systemd restarts the service) if not.
pub(super) async fn watchdog(
    systemd: systemd::Notifier,
    store: Store,
    shared: server::Shared,
    every: Duration,
    token: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        let alive = tokio::time::timeout(every, store.ping()).await.is_ok_and(|r| r.is_ok());
        if alive && shared.scheduling.load(Ordering::Acquire) {
            systemd.watchdog();
        } else {
            warn!("watchdog: the store or the scheduler is not answering; not pinging systemd");
        }
    }
}

/// Keeps systemd's one-line status current: the store's problem first if
/// it has one (at once when it changes), then sources ok and failing,
/// items stored, notifications pending (`systemctl status` shows it).
pub(super) async fn report_status(systemd: systemd::Notifier, store: Store, token: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    let mut condition = store.watch_condition();
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
            Ok(()) = condition.changed() => {}
        }
        let figures = match (store.source_health().await, store.figures().await) {
            (Ok(health), Ok(figures)) => {
                let failing = health.iter().filter(|h| h.consecutive_failures > 0).count();
                let pending: u64 = figures.pending_by_channel.iter().map(|(_, n)| n).sum();
                Some(format!(
                    "{}: {} ok, {failing} failing; {}; {} pending",
                    counted(health.len() as u64, "source", "sources"),
                    health.len() - failing,
                    counted(figures.items, "item", "items"),
                    counted(pending, "notification", "notifications")
                ))
            }
            _ => None,
        };
        let line = match (store.condition().problem(), figures) {
            (Some(problem), Some(figures)) => format!("{problem}; {figures}"),
            (Some(line), None) | (None, Some(line)) => line,
            (None, None) => continue,
        };
        systemd.status(&line);
    }
}
