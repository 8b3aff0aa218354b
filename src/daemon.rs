//! The long-running service: the HTTP server, and "generations" of
//! polling and notifying that a reload (SIGHUP) replaces without a restart;
//! signals; systemd readiness, status and watchdog; daily retention;
//! draining with a deadline on stop. Knows no feed format.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::time::{DelayQueue, delay_queue};
use tracing::{error, info, warn};

use crate::app;
use crate::config::{Config, Source};
use crate::metrics::Metrics;
use crate::model::SourceId;
use crate::notify;
use crate::open_files;
use crate::poll::{self, Pipeline, Status};
use crate::schedule;
use crate::selfcheck;
use crate::server;
use crate::store::Store;
use crate::systemd;
use crate::tag::Tagger;
use crate::wording::counted;

/// How long a stop (or a reload) waits for in-flight polls, deliveries and
/// requests: shorter than the unit's `TimeoutStopSec=` (30 s), so a stop is
/// always clean.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);
/// How often retention runs (the first time a minute after start).
const RETENTION_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Runs the daemon until SIGINT or SIGTERM; SIGHUP reloads `path`.
pub async fn run(path: &Path, mut config: Config) -> anyhow::Result<()> {
    // Listening from the start, so no signal is missed (during a reload, say).
    let mut signals = Signals::new()?;
    let systemd = systemd::Notifier::from_env();
    let store = Store::open(&config.storage.path).await?;
    let check = selfcheck::at_start(&store, config.storage.startup_check_wait).await?;
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let metrics: Arc<Metrics> = Arc::default();
    for warning in config.warnings() {
        warn!("{warning}");
    }
    let limits = server_limits(&config);
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
    info!(address = %listener.local_addr()?, "listening");
    let shared = server::Shared::new(app::site(&config), metrics.clone());
    let router = server::router(store.clone(), shared.clone());
    let server_token = token.clone();
    tracker.spawn(async move {
        if let Err(e) = server::serve(listener, router, limits, server_token).await {
            error!(error = %e, "HTTP server stopped");
        }
    });
    tracker.spawn(watch_other_writers(store.clone(), token.clone()));
    tracker.spawn(selfcheck::probe_writes(store.clone(), token.clone()));
    if let Some(check) = check {
        tracker.spawn(selfcheck::report_verdict(check));
    }
    let (storage_tx, storage_rx) = tokio::sync::watch::channel(config.storage.clone());
    tracker.spawn(retention(store.clone(), storage_rx, token.clone()));

    // One scheduler for the daemon's life; each generation adds its jobs.
    let mut scheduler = schedule::Scheduler::start(jobs(&config)).await?;
    let mut generation = Generation::start(&config, &store, &metrics, &scheduler, &token).await?;
    shared.scheduling.store(true, Ordering::Release);
    tracker.spawn(report_status(systemd.clone(), store.clone(), token.clone()));
    if let Some(interval) = systemd::watchdog_interval() {
        tracker.spawn(watchdog(
            systemd.clone(),
            store.clone(),
            shared.clone(),
            interval,
            token.clone(),
        ));
    }
    systemd.ready(&status_line(&config, &store));
    info!(
        sources = config.sources.len(),
        tags = config.tags.len(),
        channels = config.notify.len(),
        "started"
    );

    while let Signal::Reload = signals.next().await {
        systemd.reloading();
        let reloaded = {
            let path = path.to_path_buf();
            tokio::task::spawn_blocking(move || Config::load(&path)).await?
        };
        match reloaded {
            Err(e) => {
                // Every problem, each on its line; the old configuration stays.
                for line in e.to_string().lines() {
                    error!(problem = %line, "reload refused; still running on the previous configuration");
                }
            }
            Ok(new) => {
                for (what, changed) in [
                    ("server.listen", new.server.listen != config.server.listen),
                    ("server.log", new.server.log != config.server.log),
                    ("storage.path", new.storage.path != config.storage.path),
                ] {
                    if changed {
                        warn!("{what} changed: that needs a restart; the running value stays");
                    }
                }
                // Polling stays "alive" for the watchdog while it is replaced.
                generation.stop().await;
                if new.tags != config.tags {
                    match Tagger::new(&new.tags) {
                        Ok(tagger) => match app::retag_store(&store, Arc::new(tagger)).await {
                            Ok(r) => info!(
                                items = r.items,
                                tagged = r.tagged_after,
                                "rules changed; stored items re-tagged"
                            ),
                            Err(e) => error!(error = %e, "re-tagging stored items failed; `thbwatch retag` does it"),
                        },
                        Err(e) => error!(error = %e, "cannot compile the new rules"),
                    }
                }
                if !scheduler.has_room_for(jobs(&new)) {
                    // Many more sources than at start: a roomier scheduler
                    // (the old one's memory stays; this is rare).
                    match schedule::Scheduler::start(jobs(&new)).await {
                        // The old one is never freed anyway (see Scheduler).
                        Ok(roomier) => std::mem::forget(std::mem::replace(&mut scheduler, roomier)),
                        Err(e) => error!(error = %e, "cannot start a larger scheduler; keeping the old one"),
                    }
                }
                shared.replace(app::site(&new));
                let _ = storage_tx.send(new.storage.clone());
                store.bump_generation();
                generation = match Generation::start(&new, &store, &metrics, &scheduler, &token).await {
                    Ok(started) => {
                        info!(
                            sources = new.sources.len(),
                            tags = new.tags.len(),
                            channels = new.notify.len(),
                            "reloaded"
                        );
                        config = new;
                        started
                    }
                    Err(e) => {
                        error!(error = %e, "cannot start polling with the new configuration; back to the previous one");
                        shared.replace(app::site(&config));
                        Generation::start(&config, &store, &metrics, &scheduler, &token).await?
                    }
                };
            }
        }
        systemd.ready(&status_line(&config, &store));
    }
    info!("stopping: no new polls; waiting for in-flight work");
    systemd.stopping();
    shared.scheduling.store(false, Ordering::Release);
    // One deadline for everything, within the unit's TimeoutStopSec=.
    let deadline = tokio::time::Instant::now() + SHUTDOWN_DEADLINE;
    token.cancel();
    let drained = async {
        generation.stop().await;
        tracker.close();
        tracker.wait().await;
        // The last checkpoint, so the log is empty when the process exits.
        store.close().await;
    };
    if tokio::time::timeout_at(deadline, drained).await.is_err() {
        warn!(
            deadline_s = SHUTDOWN_DEADLINE.as_secs(),
            "in-flight work abandoned at the deadline"
        );
    }
    info!("stopped");
    // Not dropped: tokio-cron-scheduler's tasks would log their channels
    // closing as errors while the runtime winds down. Its jobs are gone,
    // and the process is exiting.
    std::mem::forget(scheduler);
    Ok(())
}

/// Raises the open-files limit as far as the system allows and gives the
/// server what polling, notifying and the database leave of it. The
/// share is fixed at start: a reload that adds fetches or channels takes
/// from the margin.
fn server_limits(config: &Config) -> server::Limits {
    let limit = match open_files::raise() {
        Ok(raised) => {
            if raised.after > raised.before {
                info!(from = raised.before, to = raised.after, "open-files limit raised");
            }
            raised.after
        }
        Err(e) => {
            let current = open_files::current().unwrap_or(1024);
            warn!(error = %e, limit = current, "cannot raise the open-files limit; keeping it");
            current
        }
    };
    let budget = open_files::Budget::new(limit, config.poll.max_concurrent, config.notify.len());
    if budget.is_tight() {
        warn!(
            limit,
            reserved = budget.reserved,
            "the open-files limit leaves little room for connections; raise LimitNOFILE= (or ulimit -n)"
        );
    }
    info!(
        open_files = limit,
        reserved = budget.reserved,
        max_connections = budget.connections,
        "connections bounded"
    );
    server::Limits {
        max_connections: budget.connections,
        ..server::Limits::default()
    }
}

/// Cron jobs a configuration schedules: one per source, one per digest.
fn jobs(config: &Config) -> usize {
    let digests = config
        .notify
        .iter()
        .filter(|c| matches!(c.kind, crate::config::ChannelKind::Email { digest: Some(_), .. }))
        .count();
    config.sources.len() + digests
}

/// The status at start and after a reload: what is watched, after the
/// store's problem if it has one.
fn status_line(config: &Config, store: &Store) -> String {
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

/// Polling and notifying for one configuration: replaced on reload.
struct Generation {
    token: CancellationToken,
    tracker: TaskTracker,
    scheduler: schedule::Scheduler,
    polls: schedule::Jobs,
    digests: Option<schedule::Jobs>,
}

impl Generation {
    async fn start(
        config: &Config,
        store: &Store,
        metrics: &Arc<Metrics>,
        scheduler: &schedule::Scheduler,
        parent: &CancellationToken,
    ) -> anyhow::Result<Generation> {
        let token = parent.child_token();
        let tracker = TaskTracker::new();
        let pipeline = app::pipeline(config, store.clone(), token.clone(), metrics.clone())?;
        // Room for every source twice: a start-up poll and one scheduled tick.
        let (tx, rx) = mpsc::channel(config.sources.len() * 2 + 1);
        // The start-up polls first: the queue has room for every source
        // now, and keeps them until the dispatcher runs.
        for source in &config.sources {
            // A source still backing off from before a restart answers
            // "deferred" and waits.
            let _ = tx.try_send(source.id.clone());
        }
        // What can fail comes next, so a failed start leaves nothing running.
        let jobs: Vec<(SourceId, String)> = config
            .sources
            .iter()
            .map(|s| (s.id.clone(), s.schedule.clone()))
            .collect();
        let polls = scheduler.add(&jobs, tx.clone()).await?;
        let digests = match start_notifications(config, store, metrics, scheduler, &token, &tracker).await {
            Ok(digests) => digests,
            Err(e) => {
                scheduler.remove(polls).await;
                token.cancel();
                tracker.close();
                return Err(e);
            }
        };
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
        Ok(Generation {
            token,
            tracker,
            scheduler: scheduler.clone(),
            polls,
            digests,
        })
    }

    /// Stops scheduling, abandons fetches under way, lets writes finish.
    async fn stop(self) {
        self.token.cancel();
        self.scheduler.remove(self.polls).await;
        if let Some(digests) = self.digests {
            self.scheduler.remove(digests).await;
        }
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_DEADLINE, self.tracker.wait())
            .await
            .is_err()
        {
            warn!(
                deadline_s = SHUTDOWN_DEADLINE.as_secs(),
                "in-flight polls abandoned at the deadline"
            );
        }
    }
}

/// Pings systemd's watchdog while the store answers and polling is
/// scheduled; stops pinging (so systemd restarts the service) if not.
async fn watchdog(
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
async fn report_status(systemd: systemd::Notifier, store: Store, token: CancellationToken) {
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

/// Prunes old items once a day, as `[storage] retain_*` says (as of the
/// last reload).
async fn retention(
    store: Store,
    storage: tokio::sync::watch::Receiver<crate::config::Storage>,
    token: CancellationToken,
) {
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
        match app::prune_store(&store, &storage).await {
            Ok(p) => info!(untagged = p.untagged, tagged = p.tagged, "retention: old items pruned"),
            Err(e) => warn!(error = %e, "retention failed; trying again tomorrow"),
        }
    }
}

/// What a signal asks for.
enum Signal {
    Stop,
    Reload,
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

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Stop,
            _ = self.terminate.recv() => Signal::Stop,
            _ = self.hangup.recv() => Signal::Reload,
        }
    }
}

/// Starts the channels' delivery loops and the digest schedules.
async fn start_notifications(
    config: &Config,
    store: &Store,
    metrics: &Arc<Metrics>,
    scheduler: &schedule::Scheduler,
    token: &CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<Option<schedule::Jobs>> {
    if config.notify.is_empty() {
        return Ok(None);
    }
    let senders = notify::Senders::new(&config.poll.user_agent, metrics.clone())?;
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
        Some(scheduler.add(&digest_jobs, digest_tx).await?)
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
