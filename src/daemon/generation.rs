//! One generation of polling and notifying: the jobs one configuration
//! schedules, its poll dispatcher and its channels' delivery loops,
//! started together and stopped together when a reload replaces them.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::warn;

use super::SHUTDOWN_DEADLINE;
use super::dispatch::Dispatcher;
use crate::app;
use crate::config::{ChannelKind, Config};
use crate::metrics::Metrics;
use crate::model::SourceId;
use crate::notify;
use crate::schedule::{self, Scheduler};
use crate::store::Store;
use crate::tag::Tagger;

/// Polling and notifying for one configuration: replaced on reload.
pub(super) struct Generation {
    token: CancellationToken,
    tracker: TaskTracker,
    polls: schedule::Jobs,
    digests: Option<schedule::Jobs>,
}

impl Generation {
    /// Starts polling the sources of `config`, tagging with `tagger` (its
    /// rules, compiled by the caller, who keeps them across reloads that
    /// do not change them).
    pub(super) async fn start(
        config: &Config,
        tagger: Arc<Tagger>,
        store: &Store,
        metrics: &Arc<Metrics>,
        scheduler: &Scheduler,
        parent: &CancellationToken,
    ) -> anyhow::Result<Generation> {
        let token = parent.child_token();
        let tracker = TaskTracker::new();
        let pipeline = app::pipeline_with(config, store.clone(), token.clone(), metrics.clone(), tagger)?;
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
        let dispatcher = Dispatcher::new(&config.sources, pipeline, token.clone(), tracker.clone());
        tracker.spawn(dispatcher.run(rx));
        Ok(Generation {
            token,
            tracker,
            polls,
            digests,
        })
    }

    /// Stops scheduling, abandons fetches under way, lets writes finish.
    pub(super) async fn stop(self, scheduler: &Scheduler) {
        self.token.cancel();
        scheduler.remove(self.polls).await;
        if let Some(digests) = self.digests {
            scheduler.remove(digests).await;
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

/// Cron jobs a configuration schedules: one per source, one per digest.
pub(super) fn jobs(config: &Config) -> usize {
    config.sources.len() + digests(config).len()
}

/// The e-mail channels that send digests, with their schedules.
fn digests(config: &Config) -> Vec<(String, String)> {
    config
        .notify
        .iter()
        .filter_map(|c| match &c.kind {
            ChannelKind::Email { digest: Some(cron), .. } => Some((c.name.clone(), cron.clone())),
            _ => None,
        })
        .collect()
}

/// Starts the channels' delivery loops and the digest schedules.
async fn start_notifications(
    config: &Config,
    store: &Store,
    metrics: &Arc<Metrics>,
    scheduler: &Scheduler,
    token: &CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<Option<schedule::Jobs>> {
    if config.notify.is_empty() {
        return Ok(None);
    }
    let senders = notify::Senders::new(&config.poll.user_agent, metrics.clone())?;
    let (digest_tx, digest_rx) = mpsc::channel(16);
    let digest_jobs = digests(config);
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
