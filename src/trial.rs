//! `thbwatch try-source ID`: fetches one source once, as a poll would,
//! and shows the items it would extract (titles, absolute links, dates,
//! summaries, tags) without storing anything, so selectors can be got
//! right before the daemon runs them. With `--article`, the first item's
//! article text as `full_text` would extract it too.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::SecondsFormat;

use crate::config::{Config, Source};
use crate::fetch::{self, Fetcher};
use crate::model::{TaggedItem, Validators};
use crate::poll::Document;
use crate::tag::Tagger;

/// What one trial found.
pub struct Trial {
    pub items: Vec<TaggedItem>,
    /// What had to be mended or was skipped.
    pub warning: Option<String>,
    /// The first item's article (with `--article`): its text, or why none.
    pub article: Option<Result<String, ArticleError>>,
}

/// Why the first item's article was not extracted.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    #[error("no item with a link")]
    NoLink,
    #[error("{0}")]
    Address(#[source] url::ParseError),
    /// Its fetch failed; the message names the address as it may be shown.
    #[error("{0}")]
    Fetch(#[source] anyhow::Error),
    #[error(transparent)]
    Extract(#[from] crate::article::Error),
    #[error("{0}")]
    Crashed(#[source] tokio::task::JoinError),
}

/// Fetches and reads the source `id` once.
pub async fn run(config: &Config, id: &str, article: bool) -> anyhow::Result<Trial> {
    let source = config.select_sources(&[id.to_string()])?[0].clone();
    let fetcher = fetcher(config)?;
    let tagger = Arc::new(Tagger::new(&config.tags)?);
    let timeout = source.timeout.unwrap_or(config.poll.timeout);
    let body = get(&fetcher, &source, &source.url, timeout, None).await?;
    let reach = match fetcher.scope_for(&source.url).await {
        fetch::Scope::Public => crate::listing::Reach::Public,
        fetch::Scope::Internal => crate::listing::Reach::Internal,
    };
    let (processed_source, processed_tagger, max_items) = (source.clone(), Arc::clone(&tagger), config.poll.max_items);
    let processed = tokio::task::spawn_blocking(move || {
        let base = processed_source.link_base(&body.final_url);
        let document = Document {
            bytes: &body.bytes,
            content_type: body.content_type.as_deref(),
            base: &base,
        };
        let detect = crate::lang::Detect::default();
        crate::poll::read_document(
            &document,
            &processed_source,
            reach,
            &processed_tagger,
            &detect,
            max_items,
        )
    })
    .await??;
    let first_link = processed.items.first().and_then(|t| t.item.link.clone());
    let article = match (article, first_link) {
        (false, _) => None,
        (true, None) => Some(Err(ArticleError::NoLink)),
        (true, Some(link)) => Some(first_article(&fetcher, &source, &link, timeout).await),
    };
    Ok(Trial {
        warning: processed.repairs.warning(),
        items: processed.items,
        article,
    })
}

fn fetcher(config: &Config) -> anyhow::Result<Fetcher> {
    let poll = &config.poll;
    Ok(Fetcher::new(fetch::Settings {
        user_agent: poll.user_agent.clone(),
        connect_timeout: poll.connect_timeout,
        max_body_bytes: poll.max_body_bytes,
        max_concurrent: 1,
        host_interval: poll.host_interval,
    })?)
}

async fn get(
    fetcher: &Fetcher,
    source: &Source,
    url: &url::Url,
    timeout: std::time::Duration,
    scope: Option<fetch::Scope>,
) -> anyhow::Result<fetch::Body> {
    let validators = Validators::default();
    let request = fetch::Request {
        url,
        validators: &validators,
        timeout,
        user_agent: source.user_agent.as_deref(),
        headers: crate::fulltext::own_headers(source, url),
        hide_address: source.url_hidden && url == &source.url,
    };
    let fetched = match scope {
        Some(scope) => fetcher.get_within(&request, scope).await,
        None => fetcher.get(&request).await,
    };
    match fetched.outcome {
        Ok(Some(body)) => Ok(body),
        Ok(None) => anyhow::bail!("the server answered 304 Not Modified to an unconditional request"),
        Err(e) => anyhow::bail!("{}: {e}", source.public_form(url.as_str())),
    }
}

async fn first_article(
    fetcher: &Fetcher,
    source: &Source,
    link: &str,
    timeout: std::time::Duration,
) -> Result<String, ArticleError> {
    let url = url::Url::parse(link).map_err(ArticleError::Address)?;
    let scope = fetcher.scope_for(&source.url).await;
    let body = get(fetcher, source, &url, timeout, Some(scope))
        .await
        .map_err(ArticleError::Fetch)?;
    let selector = source.full_text.as_ref().and_then(|f| f.selector.clone());
    tokio::task::spawn_blocking(move || {
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

/// The trial as text: a header line, then each item on a few lines.
pub fn render(id: &str, trial: &Trial) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "sources.{id}: {} item(s) would be stored", trial.items.len());
    if let Some(warning) = &trial.warning {
        let _ = writeln!(out, "warning: {warning}");
    }
    for (n, tagged) in trial.items.iter().enumerate() {
        let item = &tagged.item;
        let _ = writeln!(out, "\n{}. {}", n + 1, item.title);
        let _ = writeln!(out, "   link: {}", item.link.as_deref().unwrap_or("(none)"));
        let date = item.published.or(item.updated).map_or_else(
            || "(none read: dated by the poll)".to_string(),
            |d| d.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
        let _ = writeln!(out, "   date: {date}");
        if let Some(summary) = &item.summary {
            let text: String = crate::normalize::html_to_text(summary).chars().take(200).collect();
            let _ = writeln!(out, "   summary: {text}");
        }
        if !tagged.matches.is_empty() {
            let tags: Vec<String> = tagged
                .matches
                .iter()
                .map(|m| format!("{} ({:?} in {})", m.tag, m.text, m.place()))
                .collect();
            let _ = writeln!(out, "   tags: {}", tags.join(", "));
        }
    }
    match &trial.article {
        None => {}
        Some(Ok(text)) => {
            let _ = writeln!(
                out,
                "\narticle of item 1 ({} characters):\n{text}",
                text.chars().count()
            );
        }
        Some(Err(why)) => {
            let _ = writeln!(out, "\narticle of item 1: not extracted: {why}");
        }
    }
    out
}
