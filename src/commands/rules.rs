//! What the rules make of things: `thbwatch retag` (stored items tagged
//! again), `thbwatch match` (one text or item explained) and `thbwatch
//! eval` (a labelled file scored).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::config::Config;
use crate::model::Field;
use crate::store::{Retagged, Store};
use crate::tag::{self, Tagger};
use crate::{eval, lang};

/// What `retag` changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetagReport {
    pub items: usize,
    pub tagged_before: u64,
    pub tagged_after: u64,
}

/// Re-applies the current rules to every stored item, a page at a time, so
/// a rule change reaches history. A running daemon serves the stored tags
/// at once, but keeps its own rules (tag feeds, new items) until reloaded.
pub async fn retag(config: &Config) -> anyhow::Result<RetagReport> {
    let store = Store::open(&config.storage.path).await?;
    retag_store(&store, Arc::new(Tagger::new(&config.tags)?)).await
}

/// Re-tags every item of an open store with `tagger` (`retag`, and the
/// daemon when a reload brings new rules).
pub async fn retag_store(store: &Store, tagger: Arc<Tagger>) -> anyhow::Result<RetagReport> {
    const PAGE: usize = 500;
    let tagged_before = store.tagged_count().await?;
    let (mut after, mut items) = (0, 0);
    loop {
        let page = store.items_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        items += page.len();
        let tagger = Arc::clone(&tagger);
        // Matching is CPU work: off the runtime.
        let batch = tokio::task::spawn_blocking(move || {
            page.into_iter()
                .map(|stored| {
                    let texts = crate::normalize::Texts::of(&stored.item).with_article(stored.article.as_deref());
                    let tagging = tagger.tag_item(&texts);
                    Retagged {
                        id: stored.id,
                        matches: tagging.matches,
                        cancelled: tagging.cancelled,
                        content_hash: stored.item.content_hash,
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .context("re-tagging failed")?;
        store.replace_matches(batch).await?;
    }
    Ok(RetagReport {
        items,
        tagged_before,
        tagged_after: store.tagged_count().await?,
    })
}

/// What the rules make of a text, as `thbwatch match` shows it: the
/// language used (given, else detected) and the explanation.
pub fn explain(
    config: &Config,
    text: &str,
    language: Option<&str>,
    field: Field,
) -> anyhow::Result<(Option<String>, tag::Explanation)> {
    let tagger = Tagger::new(&config.tags)?;
    let language = match language {
        Some(given) => Some(given.to_ascii_lowercase()),
        None => lang::Detect::default().detect(text, None),
    };
    let explanation = tagger.explain(&[(field, text)], language.as_deref());
    Ok((language, explanation))
}

/// What the rules make of an item written `TITLE | SUMMARY` (as in an
/// `eval` file), normalised and read as a poll reads it: the item's
/// language (detected, else `language`) and the explanation.
pub fn explain_item(
    config: &Config,
    text: &str,
    language: Option<&str>,
) -> anyhow::Result<(Option<String>, tag::Explanation)> {
    let tagger = Tagger::new(&config.tags)?;
    let (title, summary) = text.split_once(eval::SEPARATOR).unwrap_or((text, ""));
    let language = language.map(str::to_ascii_lowercase);
    let raw = eval::entry("match", title.trim(), summary.trim(), language.as_deref());
    let item = eval::with_context(language.as_deref(), &lang::Detect::default(), |cx| {
        crate::normalize::item(raw, cx)
    });
    let explanation = tagger.explain_item(&crate::normalize::Texts::of(&item));
    Ok((item.language, explanation))
}

/// Scores the rules on a labelled file (`thbwatch eval`).
pub fn eval(config: &Config, file: &Path, minimums: &eval::Minimums) -> Result<eval::Report, eval::Error> {
    let mut report = eval::run(config, file)?;
    report.apply(minimums);
    Ok(report)
}
