//! One poll of one source, read as the pipeline: fetch ─▶ parse ─▶
//! normalise ─▶ tag ─▶ one ingest transaction. A failing source records
//! its error and affects nobody else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn, warn_span};

use crate::config::Source;
use crate::fetch::{Fetched, Fetcher};
use crate::model::{Field, RawFeed, TaggedItem, Validators};
use crate::normalize;
use crate::store::{self, IngestReport, PollOutcome, PollRecord, Store};
use crate::tag::Tagger;

/// What every poll needs; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    pub fetcher: Fetcher,
    pub store: Store,
    pub tagger: Arc<Tagger>,
    pub timeout: Duration,
    /// Cancelled at shutdown: a fetch still under way is abandoned (nothing
    /// is written yet); an ingest already started finishes.
    pub cancel: CancellationToken,
}

/// How a poll ended for its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Fetched(IngestReport),
    NotModified,
    /// The source failed (network, HTTP, not a feed); the error is stored.
    Failed(String),
    /// Shutdown came before the fetch finished; nothing was written.
    Abandoned,
}

/// Polls `source` once. Only a database failure is an `Err`: the source's
/// own failures are recorded and reported as [`Status::Failed`].
pub async fn poll(pipeline: &Pipeline, source: &Source) -> Result<Status, store::Error> {
    // A warn-level span, so the source id reaches every line of a poll
    // whatever the log level (one-off commands log warnings only).
    let span = warn_span!("poll", source = %source.id);
    async move {
        let started = Instant::now();
        let validators = pipeline.store.validators(&source.id, source.url.as_str()).await?;
        let outcome = tokio::select! {
            _ = pipeline.cancel.cancelled() => {
                info!("poll abandoned: shutting down");
                return Ok(Status::Abandoned);
            }
            outcome = fetch_and_process(pipeline, source, &validators) => outcome,
        };
        let failure = match &outcome {
            PollOutcome::Failed { error } => Some(error.clone()),
            _ => None,
        };
        let fetched = matches!(outcome, PollOutcome::Fetched { .. });
        let record = PollRecord {
            source_id: source.id.clone(),
            source_url: source.url.to_string(),
            source_title: source.title.clone(),
            at: Utc::now(),
            outcome,
        };
        let report = pipeline.store.ingest(record).await?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let status = match failure {
            Some(error) => {
                warn!(status = "error", %error, elapsed_ms, "poll failed");
                Status::Failed(error)
            }
            None if fetched => {
                info!(
                    status = "ok",
                    new = report.new,
                    tagged = report.tagged,
                    elapsed_ms,
                    "polled"
                );
                Status::Fetched(report)
            }
            None => {
                info!(status = "not modified", new = 0, tagged = 0, elapsed_ms, "polled");
                Status::NotModified
            }
        };
        Ok(status)
    }
    .instrument(span)
    .await
}

async fn fetch_and_process(pipeline: &Pipeline, source: &Source, validators: &Validators) -> PollOutcome {
    let fetched = pipeline.fetcher.get(&source.url, validators, pipeline.timeout).await;
    match fetched {
        Err(e) => PollOutcome::Failed { error: e.to_string() },
        Ok(Fetched::NotModified) => PollOutcome::NotModified,
        Ok(Fetched::Body {
            bytes,
            validators,
            final_url,
            content_type,
        }) => {
            // Parsing and matching are CPU work: keep them off the runtime.
            let tagger = Arc::clone(&pipeline.tagger);
            let source = source.clone();
            let processed = tokio::task::spawn_blocking(move || {
                let feed = crate::parse::parse(&bytes, content_type.as_deref(), final_url.as_str())?;
                Ok::<_, crate::parse::Error>(process(feed, &source, &final_url, &tagger))
            })
            .await;
            match processed {
                Ok(Ok((feed_title, site_link, items))) => PollOutcome::Fetched {
                    feed_title,
                    site_link,
                    validators,
                    items,
                },
                Ok(Err(e)) => PollOutcome::Failed { error: e.to_string() },
                Err(e) => PollOutcome::Failed {
                    error: format!("processing the feed failed: {e}"),
                },
            }
        }
    }
}

type Processed = (Option<String>, Option<String>, Vec<TaggedItem>);

/// Normalises and tags every entry of a parsed feed.
fn process(feed: RawFeed, source: &Source, base: &url::Url, tagger: &Tagger) -> Processed {
    let cx = normalize::Context {
        base,
        source_language: source.language.as_deref(),
        feed_language: feed.language.as_deref(),
    };
    let items = feed
        .entries
        .into_iter()
        .map(|raw| {
            let item = normalize::item(raw, &cx);
            let summary = item.summary.as_deref().map(normalize::html_to_text).unwrap_or_default();
            let content = item.content.as_deref().map(normalize::html_to_text).unwrap_or_default();
            let fields = [
                (Field::Title, item.title.as_str()),
                (Field::Summary, summary.as_str()),
                (Field::Content, content.as_str()),
            ];
            let matches = tagger.tag(&fields);
            TaggedItem { item, matches }
        })
        .collect();
    (feed.title, feed.site_link, items)
}
