//! Bytes ─▶ [`RawFeed`]: the only user of feed-rs. RSS 0.9x/1.0/2.0, Atom
//! and JSON Feed; feed-rs reads the XML declaration's encoding itself.

use url::Url;

use crate::model::{FeedFormat, FeedMeta, RawEntry, RawFeed, Text};
use crate::normalize;

/// Why a document is not a feed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("empty response: the server sent no document")]
    Empty,
    /// Servers often answer 200 with an error, login or maintenance page.
    #[error("not a feed: an HTML page served as {0}, perhaps an error, login or maintenance page")]
    Html(String),
    #[error("not a readable feed: {0}")]
    Unreadable(String),
}

/// Parses a feed; `content_type` is the HTTP header (for its charset),
/// `fetched_from` the address the document came from (the last resort
/// for relative links: see [`RawFeed::base`]).
pub fn parse(bytes: &[u8], content_type: Option<&str>, fetched_from: &Url) -> Result<RawFeed, Error> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Empty);
    }
    let media_type = content_type.map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase());
    if starts_like_html(bytes) {
        return Err(Error::Html(media_type.unwrap_or_else(|| "no Content-Type".into())));
    }
    let utf8 = crate::decode::to_utf8(bytes, content_type);
    // A parser bug on hostile input must fail this feed, not the poller.
    let parsed = std::panic::catch_unwind(|| parse_utf8(&utf8, fetched_from))
        .unwrap_or_else(|_| Err(Error::Unreadable("the feed parser crashed on this document".into())));
    match (parsed, media_type) {
        // Some feeds are served as text/html: only a failure makes it a page.
        (Err(_), Some(t)) if t == "text/html" => Err(Error::Html(t)),
        (parsed, _) => parsed,
    }
}

/// An HTML document start (doctype or `<html>`), whatever the type says.
fn starts_like_html(bytes: &[u8]) -> bool {
    let start: Vec<u8> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF))
        .take(16)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

fn parse_utf8(bytes: &[u8], fetched_from: &Url) -> Result<RawFeed, Error> {
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
        entries: feed.entries.into_iter().map(entry).collect(),
    })
}

fn read(bytes: &[u8], base: Option<&str>) -> Result<feed_rs::model::Feed, Error> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base)
        // feed-rs would invent a random id for entries without one; an empty
        // id tells normalisation to derive a stable key itself.
        .id_generator(|_, _, _| String::new())
        .build();
    parser.parse(bytes).map_err(|e| Error::Unreadable(e.to_string()))
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

fn entry(e: feed_rs::model::Entry) -> RawEntry {
    let mut links: Vec<String> = best_link(&e.links).into_iter().collect();
    for link in &e.links {
        if !links.contains(&link.href) {
            links.push(link.href.clone());
        }
    }
    RawEntry {
        guid: Some(e.id.trim().to_string()).filter(|id| !id.is_empty()),
        links,
        title: e.title.map(text),
        summary: e.summary.map(text),
        content: e.content.and_then(|c| {
            let is_html = is_html(c.content_type.essence().to_string().as_str());
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
        is_html: is_html(t.content_type.essence().to_string().as_str()),
        body: t.content,
    }
}

fn is_html(media_type: &str) -> bool {
    media_type.contains("html")
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::model::FeedFormat;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn entries_without_guid_get_no_invented_id() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <link>https://example.org/</link>
            <item><title>A</title><link>/news/a</link></item>
            <item><guid isPermaLink="false">https://example.org/?p=7</guid><title>B</title></item>
            </channel></rss>"#;
        let feed = parse(rss, None, &url("https://example.org/feed/")).unwrap();
        assert_eq!(feed.meta.title.as_deref(), Some("T"));
        assert_eq!(feed.meta.format, Some(FeedFormat::Rss));
        assert_eq!(feed.meta.id, None, "RSS has no feed id");
        assert_eq!(feed.entries[0].guid, None);
        assert_eq!(feed.entries[0].links, ["/news/a"], "resolved later, against the base");
        assert_eq!(feed.entries[1].guid.as_deref(), Some("https://example.org/?p=7"));
    }

    #[test]
    fn html_and_garbage_are_errors() {
        let at = url("https://x/");
        assert!(parse(b"<html><body>Service unavailable</body></html>", None, &at).is_err());
        assert!(parse(b"\x00\x01garbage", None, &at).is_err());
        assert!(parse(b"", None, &at).is_err());
    }

    #[test]
    fn reads_atom_and_json_feed() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
            <updated>2026-01-01T00:00:00Z</updated>
            <entry><id>urn:e1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt;</title>
            <link rel="alternate" href="https://example.org/e1"/><updated>2026-01-01T00:00:00Z</updated></entry></feed>"#;
        let feed = parse(atom, None, &url("https://example.org/atom")).unwrap();
        assert_eq!(feed.meta.id.as_deref(), Some("urn:a"));
        assert_eq!(feed.meta.format, Some(FeedFormat::Atom));
        let e = &feed.entries[0];
        assert_eq!(e.guid.as_deref(), Some("urn:e1"));
        assert!(e.title.as_ref().unwrap().is_html);
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
            "items":[{"id":"1","url":"https://example.org/1","content_text":"hello"}]}"#;
        let feed = parse(json, None, &url("https://example.org/f.json")).unwrap();
        assert_eq!(feed.entries.len(), 1);
        assert_eq!(feed.meta.format, Some(FeedFormat::Json));
    }

    /// What relative entry links resolve against, and what the site is,
    /// for documents fetched from a CDN host that is not the publisher's.
    #[test]
    fn relative_links_resolve_against_xml_base_then_the_site_then_self_then_the_fetch_address() {
        let cdn = url("https://cdn.example/feeds/news.xml");
        let cases = [
            (
                "RSS channel link",
                r#"<rss version="2.0"><channel><title>T</title><link>https://www.iem.gov.lv/lv</link>
                   <item><title>A</title><link>/lv/jaunums/1</link></item></channel></rss>"#,
                "https://www.iem.gov.lv/lv/jaunums/1",
                Some("https://www.iem.gov.lv/lv"),
            ),
            (
                "RSS relative channel link, atom:link self",
                r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>/</link>
                   <atom:link rel="self" type="application/rss+xml" href="https://site.example/rss"/>
                   <item><title>A</title><link>news/1</link></item></channel></rss>"#,
                "https://site.example/news/1",
                Some("https://site.example/"),
            ),
            (
                "RSS without channel link: self",
                r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
                   <atom:link rel="self" href="https://site.example/feeds/rss"/>
                   <item><title>A</title><link>1.html</link></item></channel></rss>"#,
                "https://site.example/feeds/1.html",
                None,
            ),
            (
                "nothing but the fetch address",
                r#"<rss version="2.0"><channel><title>T</title><link>javascript:alert(1)</link>
                   <item><title>A</title><link>/news/1</link></item></channel></rss>"#,
                "https://cdn.example/news/1",
                None,
            ),
            (
                "Atom alternate link",
                r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
                   <link rel="self" href="https://site.example/atom"/>
                   <link rel="alternate" type="text/html" href="https://www.site.example/lt/"/>
                   <entry><id>urn:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated><link href="naujienos/1"/></entry></feed>"#,
                "https://www.site.example/lt/naujienos/1",
                Some("https://www.site.example/lt/"),
            ),
            (
                "Atom absolute xml:base on the entry",
                r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
                   <link rel="alternate" href="https://site.example/"/>
                   <entry xml:base="https://other.example/a/"><id>urn:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated><link href="b"/></entry></feed>"#,
                "https://other.example/a/b",
                Some("https://site.example/"),
            ),
            (
                "Atom relative xml:base on the root",
                r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/de/presse/"><title>T</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
                   <link rel="alternate" href="https://www.bmi.example/"/>
                   <entry><id>urn:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated><link href="meldung-1.html"/></entry></feed>"#,
                "https://www.bmi.example/de/presse/meldung-1.html",
                Some("https://www.bmi.example/"),
            ),
            (
                "RSS xml:base on the item",
                r#"<rss version="2.0"><channel><title>T</title><link>https://site.example/</link>
                   <item xml:base="https://site.example/en/"><title>A</title><link>news/1</link></item></channel></rss>"#,
                "https://site.example/en/news/1",
                Some("https://site.example/"),
            ),
            (
                "JSON Feed home_page_url",
                r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://site.example/et/",
                    "feed_url":"https://site.example/feed.json","items":[{"id":"1","url":"uudised/1","content_text":"x"}]}"#,
                "https://site.example/et/uudised/1",
                Some("https://site.example/et/"),
            ),
        ];
        for (name, document, link, site) in cases {
            let feed = parse(document.as_bytes(), None, &cdn).unwrap_or_else(|e| panic!("{name}: {e}"));
            let resolved = feed.base.join(&feed.entries[0].links[0]).unwrap();
            assert_eq!(resolved.as_str(), link, "{name}");
            assert_eq!(feed.meta.site_link.as_deref(), site, "{name}");
        }
    }
}
