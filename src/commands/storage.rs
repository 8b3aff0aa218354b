//! The database's upkeep by hand: `thbwatch backup` and `thbwatch prune`
//! (which the daemon's retention runs daily).

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::config::{Config, Storage};
use crate::store::{Pruned, Store};

/// `thbwatch backup FILE`: a consistent copy, even while the daemon writes.
pub async fn backup(config: &Config, target: &Path) -> anyhow::Result<()> {
    let store = Store::open(&config.storage.path).await?;
    store.backup(target).await?;
    Ok(())
}

/// `thbwatch prune`: what `[storage] retain_*` says is too old at `now`.
pub async fn prune(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Pruned> {
    let store = Store::open(&config.storage.path).await?;
    prune_store(&store, &config.storage, now).await
}

/// Prunes an open store of what `storage` says is too old at `now` (the
/// daemon does it daily; `thbwatch prune` now).
pub async fn prune_store(store: &Store, storage: &Storage, now: DateTime<Utc>) -> anyhow::Result<Pruned> {
    let before = |d: Option<std::time::Duration>| d.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| now - d);
    Ok(store
        .prune(before(storage.retain_untagged), before(storage.retain_tagged))
        .await?)
}
