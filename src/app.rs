//! The daemon's wiring: what the binary does for `thbwatch run` (signals,
//! systemd's notifier, the listener bound from `[server] listen`, then
//! [`crate::daemon::run`]), and what a configuration makes of the parts
//! that the daemon and the one-off commands ([`crate::commands`]) share:
//! the poll pipeline, the site the server shows, the feeds' settings.
//! Knows no feed format.

use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::backoff;
use crate::config::Config;
use crate::daemon::{self, Control};
use crate::feeds;
use crate::fetch::{self, Fetcher};
use crate::health;
use crate::notify;
use crate::poll::Pipeline;
use crate::publish::TagInfo;
use crate::server;
use crate::store::Store;
use crate::systemd;
use crate::tag::Tagger;

/// `thbwatch run`: the daemon until SIGINT or SIGTERM; SIGHUP reloads the
/// configuration file.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    // Listening from the start, so no signal is missed (during a reload, say).
    let signals = Signals::new()?;
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
    // Room for a reload asked for during a reload, and the stop after it.
    let (control, requests) = mpsc::channel(4);
    // Not tracked with the daemon's tasks: it outlives them, and ends here.
    let forwarding = tokio::spawn(signals.forward(control));
    let ran = daemon::run(config, listener, requests, systemd::Notifier::from_env()).await;
    forwarding.abort();
    ran
}

/// The signals the daemon answers, listened to for its whole life.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            hangup: signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?,
        })
    }

    /// SIGHUP asks for a reload, SIGINT and SIGTERM for a stop.
    async fn forward(mut self, control: mpsc::Sender<Control>) {
        loop {
            let request = tokio::select! {
                _ = self.interrupt.recv() => Control::Stop,
                _ = self.terminate.recv() => Control::Stop,
                _ = self.hangup.recv() => Control::Reload,
            };
            match request {
                // With reloads queued already, one more reads the same file.
                Control::Reload => {
                    let _ = control.try_send(request);
                }
                Control::Stop => {
                    let _ = control.send(request).await;
                    return;
                }
            }
        }
    }
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
