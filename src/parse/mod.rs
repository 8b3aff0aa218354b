//! Bytes ─▶ [`RawFeed`], as liberally as feedparser reads feeds: RSS
//! 0.90 to 2.0 in or out of a namespace, RSS 1.0/RDF with or without item
//! links, Atom 0.3 and 1.0, CDF and JSON Feed. A document is read strictly
//! first (feed-rs, in `read`); one it refuses or misreads is recovered
//! (`recover`: made well-formed, old formats mapped onto ones feed-rs
//! reads) and read again, with what was mended in [`RawFeed::repairs`].

mod read;
mod recover;

use url::Url;

use crate::model::{RawEntry, RawFeed};

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
    /// The parser panicked on the document (a bug it has, caught here so
    /// that it fails this feed, not the poller).
    #[error("not a readable feed: the feed parser crashed on this document")]
    Crashed,
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
    let parsed = std::panic::catch_unwind(|| parse_utf8(&utf8, fetched_from)).unwrap_or(Err(Error::Crashed));
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

fn parse_utf8(text: &str, fetched_from: &Url) -> Result<RawFeed, Error> {
    let bytes = text.as_bytes();
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return read::json(bytes, fetched_from).map_err(|e| Error::Unreadable(shorten(&e.to_string())));
    }
    if recover::read_as_is(bytes) && recover::is_well_formed(text) {
        match read::feed(bytes, fetched_from) {
            Ok(feed) if complete(&feed) => return Ok(feed),
            // Read, but without entries, or entries without a title, link
            // or date that an extension element may give: recovery reads
            // those. Should it fail, the strict reading stands (read again
            // rather than held meanwhile: a feed of 100,000 entries read
            // twice at once is a memory peak).
            Ok(feed) => {
                drop(feed);
                return match recovered(text, fetched_from) {
                    Recovery::Read(recovered) => Ok(*recovered),
                    Recovery::NoEntries(why) => Err(Error::Unreadable(why)),
                    Recovery::Failed(_) => {
                        read::feed(bytes, fetched_from).map_err(|e| Error::Unreadable(shorten(&e.to_string())))
                    }
                };
            }
            Err(_) => {}
        }
    }
    match recovered(text, fetched_from) {
        Recovery::Read(feed) => Ok(*feed),
        Recovery::NoEntries(why) => Err(Error::Unreadable(why)),
        // The strict reading may still manage; if not, it says what is
        // wrong, and why the document could not be repaired.
        Recovery::Failed(why) => read::feed(bytes, fetched_from).map_err(|refused| {
            let refused = shorten(&refused.to_string());
            Error::Unreadable(format!("{refused} (and it cannot be repaired: {why})"))
        }),
    }
}

/// The parser's message cut to a readable length: it may quote a tag
/// name, and a hostile one is megabytes long.
fn shorten(message: &str) -> String {
    const MAX: usize = 300;
    match message.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_string(),
    }
}

/// Whether every entry has what a reader needs: a title, a link, a date.
fn complete(feed: &RawFeed) -> bool {
    let whole =
        |e: &RawEntry| e.title.is_some() && !e.links.is_empty() && (e.published.is_some() || e.updated.is_some());
    !feed.entries.is_empty() && feed.entries.iter().all(whole)
}

/// How recovering a document ended.
enum Recovery {
    Read(Box<RawFeed>),
    /// It holds entry elements, but none could be read: why.
    NoEntries(String),
    /// It could not be made into a feed: why.
    Failed(String),
}

/// Recovers the document and reads the result.
fn recovered(text: &str, fetched_from: &Url) -> Recovery {
    let recover::Recovered {
        document,
        repairs,
        entries,
        misplaced,
        format,
    } = match recover::recover(text) {
        Ok(recovered) => recovered,
        Err(e) => return Recovery::Failed(e.to_string()),
    };
    let read = read::feed(document.as_bytes(), fetched_from);
    drop(document);
    let mut feed = match read {
        Ok(feed) => feed,
        Err(e) => return Recovery::Failed(shorten(&e.to_string())),
    };
    if feed.entries.is_empty() && entries > 0 {
        return Recovery::NoEntries(no_entries(entries, &repairs));
    }
    if feed.entries.is_empty() && misplaced > 0 {
        return Recovery::NoEntries(format!(
            "it holds {misplaced} <item> or <entry> elements, but none where a feed's entries are \
             (in its channel, or its root)"
        ));
    }
    feed.repairs = repairs;
    // The recovered document is RSS 2.0 or Atom 1.0; the publisher's
    // format is what its root said.
    feed.meta.format = Some(format);
    Recovery::Read(Box::new(feed))
}

/// Why a document with `entries` entry elements yields no entry.
fn no_entries(entries: usize, repairs: &crate::model::Repairs) -> String {
    let count = match entries {
        1 => "its only entry".to_string(),
        n => format!("all {n} entries"),
    };
    if repairs.incomplete_entries > 0 && repairs.damaged_entries == 0 {
        format!("the document ends inside {count} (truncated)")
    } else if repairs.damaged_entries + repairs.incomplete_entries > 0 {
        format!("{count} damaged: {}", repairs.warning().unwrap_or_default())
    } else {
        format!("{count} could not be read")
    }
}

#[cfg(test)]
mod tests;
