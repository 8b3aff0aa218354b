//! Atom 1.0 (RFC 4287), paged as RFC 5005 section 3 says, with
//! thbwatch's match explanations as extension elements.

use super::{FeedInfo, escape, sanitize, time};
use crate::model::{Entry, FeedFormat};

pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The namespace of thbwatch's Atom extension elements (`thb:match`).
pub const NAMESPACE: &str = "urn:thbwatch:atom:1";

/// Matches named in the summary's "Matched:" line, at most.
const MATCHES_IN_SUMMARY: usize = 5;

/// Renders an Atom feed of `entries` (already ordered and limited).
pub fn atom(info: &FeedInfo<'_>, entries: &[Entry]) -> String {
    let mut out = String::with_capacity(1024 + entries.len() * 2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:thb=\"{NAMESPACE}\">\n"
    ));
    element(&mut out, 1, "id", &info.id);
    element(&mut out, 1, "title", info.title);
    // The newest change among the entries; without entries, the store's
    // last change (never the epoch, which validators flag and readers
    // show), so an empty feed renders identically until the store changes.
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(info.store_changed);
    element(&mut out, 1, "updated", &time(updated));
    let links = [
        ("self", "application/atom+xml", &info.self_url),
        ("first", "application/atom+xml", &info.first_url),
        ("next", "application/atom+xml", &info.next_url),
        ("alternate", "text/html", &info.home_url),
    ];
    for (rel, media_type, href) in links {
        if let Some(href) = href {
            link(&mut out, 1, rel, media_type, href, None);
        }
    }
    out.push_str(&format!(
        "  <generator version=\"{}\">thbwatch</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    for entry in entries {
        write_entry(&mut out, info, entry);
    }
    out.push_str("</feed>\n");
    out
}

fn write_entry(out: &mut String, info: &FeedInfo<'_>, e: &Entry) {
    match &e.language {
        Some(lang) => out.push_str(&format!("  <entry xml:lang=\"{}\">\n", escape(lang))),
        None => out.push_str("  <entry>\n"),
    }
    element(out, 2, "id", &e.entry_id);
    element(out, 2, "title", &e.title);
    // One alternate link per entry: the article, else (an item without a
    // link) its publisher's site: the one the feed names, else the home
    // page of the feed's host.
    let alternate = e
        .link
        .clone()
        .or_else(|| e.source_link.clone())
        .unwrap_or_else(|| site_of(&e.source_url));
    link(out, 2, "alternate", "text/html", &alternate, None);
    // Every other source that published the same article.
    for copy in &e.copies {
        match &copy.link {
            Some(href) => link(out, 2, "via", "text/html", href, Some(&copy.source_title)),
            None => link(
                out,
                2,
                "via",
                feed_media_type(copy.source_format),
                &copy.source_url,
                Some(&copy.source_title),
            ),
        }
    }
    if let Some(published) = e.published {
        element(out, 2, "published", &time(published));
    }
    element(out, 2, "updated", &time(e.updated));
    out.push_str("    <author>\n");
    element(out, 3, "name", e.author.as_deref().unwrap_or(&e.source_title));
    out.push_str("    </author>\n");
    for tag in &e.tags {
        let label = info
            .label(tag)
            .map(|l| format!(" label=\"{}\"", escape(l)))
            .unwrap_or_default();
        out.push_str(&format!(
            "    <category term=\"{}\" scheme=\"{}\"{label}/>\n",
            escape(tag),
            escape(&info.tag_scheme)
        ));
    }
    let base = Some(content_base(e));
    let summary = summary_html(e, base);
    if let Some(summary) = &summary {
        out.push_str(&format!("    <summary type=\"html\">{}</summary>\n", escape(summary)));
    }
    // RFC 4287 4.1.1.1: an entry without an alternate link must have content.
    let content = match (&e.content, &e.link, &summary) {
        (Some(content), _, _) => Some(sanitize(content, base)),
        (None, None, Some(summary)) => Some(summary.clone()),
        (None, None, None) => Some(escape(&e.title)),
        (None, Some(_), _) => None,
    };
    if let Some(content) = content {
        out.push_str(&format!("    <content type=\"html\">{}</content>\n", escape(&content)));
    }
    // Why the entry is here, for programs: one extension element per match.
    for m in &e.matches {
        let end_field = m
            .end_field
            .map(|f| format!(" end_field=\"{}\"", f.as_str()))
            .unwrap_or_default();
        out.push_str(&format!(
            "    <thb:match tag=\"{}\" term=\"{}\" field=\"{}\"{end_field} snippet=\"{}\">{}</thb:match>\n",
            escape(&m.tag),
            escape(&m.term),
            m.field.as_str(),
            escape(&m.snippet),
            escape(&m.text)
        ));
    }
    // And why it lacks a tag its words suggest: the context that cancelled it.
    for c in &e.cancelled {
        out.push_str(&format!(
            "    <thb:cancelled tag=\"{}\" term=\"{}\" field=\"{}\" text=\"{}\" context=\"{}\" context_field=\"{}\">{}</thb:cancelled>\n",
            escape(&c.tag),
            escape(&c.term),
            c.field.as_str(),
            escape(&c.text),
            escape(&c.context),
            c.context_field.as_str(),
            escape(&c.context_text)
        ));
    }
    write_source(out, e);
    out.push_str("  </entry>\n");
}

/// The publisher's feed: its own id (else the address polled), title,
/// address with the media type of its format, site, and when a poll last
/// found it changed.
fn write_source(out: &mut String, e: &Entry) {
    out.push_str("    <source>\n");
    element(out, 3, "id", e.source_feed_id.as_deref().unwrap_or(&e.source_url));
    element(out, 3, "title", &e.source_title);
    link(out, 3, "self", feed_media_type(e.source_format), &e.source_url, None);
    if let Some(site) = &e.source_link {
        link(out, 3, "alternate", "text/html", site, None);
    }
    if let Some(updated) = e.source_updated {
        element(out, 3, "updated", &time(updated));
    }
    out.push_str("    </source>\n");
}

/// The media type of a link to a feed; a generic one until its format is
/// known (a source not fetched since this was recorded).
fn feed_media_type(format: Option<FeedFormat>) -> &'static str {
    format.map_or("application/xml", FeedFormat::media_type)
}

/// What relative URLs in an entry's HTML resolve against: its article,
/// else its publisher's site, else the publisher's feed.
pub(super) fn content_base(e: &Entry) -> &str {
    e.link.as_deref().or(e.source_link.as_deref()).unwrap_or(&e.source_url)
}

/// The home page of the host a feed is on (`https://www.iem.gov.lv/`).
fn site_of(feed_url: &str) -> String {
    match url::Url::parse(feed_url) {
        Ok(url) if url.has_host() => format!("{}/", url.origin().ascii_serialization()),
        _ => feed_url.to_string(),
    }
}

/// The publisher's summary, sanitised, then what thbwatch adds for people:
/// the other sources that published the article and why it was tagged.
pub(super) fn summary_html(e: &Entry, base: Option<&str>) -> Option<String> {
    let mut parts: Vec<String> = e.summary.iter().map(|s| sanitize(s, base)).collect();
    if !e.copies.is_empty() {
        let names: Vec<String> = e.copies.iter().map(|c| escape(&c.source_title)).collect();
        parts.push(format!("<p>Also published by: {}</p>", names.join(", ")));
    }
    if let Some(line) = matched_line(e) {
        parts.push(line);
    }
    let cancelled = crate::model::Cancelled::describe_all(&e.cancelled);
    if !cancelled.is_empty() {
        parts.push(format!("<p>Cancelled by context: {}</p>", escape(&cancelled)));
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// `<p>Matched: cilvēku tirdzniecības (title, summary); …</p>`, each
/// matched word once.
fn matched_line(e: &Entry) -> Option<String> {
    let words = super::matched_words(&e.matches);
    if words.is_empty() {
        return None;
    }
    let listed: Vec<String> = words
        .iter()
        .take(MATCHES_IN_SUMMARY)
        .map(|word| escape(&super::matched_word_line(word)))
        .collect();
    let more = words.len().saturating_sub(MATCHES_IN_SUMMARY);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    Some(format!("<p>Matched: {}{tail}</p>", listed.join("; ")))
}

fn element(out: &mut String, depth: usize, name: &str, text: &str) {
    out.push_str(&format!(
        "{:indent$}<{name}>{}</{name}>\n",
        "",
        escape(text),
        indent = depth * 2
    ));
}

fn link(out: &mut String, depth: usize, rel: &str, media_type: &str, href: &str, title: Option<&str>) {
    let title = title.map(|t| format!(" title=\"{}\"", escape(t))).unwrap_or_default();
    out.push_str(&format!(
        "{:indent$}<link rel=\"{rel}\" type=\"{media_type}\" href=\"{}\"{title}/>\n",
        "",
        escape(href),
        indent = depth * 2
    ));
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::model::{Copy, Field, Match, SourceId};
    use crate::publish::TagInfo;

    pub(crate) fn entry() -> Entry {
        Entry {
            entry_id: "urn:uuid:00000000-0000-8000-8000-000000000000".into(),
            source_id: SourceId::new("cbss"),
            source_title: "CBSS".into(),
            source_url: "https://cbss.org/feed/".into(),
            source_link: Some("https://cbss.org/".into()),
            source_feed_id: None,
            source_format: Some(FeedFormat::Rss),
            source_updated: Some(DateTime::UNIX_EPOCH + chrono::Duration::days(20_000)),
            link: Some("https://cbss.org/a?x=1&y=2".into()),
            title: "Trafficking <report> \u{1}".into(),
            summary: Some("<p>Cilvēku tirdzniecība</p>".into()),
            content: None,
            author: None,
            language: Some("lv".into()),
            published: None,
            updated: DateTime::UNIX_EPOCH,
            tags: vec!["trafficking".into()],
            matches: Vec::new(),
            cancelled: Vec::new(),
            copies: Vec::new(),
            cursor: String::new(),
        }
    }

    #[test]
    fn renders_escaped_entries_with_source_and_categories() {
        let tags = [TagInfo {
            name: "trafficking".into(),
            label: Some("Trafficking in human beings".into()),
        }];
        let info = FeedInfo {
            self_url: Some("http://127.0.0.1:8080/feed.atom?lang=lv".into()),
            tags: &tags,
            ..FeedInfo::minimal("T", "urn:x")
        };
        let xml = atom(&info, &[entry()]);
        assert!(xml.contains("<title>Trafficking &lt;report&gt; </title>"), "{xml}");
        assert!(xml.contains("href=\"https://cbss.org/a?x=1&amp;y=2\""));
        assert!(xml.contains(
            "<category term=\"trafficking\" scheme=\"urn:thbwatch:tags\" label=\"Trafficking in human beings\"/>"
        ));
        assert!(xml.contains("<entry xml:lang=\"lv\">"));
        assert!(xml.contains("<summary type=\"html\">&lt;p&gt;Cilvēku tirdzniecība&lt;/p&gt;</summary>"));
        assert!(
            xml.contains("<name>CBSS</name>"),
            "author falls back to the source title"
        );
        assert!(xml.contains(
            "<link rel=\"self\" type=\"application/atom+xml\" href=\"http://127.0.0.1:8080/feed.atom?lang=lv\"/>"
        ));
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn matches_and_copies_are_explained() {
        let mut e = entry();
        e.matches = vec![Match {
            tag: "trafficking".into(),
            term: "cilvēk* tirdzniecīb*".into(),
            field: Field::Summary,
            end_field: None,
            text: "Cilvēku tirdzniecība".into(),
            snippet: "Cilvēku tirdzniecība".into(),
        }];
        e.copies = vec![Copy {
            source_id: SourceId::new("lv"),
            source_title: "Iekšlietu ministrija".into(),
            link: Some("https://www.iem.gov.lv/a".into()),
            source_url: "https://www.iem.gov.lv/rss".into(),
            source_format: None,
        }];
        let xml = atom(&FeedInfo::minimal("T", "urn:x"), &[e]);
        assert!(xml.contains("xmlns:thb=\"urn:thbwatch:atom:1\""), "{xml}");
        assert!(xml.contains(
            "&lt;p&gt;Also published by: Iekšlietu ministrija&lt;/p&gt;\n&lt;p&gt;Matched: Cilvēku tirdzniecība (summary)&lt;/p&gt;</summary>"
        ), "{xml}");
        assert!(xml.contains(
            "<link rel=\"via\" type=\"text/html\" href=\"https://www.iem.gov.lv/a\" title=\"Iekšlietu ministrija\"/>"
        ));
        assert!(xml.contains(
            "<thb:match tag=\"trafficking\" term=\"cilvēk* tirdzniecīb*\" field=\"summary\" snippet=\"Cilvēku tirdzniecība\">Cilvēku tirdzniecība</thb:match>"
        ));
    }

    #[test]
    fn publishers_html_is_sanitised_in_summary_and_content() {
        let mut e = entry();
        e.summary = Some("<p onmouseover=\"x()\">Hi<script>alert(1)</script> <a href=\"/more\">more</a></p>".into());
        e.content = Some("<iframe src=\"https://evil\"></iframe><img src=\"pic.jpg\">".into());
        let xml = atom(&FeedInfo::minimal("T", "urn:x"), &[e]);
        assert!(
            !xml.contains("script") && !xml.contains("onmouseover") && !xml.contains("iframe"),
            "{xml}"
        );
        assert!(xml.contains("href=&quot;https://cbss.org/more&quot;"), "{xml}");
        assert!(xml.contains("src=&quot;https://cbss.org/pic.jpg&quot;"), "{xml}");
    }
}
