//! The article behind each new item of a `full_text` source: fetched
//! once (politely, through the same fetcher, limits and address guard as
//! the source, held to the source's own reach), its main text extracted
//! (`article`), the item tagged again over it, and both stored together.
//! A failure never touches the item: it keeps the tags its feed gave, and
//! the fetch is tried again with back-off, a few times.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tracing::{debug, info, warn};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::backoff::{self, Reason};
use crate::config::Source;
use crate::fetch::{self, Fetcher};
use crate::model::Validators;
use crate::normalize::Texts;
use crate::store::{self, DueText, Store};
use crate::tag::Tagger;

/// Attempts at one article before it is given up.
pub(crate) const MAX_ATTEMPTS: u32 = 4;
/// The first retry's delay, doubling with each further one.
const RETRY_BASE: Duration = Duration::from_secs(60);
const RETRY_MAX: Duration = Duration::from_secs(3600);
/// Articles fetched per poll of a source; the rest wait for the next.
const PER_POLL: usize = 50;

/// What fetching a source's due articles did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fetched {
    pub stored: usize,
    pub failed: usize,
}

/// What fetching articles takes from the poll that calls it: the same
/// fetcher, store, rules and bounds.
pub(crate) struct Tools<'a> {
    pub fetcher: &'a Fetcher,
    pub store: &'a Store,
    pub tagger: &'a Tagger,
    /// The default timeout; a source may set its own.
    pub timeout: Duration,
    /// Extraction takes as much memory as parsing: it shares parsing's bound.
    pub parse_slots: &'a Arc<Semaphore>,
    /// Cancelled at shutdown: no further article is fetched.
    pub cancel: &'a CancellationToken,
}

/// Fetches the articles of `source` that are due: new items' first
/// attempts, and earlier failures whose back-off has passed. Only a
/// database failure is an `Err`.
pub(crate) async fn fetch_due(tools: &Tools<'_>, source: &Source) -> Result<Fetched, store::Error> {
    let Some(full_text) = &source.full_text else {
        return Ok(Fetched::default());
    };
    let due = tools.store.due_texts(&source.id, Utc::now(), PER_POLL).await?;
    let mut done = Fetched::default();
    // Held to where the source itself may reach: a public listing cannot
    // send its articles' fetches inside the network.
    let scope = tools.fetcher.scope_for(&source.url).await;
    for due in due {
        if tools.cancel.is_cancelled() {
            break;
        }
        match article(tools, source, scope, full_text.selector.as_deref(), &due).await {
            Ok(text) => {
                let texts = Texts::of(&due.item).with_article(Some(&text));
                let tagging = tools.tagger.tag_item(&texts);
                let stored = tools
                    .store
                    .store_text(due.clone(), text, tagging.matches, tagging.cancelled, Utc::now())
                    .await?;
                debug!(link = %due.link, stored, "article text fetched");
                done.stored += usize::from(stored);
            }
            Err(error) => {
                let attempts = due.attempts + 1;
                let next = (attempts < MAX_ATTEMPTS).then(|| {
                    let policy = backoff::Policy {
                        base: RETRY_BASE,
                        max: RETRY_MAX,
                    };
                    let wait = policy.delay(attempts, Reason::Other, &mut fastrand::Rng::new());
                    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
                });
                match next {
                    Some(next) => {
                        info!(link = %due.link, %error, attempts, retry_at = %next, "article not fetched; will retry")
                    }
                    None => {
                        warn!(link = %due.link, %error, attempts, "article not fetched; given up (the item keeps its feed's tags)")
                    }
                }
                tools.store.text_failed(&due, error.to_string(), next).await?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

/// Why an article could not be had; its message is stored with the
/// failed attempt.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArticleError {
    #[error("not a valid address: {0}")]
    Address(#[source] url::ParseError),
    #[error("shutting down")]
    ShuttingDown,
    #[error("the server answered 304 Not Modified to an unconditional request")]
    NotModified,
    #[error(transparent)]
    Fetch(#[from] fetch::Error),
    #[error(transparent)]
    Extract(#[from] crate::article::Error),
    /// The bound on parses running at once was closed (never, while the
    /// pipeline lives).
    #[error(transparent)]
    Closed(#[from] tokio::sync::AcquireError),
    /// Extracting panicked past its own guard (a bug).
    #[error("extracting the article failed: {0}")]
    Crashed(#[source] tokio::task::JoinError),
}

/// Fetches and extracts one article.
async fn article(
    tools: &Tools<'_>,
    source: &Source,
    scope: fetch::Scope,
    selector: Option<&str>,
    due: &DueText,
) -> Result<String, ArticleError> {
    let url = url::Url::parse(&due.link).map_err(ArticleError::Address)?;
    let validators = Validators::default();
    let request = fetch::Request {
        url: &url,
        validators: &validators,
        timeout: source.timeout.unwrap_or(tools.timeout),
        user_agent: source.user_agent.as_deref(),
        headers: own_headers(source, &url),
        hide_address: false,
    };
    let fetched = tokio::select! {
        _ = tools.cancel.cancelled() => return Err(ArticleError::ShuttingDown),
        fetched = tools.fetcher.get_within(&request, scope) => fetched,
    };
    let body = fetched.outcome?.ok_or(ArticleError::NotModified)?;
    let slot = Arc::clone(tools.parse_slots).acquire_owned().await?;
    let selector = selector.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        crate::article::extract(
            &body.bytes,
            body.content_type.as_deref(),
            &body.final_url,
            selector.as_deref(),
        )
    })
    .await
    .map_err(ArticleError::Crashed)?
    .map_err(ArticleError::Extract)
}

/// The source's own headers (often credentials) go only to the source's
/// own origin, never to an article elsewhere.
pub(crate) fn own_headers<'a>(source: &'a Source, url: &url::Url) -> &'a [crate::model::Header] {
    if url.origin() == source.url.origin() {
        &source.headers
    } else {
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sources_headers_go_only_to_its_own_origin() {
        let text = "[sources.s]\nurl = \"https://news.example/rss\"\nfull_text = true\n\
                    headers = { Authorization = \"Bearer t\" }\n";
        let config = crate::config::Config::parse(text, std::path::Path::new("c.toml")).unwrap();
        let source = &config.sources[0];
        let here = url::Url::parse("https://news.example/article/1").unwrap();
        let elsewhere = url::Url::parse("https://cdn.example/article/1").unwrap();
        assert_eq!(own_headers(source, &here).len(), 1);
        assert!(own_headers(source, &elsewhere).is_empty());
    }
}
