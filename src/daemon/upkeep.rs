//! The daemon's background upkeep: daily retention, and fresh documents
//! when another process has written to the database.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::commands;
use crate::config::Storage;
use crate::store::Store;

/// How often retention runs (the first time a minute after start).
const RETENTION_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Prunes old items once a day, as `[storage] retain_*` says (as of the
/// last reload).
pub(super) async fn retention(store: Store, storage: tokio::sync::watch::Receiver<Storage>, token: CancellationToken) {
    let mut next = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep_until(next) => {}
        }
        next += RETENTION_EVERY;
        let storage = storage.borrow().clone();
        if storage.retain_untagged.is_none() && storage.retain_tagged.is_none() {
            continue;
        }
        match commands::prune_store(&store, &storage, Utc::now()).await {
            Ok(p) => info!(untagged = p.untagged, tagged = p.tagged, "retention: old items pruned"),
            Err(e) => warn!(error = %e, "retention failed; trying again tomorrow"),
        }
    }
}

/// Another process (`thbwatch poll`, `retag`) may write to the database
/// while the daemon runs: when it has, the served feeds are re-rendered.
pub(super) async fn watch_other_writers(store: Store, token: CancellationToken) {
    let mut last = store.data_version().await.ok();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = store.data_version().await.ok();
        if now != last {
            store.bump_generation();
            last = now;
        }
    }
}
