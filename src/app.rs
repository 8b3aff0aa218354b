//! Wires the parts together for each command: the daemon (server,
//! scheduler, poll dispatcher, signals, draining with a deadline), a
//! one-off poll, and export. Knows no feed format.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::config::{Config, Source};
use crate::feeds::{self, Feed};
use crate::fetch::{self, Fetcher};
use crate::model::SourceId;
use crate::poll::{self, Pipeline, Status};
use crate::store::Store;
use crate::tag::Tagger;
use crate::{schedule, server};

/// How long a stop waits for in-flight polls and requests. Shorter than
/// systemd's default stop timeout (90 s), so a stop is always clean.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// Runs the daemon until SIGINT or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let store = Store::open(&config.storage.path).await?;
    let token = CancellationToken::new();
    let pipeline = pipeline(&config, store.clone(), token.clone())?;
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
    info!(address = %listener.local_addr()?, "listening");

    let tracker = TaskTracker::new();
    let router = server::router(store.clone(), feed_settings(&config));
    let server_token = token.clone();
    tracker.spawn(async move {
        if let Err(e) = server::serve(listener, router, server_token).await {
            error!(error = %e, "HTTP server stopped");
        }
    });

    // Room for every source twice: a start-up poll and one scheduled tick.
    let (tx, rx) = mpsc::channel(config.sources.len() * 2 + 1);
    let dispatcher = Dispatcher {
        sources: config.sources.iter().map(|s| (s.id.clone(), s.clone())).collect(),
        pipeline,
        limit: Arc::new(Semaphore::new(config.poll.max_concurrent)),
        in_flight: Arc::default(),
        token: token.clone(),
        tracker: tracker.clone(),
    };
    tracker.spawn(dispatcher.run(rx));
    for source in &config.sources {
        // Cannot fail: the queue has room for every source.
        let _ = tx.try_send(source.id.clone());
    }
    let jobs: Vec<(SourceId, String)> = config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.schedule.clone()))
        .collect();
    let scheduler = schedule::start(&jobs, tx).await?;
    info!(sources = config.sources.len(), tags = config.tags.len(), "started");

    wait_for_signal().await?;
    info!("stopping: no new polls; waiting for in-flight work");
    token.cancel();
    scheduler.shutdown().await;
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_DEADLINE, tracker.wait()).await.is_err() {
        warn!(
            deadline_s = SHUTDOWN_DEADLINE.as_secs(),
            "in-flight work abandoned at the deadline"
        );
    }
    info!("stopped");
    Ok(())
}

/// Receives poll requests (start-up, cron ticks) and runs each in a
/// tracked task; a source already being polled is not polled twice.
struct Dispatcher {
    sources: HashMap<SourceId, Source>,
    pipeline: Pipeline,
    limit: Arc<Semaphore>,
    in_flight: Arc<Mutex<HashSet<SourceId>>>,
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Dispatcher {
    async fn run(self, mut rx: mpsc::Receiver<SourceId>) {
        loop {
            let id = tokio::select! {
                _ = self.token.cancelled() => break,
                id = rx.recv() => match id { Some(id) => id, None => break },
            };
            let Some(source) = self.sources.get(&id).cloned() else {
                continue;
            };
            if !lock(&self.in_flight).insert(id.clone()) {
                tracing::debug!(source = %id, "still polling; tick skipped");
                continue;
            }
            let (pipeline, limit, in_flight, token) = (
                self.pipeline.clone(),
                self.limit.clone(),
                self.in_flight.clone(),
                self.token.clone(),
            );
            self.tracker.spawn(async move {
                tokio::select! {
                    _ = token.cancelled() => {}
                    permit = limit.acquire_owned() => {
                        let _permit = permit;
                        if let Err(e) = poll::poll(&pipeline, &source).await {
                            error!(source = %source.id, error = %e, "poll could not be stored");
                        }
                    }
                }
                lock(&in_flight).remove(&source.id);
            });
        }
    }
}

/// The in-flight set is only touched briefly, never across an await.
fn lock(set: &Mutex<HashSet<SourceId>>) -> std::sync::MutexGuard<'_, HashSet<SourceId>> {
    set.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Polls the given sources (all when empty) once, concurrently within the
/// configured limit; results come back in configuration order.
pub async fn poll_once(config: &Config, ids: &[String]) -> anyhow::Result<Vec<(SourceId, Status)>> {
    let selected: Vec<Source> = config
        .select_sources(ids)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .cloned()
        .collect();
    let store = Store::open(&config.storage.path).await?;
    // Nothing cancels a one-off poll: Ctrl-C ends the process, and SQLite
    // rolls back whatever transaction was open.
    let pipeline = pipeline(config, store, CancellationToken::new())?;
    let limit = Arc::new(Semaphore::new(config.poll.max_concurrent));
    let mut tasks = JoinSet::new();
    for (index, source) in selected.into_iter().enumerate() {
        let (pipeline, limit) = (pipeline.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, source.id.clone(), poll::poll(&pipeline, &source).await)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, id, status) = joined.context("a poll task failed")?;
        results.push((index, id, status?));
    }
    results.sort_by_key(|r| r.0);
    Ok(results.into_iter().map(|(_, id, status)| (id, status)).collect())
}

/// Whether the configuration has the tag or source a feed names.
pub fn check_feed(config: &Config, feed: &Feed) -> Result<(), String> {
    let names = |names: Vec<&str>| {
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    match feed {
        Feed::Tag(tag) if !config.tags.iter().any(|t| &t.name == tag) => Err(format!(
            "no tag named {tag:?} (configured: {})",
            names(config.tags.iter().map(|t| t.name.as_str()).collect())
        )),
        Feed::Source(id) if !config.sources.iter().any(|s| &s.id == id) => Err(format!(
            "no source with id {:?} (configured: {})",
            id.as_str(),
            names(config.sources.iter().map(|s| s.id.as_str()).collect())
        )),
        _ => Ok(()),
    }
}

/// The Atom document the server would serve for `feed`.
pub async fn export(config: &Config, feed: &Feed) -> anyhow::Result<String> {
    check_feed(config, feed).map_err(anyhow::Error::msg)?;
    let store = Store::open(&config.storage.path).await?;
    Ok(feeds::render(&store, &feed_settings(config), feed).await?)
}

fn pipeline(config: &Config, store: Store, cancel: CancellationToken) -> anyhow::Result<Pipeline> {
    let fetcher = Fetcher::new(fetch::Settings {
        user_agent: config.poll.user_agent.clone(),
        connect_timeout: config.poll.timeout.min(Duration::from_secs(10)),
        max_body_bytes: config.poll.max_body_bytes,
    })?;
    Ok(Pipeline {
        fetcher,
        store,
        tagger: Arc::new(Tagger::new(&config.tags)?),
        timeout: config.poll.timeout,
        cancel,
    })
}

fn feed_settings(config: &Config) -> feeds::Settings {
    feeds::Settings {
        title: config.feed.title.clone(),
        max_entries: config.feed.max_entries,
        base_url: config.server.base_url.clone(),
    }
}

async fn wait_for_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("cannot listen for SIGINT")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
