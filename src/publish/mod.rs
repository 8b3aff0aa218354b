//! Entries ─▶ published documents: Atom 1.0 (RFC 4287, paged as RFC 5005
//! says), JSON Feed 1.1, OPML for the sources, and the HTML page people
//! see at `/`. Pure: the caller reads the store and serves or prints the
//! result. Publishers' HTML is sanitised here, on the way out.

mod atom;
mod html;
mod json;
mod marks;
mod opml;
pub mod pages;

use url::Url;

pub use atom::{ATOM_CONTENT_TYPE, NAMESPACE, atom};
pub(crate) use html::{HTML_CONTENT_TYPE, PageInfo, page};
pub(crate) use json::{JSON_FEED_CONTENT_TYPE, json_feed};
pub(crate) use opml::{OPML_CONTENT_TYPE, OpmlSource, opml};

/// A tag as the feeds describe it.
#[derive(Clone, Debug)]
pub struct TagInfo {
    pub name: String,
    pub label: Option<String>,
}

/// The feed-level facts of one published document.
pub struct FeedInfo<'a> {
    pub title: &'a str,
    /// The feed's permanent id (an IRI), the same on every page.
    pub id: String,
    /// The URL the document is served at, query included, when known.
    pub self_url: Option<String>,
    /// The first (newest) page, when this is a later one.
    pub first_url: Option<String>,
    /// The next page (older entries), when there are more.
    pub next_url: Option<String>,
    /// The HTML page of this thbwatch.
    pub home_url: Option<String>,
    /// Labels for the tags' categories.
    pub tags: &'a [TagInfo],
    /// The `scheme` of the tags' categories.
    pub tag_scheme: String,
    /// When the store last changed: the `<updated>` of a document without
    /// entries (with entries, the newest entry's).
    pub store_changed: chrono::DateTime<chrono::Utc>,
}

impl FeedInfo<'_> {
    /// A feed with only a title and an id (tests and tools), as of now.
    pub fn minimal(title: &str, id: impl Into<String>) -> FeedInfo<'_> {
        FeedInfo {
            title,
            id: id.into(),
            self_url: None,
            first_url: None,
            next_url: None,
            home_url: None,
            tags: &[],
            tag_scheme: TAG_SCHEME.to_string(),
            store_changed: chrono::Utc::now(),
        }
    }

    fn label(&self, tag: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.name == tag)
            .and_then(|t| t.label.as_deref())
    }
}

/// The category scheme when no public address is configured.
pub(crate) const TAG_SCHEME: &str = "urn:thbwatch:tags";

/// A publisher's HTML made safe to republish with ammonia's safe defaults
/// (no script, style, iframe, event attributes, `javascript:` or `data:`
/// URLs), relative URLs made absolute against `base` (the item's link,
/// else its source's address). Documents are rendered once per change, so
/// building the cleaner per call costs little.
pub(crate) fn sanitize(html: &str, base: Option<&str>) -> String {
    let mut cleaner = ammonia::Builder::default();
    if let Some(base) = base.and_then(|b| Url::parse(b).ok()) {
        cleaner.url_relative(ammonia::UrlRelative::RewriteWithBase(base));
    }
    cleaner.clean(html).to_string()
}

/// A publisher's HTML for an item's page: [`sanitize`]d, and without
/// images (the page's Content-Security-Policy loads nothing from other
/// sites, and an image there would tell its publisher who reads).
pub(crate) fn sanitize_for_page(html: &str, base: Option<&str>) -> String {
    let mut cleaner = ammonia::Builder::default();
    cleaner.rm_tags(["img"]);
    if let Some(base) = base.and_then(|b| Url::parse(b).ok()) {
        cleaner.url_relative(ammonia::UrlRelative::RewriteWithBase(base));
    }
    cleaner.clean(html).to_string()
}

/// Escapes text for XML and HTML content and attributes, and drops the
/// characters XML 1.0 forbids (control characters some feeds carry) and
/// those that would spoof how it displays (bidirectional controls, BOMs:
/// text stored before they were dropped at the door).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c if crate::normalize::is_hidden_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The words that matched, each once (whatever their case or accents, as
/// keyword matching sees them: the first spelling stands for the rest),
/// with every place each was found in: `[("cilvēku tirdzniecības",
/// ["title", "summary"])]`; a match across a cut title is in "title +
/// summary". Matches stored without text are left out.
pub(crate) fn matched_words(matches: &[crate::model::Match]) -> Vec<(String, Vec<String>)> {
    let mut words: Vec<(String, String, Vec<String>)> = Vec::new();
    for m in matches.iter().filter(|m| !m.text.trim().is_empty()) {
        let folded = crate::fold::fold(&m.text);
        let place = m.place();
        match words.iter_mut().find(|(f, _, _)| *f == folded) {
            Some((_, _, places)) if !places.contains(&place) => places.push(place),
            Some(_) => {}
            None => words.push((folded, m.text.clone(), vec![place])),
        }
    }
    words.into_iter().map(|(_, text, places)| (text, places)).collect()
}

/// `cilvēku tirdzniecības (title, summary)`.
pub(crate) fn matched_word_line((text, places): &(String, Vec<String>)) -> String {
    format!("{text} ({})", places.join(", "))
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_drops_what_would_spoof_the_display() {
        assert_eq!(escape("\u{FEFF}a \u{202E}<b>\u{202C}"), "a &lt;b&gt;");
    }

    #[test]
    fn sanitising_keeps_content_and_removes_what_could_run() {
        let html = r#"<p onclick="x()">Text <b>bold</b> <a href="/news/1">rel</a> <a href="javascript:alert(1)">js</a>
<img src="data:image/png;base64,AAAA"><img src="img/a.png"><script>alert(1)</script><style>p{}</style><iframe src="https://x"></iframe></p>"#;
        let clean = sanitize(html, Some("https://www.iem.gov.lv/lv/jaunums/a"));
        assert!(clean.contains("Text <b>bold</b>"), "{clean}");
        assert!(clean.contains(r#"href="https://www.iem.gov.lv/news/1""#), "{clean}");
        assert!(
            clean.contains(r#"src="https://www.iem.gov.lv/lv/jaunums/img/a.png""#),
            "{clean}"
        );
        for bad in [
            "onclick",
            "javascript:",
            "data:",
            "<script",
            "alert",
            "<style",
            "<iframe",
        ] {
            assert!(!clean.contains(bad), "{bad} in {clean}");
        }
    }
}
