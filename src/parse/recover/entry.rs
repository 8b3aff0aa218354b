//! What the recovery learns about one entry as it writes it: where it
//! starts in the output (so a damaged entry can be taken back whole),
//! whether its title or link was damaged, and the extension elements that
//! stand in for a missing title, link or date (`dc:title`, `media:title`,
//! a permalink `guid`, `dcterms:issued`/`created`/`modified`, Atom 0.3's
//! `created`, RSS 1.0's `rdf:about`).

use super::text::escape_into;

/// Longest text kept from an element a fallback is read from.
pub(super) const MAX_FALLBACK: usize = 4_096;

/// A date element to fall back on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Date {
    Issued,
    Created,
    Modified,
}

#[derive(Debug, Default)]
pub(super) struct Entry {
    /// Where the entry's start tag begins in the output.
    pub start: usize,
    /// Its title or link was damaged: it is dropped, not guessed.
    pub damaged: bool,
    pub has_title: bool,
    pub has_link: bool,
    pub has_guid: bool,
    pub has_published: bool,
    pub has_updated: bool,
    pub title: Option<String>,
    /// A `guid` that is its permalink.
    pub permalink: Option<String>,
    /// RSS 1.0's `rdf:about`: the entry's URI.
    pub about: Option<String>,
    pub issued: Option<String>,
    pub created: Option<String>,
    pub modified: Option<String>,
}

impl Entry {
    pub(crate) fn new(start: usize) -> Entry {
        Entry {
            start,
            ..Entry::default()
        }
    }

    /// Keeps the first value of a fallback.
    pub(crate) fn date(&mut self, date: Date, text: String) {
        let slot = match date {
            Date::Issued => &mut self.issued,
            Date::Created => &mut self.created,
            Date::Modified => &mut self.modified,
        };
        if slot.is_none() && !text.trim().is_empty() {
            *slot = Some(text.trim().to_string());
        }
    }

    pub(crate) fn fallback_title(&mut self, text: String) {
        if self.title.is_none() && !text.trim().is_empty() {
            self.title = Some(text);
        }
    }

    /// The elements that stand in for what an RSS item lacks, written
    /// before its end tag.
    pub(crate) fn write_rss_fallbacks(&self, out: &mut String) {
        if !self.has_title
            && let Some(title) = &self.title
        {
            element(out, "title", "", title);
        }
        if !self.has_link
            && let Some(link) = self.permalink.as_deref().filter(|l| is_http_url(l))
        {
            element(out, "link", "", link);
        }
        if !self.has_guid
            && let Some(about) = &self.about
        {
            element(out, "guid", " isPermaLink=\"false\"", about);
        }
        if !self.has_published
            && let Some(date) = self.issued.as_ref().or(self.created.as_ref())
        {
            element(out, "pubDate", "", date);
        }
        if !self.has_updated
            && let Some(date) = &self.modified
        {
            element(out, "updated", "", date);
        }
    }

    /// The same for an Atom entry whose elements carry `prefix`.
    pub(crate) fn write_atom_fallbacks(&self, out: &mut String, prefix: Option<&str>) {
        let name = |local: &str| match prefix {
            Some(p) => format!("{p}:{local}"),
            None => local.to_string(),
        };
        if !self.has_title
            && let Some(title) = &self.title
        {
            element(out, &name("title"), " type=\"text\"", title);
        }
        if !self.has_published
            && let Some(date) = self.issued.as_ref().or(self.created.as_ref())
        {
            element(out, &name("published"), "", date);
        }
        if !self.has_updated
            && let Some(date) = &self.modified
        {
            element(out, &name("updated"), "", date);
        }
    }
}

fn element(out: &mut String, name: &str, attributes: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str(attributes);
    out.push('>');
    escape_into(text, out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// An absolute http(s) URL without spaces: only such a `guid` is taken
/// for a link.
pub(super) fn is_http_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && !text.contains(char::is_whitespace)
        && url::Url::parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks_fill_only_what_is_missing() {
        let mut entry = Entry::new(0);
        entry.fallback_title("Dublin <Core>".into());
        entry.fallback_title("second".into());
        entry.permalink = Some("https://example.org/a?x=1&y=2".into());
        entry.date(Date::Created, "2003-12-31T10:14:55Z".into());
        entry.date(Date::Modified, " ".into());
        let mut out = String::new();
        entry.write_rss_fallbacks(&mut out);
        assert_eq!(
            out,
            "<title>Dublin &lt;Core&gt;</title><link>https://example.org/a?x=1&amp;y=2</link>\
             <pubDate>2003-12-31T10:14:55Z</pubDate>"
        );
        entry.has_title = true;
        entry.permalink = Some("urn:uuid:1".into());
        let mut out = String::new();
        entry.write_atom_fallbacks(&mut out, Some("a"));
        assert_eq!(out, "<a:published>2003-12-31T10:14:55Z</a:published>");
    }
}
