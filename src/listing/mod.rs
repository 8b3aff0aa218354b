//! An HTML listing page (a ministry's news page without a feed) ─▶
//! [`RawFeed`], read with the source's CSS selectors: one element per
//! item, its title, link, date and summary. Parsed by html5ever (through
//! dom_query), never by pattern matching; scripts and styles are never
//! text. Links are made absolute against the page's `<base>` or address,
//! and only http(s) links to where the source may reach are kept. Knows
//! nothing of the network or the store; `article` is the other reader of
//! HTML.

mod dates;
mod depth;
mod page;

use cssparser::{BasicParseErrorKind, ParseErrorKind};
use selectors::parser::SelectorParseErrorKind;
use url::Url;

use crate::model::{FeedMeta, RawEntry, RawFeed, Repairs, Text};

pub(crate) use dates::check_date_format;
#[cfg(test)]
pub(crate) use dates::{DateFormatError, parse as parse_date};
pub(crate) use depth::{MAX_DEPTH, bounded};
pub(crate) use page::Page;

/// Why a listing page gave no items.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("empty response: the server sent no page")]
    Empty,
    /// The page's layout changed (a redesign), or the selector never fit.
    #[error(
        "the item selector {0:?} matched nothing on the page: the site may have been redesigned \
         (check [sources.ID.html] with thbwatch try-source)"
    )]
    NoItems(String),
    /// Items were found, but none had what an item needs.
    #[error(
        "the item selector matched {found} element(s), but none gave an item ({why}): \
         the site may have been redesigned (check [sources.ID.html] with thbwatch try-source)"
    )]
    NoUsableItems { found: usize, why: String },
    #[error("the HTML parser crashed on this page")]
    Crashed,
}

/// A selector that does not compile, and where in its text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SelectorError {
    /// Byte offset in the selector's text.
    pub offset: usize,
    pub message: String,
}

/// Checks a CSS selector as the listing and article readers compile it.
pub(crate) fn check_selector(text: &str) -> Result<(), SelectorError> {
    let kind = match dom_query::Matcher::new(text) {
        Ok(_) => return Ok(()),
        Err(e) => e.kind,
    };
    let ends_early = |kind: &SelectorErrorKind| matches!(kind, ParseErrorKind::Basic(BasicParseErrorKind::EndOfInput));
    let message = explain_selector_error(&kind);
    // The parser does not say where: the shortest prefix that fails for
    // another reason than ending early ends just after the culprit.
    let offset = text
        .char_indices()
        .map(|(at, c)| at + c.len_utf8())
        .take(1000)
        .find(|&end| dom_query::Matcher::new(&text[..end]).is_err_and(|e| !ends_early(&e.kind)))
        .map_or(text.len(), |end| {
            text[..end].char_indices().next_back().map_or(0, |(at, _)| at)
        });
    Err(SelectorError { offset, message })
}

/// What the selector parser says went wrong.
type SelectorErrorKind = ParseErrorKind<SelectorParseErrorKind>;

/// A selector parser's error in words.
fn explain_selector_error(kind: &SelectorErrorKind) -> String {
    use SelectorParseErrorKind as Kind;
    let words = match kind {
        ParseErrorKind::Basic(BasicParseErrorKind::EndOfInput) => "it ends too early",
        ParseErrorKind::Custom(Kind::ClassNeedsIdent) => "'.' must be followed by a class name",
        ParseErrorKind::Custom(Kind::EmptySelector) => "a selector is empty (a stray ',')",
        ParseErrorKind::Custom(Kind::DanglingCombinator) => "a combinator ('>', '+', '~') has nothing after it",
        ParseErrorKind::Custom(Kind::UnsupportedPseudoClassOrElement) => {
            "this pseudo-class or pseudo-element is not supported"
        }
        ParseErrorKind::Custom(Kind::UnexpectedTokenInAttributeSelector | Kind::ExpectedBarInAttr) => {
            "this attribute selector cannot be read"
        }
        ParseErrorKind::Custom(Kind::BadValueInAttr) => "an attribute's value must be a word or a quoted string",
        ParseErrorKind::Custom(Kind::InvalidState) => "this does not belong here",
        other => return format!("unexpected input here ({other:?})"),
    };
    words.to_string()
}

/// How the items of a listing page are found (`[sources.X.html]`, which the
/// configuration reads and checks). Each
/// is a CSS selector; all but `item` apply inside one item's element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selectors {
    /// One element per item.
    pub item: String,
    /// The title: its text.
    pub title: String,
    /// The article link: its `href`, made absolute.
    pub link: String,
    /// The date: its `datetime` attribute, else its text.
    pub date: Option<String>,
    /// A summary: its text.
    pub summary: Option<String>,
    /// A chrono `strftime` pattern tried before the automatic reading.
    pub date_format: Option<String>,
}

/// Where items may link to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The page is on the public internet: links to internal addresses
    /// (loopback, private, link-local, metadata) are refused.
    Public,
    /// The page itself is internal; its operator chose that.
    Internal,
}

/// Reads the items of a listing page fetched from `fetched_from`.
pub fn read(
    bytes: &[u8],
    content_type: Option<&str>,
    fetched_from: &Url,
    selectors: &Selectors,
    reach: Reach,
) -> Result<RawFeed, Error> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Empty);
    }
    let text = crate::decode::html_to_utf8(bytes, content_type);
    // A parser bug on hostile input must fail this source, not the poller.
    std::panic::catch_unwind(|| read_text(&text, fetched_from, selectors, reach)).unwrap_or(Err(Error::Crashed))
}

fn read_text(text: &str, fetched_from: &Url, selectors: &Selectors, reach: Reach) -> Result<RawFeed, Error> {
    let (text, cut) = depth::bounded(text);
    let page = Page::parse(text, fetched_from);
    let found = page.items(selectors);
    if found.elements == 0 {
        return Err(Error::NoItems(selectors.item.clone()));
    }
    let mut repairs = Repairs::default();
    if cut {
        repairs.cut_too_deep(MAX_DEPTH);
    }
    let mut entries = Vec::with_capacity(found.items.len());
    for item in found.items {
        let link = match page::checked_link(item.link.as_deref(), page.base(), reach) {
            Ok(link) => link,
            Err(why) => {
                repairs.skip(why.as_str());
                continue;
            }
        };
        let Some(title) = item.title else {
            repairs.skip(page::Skip::NoTitle.as_str());
            continue;
        };
        let published = item
            .date
            .as_deref()
            .and_then(|d| dates::parse(d, selectors.date_format.as_deref()));
        entries.push(RawEntry {
            links: vec![link],
            title: Some(Text {
                body: title,
                is_html: false,
            }),
            summary: item.summary.map(|body| Text { body, is_html: false }),
            published,
            ..RawEntry::default()
        });
    }
    if entries.is_empty() {
        return Err(Error::NoUsableItems {
            found: found.elements,
            why: repairs.warning().unwrap_or_default(),
        });
    }
    Ok(RawFeed {
        meta: FeedMeta {
            title: page.title(),
            site_link: Some(page.base().to_string()),
            id: None,
            format: None,
        },
        base: page.base().clone(),
        language: page.language(),
        entries,
        repairs,
    })
}

#[cfg(test)]
mod tests;
