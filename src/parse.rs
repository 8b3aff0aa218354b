//! Bytes ─▶ [`RawFeed`]: the only user of feed-rs. RSS 0.9x/1.0/2.0, Atom
//! and JSON Feed; feed-rs reads the XML declaration's encoding itself.

use crate::model::{RawEntry, RawFeed, Text};

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
/// `base` resolves relative links (the URL it came from).
pub fn parse(bytes: &[u8], content_type: Option<&str>, base: &str) -> Result<RawFeed, Error> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Empty);
    }
    let media_type = content_type.map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase());
    if starts_like_html(bytes) {
        return Err(Error::Html(media_type.unwrap_or_else(|| "no Content-Type".into())));
    }
    let utf8 = crate::decode::to_utf8(bytes, content_type);
    // A parser bug on hostile input must fail this feed, not the poller.
    let parsed = std::panic::catch_unwind(|| parse_utf8(&utf8, base))
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

fn parse_utf8(bytes: &[u8], base: &str) -> Result<RawFeed, Error> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base))
        // feed-rs would invent a random id for entries without one; an empty
        // id tells normalisation to derive a stable key itself.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(bytes).map_err(|e| Error::Unreadable(e.to_string()))?;
    Ok(RawFeed {
        title: feed.title.map(|t| t.content).filter(|t| !t.trim().is_empty()),
        site_link: best_link(&feed.links),
        language: feed.language,
        entries: feed.entries.into_iter().map(entry).collect(),
    })
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

    #[test]
    fn entries_without_guid_get_no_invented_id() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <link>https://example.org/</link>
            <item><title>A</title><link>/news/a</link></item>
            <item><guid isPermaLink="false">https://example.org/?p=7</guid><title>B</title></item>
            </channel></rss>"#;
        let feed = parse(rss, None, "https://example.org/feed/").unwrap();
        assert_eq!(feed.title.as_deref(), Some("T"));
        assert_eq!(feed.entries[0].guid, None);
        assert_eq!(feed.entries[0].links, ["https://example.org/news/a"]);
        assert_eq!(feed.entries[1].guid.as_deref(), Some("https://example.org/?p=7"));
    }

    #[test]
    fn html_and_garbage_are_errors() {
        assert!(parse(b"<html><body>Service unavailable</body></html>", None, "https://x/").is_err());
        assert!(parse(b"\x00\x01garbage", None, "https://x/").is_err());
        assert!(parse(b"", None, "https://x/").is_err());
    }

    #[test]
    fn reads_atom_and_json_feed() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
            <updated>2026-01-01T00:00:00Z</updated>
            <entry><id>urn:e1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt;</title>
            <link rel="alternate" href="https://example.org/e1"/><updated>2026-01-01T00:00:00Z</updated></entry></feed>"#;
        let feed = parse(atom, None, "https://example.org/atom").unwrap();
        let e = &feed.entries[0];
        assert_eq!(e.guid.as_deref(), Some("urn:e1"));
        assert!(e.title.as_ref().unwrap().is_html);
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
            "items":[{"id":"1","url":"https://example.org/1","content_text":"hello"}]}"#;
        assert_eq!(
            parse(json, None, "https://example.org/f.json").unwrap().entries.len(),
            1
        );
    }
}
