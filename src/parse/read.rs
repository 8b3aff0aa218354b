//! A document feed-rs reads ─▶ [`RawFeed`]: the only user of feed-rs.
//! Entries get no invented ids; links stay as written until normalisation
//! resolves them against the feed's base (the publisher's site, else its
//! own address, else where it was fetched from; `xml:base` applied); an
//! RSS title holding HTML (markup, or entities the strict parser leaves as
//! written) is read as HTML, as feedparser reads it.

use feed_rs::model::FeedType;
use url::Url;

use crate::model::{FeedFormat, FeedMeta, RawEntry, RawFeed, Text};
use crate::normalize;

/// feed-rs refused the document.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(super) struct Refused(#[from] feed_rs::parser::ParseFeedError);

/// Reads an XML or JSON feed (UTF-8) fetched from `fetched_from`.
pub(super) fn feed(bytes: &[u8], fetched_from: &Url) -> Result<RawFeed, Refused> {
    // Read without a base first: links stay as written unless `xml:base`
    // makes them absolute, so that relative ones can resolve against the
    // publisher's site rather than the address (a CDN, a mirror, a proxy)
    // the document happened to be fetched from.
    let mut feed = read(bytes, None)?;
    let (site, own) = own_links(&feed, bytes);
    let own = own.and_then(|l| absolute_http(fetched_from, &l));
    let site = site.and_then(|l| absolute_http(own.as_ref().unwrap_or(fetched_from), &l));
    let base = site.clone().or(own).unwrap_or_else(|| fetched_from.clone());
    // feed-rs drops a relative `xml:base` when nothing above it is
    // absolute: read again with the site as the document's base, so that
    // such an `xml:base` still applies.
    if has_relative_entry_links(&feed) && contains(bytes, b"xml:base") {
        feed = read(bytes, Some(base.as_str()))?;
    }
    let id = Some(feed.id.trim())
        .filter(|id| Url::parse(id).is_ok())
        .map(|id| normalize::clean(id, normalize::MAX_TITLE_CHARS));
    let html_titles = !matches!(feed.feed_type, FeedType::Atom | FeedType::JSON);
    Ok(RawFeed {
        meta: FeedMeta {
            // Shown beside every item of the source: cleaned like their titles.
            title: feed
                .title
                .map(|t| normalize::clean(&t.content, normalize::MAX_TITLE_CHARS))
                .filter(|t| !t.trim().is_empty()),
            site_link: site.map(String::from),
            id,
            format: Some(format(&feed.feed_type)),
        },
        base,
        language: feed.language,
        entries: feed.entries.into_iter().map(|e| entry(e, html_titles)).collect(),
        repairs: Default::default(),
    })
}

/// Reads a JSON Feed; one whose `version` feed-rs refuses (missing, or
/// `http://jsonfeed.org/…`) is read as version 1.1 if it has `items`.
pub(super) fn json(bytes: &[u8], fetched_from: &Url) -> Result<RawFeed, Refused> {
    let refused = match feed(bytes, fetched_from) {
        Ok(feed) => return Ok(feed),
        Err(refused) => refused,
    };
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(bytes) else {
        return Err(refused);
    };
    let version = object.get("version").and_then(|v| v.as_str()).unwrap_or_default();
    let jsonfeed = version.is_empty() || version.contains("jsonfeed.org/version/");
    if !jsonfeed || !object.get("items").is_some_and(|items| items.is_array()) {
        return Err(refused);
    }
    object.insert("version".into(), "https://jsonfeed.org/version/1.1".into());
    let mended = serde_json::to_vec(&object).map_err(|_| refused)?;
    feed(&mended, fetched_from)
}

fn read(bytes: &[u8], base: Option<&str>) -> Result<feed_rs::model::Feed, Refused> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base)
        // feed-rs would invent a random id for entries without one; an empty
        // id tells normalisation to derive a stable key itself.
        .id_generator(|_, _, _| String::new())
        .build();
    Ok(parser.parse(bytes)?)
}

fn format(feed_type: &feed_rs::model::FeedType) -> FeedFormat {
    use feed_rs::model::FeedType;
    match feed_type {
        FeedType::Atom => FeedFormat::Atom,
        FeedType::JSON => FeedFormat::Json,
        FeedType::RSS1 => FeedFormat::Rdf,
        FeedType::RSS0 | FeedType::RSS2 => FeedFormat::Rss,
    }
}

/// The feed's site (RSS channel `<link>`, Atom `rel="alternate"`, JSON
/// Feed `home_page_url`) and its own address (`rel="self"`, JSON Feed
/// `feed_url`), as written.
fn own_links(feed: &feed_rs::model::Feed, bytes: &[u8]) -> (Option<String>, Option<String>) {
    if feed.feed_type == feed_rs::model::FeedType::JSON {
        // feed-rs gives both JSON Feed addresses as links without a rel.
        #[derive(serde::Deserialize)]
        struct Addresses {
            home_page_url: Option<String>,
            feed_url: Option<String>,
        }
        return match serde_json::from_slice::<Addresses>(bytes) {
            Ok(a) => (a.home_page_url, a.feed_url),
            Err(_) => (None, None),
        };
    }
    let alternate = |l: &&feed_rs::model::Link| matches!(l.rel.as_deref(), None | Some("alternate"));
    let html = |l: &&feed_rs::model::Link| l.media_type.as_deref().is_none_or(|t| t.contains("html"));
    let site = feed
        .links
        .iter()
        .filter(alternate)
        .find(html)
        .or_else(|| feed.links.iter().find(alternate));
    let own = feed.links.iter().find(|l| l.rel.as_deref() == Some("self"));
    let href = |l: &feed_rs::model::Link| Some(l.href.trim().to_string()).filter(|h| !h.is_empty());
    (site.and_then(href), own.and_then(href))
}

/// Whether some entry link is still relative (no `xml:base` covered it).
fn has_relative_entry_links(feed: &feed_rs::model::Feed) -> bool {
    feed.entries
        .iter()
        .flat_map(|e| &e.links)
        .any(|l| matches!(Url::parse(l.href.trim()), Err(url::ParseError::RelativeUrlWithoutBase)))
}

/// `link` made absolute against `base`, if it is then http or https.
fn absolute_http(base: &Url, link: &str) -> Option<Url> {
    let url = base.join(link.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// [`is_html`] of a text's media type essence (`type/subtype+suffix`),
/// read part by part rather than written out for every text ("html"
/// cannot span the `/` or the `+` between the parts). A macro: feed-rs
/// does not name the type it uses.
macro_rules! is_html_type {
    ($media_type:expr) => {{
        let media_type = &$media_type;
        [Some(media_type.ty()), Some(media_type.subty()), media_type.suffix()]
            .into_iter()
            .flatten()
            .any(|part| is_html(part.as_str()))
    }};
}

fn entry(e: feed_rs::model::Entry, html_titles: bool) -> RawEntry {
    let mut links: Vec<String> = best_link(&e.links).into_iter().collect();
    for link in &e.links {
        if !links.contains(&link.href) {
            links.push(link.href.clone());
        }
    }
    let title = e.title.map(text).map(|mut t| {
        t.is_html |= html_titles && looks_like_html(&t.body);
        t
    });
    RawEntry {
        guid: Some(e.id.trim().to_string()).filter(|id| !id.is_empty()),
        links,
        title,
        summary: e.summary.map(text),
        content: e.content.and_then(|c| {
            let is_html = is_html_type!(c.content_type);
            c.body.map(|body| Text { body, is_html })
        }),
        authors: e
            .authors
            .into_iter()
            .filter_map(|p| p.name.filter(|n| !n.trim().is_empty()).or(p.email))
            .collect(),
        categories: e.categories.into_iter().map(|c| c.label.unwrap_or(c.term)).collect(),
        language: e.language,
        published: e.published,
        updated: e.updated,
    }
}

/// The article link: `alternate` (or no rel) first.
fn best_link(links: &[feed_rs::model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| links.iter().find(|l| l.rel.as_deref() != Some("self")))
        .map(|l| l.href.trim().to_string())
        .filter(|h| !h.is_empty())
}

fn text(t: feed_rs::model::Text) -> Text {
    Text {
        is_html: is_html_type!(t.content_type),
        body: t.content,
    }
}

fn is_html(media_type: &str) -> bool {
    media_type.contains("html")
}

/// Inline HTML elements a title may carry.
const TITLE_TAGS: [&str; 20] = [
    "a", "abbr", "b", "big", "br", "cite", "code", "em", "font", "i", "img", "p", "q", "small", "span", "strong",
    "sub", "sup", "u", "div",
];

/// Whether plain text holds HTML: a tag of an inline element, or a
/// character reference (the strict parser leaves `&eacute;` as written).
fn looks_like_html(text: &str) -> bool {
    let tag = text.match_indices('<').any(|(i, _)| {
        let rest = text[i + 1..].strip_prefix('/').unwrap_or(&text[i + 1..]);
        let name_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let known = TITLE_TAGS.iter().any(|t| t.eq_ignore_ascii_case(&rest[..name_len]));
        let after = &rest[name_len..];
        // `<b>`, `<br/>`, or attributes: `<a href="…">`.
        let shaped = after.starts_with('>')
            || after.starts_with("/>")
            || (after.starts_with(' ') && after.find('>').is_some_and(|end| after[..end].contains('=')));
        known && shaped
    });
    let reference = text.match_indices('&').any(|(i, _)| {
        let rest = &text[i + 1..];
        rest.find(';').filter(|end| *end <= 32).is_some_and(|end| {
            let name = &rest[..end];
            match name.strip_prefix('#') {
                Some(number) => {
                    !number.is_empty()
                        && number
                            .trim_start_matches(['x', 'X'])
                            .chars()
                            .all(|c| c.is_ascii_hexdigit())
                }
                None => quick_xml::escape::resolve_html5_entity(name).is_some(),
            }
        })
    });
    tag || reference
}

#[cfg(test)]
mod tests {
    use super::looks_like_html;

    #[test]
    fn html_in_titles_is_told_from_text() {
        for html in [
            "Police <b>arrest</b>",
            "a<br/>b",
            "Caf&eacute;",
            "&#233;t&#xE9;",
            "x</span>",
        ] {
            assert!(looks_like_html(html), "{html}");
        }
        for text in ["1 < 2", "AT&T", "R&D; more", "a<b and c>d", "x -> y", "&bogus;"] {
            assert!(!looks_like_html(text), "{text}");
        }
    }
}
