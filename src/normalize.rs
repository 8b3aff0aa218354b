//! [`RawEntry`] ─▶ [`Item`]: stable item keys, absolute and canonical
//! links, plain-text titles, HTML bodies, dates. Pure functions, no I/O.

use quick_xml::escape::{escape, resolve_html5_entity};
use sha2::{Digest, Sha256};
use url::Url;

use crate::model::{Field, Item, Match, RawEntry, TaggedItem, Text};

/// Context an entry is normalised in.
pub struct Context<'a> {
    /// What relative links resolve against ([`crate::model::RawFeed::base`]).
    pub base: &'a Url,
    /// The configured language of the source, if any.
    pub source_language: Option<&'a str>,
    /// The language the feed declares for itself.
    pub feed_language: Option<&'a str>,
    pub detect: &'a crate::lang::Detect,
}

/// Longest title kept, in characters; a hostile feed's 1 MB title is cut.
pub(crate) const MAX_TITLE_CHARS: usize = 1_000;
/// Longest summary and content kept, in characters.
pub(crate) const MAX_SUMMARY_CHARS: usize = 100_000;
pub(crate) const MAX_CONTENT_CHARS: usize = 1_000_000;
const MAX_NAME_CHARS: usize = 200;
const MAX_CATEGORIES: usize = 50;

pub fn item(raw: RawEntry, cx: &Context<'_>) -> Item {
    item_and_text(raw, cx).0
}

/// The plain text of an item's summary, or of its content when it has no
/// summary: normalising reads it (for the language), and tagging and
/// search read it again, so it is made once.
#[derive(Debug, Default)]
pub(crate) struct BodyText {
    pub summary: Option<String>,
    pub content: Option<String>,
}

/// The texts of an item the keyword rules read: its title, its summary
/// and content as plain text, its categories one per line, and the
/// article behind it when a `full_text` source fetched one. The one
/// place that says what is tagged: a poll, `retag`, the article fetch,
/// `thbwatch match --item` and `thbwatch eval` all read items through it.
#[derive(Debug)]
pub struct Texts<'a> {
    item: &'a Item,
    summary: Option<String>,
    content: String,
    categories: String,
    article: Option<&'a str>,
}

impl<'a> Texts<'a> {
    /// The texts of a stored (or otherwise normalised) item.
    pub fn of(item: &'a Item) -> Texts<'a> {
        Texts::made(item, BodyText::default())
    }

    /// [`Texts::of`], with the plain text normalising already made.
    pub(crate) fn made(item: &'a Item, made: BodyText) -> Texts<'a> {
        let summary = made.summary.or_else(|| item.summary.as_deref().map(html_to_text));
        let content = made
            .content
            .or_else(|| item.content.as_deref().map(html_to_text))
            .unwrap_or_default();
        Texts {
            item,
            summary,
            content,
            categories: item.categories.join("\n"),
            article: None,
        }
    }

    /// With the text of the item's article, when there is one.
    pub(crate) fn with_article(self, article: Option<&'a str>) -> Texts<'a> {
        Texts { article, ..self }
    }

    /// Each text with the field it is, in the order the rules read them.
    pub(crate) fn fields(&self) -> Vec<(Field, &str)> {
        let mut fields = Vec::with_capacity(5);
        fields.extend([
            (Field::Title, self.item.title.as_str()),
            (Field::Summary, self.summary.as_deref().unwrap_or_default()),
            (Field::Content, self.content.as_str()),
            (Field::Categories, self.categories.as_str()),
        ]);
        fields.extend(self.article.map(|article| (Field::Article, article)));
        fields
    }

    /// The item's language, which decides the rules that apply.
    pub(crate) fn language(&self) -> Option<&str> {
        self.item.language.as_deref()
    }
}

/// [`item`], with the plain text it read.
pub(crate) fn item_and_text(mut raw: RawEntry, cx: &Context<'_>) -> (Item, BodyText) {
    // Parsed once: the canonical form is made from the parsed link.
    let url = raw.links.iter().find_map(|l| absolute_http(cx.base, l));
    let canonical_link = url.clone().and_then(canonical_url);
    let link: Option<String> = url.map(String::from);
    // Before the bodies are taken: an entry without a title borrows theirs.
    let title = clean_owned(title(&raw), MAX_TITLE_CHARS);
    let body = |text: Option<Text>, max| {
        text.map(|t| clean_owned(into_html(t), max))
            .filter(|s| !s.trim().is_empty())
    };
    let summary = body(raw.summary.take(), MAX_SUMMARY_CHARS);
    let content = body(raw.content.take(), MAX_CONTENT_CHARS);
    let published = raw.published.or(raw.updated);
    let key = key(
        &raw,
        canonical_link.as_deref(),
        &title,
        published,
        content.as_deref().or(summary.as_deref()),
    );
    // The canonical link: a new tracking parameter is not an edit.
    let content_hash = sha256_hex(&[
        &title,
        canonical_link.as_deref().or(link.as_deref()).unwrap_or(""),
        summary.as_deref().unwrap_or(""),
        content.as_deref().unwrap_or(""),
    ]);
    let text = match (&summary, &content) {
        (Some(summary), _) => BodyText {
            summary: Some(html_to_text(summary)),
            content: None,
        },
        (None, Some(content)) => BodyText {
            summary: None,
            content: Some(html_to_text(content)),
        },
        (None, None) => BodyText::default(),
    };
    let language = language(&raw, &title, text.summary.as_deref().or(text.content.as_deref()), cx);
    let item = Item {
        key,
        link,
        canonical_link,
        title,
        summary,
        content,
        author: raw
            .authors
            .first()
            .map(|a| clean(&collapse_whitespace(a), MAX_NAME_CHARS))
            .filter(|a| !a.is_empty()),
        categories: raw
            .categories
            .iter()
            .take(MAX_CATEGORIES)
            .map(|c| clean(&collapse_whitespace(c), MAX_NAME_CHARS))
            .filter(|c| !c.is_empty())
            .collect(),
        language,
        published,
        updated: raw.updated,
        content_hash,
    };
    (item, text)
}

/// The item's language: detected from its title and text when detection
/// is sure, else what the entry, the source's configuration or the feed
/// declares (a feed's one declaration often covers items in another
/// language, so it comes last).
fn language(raw: &RawEntry, title: &str, body_text: Option<&str>, cx: &Context<'_>) -> Option<String> {
    let hint = cx.source_language.or(cx.feed_language);
    // Detection reads at most 600 characters: the title and the start of
    // the text, cut where a character starts rather than copied one by one.
    let text = body_text.map(|text| crate::lang::first_chars(text, 600));
    let mut sample = String::with_capacity(title.len() + 2 + text.map_or(0, str::len));
    sample.push_str(title);
    if let Some(text) = text {
        sample.push_str(". ");
        sample.push_str(text);
    }
    cx.detect.detect(&sample, hint).or_else(|| {
        [raw.language.as_deref(), cx.source_language, cx.feed_language]
            .into_iter()
            .flatten()
            .find_map(language_tag)
    })
}

/// A language as `xml:lang` accepts it (`lv`, `en-gb`): `lv_LV` is
/// mended, anything else that does not fit is dropped.
fn language_tag(text: &str) -> Option<String> {
    let tag = text.trim().replace('_', "-").to_ascii_lowercase();
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    (primary_ok && rest_ok).then_some(tag)
}

/// GUID, else canonical link, else a hash of what the entry says: never
/// random, so the same entry keeps its key across polls and versions.
fn key(
    raw: &RawEntry,
    canonical: Option<&str>,
    title: &str,
    date: Option<chrono::DateTime<chrono::Utc>>,
    body: Option<&str>,
) -> String {
    if let Some(guid) = &raw.guid {
        return format!("guid:{guid}");
    }
    if let Some(link) = canonical {
        return format!("link:{link}");
    }
    let date = date.map(|d| d.to_rfc3339()).unwrap_or_default();
    format!("hash:{}", sha256_hex(&[title, &date, body.unwrap_or("")]))
}

/// [`canonical_url`] of a link's text (what the tests give).
#[cfg(test)]
fn canonical_link(link: &str) -> Option<String> {
    canonical_url(Url::parse(link).ok()?)
}

/// The link with scheme folded to https, host lower-cased, default port,
/// fragment and `utm_*` parameters removed: equal results mean the same
/// article. `None` for anything but http(s).
fn canonical_url(mut url: Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if url.scheme() == "http" {
        let port = url.port();
        url.set_scheme("https").ok()?;
        // :80 meant "the default" for http; keep other explicit ports.
        if port.is_none() || port == Some(80) {
            url.set_port(None).ok()?;
        }
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url.into())
}

/// A link made absolute against `base`, if it is then http or https
/// (never `javascript:`, `data:` or the like).
fn absolute_http(base: &Url, link: &str) -> Option<Url> {
    let url = base.join(link.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Drops control characters (NUL and the like, which XML cannot carry;
/// tab and line breaks stay), bidirectional controls and byte-order marks
/// (see [`is_hidden_control`]), and cuts the text at `max_chars`.
pub(crate) fn clean(text: &str, max_chars: usize) -> String {
    if is_clean(text, max_chars) {
        return text.to_string();
    }
    clean_chars(text, max_chars)
}

/// [`clean`] of a text already owned: kept as it is when nothing is to
/// be dropped or cut (most texts), without copying it.
fn clean_owned(text: String, max_chars: usize) -> String {
    match is_clean(&text, max_chars) {
        true => text,
        false => clean_chars(&text, max_chars),
    }
}

/// Whether [`clean`] would give `text` back unchanged, found without
/// decoding every character: only ASCII controls and characters whose
/// UTF-8 starts with one of four bytes can be dropped (C1 controls: C2;
/// U+061C: D8; the bidirectional marks, embeddings and isolates: E2;
/// U+FEFF, U+FFFE and U+FFFF: EF). Continuation bytes (80 to BF) are
/// never one of those, so the text is walked a byte at a time.
fn is_clean(text: &str, max_chars: usize) -> bool {
    // No more bytes than `max_chars` is no more characters either.
    if text.len() > max_chars && text.chars().count() > max_chars {
        return false;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match CLEAN[bytes[i] as usize] {
            KEEP => i += 1,
            DROP => return false,
            _ => {
                let c = text[i..].chars().next().unwrap_or('\0');
                if !keep_char(c) {
                    return false;
                }
                i += c.len_utf8();
            }
        }
    }
    true
}

/// What [`is_clean`] makes of a byte: kept as it is, dropped (an ASCII
/// control but tab and line breaks), or the start of a character to look
/// at (C2, D8, E2, EF).
const KEEP: u8 = 0;
const DROP: u8 = 1;
const CLEAN: [u8; 256] = {
    let mut table = [KEEP; 256];
    let mut b = 0;
    while b < 0x20 {
        if !matches!(b as u8, b'\t' | b'\n' | b'\r') {
            table[b] = DROP;
        }
        b += 1;
    }
    table[0x7F] = DROP;
    table[0xC2] = 2;
    table[0xD8] = 2;
    table[0xE2] = 2;
    table[0xEF] = 2;
    table
};

/// [`clean`], character by character.
fn clean_chars(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    for (count, c) in text.chars().filter(|c| keep_char(*c)).enumerate() {
        if count == max_chars {
            out.truncate(out.trim_end().len());
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

fn keep_char(c: char) -> bool {
    let allowed_control = matches!(c, '\t' | '\n' | '\r');
    (!c.is_control() || allowed_control) && !matches!(c, '\u{FFFE}' | '\u{FFFF}') && !is_hidden_control(c)
}

/// Invisible characters that change how the text around them is shown:
/// bidirectional embeddings, overrides, isolates and marks (a title can
/// then display reversed, or a link text hide what it says), and the
/// byte-order mark / zero-width no-break space. None of the twelve
/// languages served needs them, so published text never carries them.
pub(crate) fn is_hidden_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// `text` without [`is_hidden_control`] characters (a whole rendered
/// document: they are never part of JSON, XML or HTML syntax).
pub(crate) fn without_hidden_controls(mut text: String) -> String {
    if text.chars().any(is_hidden_control) {
        text.retain(|c| !is_hidden_control(c));
    }
    text
}

/// A plain-text title; entries without one borrow the start of their text.
fn title(raw: &RawEntry) -> String {
    let from = |t: &Option<Text>| t.as_ref().map(plain_text).filter(|s| !s.is_empty());
    if let Some(title) = from(&raw.title) {
        return title;
    }
    match from(&raw.summary).or_else(|| from(&raw.content)) {
        Some(text) if text.chars().count() > 80 => {
            let cut: String = text.chars().take(80).collect();
            format!("{}…", cut.trim_end())
        }
        Some(text) => text,
        None => "(untitled)".to_string(),
    }
}

/// Text for reading and keyword matching, whatever the markup.
pub(crate) fn plain_text(text: &Text) -> String {
    if text.is_html {
        html_to_text(&text.body)
    } else {
        collapse_whitespace(&text.body)
    }
}

/// The body as HTML, trimmed: kept without a copy when it already is.
fn into_html(text: Text) -> String {
    let trimmed = text.body.trim();
    let unchanged = trimmed.len() == text.body.len();
    match (text.is_html, unchanged) {
        (true, true) => text.body,
        (true, false) => trimmed.to_string(),
        (false, _) => match escape(trimmed) {
            std::borrow::Cow::Borrowed(_) if unchanged => text.body,
            escaped => escaped.into_owned(),
        },
    }
}

/// An item with matches found elsewhere (a test's, a benchmark's), its
/// search text made as a poll makes it.
pub fn tagged(item: Item, matches: Vec<Match>) -> TaggedItem {
    let summary = item.summary.as_deref().map(html_to_text);
    let search_text = search_text(&item.title, summary.as_deref());
    TaggedItem {
        item,
        matches,
        cancelled: Vec::new(),
        search_text,
    }
}

/// What `?q=` searches: title and summary text (already plain), folded
/// like keyword matching (so "zmonemis" finds "žmonėmis").
pub(crate) fn search_text(title: &str, summary_text: Option<&str>) -> String {
    let mut text = String::with_capacity(title.len() + 1 + summary_text.map_or(0, str::len));
    text.push_str(title);
    text.push(' ');
    text.push_str(summary_text.unwrap_or_default());
    crate::fold::fold(&text)
}

/// Drops tags (and the insides of script and style), decodes entities,
/// collapses white space: in one pass, each stretch between tags decoded
/// and written collapsed (a tag reads as white space, so no reference
/// spans two stretches).
pub fn html_to_text(html: &str) -> String {
    let mut out = Collapsed::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_text(&rest[..open]);
        out.push_space();
        let tag = &rest[open..];
        // Script and style hold code, not text: skip to their end tag (or
        // to the end of the document when it never comes, as browsers do).
        let code_element = ["script", "style"]
            .into_iter()
            .find(|name| tag.get(1..1 + name.len()).is_some_and(|t| t.eq_ignore_ascii_case(name)));
        let after = match code_element {
            Some(name) => match find_ignore_case(tag, &format!("</{name}")) {
                Some(end) => end,
                None => {
                    rest = "";
                    break;
                }
            },
            None => 0,
        };
        rest = match tag[after..].find('>') {
            Some(close) => &tag[after + close + 1..],
            None => "",
        };
    }
    out.push_text(rest);
    out.text
}

/// Text written with its white space collapsed to single spaces, none
/// at either end, references decoded.
struct Collapsed {
    text: String,
    /// White space was seen since the last word.
    space: bool,
}

impl Collapsed {
    fn with_capacity(capacity: usize) -> Collapsed {
        Collapsed {
            text: String::with_capacity(capacity),
            space: false,
        }
    }

    fn push_space(&mut self) {
        self.space = true;
    }

    /// Markup-free text, its references decoded first (a decoded
    /// reference may be white space).
    fn push_text(&mut self, text: &str) {
        match text.contains('&') {
            true => self.push_plain(&decode_entities(text)),
            false => self.push_plain(text),
        }
    }

    fn push_plain(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let (mut i, mut word) = (0, 0);
        while i < bytes.len() {
            let (white, len) = match SPACES[bytes[i] as usize] {
                NOT_SPACE => {
                    i += 1;
                    continue;
                }
                SPACE => (true, 1),
                _ => {
                    let c = text[i..].chars().next().unwrap_or('\0');
                    (c.is_whitespace(), c.len_utf8())
                }
            };
            if white {
                self.push_word(&text[word..i]);
                self.space = true;
                word = i + len;
            }
            i += len;
        }
        self.push_word(&text[word..]);
    }

    fn push_word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.space = false;
        self.text.push_str(word);
    }
}

/// What [`Collapsed::push_plain`] makes of a byte: white space (ASCII),
/// not (any other ASCII byte, any byte inside a character, and the start
/// of any character that is never white space), or the start of a
/// character that may be (C2: U+0085, U+00A0; E1: U+1680; E2: U+2000 to
/// U+205F; E3: U+3000), decoded to see. A byte inside a character is
/// never one of those starts, so the text is walked a byte at a time.
const NOT_SPACE: u8 = 0;
const SPACE: u8 = 1;
const SPACES: [u8; 256] = {
    let mut table = [NOT_SPACE; 256];
    table[b' ' as usize] = SPACE;
    table[b'\t' as usize] = SPACE;
    table[b'\n' as usize] = SPACE;
    table[0x0B] = SPACE;
    table[0x0C] = SPACE;
    table[b'\r' as usize] = SPACE;
    table[0xC2] = 2;
    table[0xE1] = 2;
    table[0xE2] = 2;
    table[0xE3] = 2;
    table
};

/// Decodes named (HTML5) and numeric character references, leaving
/// anything that is not one as written: publishers' text is full of stray
/// ampersands ("AT&T", "R&D") that a strict XML unescaper rejects outright.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let candidate = &rest[amp + 1..];
        let decoded = candidate
            .find(';')
            .filter(|end| *end > 0 && *end <= 32)
            .and_then(|end| Some((character_reference(&candidate[..end])?, end)));
        match decoded {
            Some((replacement, end)) => {
                out.push_str(&replacement);
                rest = &candidate[end + 1..];
            }
            None => {
                out.push('&');
                rest = candidate;
            }
        }
    }
    out.push_str(rest);
    out
}

fn character_reference(name: &str) -> Option<String> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    resolve_html5_entity(name).map(str::to_string)
}

/// Byte offset of an ASCII `needle` in `haystack`, ignoring ASCII case,
/// without copying the haystack (a document may hold thousands of scripts).
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = Collapsed::with_capacity(s.len());
    out.push_plain(s);
    out.text
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    crate::model::lower_hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytewise walks agree with reading every character, for every
    /// character of the Basic Multilingual Plane and a few beyond: white
    /// space is what `char::is_whitespace` says, and a text is clean when
    /// every character is kept.
    #[test]
    fn bytewise_walks_agree_with_reading_each_character() {
        let chars = (0..0x1_0000u32).chain([0x1_0000, 0x1_D11E, 0xE_0001, 0x10_FFFF]);
        for c in chars.filter_map(char::from_u32) {
            let text = format!("a{c}b {c}{c} ž{c}\u{A0}c{c}");
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(collapse_whitespace(&text), expected, "U+{:04X}", c as u32);
            assert_eq!(
                is_clean(&text, 1_000),
                text.chars().all(keep_char),
                "U+{:04X}",
                c as u32
            );
            assert_eq!(
                clean(&text, 1_000),
                text.chars().filter(|c| keep_char(*c)).collect::<String>()
            );
        }
    }

    /// What the rules read of an item: plain text, categories one per
    /// line, the article only when there is one; the same whether the
    /// body's text was made while normalising or is made from the stored
    /// HTML.
    #[test]
    fn the_texts_tagged_are_the_same_on_every_path() {
        let item = Item {
            title: "Cilvēku tirdzniecība".into(),
            summary: Some("<p>Policija <b>aiztur</b> &amp; ziņo</p>".into()),
            content: Some("<p>Pilns teksts</p>".into()),
            categories: vec!["Noziegumi".into(), "Policija".into()],
            language: Some("lv".into()),
            ..Item::default()
        };
        let stored = Texts::of(&item);
        let expected = [
            (Field::Title, "Cilvēku tirdzniecība"),
            (Field::Summary, "Policija aiztur & ziņo"),
            (Field::Content, "Pilns teksts"),
            (Field::Categories, "Noziegumi\nPolicija"),
        ];
        assert_eq!(stored.fields(), expected);
        assert_eq!(stored.language(), Some("lv"));
        let made = BodyText {
            summary: Some(html_to_text(item.summary.as_deref().unwrap())),
            content: None,
        };
        assert_eq!(Texts::made(&item, made).fields(), expected);
        let with_article = Texts::of(&item).with_article(Some("Raksts"));
        assert_eq!(with_article.fields()[4], (Field::Article, "Raksts"));
    }

    static DETECT: std::sync::LazyLock<crate::lang::Detect> = std::sync::LazyLock::new(Default::default);

    fn cx(base: &Url) -> Context<'_> {
        Context {
            base,
            source_language: Some("lv"),
            feed_language: Some("en"),
            detect: &DETECT,
        }
    }

    #[test]
    fn canonical_links_fold_what_does_not_change_the_article() {
        let cases = [
            (
                "http://Example.ORG/a?utm_source=x&id=3#top",
                Some("https://example.org/a?id=3"),
            ),
            (
                "https://example.org:443/a?utm_medium=rss",
                Some("https://example.org/a"),
            ),
            ("http://example.org:8080/a", Some("https://example.org:8080/a")),
            ("HTTPS://EXAMPLE.org/Path", Some("https://example.org/Path")),
            ("mailto:a@example.org", None),
            ("not a url", None),
        ];
        for (input, expected) in cases {
            assert_eq!(canonical_link(input).as_deref(), expected, "{input}");
        }
    }

    /// The canonical form made from the parsed link is the one made by
    /// parsing the link's text again, whatever the link.
    #[test]
    fn canonical_links_from_parsed_links_are_those_from_their_text() {
        let base = Url::parse("http://Example.org:80/news/feed.xml?utm_x=1").unwrap();
        let links = [
            "a.html",
            "/b?utm_source=x&id=2#top",
            "HTTP://EXAMPLE.org:8080/%7Euser/./x/../y?q=a%20b&utm_medium=m",
            "https://xn--80ak6aa92e.com/путь?запрос=да",
            "//other.example/p;param?x=1&&y",
            "http://[::1]:80/ipv6",
            "http://user:pass@host.example/?",
            " https://example.org/trailing space ",
            "https://example.org/a?b=c+d&utm_campaign=&e",
        ];
        for link in links {
            let Some(url) = absolute_http(&base, link) else {
                continue;
            };
            assert_eq!(canonical_url(url.clone()), canonical_link(url.as_str()), "{link}");
        }
    }

    #[test]
    fn keys_prefer_guid_then_link_then_a_content_hash() {
        let base = Url::parse("https://example.org/feed").unwrap();
        let mut raw = RawEntry {
            guid: Some("abc".into()),
            links: vec!["/news/1?utm_source=rss".into()],
            title: Some(Text {
                body: "T".into(),
                is_html: false,
            }),
            ..RawEntry::default()
        };
        assert_eq!(item(raw.clone(), &cx(&base)).key, "guid:abc");
        raw.guid = None;
        let by_link = item(raw.clone(), &cx(&base));
        assert_eq!(by_link.key, "link:https://example.org/news/1");
        assert_eq!(
            by_link.link.as_deref(),
            Some("https://example.org/news/1?utm_source=rss")
        );
        raw.links.clear();
        let first = item(raw.clone(), &cx(&base)).key;
        assert!(first.starts_with("hash:"));
        assert_eq!(first, item(raw.clone(), &cx(&base)).key, "stable across calls");
        raw.title = Some(Text {
            body: "Other".into(),
            is_html: false,
        });
        assert_ne!(first, item(raw, &cx(&base)).key);
    }

    /// Stored content hashes are compared with new ones: the hash of
    /// known parts, worked out apart (Python's hashlib), stays what it was.
    #[test]
    fn content_hashes_stay_what_they_were() {
        assert_eq!(
            sha256_hex(&["Title", "https://a.example/1", "", ""]),
            "060d4a24c35b8f21bed7fcb9d06c9179960d839d52d48dbec8f80e8052dd4c2f"
        );
    }

    #[test]
    fn control_characters_are_dropped_and_long_text_cut() {
        assert_eq!(clean("a\u{0}b\u{1b}c\td\ne", 100), "abc\td\ne");
        assert_eq!(clean("word ".repeat(10).as_str(), 12), "word word wo…");
        assert_eq!(clean("ā".repeat(5).as_str(), 5), "āāāāā");
        let huge = "x".repeat(1_000_000);
        assert_eq!(clean(&huge, MAX_TITLE_CHARS).chars().count(), MAX_TITLE_CHARS + 1);
    }

    #[test]
    fn bidirectional_controls_and_byte_order_marks_are_dropped() {
        let spoofed = "\u{FEFF}Police \u{202E}gnikciffart\u{202C} \u{2066}case\u{2069}\u{200F}\u{061C}";
        assert_eq!(clean(spoofed, 100), "Police gnikciffart case");
        assert_eq!(without_hidden_controls(spoofed.to_string()), "Police gnikciffart case");
        // Letters of every served language stay, zero-width joiners too.
        let kept = "Žmonėmis prekyba, cilvēku tirdzniecība, торговля людьми, a\u{200D}b";
        assert_eq!(clean(kept, 100), kept);
    }

    /// Texts built at random from pieces that each path treats apart:
    /// tags, references, white space of every kind, controls, the
    /// characters cleaning drops and letters beside them.
    fn random_texts() -> Vec<String> {
        const PIECES: &[&str] = &[
            "a",
            "Žmonėmis",
            "торговля",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\u{A0}",
            "\u{2009}",
            "\u{3000}",
            "\u{85}",
            "\u{0B}",
            "\u{0C}",
            "<b>",
            "</b>",
            "<p class=\"x\">",
            "<br/>",
            "<",
            ">",
            "<script>x<b></script>",
            "<style>",
            "&amp;",
            "&nbsp;",
            "&#32;",
            "&#x17E;",
            "&bogus;",
            "&",
            ";",
            "AT&T",
            "&#8203;",
            "&lt;b&gt;",
            "\u{0}",
            "\u{1B}",
            "\u{7F}",
            "\u{80}",
            "\u{9F}",
            "\u{A0}",
            "\u{C2}",
            "\u{61C}",
            "\u{600}",
            "\u{200E}",
            "\u{200D}",
            "\u{202E}",
            "\u{2030}",
            "\u{2066}",
            "\u{2069}",
            "\u{2070}",
            "\u{FEFF}",
            "\u{FEFE}",
            "\u{FFFD}",
            "\u{FFFE}",
            "\u{FFFF}",
            "ā",
            "…",
            "€",
            "😀",
        ];
        let mut rng = fastrand::Rng::with_seed(20);
        (0..20_000)
            .map(|_| {
                (0..rng.usize(0..24))
                    .map(|_| PIECES[rng.usize(..PIECES.len())])
                    .collect()
            })
            .collect()
    }

    /// Cleaning, markup removal and white-space collapsing take fast paths
    /// and one pass where they took several: they give what the plain
    /// character-by-character versions gave.
    #[test]
    fn the_fast_paths_give_what_the_plain_versions_gave() {
        fn former_collapse(s: &str) -> String {
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        fn former_html_to_text(html: &str) -> String {
            let mut out = String::new();
            let mut rest = html;
            while let Some(open) = rest.find('<') {
                out.push_str(&rest[..open]);
                out.push(' ');
                let tag = &rest[open..];
                let code = ["script", "style"]
                    .into_iter()
                    .find(|name| tag.get(1..1 + name.len()).is_some_and(|t| t.eq_ignore_ascii_case(name)));
                let after = match code {
                    Some(name) => match find_ignore_case(tag, &format!("</{name}")) {
                        Some(end) => end,
                        None => {
                            rest = "";
                            break;
                        }
                    },
                    None => 0,
                };
                rest = tag[after..].find('>').map_or("", |close| &tag[after + close + 1..]);
            }
            out.push_str(rest);
            former_collapse(&decode_entities(&out))
        }
        for text in random_texts() {
            assert_eq!(html_to_text(&text), former_html_to_text(&text), "{text:?}");
            assert_eq!(collapse_whitespace(&text), former_collapse(&text), "{text:?}");
            for max in [3, 10, 1000] {
                assert_eq!(clean(&text, max), clean_chars(&text, max), "{text:?}, {max}");
                assert_eq!(
                    clean_owned(text.clone(), max),
                    clean_chars(&text, max),
                    "{text:?}, {max}"
                );
            }
        }
    }

    #[test]
    fn html_becomes_text_for_titles() {
        assert_eq!(
            html_to_text("<b>Cilvēku</b>&nbsp;tirdzniecība &amp; <i>x</i>"),
            "Cilvēku tirdzniecība & x"
        );
        assert_eq!(
            html_to_text("a<script>var x = '<b>';</script>b<style>p{}</style>c"),
            "a b c"
        );
        assert_eq!(html_to_text("broken <a href="), "broken");
        assert_eq!(html_to_text("AT&T &bogus stays"), "AT&T &bogus stays");
        assert_eq!(
            html_to_text("R&D &amp; trafficking&#8203;&#x17E;&nope;"),
            "R&D & trafficking\u{200B}ž&nope;"
        );
        assert_eq!(html_to_text("x<SCRIPT>a</Script>y<script>never closed"), "x y");
    }

    #[test]
    fn plain_text_bodies_are_escaped_and_languages_chosen() {
        let base = Url::parse("https://example.org/feed").unwrap();
        let raw = RawEntry {
            summary: Some(Text {
                body: "1 < 2".into(),
                is_html: false,
            }),
            ..RawEntry::default()
        };
        let item = item(raw, &cx(&base));
        assert_eq!(item.summary.as_deref(), Some("1 &lt; 2"));
        assert_eq!(item.title, "1 < 2");
        assert_eq!(item.language.as_deref(), Some("lv"));
    }

    #[test]
    fn languages_are_mended_or_dropped() {
        let cases = [
            ("lv_LV", Some("lv-lv")),
            (" EN-gb ", Some("en-gb")),
            ("lv lv", None),
            ("", None),
            ("русский", None),
        ];
        for (input, expected) in cases {
            assert_eq!(language_tag(input).as_deref(), expected, "{input:?}");
        }
    }
}
