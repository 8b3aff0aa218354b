//! Notifications: one delivery loop per channel drains the outbox that
//! each ingest fills in its own transaction. A delivery is marked sent
//! only after the receiver acknowledged it (2xx, SMTP 250); failures are
//! retried with back-off (honouring `Retry-After`) until the channel's
//! attempts or age run out, then dead-lettered. Every attempt carries the
//! same idempotency key, so a receiver can drop a repeat after a crash.
//! One file per channel kind says how to send.

mod email;
mod matrix;
mod message;
mod ntfy;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn, warn_span};

use crate::backoff;
use crate::config::{Channel, ChannelKind};
use crate::fetch::Poster;
use crate::model::{Entry, Route};
use crate::store::{self, Delivery, Store};

/// How often a channel looks for due deliveries.
const TICK: Duration = Duration::from_secs(1);
/// Deliveries sent per look (a digest takes all pending ones).
const BATCH: usize = 20;
/// Timeout of one HTTP attempt.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// What a channel takes from the ingest.
pub fn route(channel: &Channel) -> Route {
    Route {
        channel: channel.name.clone(),
        tags: channel.tags.clone(),
        sources: channel.sources.clone(),
        languages: channel.languages.clone(),
        backlog: channel.notify_backlog,
    }
}

/// How one attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver acknowledged it.
    Delivered,
    /// Worth trying again (network, 5xx, 429), after `retry_after` if the
    /// receiver said so.
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Trying again cannot help (4xx: bad address, refused credentials).
    Permanent { error: String },
}

impl Outcome {
    /// The outcome of an HTTP answer.
    fn of_status(posted: &crate::fetch::Posted) -> Outcome {
        let error = || format!("HTTP {} {}", posted.status, posted.body.trim());
        match posted.status {
            200..=299 => Outcome::Delivered,
            408 | 425 | 429 | 500..=599 => Outcome::Retry {
                error: error(),
                retry_after: posted.retry_after,
            },
            _ => Outcome::Permanent { error: error() },
        }
    }

    fn of_error(e: crate::fetch::Error) -> Outcome {
        Outcome::Retry {
            error: e.to_string(),
            retry_after: None,
        }
    }
}

/// What sending needs, shared by every channel.
#[derive(Clone)]
pub struct Senders {
    pub poster: Poster,
}

/// Sends `entries` (one, or a digest's) through `channel`.
pub async fn send(channel: &Channel, senders: &Senders, key: &str, entries: &[Entry]) -> Outcome {
    match &channel.kind {
        ChannelKind::Webhook { .. } => webhook::send(channel, &senders.poster, key, entries).await,
        ChannelKind::Ntfy { .. } => ntfy::send(channel, &senders.poster, entries).await,
        ChannelKind::Matrix { .. } => matrix::send(channel, &senders.poster, key, entries).await,
        ChannelKind::Email { .. } => email::send(channel, key, entries).await,
    }
}

/// Runs every channel's delivery loop until `cancel`; digests fire when
/// their name arrives on `digests` (from the scheduler).
pub async fn run(
    store: Store,
    channels: Vec<Channel>,
    senders: Senders,
    mut digests: mpsc::Receiver<String>,
    cancel: CancellationToken,
    tracker: tokio_util::task::TaskTracker,
) {
    let mut digest_senders = Vec::new();
    for channel in channels {
        let (tx, rx) = mpsc::channel(4);
        digest_senders.push((channel.name.clone(), tx));
        let span = warn_span!("notify", channel = %channel.name);
        let looped = deliver_loop(store.clone(), Arc::new(channel), senders.clone(), rx, cancel.clone());
        tracker.spawn(looped.instrument(span));
    }
    loop {
        let name = tokio::select! {
            _ = cancel.cancelled() => return,
            name = digests.recv() => match name { Some(name) => name, None => return },
        };
        if let Some((_, tx)) = digest_senders.iter().find(|(n, _)| *n == name) {
            let _ = tx.try_send(name);
        }
    }
}

/// One channel: every tick, send what is due; a digest channel sends only
/// when its schedule fires (or to retry a digest that failed).
async fn deliver_loop(
    store: Store,
    channel: Arc<Channel>,
    senders: Senders,
    mut digest_ticks: mpsc::Receiver<String>,
    cancel: CancellationToken,
) {
    let digest = matches!(&channel.kind, ChannelKind::Email { digest: Some(_), .. });
    let mut tick = tokio::time::interval(TICK);
    let mut last_send: Option<tokio::time::Instant> = None;
    loop {
        let digest_due = tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => false,
            Some(_) = digest_ticks.recv() => true,
        };
        let now = Utc::now();
        let batch = if digest {
            // A digest gathers everything pending when it fires; between
            // digests only a failed one (attempts > 0) is retried when due.
            let pending = match store.due_deliveries(&channel.name, now, !digest_due, usize::MAX).await {
                Ok(pending) => pending,
                Err(e) => return warn!(error = %e, "cannot read the outbox; deliveries stop"),
            };
            let send_now = digest_due || pending.iter().any(|d| d.attempts > 0);
            if !send_now || pending.is_empty() {
                continue;
            }
            vec![pending]
        } else {
            match store.due_deliveries(&channel.name, now, true, BATCH).await {
                Ok(due) => due.into_iter().map(|d| vec![d]).collect(),
                Err(e) => return warn!(error = %e, "cannot read the outbox; deliveries stop"),
            }
        };
        for deliveries in batch {
            // The channel's rate limit: a least gap between sends.
            if let Some(last) = last_send {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep_until(last + channel.min_interval) => {}
                }
            }
            last_send = Some(tokio::time::Instant::now());
            if let Err(e) = deliver(&store, &channel, &senders, deliveries).await {
                return warn!(error = %e, "cannot record a delivery; deliveries stop");
            }
        }
    }
}

/// One attempt at one delivery (or one digest), recorded.
async fn deliver(
    store: &Store,
    channel: &Channel,
    senders: &Senders,
    deliveries: Vec<Delivery>,
) -> Result<(), store::Error> {
    let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    let entries: Vec<Entry> = store
        .entries_by_item(deliveries.iter().map(|d| d.item_id).collect())
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    // One delivery keeps its key; a digest's key is its first item's, so a
    // retried digest of the same items is recognisable too.
    let key = deliveries[0].idempotency_key.clone();
    let outcome = tokio::time::timeout(SEND_TIMEOUT * 2, send(channel, senders, &key, &entries))
        .await
        .unwrap_or_else(|_| Outcome::Retry {
            error: "timed out".into(),
            retry_after: None,
        });
    let now = Utc::now();
    match outcome {
        Outcome::Delivered => {
            info!(items = entries.len(), key = %key, "delivered");
            store.mark_delivered(ids, now).await
        }
        Outcome::Retry { error, retry_after } => {
            let first = &deliveries[0];
            let attempts = first.attempts + 1;
            let policy = backoff::Policy {
                base: channel.retry_base,
                max: channel.retry_max,
            };
            let reason = retry_after.map_or(backoff::Reason::Other, backoff::Reason::RetryAfter);
            let wait = policy.delay(attempts, reason, &mut fastrand::Rng::new());
            // Stored in whole seconds: round up, so it is never early.
            let next =
                now + chrono::Duration::from_std(wait + Duration::from_secs(1)).unwrap_or(chrono::Duration::hours(1));
            let too_old =
                now - first.created_at > chrono::Duration::from_std(channel.give_up_after).unwrap_or_default();
            let dead = attempts >= channel.max_attempts || too_old;
            if dead {
                warn!(%error, attempts, "delivery failed; dead-lettered (thbwatch notify retry sends it again)");
            } else {
                warn!(%error, attempts, next = %next.format("%H:%M:%S"), "delivery failed; will retry");
            }
            store.mark_failed(ids, error, next, dead).await
        }
        Outcome::Permanent { error } => {
            warn!(%error, "delivery refused; dead-lettered (thbwatch notify retry sends it again)");
            store.mark_failed(ids, error, now, true).await
        }
    }
}

/// The time a delivery was created, for the test message.
pub fn test_entry(now: DateTime<Utc>) -> Entry {
    message::test_entry(now)
}
