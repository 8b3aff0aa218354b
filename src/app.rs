//! Wires the parts together for each command: the daemon (server,
//! scheduler, poll dispatcher with retries, signals, draining with a
//! deadline), a one-off poll, the sources report, and export. Knows no
//! feed format.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::time::{DelayQueue, delay_queue};
use tracing::{error, info, warn};

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
use crate::{backoff, health, lang, schedule, server, tag};

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
    let router = http_router(&config, store.clone());
    tracker.spawn(watch_other_writers(store.clone(), token.clone()));
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
        in_flight: Arc::default(),
        retries: DelayQueue::new(),
        retry_keys: HashMap::new(),
        token: token.clone(),
        tracker: tracker.clone(),
    };
    tracker.spawn(dispatcher.run(rx));
    for source in &config.sources {
        // Cannot fail: the queue has room for every source. A source still
        // backing off from before a restart answers "deferred" and waits.
        let _ = tx.try_send(source.id.clone());
    }
    let jobs: Vec<(SourceId, String)> = config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.schedule.clone()))
        .collect();
    let scheduler = schedule::start(&jobs, tx).await?;
    let digests = start_notifications(&config, &store, &token, &tracker).await?;
    info!(
        sources = config.sources.len(),
        tags = config.tags.len(),
        channels = config.notify.len(),
        "started"
    );

    wait_for_signal().await?;
    info!("stopping: no new polls; waiting for in-flight work");
    token.cancel();
    scheduler.shutdown().await;
    if let Some(digests) = digests {
        digests.shutdown().await;
    }
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

/// Starts the channels' delivery loops and the digest schedules.
async fn start_notifications(
    config: &Config,
    store: &Store,
    token: &CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<Option<schedule::Scheduler>> {
    if config.notify.is_empty() {
        return Ok(None);
    }
    let senders = notify::Senders {
        poster: fetch::Poster::new(&config.poll.user_agent)?,
    };
    let (digest_tx, digest_rx) = mpsc::channel(16);
    let digest_jobs: Vec<(String, String)> = config
        .notify
        .iter()
        .filter_map(|c| match &c.kind {
            crate::config::ChannelKind::Email { digest: Some(cron), .. } => Some((c.name.clone(), cron.clone())),
            _ => None,
        })
        .collect();
    let digests = if digest_jobs.is_empty() {
        None
    } else {
        Some(schedule::start(&digest_jobs, digest_tx).await?)
    };
    tracker.spawn(notify::run(
        store.clone(),
        config.notify.clone(),
        senders,
        digest_rx,
        token.clone(),
        tracker.clone(),
    ));
    Ok(digests)
}

/// `thbwatch notify test NAME`: a test message through one channel, now.
pub async fn notify_test(config: &Config, name: &str) -> anyhow::Result<notify::Outcome> {
    let channel = config
        .notify
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| anyhow::anyhow!("{}", unknown_channel(config, name)))?;
    let senders = notify::Senders {
        poster: fetch::Poster::new(&config.poll.user_agent)?,
    };
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
    let mut out = String::from("CHANNEL  STATE  COUNT\n");
    for (channel, state, count) in &counts {
        out.push_str(&format!("{channel}  {state}  {count}\n"));
    }
    if counts.is_empty() {
        out.push_str("(no notifications yet)\n");
    }
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

/// Receives poll requests (start-up, cron ticks, retries after a failure)
/// and runs each in a tracked task; a source already being polled is not
/// polled twice. Politeness (per-host turns, global slots) is the
/// fetcher's job, so a task may wait there without holding anyone up.
struct Dispatcher {
    sources: HashMap<SourceId, Source>,
    pipeline: Pipeline,
    in_flight: Arc<Mutex<HashSet<SourceId>>>,
    /// One pending retry per source that failed or is backing off.
    retries: DelayQueue<SourceId>,
    retry_keys: HashMap<SourceId, delay_queue::Key>,
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Dispatcher {
    async fn run(mut self, mut rx: mpsc::Receiver<SourceId>) {
        // Finished polls report when their source wants its next attempt.
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(SourceId, Option<DateTime<Utc>>)>();
        loop {
            tokio::select! {
                _ = self.token.cancelled() => break,
                id = rx.recv() => match id {
                    Some(id) => self.start(id, &done_tx),
                    None => break,
                },
                Some(expired) = std::future::poll_fn(|cx| self.retries.poll_expired(cx)) => {
                    let id = expired.into_inner();
                    self.retry_keys.remove(&id);
                    self.start(id, &done_tx);
                }
                Some((id, retry_at)) = done_rx.recv() => self.schedule_retry(id, retry_at),
            }
        }
    }

    fn start(&self, id: SourceId, done: &mpsc::UnboundedSender<(SourceId, Option<DateTime<Utc>>)>) {
        let Some(source) = self.sources.get(&id).cloned() else {
            return;
        };
        if !lock(&self.in_flight).insert(id.clone()) {
            tracing::debug!(source = %id, "still polling; tick skipped");
            return;
        }
        let (pipeline, in_flight, done) = (self.pipeline.clone(), self.in_flight.clone(), done.clone());
        self.tracker.spawn(async move {
            let retry_at = match poll::poll(&pipeline, &source, false).await {
                Ok(Status::Failed { retry_at, .. }) => Some(retry_at),
                Ok(Status::Deferred { until }) => Some(until),
                Ok(_) => None,
                Err(e) => {
                    error!(source = %source.id, error = %e, "poll could not be stored");
                    None
                }
            };
            lock(&in_flight).remove(&source.id);
            let _ = done.send((source.id.clone(), retry_at));
        });
    }

    /// Keeps one wake-up per source at the time its back-off ends; a
    /// success clears it (the schedule takes over again).
    fn schedule_retry(&mut self, id: SourceId, retry_at: Option<DateTime<Utc>>) {
        if let Some(key) = self.retry_keys.remove(&id) {
            self.retries.remove(&key);
        }
        if let Some(at) = retry_at {
            // Bounded, whatever the database says: the queue has a horizon.
            let wait = (at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(crate::config::MAX_BACKOFF);
            let key = self.retries.insert(id.clone(), wait);
            self.retry_keys.insert(id, key);
        }
    }
}

/// The in-flight set is only touched briefly, never across an await.
fn lock(set: &Mutex<HashSet<SourceId>>) -> std::sync::MutexGuard<'_, HashSet<SourceId>> {
    set.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
    let pipeline = pipeline(config, store, CancellationToken::new())?;
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
/// a rule change reaches history (the feeds read the new tags at once).
pub async fn retag(config: &Config) -> anyhow::Result<RetagReport> {
    const PAGE: usize = 500;
    let store = Store::open(&config.storage.path).await?;
    let tagger = Arc::new(Tagger::new(&config.tags)?);
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
                .map(|stored| Retagged {
                    id: stored.id,
                    matches: poll::tag_item(&tagger, &stored.item),
                    content_hash: stored.item.content_hash,
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

/// Whether the configuration has the tag or source a feed names.
pub fn check_feed(config: &Config, feed: &Feed) -> Result<(), String> {
    feeds::check(&feed_settings(config), feed)
}

/// The document the server would serve for `request` (links from
/// `[server] base_url`, when set).
pub async fn export(config: &Config, request: &Request) -> anyhow::Result<String> {
    check_feed(config, &request.feed).map_err(anyhow::Error::msg)?;
    let store = Store::open(&config.storage.path).await?;
    Ok(feeds::render(&store, &feed_settings(config), request, None).await?.body)
}

fn pipeline(config: &Config, store: Store, cancel: CancellationToken) -> anyhow::Result<Pipeline> {
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
        backoff: backoff::Policy {
            base: poll.backoff_base,
            max: poll.backoff_max,
        },
        parse_slots: Arc::new(Semaphore::new(parses)),
        routes: Arc::new(config.notify.iter().map(notify::route).collect()),
        cancel,
    })
}

/// The HTTP routes for a configuration and its store (the daemon's, and
/// the serving benchmark's).
pub fn http_router(config: &Config, store: Store) -> server::Routes {
    server::router(
        store,
        feed_settings(config),
        catalog(config),
        config.server.cache_max_age,
    )
}

fn catalog(config: &Config) -> health::Catalog {
    health::Catalog {
        sources: config.sources.clone(),
        stale_after: config.poll.stale_after,
    }
}

fn feed_settings(config: &Config) -> feeds::Settings {
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
                url: s.url.to_string(),
                country: s.country.clone(),
                language: s.language.clone(),
            })
            .collect(),
    }
}

/// Another process (`thbwatch poll`, `retag`) may write to the database
/// while the daemon runs: when it has, the served feeds are re-rendered.
async fn watch_other_writers(store: Store, token: CancellationToken) {
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

async fn wait_for_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("cannot listen for SIGINT")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
