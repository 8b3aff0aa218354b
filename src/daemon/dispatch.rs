//! The poll dispatcher of one generation: receives poll requests (start-up,
//! cron ticks, retries after a failure) and runs each in a tracked task,
//! never two polls of one source at once. Politeness (per-host turns,
//! global slots) is the fetcher's job, so a task may wait there without
//! holding anyone up.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::time::{DelayQueue, delay_queue};
use tracing::error;

use crate::config::Source;
use crate::model::SourceId;
use crate::poll::{self, Pipeline, Status};

/// A finished poll: its source, and when it wants its next attempt.
type Done = (SourceId, Option<DateTime<Utc>>);

pub(super) struct Dispatcher {
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
    pub(super) fn new(
        sources: &[Source],
        pipeline: Pipeline,
        token: CancellationToken,
        tracker: TaskTracker,
    ) -> Dispatcher {
        Dispatcher {
            sources: sources.iter().map(|s| (s.id.clone(), s.clone())).collect(),
            pipeline,
            in_flight: Arc::default(),
            retries: DelayQueue::new(),
            retry_keys: HashMap::new(),
            token,
            tracker,
        }
    }

    /// Runs until the generation is cancelled or every sender is gone.
    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<SourceId>) {
        // Finished polls report when their source wants its next attempt.
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
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

    fn start(&self, id: SourceId, done: &mpsc::UnboundedSender<Done>) {
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
