//! Entries ─▶ Atom 1.0 bytes (RFC 4287). Pure: the caller fetches the
//! entries and serves or prints the result.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::Entry;

/// The feed-level facts of one published document.
pub struct FeedInfo<'a> {
    pub title: &'a str,
    /// The feed's permanent id (an IRI).
    pub id: String,
    /// The URL the document is served at, when the public address is known.
    pub self_url: Option<String>,
}

pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The namespace of thbwatch's Atom extension elements (`thb:match`).
pub const NAMESPACE: &str = "urn:thbwatch:atom:1";

/// Matches named in the summary's "Matched:" line, at most.
const MATCHES_IN_SUMMARY: usize = 5;

/// Renders an Atom feed of `entries` (already ordered and limited).
pub fn atom(info: &FeedInfo<'_>, entries: &[Entry]) -> String {
    let mut out = String::with_capacity(1024 + entries.len() * 2048);
    out.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:thb=\"{NAMESPACE}\">\n"
    ));
    element(&mut out, 1, "id", &info.id);
    element(&mut out, 1, "title", info.title);
    // The newest change among the entries; a fixed date when there are none,
    // so an empty feed renders identically every time.
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(DateTime::UNIX_EPOCH);
    element(&mut out, 1, "updated", &time(updated));
    if let Some(url) = &info.self_url {
        link(&mut out, 1, "self", "application/atom+xml", url);
    }
    out.push_str(&format!(
        "  <generator version=\"{}\">thbwatch</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    for entry in entries {
        write_entry(&mut out, entry);
    }
    out.push_str("</feed>\n");
    out
}

fn write_entry(out: &mut String, e: &Entry) {
    match &e.language {
        Some(lang) => out.push_str(&format!("  <entry xml:lang=\"{}\">\n", escape(lang))),
        None => out.push_str("  <entry>\n"),
    }
    element(out, 2, "id", &e.entry_id);
    element(out, 2, "title", &e.title);
    if let Some(href) = &e.link {
        link(out, 2, "alternate", "text/html", href);
    }
    if let Some(published) = e.published {
        element(out, 2, "published", &time(published));
    }
    element(out, 2, "updated", &time(e.updated));
    out.push_str("    <author>\n");
    element(out, 3, "name", e.author.as_deref().unwrap_or(&e.source_title));
    out.push_str("    </author>\n");
    for tag in &e.tags {
        out.push_str(&format!("    <category term=\"{}\"/>\n", escape(tag)));
    }
    // Why the entry is here, for people: a line after the publisher's summary.
    let summary = match (&e.summary, matched_line(e)) {
        (Some(summary), Some(line)) => Some(format!("{summary}\n{line}")),
        (summary, line) => summary.clone().or(line),
    };
    if let Some(summary) = &summary {
        out.push_str(&format!("    <summary type=\"html\">{}</summary>\n", escape(summary)));
    }
    // RFC 4287 4.1.1.1: an entry without an alternate link must have content.
    let content = match (&e.content, &e.link, &summary) {
        (Some(content), _, _) => Some(content.clone()),
        (None, None, Some(summary)) => Some(summary.clone()),
        (None, None, None) => Some(escape(&e.title)),
        (None, Some(_), _) => None,
    };
    if let Some(content) = content {
        out.push_str(&format!("    <content type=\"html\">{}</content>\n", escape(&content)));
    }
    // ... and for programs: one extension element per match.
    for m in &e.matches {
        out.push_str(&format!(
            "    <thb:match tag=\"{}\" term=\"{}\" field=\"{}\" snippet=\"{}\">{}</thb:match>\n",
            escape(&m.tag),
            escape(&m.term),
            m.field.as_str(),
            escape(&m.snippet),
            escape(&m.text)
        ));
    }
    out.push_str("    <source>\n");
    element(out, 3, "id", &e.source_url);
    element(out, 3, "title", &e.source_title);
    link(out, 3, "self", "application/xml", &e.source_url);
    if let Some(site) = &e.source_link {
        link(out, 3, "alternate", "text/html", site);
    }
    out.push_str("    </source>\n  </entry>\n");
}

/// `<p>Matched: cilvēku tirdzniecības (title); …</p>`, each matched text
/// and field once.
fn matched_line(e: &Entry) -> Option<String> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for m in e.matches.iter().filter(|m| !m.text.is_empty()) {
        let pair = (m.text.as_str(), m.field.as_str());
        if !seen.contains(&pair) {
            seen.push(pair);
        }
    }
    if seen.is_empty() {
        return None;
    }
    let listed: Vec<String> = seen
        .iter()
        .take(MATCHES_IN_SUMMARY)
        .map(|(text, field)| format!("{} ({field})", escape(text)))
        .collect();
    let more = seen.len().saturating_sub(MATCHES_IN_SUMMARY);
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

fn link(out: &mut String, depth: usize, rel: &str, media_type: &str, href: &str) {
    out.push_str(&format!(
        "{:indent$}<link rel=\"{rel}\" type=\"{media_type}\" href=\"{}\"/>\n",
        "",
        escape(href),
        indent = depth * 2
    ));
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Escapes text for XML content and attributes, and drops the characters
/// XML 1.0 forbids (control characters some feeds carry), which quick-xml's
/// escaper would pass through and readers would reject.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;

    fn entry() -> Entry {
        Entry {
            entry_id: "urn:uuid:00000000-0000-8000-8000-000000000000".into(),
            source_id: SourceId::new("cbss"),
            source_title: "CBSS".into(),
            source_url: "https://cbss.org/feed/".into(),
            source_link: Some("https://cbss.org/".into()),
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
        }
    }

    #[test]
    fn matches_are_explained_in_the_summary_and_as_extension_elements() {
        let mut e = entry();
        e.matches = vec![crate::model::Match {
            tag: "trafficking".into(),
            term: "cilvēk* tirdzniecīb*".into(),
            field: crate::model::Field::Summary,
            text: "Cilvēku tirdzniecība".into(),
            snippet: "Cilvēku tirdzniecība".into(),
        }];
        let info = FeedInfo {
            title: "T",
            id: "urn:x".into(),
            self_url: None,
        };
        let xml = atom(&info, &[e]);
        assert!(xml.contains("xmlns:thb=\"urn:thbwatch:atom:1\""), "{xml}");
        assert!(
            xml.contains("&lt;/p&gt;\n&lt;p&gt;Matched: Cilvēku tirdzniecība (summary)&lt;/p&gt;</summary>"),
            "{xml}"
        );
        assert!(xml.contains(
            "<thb:match tag=\"trafficking\" term=\"cilvēk* tirdzniecīb*\" field=\"summary\" snippet=\"Cilvēku tirdzniecība\">Cilvēku tirdzniecība</thb:match>"
        ));
    }

    #[test]
    fn renders_escaped_entries_with_source_and_categories() {
        let info = FeedInfo {
            title: "T",
            id: "urn:x".into(),
            self_url: Some("http://127.0.0.1:8080/feed.atom".into()),
        };
        let xml = atom(&info, &[entry()]);
        assert!(xml.contains("<title>Trafficking &lt;report&gt; </title>"), "{xml}");
        assert!(xml.contains("href=\"https://cbss.org/a?x=1&amp;y=2\""));
        assert!(xml.contains("<category term=\"trafficking\"/>"));
        assert!(xml.contains("<entry xml:lang=\"lv\">"));
        assert!(xml.contains("<summary type=\"html\">&lt;p&gt;Cilvēku tirdzniecība&lt;/p&gt;</summary>"));
        assert!(
            xml.contains("<name>CBSS</name>"),
            "author falls back to the source title"
        );
        assert!(
            xml.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"http://127.0.0.1:8080/feed.atom\"/>")
        );
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn an_entry_without_link_always_has_content() {
        let info = FeedInfo {
            title: "T",
            id: "urn:x".into(),
            self_url: None,
        };
        let mut bare = entry();
        bare.link = None;
        let xml = atom(&info, std::slice::from_ref(&bare));
        assert!(
            xml.contains("<content type=\"html\">&lt;p&gt;Cilvēku tirdzniecība&lt;/p&gt;</content>"),
            "{xml}"
        );
        bare.summary = None;
        let xml = atom(&info, &[bare]);
        assert!(
            xml.contains("<content type=\"html\">Trafficking &amp;lt;report&amp;gt; </content>"),
            "{xml}"
        );
    }
}
