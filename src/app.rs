//! Wires the parts together for each one-off command: poll, sources,
//! retag, match, export, notify, backup, prune; and builds what the daemon
//! ([`crate::daemon`]) runs. Knows no feed format.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Source};
use crate::feeds::{self, Feed, Request};
use crate::fetch::{self, Fetcher};
use crate::model::Field;
use crate::model::SourceId;
use crate::notify;
use crate::poll::{self, Pipeline, Status};
use crate::publish::TagInfo;
use crate::store::{Retagged, Store};
use crate::tag::Tagger;
use crate::{backoff, eval, health, lang, server, tag};

/// Prunes what `[storage] retain_*` says is too old (the daemon does it
/// daily; `thbwatch prune` now).
pub async fn prune_store(store: &Store, storage: &crate::config::Storage) -> anyhow::Result<crate::store::Pruned> {
    let now = Utc::now();
    let before = |d: Option<std::time::Duration>| d.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| now - d);
    Ok(store
        .prune(before(storage.retain_untagged), before(storage.retain_tagged))
        .await?)
}

/// `thbwatch prune`.
pub async fn prune(config: &Config) -> anyhow::Result<crate::store::Pruned> {
    let store = Store::open(&config.storage.path).await?;
    prune_store(&store, &config.storage).await
}

/// `thbwatch backup FILE`: a consistent copy, even while the daemon writes.
pub async fn backup(config: &Config, target: &Path) -> anyhow::Result<()> {
    let store = Store::open(&config.storage.path).await?;
    store.backup(target).await?;
    Ok(())
}

/// `thbwatch notify test NAME`: a test message through one channel, now.
pub async fn notify_test(config: &Config, name: &str) -> anyhow::Result<notify::Outcome> {
    let channel = config
        .notify
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| anyhow::anyhow!("{}", unknown_channel(config, name)))?;
    let senders = notify::Senders::new(&config.poll.user_agent, Arc::default())?;
    let now = chrono::Utc::now();
    let key = crate::model::name_urn(&["thbwatch test notification", name, &now.to_rfc3339()]);
    Ok(notify::send(channel, &senders, &key, &[notify::test_entry(now)]).await)
}

/// Names the configured channels for a usage error.
pub fn unknown_channel(config: &Config, name: &str) -> String {
    let names: Vec<&str> = config.notify.iter().map(|c| c.name.as_str()).collect();
    format!(
        "no channel named {name:?} (configured: {})",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )
}

/// `thbwatch notify status`: counts per channel and state, then what is
/// not delivered.
pub async fn notify_status(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path).await?;
    let (counts, rows) = store.outbox_status(50).await?;
    let mut out = if counts.is_empty() {
        String::from("(no notifications yet)\n")
    } else {
        let header = ["CHANNEL", "STATE", "COUNT"].map(String::from);
        let rows = counts
            .iter()
            .map(|(channel, state, count)| [channel.clone(), state.clone(), count.to_string()]);
        crate::table::render(&std::iter::once(header).chain(rows).collect::<Vec<_>>())
    };
    if !rows.is_empty() {
        out.push_str("\nNot delivered (newest first):\n");
        for r in rows {
            let next = match (r.state.as_str(), r.next_attempt_at) {
                ("pending", Some(t)) => format!(", next attempt {}", t.format("%Y-%m-%d %H:%M:%S UTC")),
                _ => String::new(),
            };
            out.push_str(&format!(
                "{} {}: {} ({} attempts{next}){}\n",
                r.channel,
                r.state,
                r.title,
                r.attempts,
                r.last_error.map(|e| format!(": {e}")).unwrap_or_default()
            ));
        }
    }
    Ok(out)
}

/// `thbwatch notify retry [NAME]`: dead letters pending again.
pub async fn notify_retry(config: &Config, name: Option<&str>) -> anyhow::Result<usize> {
    if let Some(name) = name
        && !config.notify.iter().any(|c| c.name == name)
    {
        anyhow::bail!("{}", unknown_channel(config, name));
    }
    let store = Store::open(&config.storage.path).await?;
    Ok(store.retry_dead(name.map(str::to_string), chrono::Utc::now()).await?)
}

/// Polls the given sources (all when empty) once, as politely as the
/// daemon does; a source backing off is left alone unless `force`.
/// Results come back in configuration order.
pub async fn poll_once(config: &Config, ids: &[String], force: bool) -> anyhow::Result<Vec<(SourceId, Status)>> {
    let selected: Vec<Source> = config
        .select_sources(ids)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .cloned()
        .collect();
    let store = Store::open(&config.storage.path).await?;
    // Nothing cancels a one-off poll: Ctrl-C ends the process, and SQLite
    // rolls back whatever transaction was open.
    let pipeline = pipeline(config, store, CancellationToken::new(), Arc::default())?;
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

/// Every configured source with its health, as `thbwatch sources` shows it.
pub async fn sources(config: &Config) -> anyhow::Result<Vec<health::Report>> {
    let store = Store::open(&config.storage.path).await?;
    let stored = store.source_health().await?;
    Ok(health::report(&catalog(config), stored, Utc::now()))
}

/// What `retag` changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetagReport {
    pub items: usize,
    pub tagged_before: u64,
    pub tagged_after: u64,
}

/// Re-applies the current rules to every stored item, a page at a time, so
/// a rule change reaches history. A running daemon serves the stored tags
/// at once, but keeps its own rules (tag feeds, new items) until reloaded.
pub async fn retag(config: &Config) -> anyhow::Result<RetagReport> {
    let store = Store::open(&config.storage.path).await?;
    retag_store(&store, Arc::new(Tagger::new(&config.tags)?)).await
}

/// Re-tags every item of an open store with `tagger`.
pub async fn retag_store(store: &Store, tagger: Arc<Tagger>) -> anyhow::Result<RetagReport> {
    const PAGE: usize = 500;
    let tagged_before = store.tagged_count().await?;
    let (mut after, mut items) = (0, 0);
    loop {
        let page = store.items_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        items += page.len();
        let tagger = Arc::clone(&tagger);
        // Matching is CPU work: off the runtime.
        let batch = tokio::task::spawn_blocking(move || {
            page.into_iter()
                .map(|stored| {
                    let texts = crate::normalize::Texts::of(&stored.item).with_article(stored.article.as_deref());
                    let tagging = tagger.tag_item(&texts);
                    Retagged {
                        id: stored.id,
                        matches: tagging.matches,
                        cancelled: tagging.cancelled,
                        content_hash: stored.item.content_hash,
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .context("re-tagging failed")?;
        store.replace_matches(batch).await?;
    }
    Ok(RetagReport {
        items,
        tagged_before,
        tagged_after: store.tagged_count().await?,
    })
}

/// What the rules make of a text, as `thbwatch match` shows it: the
/// language used (given, else detected) and the explanation.
pub fn explain(
    config: &Config,
    text: &str,
    language: Option<&str>,
    field: Field,
) -> anyhow::Result<(Option<String>, tag::Explanation)> {
    let tagger = Tagger::new(&config.tags)?;
    let language = match language {
        Some(given) => Some(given.to_ascii_lowercase()),
        None => lang::Detect::default().detect(text, None),
    };
    let explanation = tagger.explain(&[(field, text)], language.as_deref());
    Ok((language, explanation))
}

/// What the rules make of an item written `TITLE | SUMMARY` (as in an
/// `eval` file), normalised and read as a poll reads it: the item's
/// language (detected, else `language`) and the explanation.
pub fn explain_item(
    config: &Config,
    text: &str,
    language: Option<&str>,
) -> anyhow::Result<(Option<String>, tag::Explanation)> {
    let tagger = Tagger::new(&config.tags)?;
    let (title, summary) = text.split_once(eval::SEPARATOR).unwrap_or((text, ""));
    let language = language.map(str::to_ascii_lowercase);
    let raw = eval::entry("match", title.trim(), summary.trim(), language.as_deref());
    let item = eval::with_context(language.as_deref(), &lang::Detect::default(), |cx| {
        crate::normalize::item(raw, cx)
    });
    let explanation = tagger.explain_item(&crate::normalize::Texts::of(&item));
    Ok((item.language, explanation))
}

/// Scores the rules on a labelled file (`thbwatch eval`).
pub fn eval(config: &Config, file: &Path, minimums: &eval::Minimums) -> Result<eval::Report, eval::Error> {
    let mut report = eval::run(config, file)?;
    report.apply(minimums);
    Ok(report)
}

/// Whether the configuration has the tag or source a feed names.
pub fn check_feed(config: &Config, feed: &Feed) -> Result<(), feeds::Unknown> {
    feeds::check(&feed_settings(config), feed)
}

/// The document the server would serve for `request` (links from
/// `[server] base_url`, when set).
pub async fn export(config: &Config, request: &Request) -> anyhow::Result<String> {
    check_feed(config, &request.feed).map_err(anyhow::Error::msg)?;
    let store = Store::open(&config.storage.path).await?;
    Ok(feeds::render(&store, &feed_settings(config), request, None).await?.body)
}

/// What every poll needs, for a configuration.
pub(crate) fn pipeline(
    config: &Config,
    store: Store,
    cancel: CancellationToken,
    metrics: Arc<crate::metrics::Metrics>,
) -> anyhow::Result<Pipeline> {
    let poll = &config.poll;
    let fetcher = Fetcher::new(fetch::Settings {
        user_agent: poll.user_agent.clone(),
        connect_timeout: poll.connect_timeout,
        max_body_bytes: poll.max_body_bytes,
        max_concurrent: poll.max_concurrent,
        host_interval: poll.host_interval,
    })?;
    // One parse per core: parsing is CPU work and costs memory.
    let parses = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    Ok(Pipeline {
        fetcher,
        store,
        tagger: Arc::new(Tagger::new(&config.tags)?),
        detect: Arc::default(),
        timeout: poll.timeout,
        max_items: poll.max_items,
        full_text_wait: poll.full_text_wait,
        backoff: backoff::Policy {
            base: poll.backoff_base,
            max: poll.backoff_max,
        },
        parse_slots: Arc::new(Semaphore::new(parses)),
        routes: Arc::new(config.notify.iter().map(notify::route).collect()),
        metrics,
        cancel,
    })
}

/// The HTTP routes for a configuration and its store (the daemon's, and
/// the serving benchmark's).
pub fn http_router(config: &Config, store: Store) -> server::Routes {
    server::router(store, server::Shared::new(site(config), Arc::default()))
}

/// What the server shows for a configuration.
pub fn site(config: &Config) -> server::Site {
    server::Site {
        settings: Arc::new(feed_settings(config)),
        catalog: Arc::new(catalog(config)),
        max_age: config.server.cache_max_age,
    }
}

fn catalog(config: &Config) -> health::Catalog {
    health::Catalog {
        sources: config.sources.clone(),
        stale_after: config.poll.stale_after,
    }
}

/// How the feeds of a configuration are rendered (the server's, the
/// exporter's and the benchmarks').
pub fn feed_settings(config: &Config) -> feeds::Settings {
    feeds::Settings {
        title: config.feed.title.clone(),
        max_entries: config.feed.max_entries,
        base_url: config.server.base_url.clone(),
        tags: config
            .tags
            .iter()
            .map(|t| TagInfo {
                name: t.name.clone(),
                label: t.label.clone(),
            })
            .collect(),
        sources: config
            .sources
            .iter()
            .map(|s| feeds::SourceInfo {
                id: s.id.clone(),
                title: s.display_title().to_string(),
                url: s.public_url(),
                country: s.country.clone(),
                language: s.language.clone(),
            })
            .collect(),
    }
}
