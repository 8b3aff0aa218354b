//! What a configuration makes of the parts that the daemon
//! ([`crate::daemon`]) and the one-off commands ([`crate::commands`])
//! share: the poll pipeline, the site the server shows, the feeds'
//! settings. Knows no feed format.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::backoff;
use crate::config::Config;
use crate::feeds;
use crate::fetch::{self, Fetcher};
use crate::health;
use crate::notify;
use crate::poll::Pipeline;
use crate::publish::TagInfo;
use crate::server;
use crate::store::Store;
use crate::tag::Tagger;

/// What every poll needs, for a configuration.
pub(crate) fn pipeline(
    config: &Config,
    store: Store,
    cancel: CancellationToken,
    metrics: Arc<crate::metrics::Metrics>,
) -> anyhow::Result<Pipeline> {
    let tagger = Arc::new(Tagger::new(&config.tags)?);
    pipeline_with(config, store, cancel, metrics, tagger)
}

/// The same with the configuration's rules already compiled into
/// `tagger`: the daemon keeps its tagger across reloads that leave the
/// rules as they were (compiling the default rules takes CPU, and the
/// allocator keeps the 22 MB a replaced one frees).
pub(crate) fn pipeline_with(
    config: &Config,
    store: Store,
    cancel: CancellationToken,
    metrics: Arc<crate::metrics::Metrics>,
    tagger: Arc<Tagger>,
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
        tagger,
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
pub(crate) fn site(config: &Config) -> server::Site {
    server::Site {
        settings: Arc::new(feed_settings(config)),
        catalog: Arc::new(catalog(config)),
        max_age: config.server.cache_max_age,
    }
}

pub(crate) fn catalog(config: &Config) -> health::Catalog {
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
