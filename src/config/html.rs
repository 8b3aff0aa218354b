//! A source's kind (`kind = "feed"` or `"html"`), the selectors of an
//! HTML listing page (`[sources.X.html]`) and the full-text settings
//! (`full_text`, `full_text_selector`). Selectors are compiled here once
//! to be checked, so `thbwatch check` points at the very character a
//! selector goes wrong at.

use std::ops::Range;

use super::reader::{Diagnostics, Table};
use crate::listing::Selectors;

/// What a source's address serves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SourceKind {
    /// RSS, Atom or JSON Feed.
    #[default]
    Feed,
    /// A news listing page read with CSS selectors.
    Html(Selectors),
}

/// Fetching the article behind each new item (`full_text = true`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullText {
    /// Where the article's text is (`full_text_selector`); `None`: found
    /// by the readability-style extractor.
    pub selector: Option<String>,
}

pub(crate) const HTML_KEYS: &[&str] = &["item", "title", "link", "date", "summary", "date_format"];

/// `kind` and, for `"html"`, its `[sources.X.html]` table.
pub(crate) fn kind(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, key_span: Range<usize>) -> Option<SourceKind> {
    let kind = match t.string(diag, "kind") {
        None if t.get("kind").is_some() => return None,
        None => "feed",
        Some(("feed", _)) => "feed",
        Some(("html", _)) => "html",
        Some((other, span)) => {
            diag.report(
                span,
                t.key_path("kind"),
                format!("{other:?} is not a source kind: use \"feed\" (RSS, Atom, JSON Feed) or \"html\" (a listing page read with [sources.ID.html] selectors)"),
            );
            return None;
        }
    };
    let html = t.table(diag, "html");
    match (kind, html) {
        ("feed", None) if t.get("html").is_none() => Some(SourceKind::Feed),
        ("feed", None) => None,
        ("feed", Some((_, span))) => {
            diag.report(
                span,
                t.key_path("html"),
                "selectors are only read for kind = \"html\": add kind = \"html\" to the source, or remove this table",
            );
            None
        }
        (_, None) => {
            if t.get("html").is_none() {
                diag.report(
                    key_span,
                    t.key_path("html"),
                    "missing: kind = \"html\" needs a [sources.ID.html] table with at least item, title and link selectors",
                );
            }
            None
        }
        (_, Some((table, span))) => {
            let mut h = Table::new(t.key_path("html"), table);
            let selectors = selectors(diag, &mut h, span);
            h.finish(diag, HTML_KEYS);
            selectors.map(SourceKind::Html)
        }
    }
}

fn selectors(diag: &mut Diagnostics<'_>, h: &mut Table<'_, '_>, key_span: Range<usize>) -> Option<Selectors> {
    let mut required = |diag: &mut Diagnostics<'_>, key: &str, what: &str| match selector(diag, h, key) {
        Some(Some(s)) => Some(s),
        Some(None) => {
            diag.report(
                key_span.clone(),
                h.key_path(key),
                format!("missing: the CSS selector of {what}"),
            );
            None
        }
        None => None,
    };
    let item = required(diag, "item", "one element per item (e.g. \"article.news-item\")");
    let title = required(diag, "title", "the title inside an item (e.g. \"h2 a\")");
    let link = required(diag, "link", "the link inside an item (e.g. \"h2 a\")");
    let date = selector(diag, h, "date");
    let summary = selector(diag, h, "summary");
    let date_format = match h.string(diag, "date_format") {
        Some((text, span)) => match crate::listing::check_date_format(text) {
            Ok(()) => Some(Some(text.to_string())),
            Err(why) => {
                diag.report(span, h.key_path("date_format"), format!("{text:?} {why}"));
                None
            }
        },
        None => h.get("date_format").is_none().then_some(None),
    };
    Some(Selectors {
        item: item?,
        title: title?,
        link: link?,
        date: date?,
        summary: summary?,
        date_format: date_format?,
    })
}

/// An optional selector, compiled to be checked: a problem points at the
/// character in the string where the selector goes wrong.
fn selector(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, key: &str) -> Option<Option<String>> {
    let Some((text, span)) = t.string(diag, key) else {
        return t.get(key).is_none().then_some(None);
    };
    if text.trim().is_empty() {
        diag.report(span, t.key_path(key), "must not be empty: give a CSS selector");
        return None;
    }
    match crate::listing::check_selector(text) {
        Ok(()) => Some(Some(text.to_string())),
        Err(e) => {
            diag.report_in_string(
                span,
                e.offset,
                t.key_path(key),
                format!("{text:?} is not a valid CSS selector: {}", e.message),
            );
            None
        }
    }
}

/// `full_text` and `full_text_selector`.
pub(crate) fn full_text(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Option<FullText>> {
    let enabled = match t.boolean(diag, "full_text") {
        Some((enabled, _)) => enabled,
        None if t.get("full_text").is_some() => return None,
        None => false,
    };
    let selector = selector(diag, t, "full_text_selector")?;
    if !enabled {
        if selector.is_some()
            && let Some(value) = t.get("full_text_selector")
        {
            diag.report(
                value.span(),
                t.key_path("full_text_selector"),
                "is only used with full_text = true: add it, or remove the selector",
            );
            return None;
        }
        return Some(None);
    }
    Some(Some(FullText { selector }))
}
