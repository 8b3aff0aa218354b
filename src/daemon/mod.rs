//! The long-running service: the HTTP server on the listener it is given,
//! and "generations" of polling and notifying that a reload replaces
//! without a restart; systemd readiness, status and watchdog through the
//! notifier it is given; retention; draining with a deadline on stop.
//! Signals and binding the listener are the caller's ([`crate::serve::run`]
//! for the binary), so a test can run the whole service in one process on
//! a listener it bound. Knows no feed format.

mod dispatch;
mod generation;
mod reload;
mod status;
mod upkeep;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::app;
use crate::config::{Config, Storage};
use crate::metrics::Metrics;
use crate::open_files;
use crate::schedule::Scheduler;
use crate::selfcheck;
use crate::server;
use crate::store::Store;
use crate::systemd;
use crate::tag::Tagger;
use generation::Generation;

/// How long a stop (or a reload) waits for in-flight polls, deliveries and
/// requests: shorter than the unit's `TimeoutStopSec=` (30 s), so a stop is
/// always clean.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

/// What a running daemon is asked to do (the binary asks on SIGHUP, and
/// on SIGINT or SIGTERM).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Read the configuration file again and apply it.
    Reload,
    /// Stop: no new polls, in-flight work drained with a deadline.
    Stop,
}

/// Runs the daemon for `config`, serving on `listener`, until `control`
/// says [`Control::Stop`] or closes; [`Control::Reload`] re-reads
/// `config.path`. `systemd` hears readiness, status, watchdog pings and
/// the stop ([`systemd::Notifier::silent`] when nobody listens).
pub async fn run(
    config: Config,
    listener: TcpListener,
    mut control: mpsc::Receiver<Control>,
    systemd: systemd::Notifier,
) -> anyhow::Result<()> {
    let store = Store::open(&config.storage.path).await?;
    // The integrity check reads the whole file on a connection of its own:
    // what serves nothing and writes nothing (the site, the router, the
    // scheduler's thread) is made meanwhile; serving, polling and sending
    // wait for its verdict.
    let checking = selfcheck::start(&store);
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let metrics: Arc<Metrics> = Arc::default();
    for warning in config.warnings() {
        warn!("{warning}");
    }
    let limits = server_limits(&config);
    let shared = server::Shared::new(app::site(&config), metrics.clone());
    let router = server::router(store.clone(), shared.clone());
    // One scheduler for the daemon's life; each generation adds its jobs.
    // (Dropped on an early return: its thread then ends on its own.)
    let scheduler = Scheduler::start(generation::jobs(&config)).await?;
    let check = selfcheck::at_start(&store, checking, config.storage.startup_check_wait).await?;
    info!(address = %listener.local_addr()?, "listening");
    let server_token = token.clone();
    tracker.spawn(async move {
        if let Err(e) = server::serve(listener, router, limits, server_token).await {
            error!(error = %e, "HTTP server stopped");
        }
    });
    tracker.spawn(upkeep::watch_other_writers(store.clone(), token.clone()));
    tracker.spawn(selfcheck::probe_writes(store.clone(), token.clone()));
    if let Some(check) = check {
        tracker.spawn(selfcheck::report_verdict(check));
    }
    let (storage, storage_rx) = watch::channel(config.storage.clone());
    tracker.spawn(upkeep::retention(store.clone(), storage_rx, token.clone()));

    let tagger = Arc::new(Tagger::new(&config.tags)?);
    let generation = Generation::start(&config, Arc::clone(&tagger), &store, &metrics, &scheduler, &token).await?;
    shared.scheduling.store(true, Ordering::Release);
    tracker.spawn(status::report_status(systemd.clone(), store.clone(), token.clone()));
    if let Some(interval) = systemd.watchdog_interval() {
        tracker.spawn(status::watchdog(
            systemd.clone(),
            store.clone(),
            shared.clone(),
            interval,
            token.clone(),
        ));
    }
    systemd.ready(&status::status_line(&config, &store));
    info!(
        sources = config.sources.len(),
        tags = config.tags.len(),
        channels = config.notify.len(),
        "started"
    );
    let mut running = Running {
        config,
        tagger,
        store,
        metrics,
        scheduler,
        generation,
        shared,
        storage,
        token,
        systemd,
    };
    while let Some(Control::Reload) = control.recv().await {
        running = running.reload().await?;
    }
    running.stop(tracker).await;
    Ok(())
}

/// The daemon between start and stop: what a reload replaces or keeps.
struct Running {
    config: Config,
    /// The configuration's rules, compiled: kept by reloads that leave the
    /// rules as they were.
    tagger: Arc<Tagger>,
    store: Store,
    metrics: Arc<Metrics>,
    scheduler: Scheduler,
    generation: Generation,
    /// What the server shows, replaced on reload.
    shared: server::Shared,
    /// Retention's settings, replaced on reload.
    storage: watch::Sender<Storage>,
    /// Cancels everything the daemon started.
    token: CancellationToken,
    systemd: systemd::Notifier,
}

impl Running {
    /// No new polls; in-flight polls, deliveries and requests finish or
    /// are abandoned at one deadline; the store is closed.
    async fn stop(self, tracker: TaskTracker) {
        info!("stopping: no new polls; waiting for in-flight work");
        self.systemd.stopping();
        self.shared.scheduling.store(false, Ordering::Release);
        // One deadline for everything, within the unit's TimeoutStopSec=.
        let deadline = tokio::time::Instant::now() + SHUTDOWN_DEADLINE;
        self.token.cancel();
        let (generation, scheduler, store) = (self.generation, &self.scheduler, &self.store);
        let drained = async {
            generation.stop(scheduler).await;
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
        // Its jobs are gone; its thread and tasks go with it.
        self.scheduler.shutdown().await;
        info!("stopped");
    }
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
