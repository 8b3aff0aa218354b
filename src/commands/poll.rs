//! `thbwatch poll` (sources polled once, now) and `thbwatch sources`
//! (each source's health).

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app;
use crate::config::{Config, Source};
use crate::health;
use crate::model::SourceId;
use crate::poll::{self, Status};
use crate::store::Store;

/// Polls the given sources (all when empty) once, as politely as the
/// daemon does; a source backing off is left alone unless `force`.
/// Results come back in configuration order.
pub async fn poll_once(config: &Config, ids: &[String], force: bool) -> anyhow::Result<Vec<(SourceId, Status)>> {
    let selected: Vec<Source> = config.select_sources(ids)?.into_iter().cloned().collect();
    let store = Store::open(&config.storage.path).await?;
    // Nothing cancels a one-off poll: Ctrl-C ends the process, and SQLite
    // rolls back whatever transaction was open.
    let pipeline = app::pipeline(config, store, CancellationToken::new(), Arc::default())?;
    let mut tasks = JoinSet::new();
    for (index, source) in selected.into_iter().enumerate() {
        let pipeline = pipeline.clone();
        tasks.spawn(async move { (index, source.id.clone(), poll::poll(&pipeline, &source, force).await) });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, id, status) = joined.context("a poll task failed")?;
        results.push((index, id, status?));
    }
    results.sort_by_key(|r| r.0);
    Ok(results.into_iter().map(|(_, id, status)| (id, status)).collect())
}

/// Every configured source with its health as of `now`, as `thbwatch
/// sources` shows it.
pub async fn sources(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Vec<health::Report>> {
    let store = Store::open(&config.storage.path).await?;
    let stored = store.source_health().await?;
    Ok(health::report(&app::catalog(config), stored, now))
}
