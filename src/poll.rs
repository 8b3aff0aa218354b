//! One poll of one source, read as the pipeline: fetch ─▶ parse ─▶
//! normalise ─▶ tag ─▶ route ─▶ one ingest transaction. [`poll`] fetches,
//! [`read_document`] reads what came (off the runtime), `record` decides
//! how the poll ends and which channels get which items, and the store
//! writes it all at once. A failing source records its error and when to
//! try again, and affects nobody else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info, warn, warn_span};

use crate::backoff::{self, Reason};
use crate::config::{Source, SourceKind};
use crate::fetch::{self, Fetcher};
use crate::lang::Detect;
use crate::model::{FeedMeta, Item, RawFeed, TaggedItem};
use crate::normalize;
use crate::store::{self, IngestReport, PollOutcome, PollRecord, PollState, Store};
use crate::tag::Tagger;
use crate::versions;

/// A retry timer may fire this much early and still count as due.
const DUE_SLACK: Duration = Duration::from_secs(1);

/// The log target of the line a failed poll writes. `thbwatch poll` prints
/// each failure on its own summary line, so it turns this target off
/// rather than report the failure twice.
pub const FAILURE_LOG_TARGET: &str = "thbwatch::poll::failure";

/// What every poll needs; cheap to clone.
#[derive(Clone)]
pub(crate) struct Pipeline {
    pub fetcher: Fetcher,
    pub store: Store,
    pub tagger: Arc<Tagger>,
    pub detect: Arc<Detect>,
    /// The default timeout; a source may set its own.
    pub timeout: Duration,
    /// Entries kept from one document.
    pub max_items: usize,
    /// How long a `full_text` source's new item waits for its article
    /// before it is announced anyway.
    pub full_text_wait: Duration,
    pub backoff: backoff::Policy,
    /// Where new tagged items are announced (the notification channels).
    pub routes: Arc<crate::notify::Routes>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Parsing takes about ten times the body's size in memory: this
    /// bounds how many parses run at once.
    pub parse_slots: Arc<Semaphore>,
    /// Cancelled at shutdown: a fetch still under way is abandoned (nothing
    /// is written yet); an ingest already started finishes.
    pub cancel: CancellationToken,
}

/// How a poll ended for its source.
#[derive(Debug)]
pub enum Status {
    /// Fetched and stored; `warning` says what had to be mended in the
    /// document (`None`: it was well-formed).
    Fetched {
        report: IngestReport,
        warning: Option<String>,
    },
    NotModified,
    /// The source failed (network, HTTP, not a feed); the error is stored,
    /// and no attempt is made before `retry_at`.
    Failed {
        error: Failure,
        retry_at: DateTime<Utc>,
    },
    /// Backing off after failures: nothing was requested.
    Deferred {
        until: DateTime<Utc>,
    },
    /// Shutdown came before the fetch finished; nothing was written.
    Abandoned,
}

/// Why a source's poll failed: the error of the stage that failed, kept
/// as it is (its message is what the source's health shows), so callers
/// and the back-off tell the cases apart by type.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Fetch(#[from] fetch::Error),
    /// The document is not a feed that can be read.
    #[error(transparent)]
    Parse(#[from] crate::parse::Error),
    /// A listing page could not be read with its selectors.
    #[error(transparent)]
    Listing(#[from] crate::listing::Error),
    /// Parsing, normalising or tagging panicked (a bug).
    #[error("processing the feed failed: {0}")]
    Crashed(#[source] tokio::task::JoinError),
    /// The bound on parses running at once was closed (never, while the
    /// pipeline lives).
    #[error(transparent)]
    Closed(#[from] tokio::sync::AcquireError),
}

impl Failure {
    /// How long the source waits before its next attempt, as far as the
    /// failure says: the server's `Retry-After`, the long wait after 410
    /// Gone, or the usual back-off.
    pub(crate) fn reason(&self) -> Reason {
        match self {
            Failure::Fetch(fetch::Error::Gone) => Reason::Gone,
            Failure::Fetch(e) => e.retry_after().map_or(Reason::Other, Reason::RetryAfter),
            _ => Reason::Other,
        }
    }
}

/// A poll whose result the store refused: recorded as a failure of its
/// own (see `record_unstored`), and reported to the caller as the store
/// error it is.
#[derive(Debug, thiserror::Error)]
#[error("the poll could not be stored: {0}")]
struct Unstored(#[source] store::Error);

/// Polls `source` once, unless it is backing off and `force` is false.
/// Only a database failure is an `Err`: the source's own failures are
/// recorded and reported as [`Status::Failed`].
pub(crate) async fn poll(pipeline: &Pipeline, source: &Source, force: bool) -> Result<Status, store::Error> {
    // A warn-level span, so the source id reaches every line of a poll
    // whatever the log level (one-off commands log warnings only).
    let span = warn_span!("poll", source = %source.id);
    async move {
        let started = Instant::now();
        let state = pipeline.store.poll_state(&source.id, &source.stored_url()).await?;
        if let Some(until) = state.next_attempt.filter(|_| !force)
            && until > Utc::now() + DUE_SLACK
        {
            debug!(%until, failures = state.consecutive_failures, "backing off; not polled");
            pipeline.metrics.poll(source.id.as_str(), "deferred", None);
            return Ok(Status::Deferred { until });
        }
        let request = fetch::Request {
            url: &source.url,
            validators: &state.validators,
            timeout: source.timeout.unwrap_or(pipeline.timeout),
            user_agent: source.user_agent.as_deref(),
            headers: &source.headers,
            hide_address: source.url_hidden,
        };
        // Only the fetch is abandoned at shutdown (nothing is written yet);
        // once the body is here, processing and the ingest finish.
        let fetch_started = Instant::now();
        let fetched = tokio::select! {
            _ = pipeline.cancel.cancelled() => {
                info!("poll abandoned: shutting down");
                pipeline.metrics.poll(source.id.as_str(), "abandoned", None);
                return Ok(Status::Abandoned);
            }
            fetched = pipeline.fetcher.get(&request) => fetched,
        };
        let fetch_time = fetch_started.elapsed();
        let metrics = &pipeline.metrics;
        // A body's request slot is held until what it became is stored:
        // when the database falls behind, fetching waits rather than
        // piling parsed feeds up in memory. And the database thread is
        // told that this poll's items are coming.
        let (mut slot, mut expected) = (None, None);
        let result = match fetched.outcome {
            Ok(None) => Ok(None),
            Ok(Some(mut body)) => {
                slot = body.take_slot();
                expected = Some(pipeline.store.expect_poll());
                read_body(pipeline, source, body).await.map(Some)
            }
            Err(e) => Err(Failure::Fetch(e)),
        };
        let (record, ending) = record(pipeline, source, &state, (fetched.status, fetched.moved_to), result);
        let (http_status, moved_to) = (record.http_status, record.moved_to.clone());
        // On its way now: the group being written need not wait for it.
        drop(expected);
        let report = match pipeline.store.ingest(record).await {
            Ok(report) => report,
            Err(e) => {
                drop(slot);
                metrics.poll(source.id.as_str(), "unstored", Some(fetch_time));
                let Unstored(e) = record_unstored(pipeline, source, &state, http_status, moved_to, Unstored(e)).await;
                return Err(e);
            }
        };
        drop(slot);
        metrics.ingested(report.new, report.updated, report.duplicates);
        metrics.poll(source.id.as_str(), ending.metric(), Some(fetch_time));
        if source.full_text.is_some() {
            fetch_articles(pipeline, source).await;
        }
        Ok(ending.report(report, started.elapsed().as_millis() as u64))
    }
    .instrument(span)
    .await
}

/// After a `full_text` source's poll: new items' articles, and earlier
/// failures due again. The poll's result is stored already: nothing here
/// can undo it.
async fn fetch_articles(pipeline: &Pipeline, source: &Source) {
    let tools = crate::fulltext::Tools {
        fetcher: &pipeline.fetcher,
        store: &pipeline.store,
        tagger: &pipeline.tagger,
        timeout: pipeline.timeout,
        parse_slots: &pipeline.parse_slots,
        cancel: &pipeline.cancel,
    };
    match crate::fulltext::fetch_due(&tools, source).await {
        Ok(done) if done != Default::default() => {
            info!(stored = done.stored, failed = done.failed, "article texts fetched")
        }
        Ok(_) => {}
        Err(e) => warn!(error = %e, "article texts could not be stored"),
    }
}

/// How a poll ends, decided before its result is written; the store's
/// report completes it.
enum Ending {
    Fetched { warning: Option<String> },
    NotModified,
    Failed { error: Failure, retry_at: DateTime<Utc> },
}

impl Ending {
    /// The outcome's name in the metrics.
    fn metric(&self) -> &'static str {
        match self {
            Ending::Fetched { .. } => "ok",
            Ending::NotModified => "not_modified",
            Ending::Failed { .. } => "error",
        }
    }

    /// The poll's one log line, and its status.
    fn report(self, report: IngestReport, elapsed_ms: u64) -> Status {
        match self {
            Ending::Fetched { warning } => {
                info!(
                    status = "ok",
                    new = report.new,
                    tagged = report.tagged,
                    elapsed_ms,
                    "polled"
                );
                if let Some(warning) = &warning {
                    warn!(%warning, "the feed had to be repaired to be read; its publisher may want to know");
                }
                Status::Fetched { report, warning }
            }
            Ending::NotModified => {
                info!(status = "not modified", new = 0, tagged = 0, elapsed_ms, "polled");
                Status::NotModified
            }
            Ending::Failed { error, retry_at } => {
                let shown = retry_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                warn!(target: FAILURE_LOG_TARGET, status = "error", %error, retry_at = %shown, elapsed_ms, "poll failed");
                Status::Failed { error, retry_at }
            }
        }
    }
}

/// When a source that failed `state`'s failures and now `reason` is tried
/// again, from `at`.
fn next_attempt(pipeline: &Pipeline, state: &PollState, reason: Reason, at: DateTime<Utc>) -> DateTime<Utc> {
    let failures = state.consecutive_failures.saturating_add(1);
    let wait = pipeline.backoff.delay(failures, reason, &mut fastrand::Rng::new());
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|wait| at.checked_add_signed(wait))
        .unwrap_or(at + chrono::Duration::hours(6))
}

/// A poll whose result could not be stored is still a failed poll: it is
/// recorded as one (a small write, which may work where the whole result
/// did not), so the source's health says so and it backs off like any
/// failure. If even that cannot be written, the store shows the failure
/// from memory (see `Store::source_health`). Validators stay where they
/// were, so the next poll fetches everything again.
async fn record_unstored(
    pipeline: &Pipeline,
    source: &Source,
    state: &PollState,
    http_status: Option<u16>,
    moved_to: Option<String>,
    unstored: Unstored,
) -> Unstored {
    let at = Utc::now();
    let record = PollRecord {
        source_id: source.id.clone(),
        source_url: source.stored_url(),
        source_title: source.title.clone(),
        at,
        http_status,
        moved_to,
        outcome: PollOutcome::Failed {
            error: unstored.to_string(),
            next_attempt: next_attempt(pipeline, state, Reason::Other, at),
        },
        full_text: None,
    };
    if let Err(e) = pipeline.store.ingest(record).await {
        debug!(error = %e, "the failure could not be recorded either");
    }
    unstored
}

/// Builds the record to store (a failure gets its next attempt time, the
/// items the channels they go to) and decides how the poll ends, from
/// the last HTTP status, where a permanent redirect led, and the result.
fn record(
    pipeline: &Pipeline,
    source: &Source,
    state: &PollState,
    (http_status, moved_to): (Option<u16>, Option<url::Url>),
    result: Result<Option<Processed>, Failure>,
) -> (PollRecord, Ending) {
    let at = Utc::now();
    let moved_to = moved_to.map(String::from).or_else(|| {
        // A failure before any redirect says nothing new: keep what was known.
        result.is_err().then(|| state.moved_to.clone()).flatten()
    });
    if let Some(target) = &moved_to
        && state.moved_to.as_ref() != Some(target)
    {
        let shown = source.public_form(target);
        warn!(moved_to = %shown, "the feed has moved permanently; update sources.{}.url", source.id);
    }
    let (outcome, ending) = match result {
        Ok(None) => (PollOutcome::NotModified, Ending::NotModified),
        Ok(Some(processed)) => {
            if processed.dropped > 0 {
                warn!(
                    kept = pipeline.max_items,
                    dropped = processed.dropped,
                    "the feed has more entries than poll.max_items; the rest were dropped"
                );
            }
            let warning = processed.repairs.warning();
            // Which channels want which items, decided before the write.
            let recipients = pipeline
                .routes
                .recipients(&source.id, &processed.items, source.full_text.is_some());
            let outcome = PollOutcome::Fetched {
                feed: processed.feed,
                validators: processed.validators,
                items: processed.items,
                recipients,
                warning: warning.clone(),
            };
            (outcome, Ending::Fetched { warning })
        }
        Err(error) => {
            let retry_at = next_attempt(pipeline, state, error.reason(), at);
            let outcome = PollOutcome::Failed {
                error: error.to_string(),
                next_attempt: retry_at,
            };
            (outcome, Ending::Failed { error, retry_at })
        }
    };
    let record = PollRecord {
        source_id: source.id.clone(),
        source_url: source.stored_url(),
        source_title: source.title.clone(),
        at,
        http_status,
        moved_to,
        outcome,
        full_text: source.full_text.as_ref().map(|_| store::TextFetch {
            wait: pipeline.full_text_wait,
        }),
    };
    (record, ending)
}

/// Reads a body off the runtime, within the bound on parses running at
/// once: [`read_document`].
async fn read_body(pipeline: &Pipeline, source: &Source, body: fetch::Body) -> Result<Processed, Failure> {
    let slot = pipeline.parse_slots.clone().acquire_owned().await?;
    let (tagger, detect) = (Arc::clone(&pipeline.tagger), Arc::clone(&pipeline.detect));
    let (source, max_items) = (source.clone(), pipeline.max_items);
    let reach = match pipeline.fetcher.scope_for(&source.url).await {
        fetch::Scope::Public => crate::listing::Reach::Public,
        fetch::Scope::Internal => crate::listing::Reach::Internal,
    };
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let base = source.link_base(&body.final_url);
        let document = Document {
            bytes: &body.bytes,
            content_type: body.content_type.as_deref(),
            base: &base,
        };
        let mut processed = read_document(&document, &source, reach, &tagger, &detect, max_items)?;
        processed.validators = body.validators;
        Ok(processed)
    })
    .await
    .map_err(Failure::Crashed)?
}

/// A parsed feed, normalised and tagged.
#[derive(Debug)]
pub struct Processed {
    pub feed: FeedMeta,
    /// Empty until the fetch's validators are added.
    pub validators: crate::model::Validators,
    pub items: Vec<TaggedItem>,
    /// Entries beyond `max_items`, not kept.
    pub dropped: usize,
    /// Older versions of items the document lists more than once, not kept.
    pub repeated: usize,
    /// What had to be mended before the document could be read.
    pub repairs: crate::model::Repairs,
}

/// A fetched document and where it came from.
pub(crate) struct Document<'a> {
    pub bytes: &'a [u8],
    pub content_type: Option<&'a str>,
    pub base: &'a url::Url,
}

/// The CPU part of a poll: the document read (a feed parsed, or a
/// listing page read with its selectors; `reach` says where a listing's
/// items may link), its first `max_items` entries normalised, the newest
/// version kept of each item listed more than once, and each tagged.
pub(crate) fn read_document(
    document: &Document<'_>,
    source: &Source,
    reach: crate::listing::Reach,
    tagger: &Tagger,
    detect: &Detect,
    max_items: usize,
) -> Result<Processed, Failure> {
    let (bytes, content_type, base) = (document.bytes, document.content_type, document.base);
    let feed: RawFeed = match &source.kind {
        SourceKind::Feed => crate::parse::parse(bytes, content_type, base)?,
        SourceKind::Html(selectors) => crate::listing::read(bytes, content_type, base, selectors, reach)?,
    };
    let cx = normalize::Context {
        base: &feed.base,
        source_language: source.language.as_deref(),
        feed_language: feed.language.as_deref(),
        detect,
    };
    let dropped = feed.entries.len().saturating_sub(max_items);
    let items: Vec<(Item, normalize::BodyText)> = feed
        .entries
        .into_iter()
        .take(max_items)
        .map(|raw| normalize::item_and_text(raw, &cx))
        .collect();
    // Before tagging, so that neither the store nor the outbox ever sees
    // an older version.
    let (items, repeated) = versions::newest_per_key_by(items, |(item, _)| item);
    if repeated > 0 {
        debug!(repeated, "older versions of items listed twice were dropped");
    }
    Ok(Processed {
        feed: feed.meta,
        validators: Default::default(),
        items: items.into_iter().map(|normalized| tagger.tagged(normalized)).collect(),
        dropped,
        repeated,
        repairs: feed.repairs,
    })
}

/// [`read_document`] for a feed fetched from `base` (what the benchmarks
/// measure).
pub fn process_document(
    bytes: &[u8],
    content_type: Option<&str>,
    base: &url::Url,
    source: &Source,
    tagger: &Tagger,
    detect: &Detect,
    max_items: usize,
) -> Result<Processed, Failure> {
    let document = Document {
        bytes,
        content_type,
        base,
    };
    read_document(
        &document,
        source,
        crate::listing::Reach::Public,
        tagger,
        detect,
        max_items,
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The back-off follows from what failed, not from its message.
    #[test]
    fn the_back_off_reason_follows_from_the_failure() {
        let busy = fetch::Error::Status {
            code: 503,
            reason: "Service Unavailable".into(),
            retry_after: Some(Duration::from_secs(600)),
        };
        assert_eq!(
            Failure::from(busy).reason(),
            Reason::RetryAfter(Duration::from_secs(600))
        );
        assert_eq!(Failure::from(fetch::Error::Gone).reason(), Reason::Gone);
        let failing = fetch::Error::Status {
            code: 500,
            reason: "Internal Server Error".into(),
            retry_after: None,
        };
        assert_eq!(Failure::from(failing).reason(), Reason::Other);
        assert_eq!(Failure::from(crate::parse::Error::Empty).reason(), Reason::Other);
        // The message is the stage's own, word for word.
        assert_eq!(
            Failure::from(crate::parse::Error::Empty).to_string(),
            crate::parse::Error::Empty.to_string()
        );
    }
}
