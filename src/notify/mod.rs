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
mod record;
mod route;
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
use crate::model::Entry;
use crate::store::{self, Delivery, Store};
use record::{Record, Unrecorded};
#[cfg(test)]
pub(crate) use route::Route;
pub(crate) use route::{Routes, route};

/// How often a channel looks for due deliveries.
const TICK: Duration = Duration::from_secs(1);
/// Deliveries sent per look (a digest takes all pending ones).
const BATCH: usize = 20;
/// Timeout of one HTTP attempt.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

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
pub(crate) struct Senders {
    pub poster: Poster,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Matrix room aliases resolved, for as long as these senders live
    /// (a reload makes new ones, and asks again).
    rooms: matrix::Rooms,
}

impl Senders {
    pub(crate) fn new(user_agent: &str, metrics: Arc<crate::metrics::Metrics>) -> Result<Senders, crate::fetch::Error> {
        Ok(Senders {
            poster: Poster::new(user_agent)?,
            metrics,
            rooms: matrix::Rooms::default(),
        })
    }
}

/// Sends `entries` (one, or a digest's) through `channel`.
pub(crate) async fn send(channel: &Channel, senders: &Senders, key: &str, entries: &[Entry]) -> Outcome {
    match &channel.kind {
        ChannelKind::Webhook { .. } => webhook::send(channel, &senders.poster, key, entries).await,
        ChannelKind::Ntfy { .. } => ntfy::send(channel, &senders.poster, key, entries).await,
        ChannelKind::Matrix { .. } => matrix::send(channel, &senders.poster, &senders.rooms, key, entries).await,
        ChannelKind::Email { .. } => email::send(channel, key, entries).await,
    }
}

/// Runs every channel's delivery loop until `cancel`; digests fire when
/// their name arrives on `digests` (from the scheduler).
pub(crate) async fn run(
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
/// when its schedule fires (or to retry a digest that failed). A store
/// error is logged and tried again next tick, never the end of the loop.
///
/// While the store cannot write, the channel sends nothing: an attempt
/// whose outcome could not be recorded is held in memory and written again
/// (with back-off) before anything else is sent, and nothing new is sent
/// while the store reports failing writes. So an outage costs at most the
/// one send already under way, never a stream of repeats under one key.
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
    // After a "slow down" (429 with Retry-After), the whole channel waits.
    let mut paused_until: Option<tokio::time::Instant> = None;
    let mut unrecorded = Unrecorded::default();
    let mut digest_owed = false;
    loop {
        digest_owed |= tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => false,
            Some(_) = digest_ticks.recv() => true,
        };
        if !unrecorded.flush(&store).await || store.condition().writes_failing.is_some() {
            // A digest that fired meanwhile goes out once writes work.
            continue;
        }
        if paused_until.is_some_and(|until| tokio::time::Instant::now() < until) {
            continue;
        }
        let batches = match due_batches(&store, &channel, digest, digest_owed).await {
            Ok(batches) => {
                digest_owed = false;
                batches
            }
            Err(e) => {
                warn!(error = %e, "cannot read the outbox; trying again");
                continue;
            }
        };
        for deliveries in batches {
            // The channel's rate limit: a least gap between sends.
            if let Some(last) = last_send {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep_until(last + channel.min_interval) => {}
                }
            }
            last_send = Some(tokio::time::Instant::now());
            // Cancelled with its generation (a reload, a stop): an attempt
            // under way is dropped and stays pending, sent again later under
            // the same key, never marked delivered unacknowledged.
            let attempt = tokio::select! {
                _ = cancel.cancelled() => return,
                attempt = deliver(&store, &channel, &senders, deliveries) => attempt,
            };
            let (record, pause) = match attempt {
                Ok(attempt) => attempt,
                Err(e) => {
                    warn!(error = %e, "cannot read what to send; trying again");
                    break;
                }
            };
            if let Err(e) = record.write(&store).await {
                warn!(error = %e, "cannot record a delivery: this channel sends nothing more until it can");
                unrecorded.hold(record);
                break;
            }
            if let Some(pause) = pause {
                paused_until = Some(tokio::time::Instant::now() + pause);
                break;
            }
        }
    }
}

/// What to send now: each due delivery alone, or one digest.
async fn due_batches(
    store: &Store,
    channel: &Channel,
    digest: bool,
    digest_due: bool,
) -> Result<Vec<Vec<Delivery>>, store::Error> {
    let now = Utc::now();
    if !digest {
        let due = store.due_deliveries(&channel.name, now, true, BATCH).await?;
        return Ok(due.into_iter().map(|d| vec![d]).collect());
    }
    // A digest gathers everything pending when it fires; between digests
    // only the rows of a failed one (attempts > 0) are retried when due,
    // and the items waiting for the next digest wait.
    let pending = store
        .due_deliveries(&channel.name, now, !digest_due, usize::MAX)
        .await?;
    let pending: Vec<Delivery> = if digest_due {
        pending
    } else {
        pending.into_iter().filter(|d| d.attempts > 0).collect()
    };
    Ok(if pending.is_empty() { Vec::new() } else { vec![pending] })
}

/// One attempt at one delivery (or one digest): what to record, and how
/// long the channel should pause when the receiver asked to slow down.
async fn deliver(
    store: &Store,
    channel: &Channel,
    senders: &Senders,
    mut deliveries: Vec<Delivery>,
) -> Result<(Record, Option<Duration>), store::Error> {
    let loaded = store
        .entries_by_item(deliveries.iter().map(|d| d.item_id).collect())
        .await?;
    let unwanted = unwanted(channel, &deliveries, &loaded);
    if !unwanted.is_empty() {
        info!(
            items = unwanted.len(),
            "not announced: tagged anew over its article, the item has no tag this channel takes"
        );
        store.discard_deliveries(unwanted.clone()).await?;
        deliveries.retain(|d| !unwanted.contains(&d.id));
        if deliveries.is_empty() {
            return Ok((
                Record::Delivered {
                    ids: Vec::new(),
                    at: Utc::now(),
                },
                None,
            ));
        }
    }
    let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    let entries: Vec<Entry> = loaded
        .into_iter()
        .filter(|(item, _)| deliveries.iter().any(|d| d.item_id == *item))
        .map(|(_, e)| e)
        .collect();
    // One delivery keeps its key. A digest's key names all its rows, so a
    // retried digest with the same items has the same key, and one with
    // more items does not.
    let key = match deliveries.as_slice() {
        [one] => one.idempotency_key.clone(),
        many => {
            let mut keys: Vec<&str> = many.iter().map(|d| d.idempotency_key.as_str()).collect();
            keys.sort_unstable();
            crate::model::name_urn(&keys)
        }
    };
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
            senders.metrics.notification(&channel.name, "sent", entries.len());
            Ok((Record::Delivered { ids, at: now }, None))
        }
        Outcome::Retry { error, retry_after } => {
            let verdicts = retry_verdicts(channel, &deliveries, retry_after, now);
            let dead = verdicts.iter().filter(|v| v.2).count();
            if dead > 0 {
                warn!(%error, dead, "delivery failed; dead-lettered (thbwatch notify retry sends it again)");
            } else {
                warn!(%error, attempts = deliveries[0].attempts + 1, "delivery failed; will retry");
            }
            senders
                .metrics
                .notification(&channel.name, "failed", deliveries.len() - dead);
            senders.metrics.notification(&channel.name, "dead", dead);
            Ok((
                Record::Failed {
                    verdicts,
                    error,
                    at: now,
                },
                retry_after,
            ))
        }
        Outcome::Permanent { error } => {
            warn!(%error, "delivery refused; dead-lettered (thbwatch notify retry sends it again)");
            senders.metrics.notification(&channel.name, "dead", ids.len());
            let verdicts = ids.into_iter().map(|id| (id, now, true)).collect();
            Ok((
                Record::Failed {
                    verdicts,
                    error,
                    at: now,
                },
                None,
            ))
        }
    }
}

/// The deliveries that waited for their item's article and that the
/// channel, judging the item's tags now, does not want.
fn unwanted(channel: &Channel, deliveries: &[Delivery], loaded: &[(i64, Entry)]) -> Vec<i64> {
    let route = route(channel);
    deliveries
        .iter()
        .filter(|d| d.awaited_text)
        .filter(|d| {
            loaded
                .iter()
                .find(|(item, _)| *item == d.item_id)
                .is_none_or(|(_, e)| !route.wants(&e.matches, &e.source_id, e.language.as_deref()))
        })
        .map(|d| d.id)
        .collect()
}

/// Each row of a failed attempt, judged on its own attempts and on its
/// age since its first attempt (not since it was queued: waiting behind a
/// rate limit or a stopped daemon is not failing): (id, next attempt, dead).
fn retry_verdicts(
    channel: &Channel,
    deliveries: &[Delivery],
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
) -> Vec<(i64, DateTime<Utc>, bool)> {
    let policy = backoff::Policy {
        base: channel.retry_base,
        max: channel.retry_max,
    };
    let give_up_after = chrono::Duration::from_std(channel.give_up_after).unwrap_or_default();
    deliveries
        .iter()
        .map(|d| {
            let attempts = d.attempts + 1;
            let reason = retry_after.map_or(backoff::Reason::Other, backoff::Reason::RetryAfter);
            let wait = policy.delay(attempts, reason, &mut fastrand::Rng::new());
            // Stored in whole seconds: round up, so it is never early.
            let next =
                now + chrono::Duration::from_std(wait + Duration::from_secs(1)).unwrap_or(chrono::Duration::hours(1));
            let first_attempt = d.first_attempt_at.unwrap_or(now);
            let dead = attempts >= channel.max_attempts || now - first_attempt > give_up_after;
            (d.id, next, dead)
        })
        .collect()
}

/// The time a delivery was created, for the test message.
pub(crate) fn test_entry(now: DateTime<Utc>) -> Entry {
    message::test_entry(now)
}
