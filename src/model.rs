//! Plain data shared by the pipeline stages: sources, raw and normalised
//! items, tag matches. No I/O and no dependency types here.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// A source's identity: the key of its `[sources.ID]` table. Never its URL,
/// so a feed that moves keeps its history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(String);

impl SourceId {
    pub fn new(id: impl Into<String>) -> Self {
        SourceId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A piece of text as a feed delivered it: plain, or HTML markup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub body: String,
    pub is_html: bool,
}

/// The format a publisher serves its feed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    Atom,
    /// RSS 0.9x and 2.0.
    Rss,
    /// RSS 1.0 (RDF Site Summary).
    Rdf,
    /// JSON Feed.
    Json,
}

impl FeedFormat {
    /// The name stored in the database.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Atom => "atom",
            FeedFormat::Rss => "rss",
            FeedFormat::Rdf => "rdf",
            FeedFormat::Json => "json",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<FeedFormat> {
        [FeedFormat::Atom, FeedFormat::Rss, FeedFormat::Rdf, FeedFormat::Json]
            .into_iter()
            .find(|f| f.as_str() == name)
    }

    /// The media type a link to a feed in this format carries.
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::Rss => "application/rss+xml",
            FeedFormat::Rdf => "application/rdf+xml",
            FeedFormat::Json => "application/feed+json",
        }
    }
}

/// What a document says about its own feed (kept for `<source>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedMeta {
    pub title: Option<String>,
    /// The publisher's web site: an absolute http(s) address.
    pub site_link: Option<String>,
    /// The publisher's own permanent id for the feed (Atom `<id>`).
    pub id: Option<String>,
    pub format: Option<FeedFormat>,
}

/// One feed as the parser read it, before normalisation.
#[derive(Clone, Debug)]
pub struct RawFeed {
    pub meta: FeedMeta,
    /// What the entries' relative links resolve against (absolute): the
    /// publisher's site, else the feed's own `rel="self"` address, else
    /// the address it was fetched from. `xml:base` is applied by the
    /// parser where the document gives it.
    pub base: url::Url,
    pub language: Option<String>,
    pub entries: Vec<RawEntry>,
    /// What had to be mended before the document could be read.
    pub repairs: Repairs,
}

/// A kind of damage mended in an ill-formed document, from the least to
/// the most invasive repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Repair {
    /// `&` starting no reference ("Police & border guard"): escaped.
    BareAmpersand,
    /// `&eacute;` and the like, which XML does not define: decoded.
    HtmlEntity,
    /// A reference to an entity XML does not define (a DTD's entities are
    /// never expanded): kept as its text.
    UnknownEntity,
    /// `&#X41;`, `&#0;` and other references XML rejects: mended or dropped.
    CharacterReference,
    /// Control characters and the like that XML forbids: dropped.
    ForbiddenCharacter,
    /// A `<` that starts no tag ("1 < 2"): escaped.
    LessThan,
    /// An attribute that cannot be read (no name, a duplicate): dropped.
    Attribute,
    /// An element whose content cannot be read (base64 that does not
    /// decode, a media type nobody reads): dropped.
    UnreadableElement,
    /// Text or elements before or after the root element: dropped.
    OutsideRoot,
    /// An end tag that closes nothing open: dropped.
    StrayEndTag,
    /// An element its parent's end tag proves left open: closed there.
    UnclosedElement,
}

impl Repair {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Repair::BareAmpersand => "bare ampersand",
            Repair::HtmlEntity => "HTML entity",
            Repair::UnknownEntity => "entity not expanded",
            Repair::CharacterReference => "invalid character reference",
            Repair::ForbiddenCharacter => "character XML forbids",
            Repair::LessThan => "unescaped <",
            Repair::Attribute => "unreadable attribute",
            Repair::UnreadableElement => "unreadable element dropped",
            Repair::OutsideRoot => "content outside the root element",
            Repair::StrayEndTag => "stray end tag",
            Repair::UnclosedElement => "element left open",
        }
    }
}

/// What had to be mended before a document could be read; empty for a
/// well-formed feed. Shown to the operator as the poll's warning, so the
/// publisher can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repairs {
    mended: std::collections::BTreeMap<Repair, usize>,
    /// The document ended before its closing tags.
    pub truncated: bool,
    /// Entries dropped because the document ends inside them.
    pub incomplete_entries: usize,
    /// Entries dropped because their title or link could not be mended
    /// without guessing.
    pub damaged_entries: usize,
    /// Items of a listing page left out, by why (no link, a
    /// `javascript:` link, a link to an internal address, ...).
    skipped: std::collections::BTreeMap<&'static str, usize>,
    /// A page was read only up to where its markup nested deeper than
    /// this many elements.
    cut_too_deep: Option<usize>,
}

impl Repairs {
    pub(crate) fn add(&mut self, repair: Repair) {
        *self.mended.entry(repair).or_default() += 1;
    }

    /// The page was read only up to where its markup nested deeper than
    /// `depth` elements.
    pub(crate) fn cut_too_deep(&mut self, depth: usize) {
        self.cut_too_deep = Some(depth);
    }

    /// An item of a listing page left out, and why ("without a link").
    pub(crate) fn skip(&mut self, why: &'static str) {
        *self.skipped.entry(why).or_default() += 1;
    }

    /// Takes back what turned out to be no repair.
    pub(crate) fn forget(&mut self, repair: Repair) {
        self.mended.remove(&repair);
    }

    /// How often `repair` was made.
    #[cfg(test)]
    pub(crate) fn count(&self, repair: Repair) -> usize {
        self.mended.get(&repair).copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.mended.is_empty()
            && !self.truncated
            && self.damaged_entries == 0
            && self.skipped.is_empty()
            && self.cut_too_deep.is_none()
    }

    /// "repaired: bare ampersand (3); truncated: 1 incomplete entry
    /// dropped", or `None` for a well-formed document.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.mended.is_empty() {
            let mended: Vec<String> = self
                .mended
                .iter()
                .map(|(repair, n)| format!("{} ({n})", repair.as_str()))
                .collect();
            parts.push(format!("repaired: {}", mended.join(", ")));
        }
        if self.truncated {
            parts.push(match self.incomplete_entries {
                0 => "truncated: closing tags missing".to_string(),
                1 => "truncated: 1 incomplete entry dropped".to_string(),
                n => format!("truncated: {n} incomplete entries dropped"),
            });
        }
        match self.damaged_entries {
            0 => {}
            1 => parts.push("dropped: 1 entry whose title or link was damaged".to_string()),
            n => parts.push(format!("dropped: {n} entries whose title or link was damaged")),
        }
        if let Some(depth) = self.cut_too_deep {
            parts.push(format!(
                "truncated: markup nested deeper than {depth} elements was not read"
            ));
        }
        if !self.skipped.is_empty() {
            let skipped: Vec<String> = self
                .skipped
                .iter()
                .map(|(why, n)| format!("{n} item{} {why}", if *n == 1 { "" } else { "s" }))
                .collect();
            parts.push(format!("skipped: {}", skipped.join(", ")));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// One entry as the parser read it. `guid` is `None` when the feed gave no
/// identifier (the parser never invents one).
#[derive(Clone, Debug, Default)]
pub struct RawEntry {
    pub guid: Option<String>,
    /// Candidate article links, best first (alternate before others).
    pub links: Vec<String>,
    pub title: Option<Text>,
    pub summary: Option<Text>,
    pub content: Option<Text>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
}

/// An entry after normalisation: a stable key, an absolute link and its
/// canonical form, plain-text title, and dates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Item {
    /// Stable within its source: `guid:…`, `link:…` or `hash:…`.
    pub key: String,
    pub link: Option<String>,
    /// The link with scheme and host folded, tracking parameters and
    /// fragment removed: equal canonical links mean the same article.
    pub canonical_link: Option<String>,
    pub title: String,
    /// HTML as published (sanitising belongs to rendering).
    pub summary: Option<String>,
    pub content: Option<String>,
    pub author: Option<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// SHA-256 of what a reader sees, to notice edits of a stored item.
    pub content_hash: String,
}

/// The part of an item a keyword rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Summary,
    Content,
    Categories,
    /// The article behind the item, fetched for a `full_text` source.
    Article,
}

impl Field {
    pub(crate) const ALL: [Field; 5] = [
        Field::Title,
        Field::Summary,
        Field::Content,
        Field::Categories,
        Field::Article,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Content => "content",
            Field::Categories => "categories",
            Field::Article => "article",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Why an item carries a tag: a configured term that matched, where, and
/// the text as it appeared. Serialised as the published JSON shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    pub tag: String,
    /// The rule's term as written in the configuration.
    pub term: String,
    /// Where the matched words start.
    pub field: Field,
    /// Where they end, when that is another field: a title cut with "…"
    /// whose summary goes on with "…" is read as one sentence.
    pub end_field: Option<Field>,
    /// The matched words as they appear in the item (the whole stretch of
    /// a proximity match; the parts of an AND joined by " … ").
    pub text: String,
    /// The match with some words of context.
    pub snippet: String,
}

impl Match {
    /// "title", or "title + summary" for a match across a truncated title.
    pub fn place(&self) -> String {
        match self.end_field {
            Some(end) => format!("{} + {}", self.field.as_str(), end.as_str()),
            None => self.field.as_str().to_string(),
        }
    }
}

/// A tag an item would have had, cancelled by its rule's context
/// (`unless`) found somewhere in the item.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cancelled {
    pub tag: String,
    /// The first term that matched, as written, and where and what.
    pub term: String,
    pub field: Field,
    pub text: String,
    /// The context, as written in the configuration.
    pub context: String,
    /// Where the context was found, and the words there.
    pub context_field: Field,
    pub context_text: String,
}

impl Cancelled {
    /// `forced-labour: "Gulag" (summary)`: the tag, and the context's
    /// words where they were found.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{}: {:?} ({})",
            self.tag,
            self.context_text,
            self.context_field.as_str()
        )
    }

    /// Each cancelled tag described, `; ` between.
    pub(crate) fn describe_all(cancelled: &[Cancelled]) -> String {
        cancelled.iter().map(Cancelled::describe).collect::<Vec<_>>().join("; ")
    }
}

/// An item with the tags the keyword rules gave it.
#[derive(Clone, Debug)]
pub struct TaggedItem {
    pub item: Item,
    pub matches: Vec<Match>,
    /// Tags a context cancelled (kept to explain their absence).
    pub cancelled: Vec<Cancelled>,
    /// What `?q=` searches (the title and the summary's text, folded),
    /// made where items are processed in parallel, not on the database
    /// thread.
    pub search_text: String,
}

/// The validators a server gave for a feed, sent back on the next poll.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// An extra request header (a source's, a webhook's), its name and value
/// checked by the configuration. Its value may be a credential, so `Debug`
/// (and so any log of what holds it) never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: <redacted>", self.name)
    }
}

/// A stored item as the published feeds show it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The entry's permanent Atom id (`urn:uuid:…`, derived from source id
    /// and item key).
    pub entry_id: String,
    pub source_id: SourceId,
    pub source_title: String,
    pub source_url: String,
    pub source_link: Option<String>,
    /// The publisher's own id for its feed, when it has one.
    pub source_feed_id: Option<String>,
    pub source_format: Option<FeedFormat>,
    /// The last successful poll of the source that found its feed changed.
    pub source_updated: Option<DateTime<Utc>>,
    pub link: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub content: Option<String>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// When the entry last changed: the feed's date, else when first seen.
    pub updated: DateTime<Utc>,
    pub tags: Vec<String>,
    /// Why it carries its tags: the matches of the item and its
    /// cross-source copies, by tag then field.
    pub matches: Vec<Match>,
    /// Tags a context cancelled, by tag.
    pub cancelled: Vec<Cancelled>,
    /// The same article as published by other sources.
    pub copies: Vec<Copy>,
    /// Where this entry stands in the feed's order, for the next page's
    /// `before=` (opaque to readers).
    pub cursor: String,
}

/// A cross-source copy of an entry: the same article from another source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    pub source_id: SourceId,
    pub source_title: String,
    /// The copy's own link, which may differ (tracking parameters, http).
    pub link: Option<String>,
    pub source_url: String,
    pub source_format: Option<FeedFormat>,
}

/// A permanent `urn:uuid:` name for the given parts: a name-based UUID
/// (RFC 9562 version 8) from their SHA-256, stable across versions and
/// machines (never a random or `DefaultHasher` value).
pub fn name_urn(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = lower_hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `bytes` as lower-case hexadecimal, from a table (`format!` per byte
/// cost more than the hash it printed).
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    hex
}

/// Entries that the tests of the JSON the project emits (webhook
/// payloads, JSON Feed) share.
#[cfg(test)]
pub(crate) mod examples {
    use chrono::DateTime;

    use super::*;

    /// An entry with every field the payload may carry.
    pub(crate) fn full_entry() -> Entry {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        Entry {
            entry_id: "urn:uuid:00000000-0000-8000-8000-000000000001".into(),
            source_id: SourceId::new("vp"),
            source_title: "Valsts policija".into(),
            source_url: "https://www.vp.gov.lv/rss".into(),
            source_link: Some("https://www.vp.gov.lv/".into()),
            source_feed_id: Some("urn:vp".into()),
            source_format: Some(crate::model::FeedFormat::Rss),
            source_updated: Some(at("2026-11-28T08:00:00Z")),
            link: Some("https://www.vp.gov.lv/lv/jaunums/1?a=1&b=<2>".into()),
            title: "Cilvēku tirdzniecība: \"aizturēti\" <trīs>".into(),
            summary: Some("<p>Policija <b>aiztur</b> &amp; ziņo</p>".into()),
            content: Some("<p>Pilns teksts</p><script>x()</script>".into()),
            author: Some("Preses dienests".into()),
            language: Some("lv".into()),
            published: Some(at("2026-11-28T09:15:00Z")),
            updated: at("2026-11-28T10:00:00Z"),
            tags: vec!["trafficking".into(), "forced-labour".into()],
            matches: vec![
                Match {
                    tag: "trafficking".into(),
                    term: "cilvēku tirdzniecīb*".into(),
                    field: Field::Title,
                    end_field: None,
                    text: "Cilvēku tirdzniecība".into(),
                    snippet: "Cilvēku tirdzniecība: \"aizturēti\"".into(),
                },
                Match {
                    tag: "forced-labour".into(),
                    term: "piespiedu darb*".into(),
                    field: Field::Title,
                    end_field: Some(Field::Summary),
                    text: "piespiedu… …darbs".into(),
                    snippet: "piespiedu… …darbs".into(),
                },
            ],
            cancelled: vec![Cancelled {
                tag: "smuggling".into(),
                term: "kontrabanda*".into(),
                field: Field::Summary,
                text: "kontrabandu".into(),
                context: "cigaret*".into(),
                context_field: Field::Content,
                context_text: "cigaretes".into(),
            }],
            copies: vec![
                Copy {
                    source_id: SourceId::new("iem"),
                    source_title: "Iekšlietu ministrija".into(),
                    link: Some("https://www.iem.gov.lv/lv/jaunums/1".into()),
                    source_url: "https://www.iem.gov.lv/rss".into(),
                    source_format: None,
                },
                Copy {
                    source_id: SourceId::new("lsm"),
                    source_title: "LSM".into(),
                    link: None,
                    source_url: "https://www.lsm.lv/rss".into(),
                    source_format: None,
                },
            ],
            cursor: "c".into(),
        }
    }

    /// An entry with nothing but what every entry has.
    pub(crate) fn bare_entry() -> Entry {
        Entry {
            entry_id: "urn:uuid:00000000-0000-8000-8000-000000000002".into(),
            source_id: SourceId::new("cbss"),
            source_title: "CBSS".into(),
            source_url: "https://cbss.org/feed/".into(),
            source_link: None,
            source_feed_id: None,
            source_format: None,
            source_updated: None,
            link: None,
            title: "News".into(),
            summary: None,
            content: None,
            author: None,
            language: None,
            published: None,
            updated: DateTime::UNIX_EPOCH,
            tags: Vec::new(),
            matches: Vec::new(),
            cancelled: Vec::new(),
            copies: Vec::new(),
            cursor: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Entry ids are permanent: the name of a known item, worked out
    /// apart (Python's hashlib), stays what it was.
    #[test]
    fn entry_names_and_hex_stay_what_they_were() {
        assert_eq!(
            super::name_urn(&["cbss", "guid:https://cbss.org/?p=1"]),
            "urn:uuid:7a772208-8c20-8f08-8451-5c6715686429"
        );
        assert_eq!(super::lower_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
