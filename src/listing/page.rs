//! One parsed listing page: its items as the selectors find them, its
//! base address, title and language. Scripts, styles and templates are
//! removed before any text is read, so they never become a title.

use dom_query::{Document, Matcher, NodeRef, Selection};
use url::{Host, Url};

use super::Reach;
use super::Selectors;

/// What an item element gave, before it is checked.
pub(crate) struct Found {
    pub title: Option<String>,
    pub link: Option<String>,
    pub date: Option<String>,
    pub summary: Option<String>,
}

/// Elements the item selector matched, and what each gave.
pub(crate) struct Items {
    pub elements: usize,
    pub items: Vec<Found>,
}

/// Why an item element was not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    NoTitle,
    NoLink,
    NotWeb,
    Internal,
}

impl Skip {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Skip::NoTitle => "without a title",
            Skip::NoLink => "without a link",
            Skip::NotWeb => "with a javascript:, mailto: or other non-web link",
            Skip::Internal => "linking to an internal address",
        }
    }
}

/// The longest text kept of one selected element (a selector matching a
/// whole page's body must not make a 10 MB title).
const MAX_TEXT_BYTES: usize = 64 * 1024;

pub(crate) struct Page {
    doc: Document,
    base: Url,
}

impl Page {
    pub(crate) fn parse(html: &str, fetched_from: &Url) -> Page {
        let doc = Document::from(html);
        doc.select("script, style, noscript, template").remove();
        let base = doc
            .select("head base[href]")
            .attr("href")
            .and_then(|href| fetched_from.join(href.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| fetched_from.clone());
        Page { doc, base }
    }

    /// What relative links resolve against: `<base href>`, else the page.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn title(&self) -> Option<String> {
        let title = text_of(&self.doc.select("head title"));
        (!title.is_empty()).then_some(title)
    }

    /// `<html lang>`.
    pub(crate) fn language(&self) -> Option<String> {
        self.doc
            .select("html[lang]")
            .attr("lang")
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
    }

    /// Every element of the item selector, with what the other selectors
    /// find inside it. Selectors were checked when the configuration was
    /// read; one that does not compile finds nothing.
    pub(crate) fn items(&self, selectors: &Selectors) -> Items {
        let compile = |s: &str| Matcher::new(s).ok();
        let (Some(item), Some(title), Some(link)) = (
            compile(&selectors.item),
            compile(&selectors.title),
            compile(&selectors.link),
        ) else {
            return Items {
                elements: 0,
                items: Vec::new(),
            };
        };
        let date = selectors.date.as_deref().and_then(compile);
        let summary = selectors.summary.as_deref().and_then(compile);
        let elements = self.doc.select_matcher(&item);
        let items = elements
            .nodes()
            .iter()
            .map(|node| {
                let inside = Selection::from(*node);
                let first = |m: &Matcher| inside.select_matcher(m).first();
                Found {
                    title: Some(text_of(&first(&title))).filter(|t| !t.is_empty()),
                    link: href(&inside.select_matcher(&link)),
                    date: date.as_ref().map(first).and_then(|d| date_text(&d)),
                    summary: summary.as_ref().map(|m| text_of(&first(m))).filter(|t| !t.is_empty()),
                }
            })
            .collect();
        Items {
            elements: elements.length(),
            items,
        }
    }
}

/// The first `href` among the selected elements (the selector may name a
/// heading whose link is inside it: its first link then).
fn href(selected: &Selection<'_>) -> Option<String> {
    for node in selected.nodes() {
        if let Some(href) = node.attr("href") {
            return Some(href.to_string());
        }
        if let Some(inner) = Selection::from(*node).select("a[href]").nodes().first() {
            return inner.attr("href").map(|h| h.to_string());
        }
    }
    None
}

/// A date element's `datetime` (or `content`) attribute, else its text.
fn date_text(selected: &Selection<'_>) -> Option<String> {
    let node: &NodeRef<'_> = selected.nodes().first()?;
    let text = node
        .attr("datetime")
        .or_else(|| node.attr("content"))
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| text_of(selected));
    (!text.is_empty()).then_some(text)
}

/// The text of the first selected element, white space collapsed, cut
/// at [`MAX_TEXT_BYTES`].
pub(crate) fn text_of(selected: &Selection<'_>) -> String {
    let Some(node) = selected.nodes().first() else {
        return String::new();
    };
    let raw = node.text();
    let mut out = String::with_capacity(raw.len().min(MAX_TEXT_BYTES));
    for word in raw.split_whitespace() {
        if out.len() + word.len() + 1 > MAX_TEXT_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// An item's link made absolute, if it is one the source may publish:
/// http(s) only, and never an internal address for a public page.
pub(crate) fn checked_link(link: Option<&str>, base: &Url, reach: Reach) -> Result<String, Skip> {
    let link = link.map(str::trim).filter(|l| !l.is_empty()).ok_or(Skip::NoLink)?;
    let url = base.join(link).map_err(|_| Skip::NotWeb)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Skip::NotWeb);
    }
    if reach == Reach::Public && is_internal(&url) {
        return Err(Skip::Internal);
    }
    Ok(url.into())
}

/// A literal internal address, or a name that is never public
/// (`localhost`, `*.localhost`, `*.internal`, `*.local`). A name that
/// resolves to one is refused by the fetcher's guard if ever fetched.
fn is_internal(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => crate::fetch::internal_kind(ip.into()).is_some(),
        Some(Host::Ipv6(ip)) => crate::fetch::internal_kind(ip.into()).is_some(),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            ["localhost", "internal", "local"]
                .iter()
                .any(|n| name == *n || name.ends_with(&format!(".{n}")))
        }
        None => true,
    }
}
