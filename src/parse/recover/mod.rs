//! Recovery of a document the strict parser refuses or misreads: one
//! tolerant pass over its tokens writes a well-formed document in a form
//! feed-rs reads (the RSS family as RSS 2.0, the Atom family as Atom 1.0)
//! and counts every repair. Each fault is mended where it is, the least
//! invasive way: a reference or character in place; an element closed
//! only where an ancestor's end tag proves it open; an entry dropped
//! whole when its title or link was damaged (never guessed at); at a
//! premature end, the incomplete entry dropped and the document closed.
//! Linear time and bounded output; DTD entities are never expanded.

mod check;
mod dialect;
mod entry;
mod text;
mod tokens;

use std::mem;

use quick_xml::events::BytesStart;

use self::dialect::{ATOM03, ATOM10, Family, Namespaces};
use self::entry::{Date, Entry, MAX_FALLBACK};
use self::tokens::{Token, Tokens};
use crate::model::{FeedFormat, Repair, Repairs};

pub(crate) use self::check::is_well_formed;
pub(crate) use self::dialect::read_as_is;

/// Deepest nesting written; deeper documents are refused, not repaired.
pub(crate) const MAX_DEPTH: usize = 512;
/// Longest base64 text decoded for one element.
const MAX_BASE64: usize = 1 << 20;

/// A document made well-formed, and what it took.
#[derive(Debug)]
pub(crate) struct Recovered {
    pub document: String,
    pub repairs: Repairs,
    /// Entry elements (`<item>`, `<entry>`) met, whether kept or dropped.
    pub entries: usize,
    /// Entry elements met where no feed has its entries (inside another
    /// element than the channel or root): not read.
    pub misplaced: usize,
    /// The format the document's root said it was in.
    pub format: FeedFormat,
}

/// Why a document cannot be recovered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("no <rss>, <rdf:RDF>, <feed> or <channel> element (the first element is <{0}>)")]
    NoRoot(String),
    #[error("no <rss>, <rdf:RDF>, <feed> or <channel> element")]
    Empty,
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("too damaged to repair")]
    TooDamaged,
}

/// Reads `input` tolerantly and writes it out well-formed.
pub(crate) fn recover(input: &str) -> Result<Recovered, Error> {
    Writer::new(input).run()
}

/// How an open element's content is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    Elements,
    /// Text (plain, or escaped HTML): markup inside it is part of the
    /// text, as when a description's HTML was not escaped.
    Text,
}

/// What an open element is to its feed.
#[derive(Debug)]
enum Role {
    Root,
    /// A channel, written as the output's one channel.
    Channel,
    Entry,
    Person,
    Title,
    /// An RSS link: its text is the entry's link.
    Link,
    Guid {
        permalink: bool,
    },
    FallbackTitle,
    FallbackDate(Date),
    /// An Atom link with its URL as text, written at its end.
    AtomLink {
        name: String,
        attributes: Vec<(String, String)>,
    },
    /// Base64 text, decoded and written at its end.
    Base64 {
        name: String,
        attributes: Vec<(String, String)>,
        html: bool,
    },
    /// Read, not written.
    Skipped,
    Other,
}

#[derive(Debug)]
struct Open {
    /// As written in the input, to match end tags.
    name: String,
    /// The end tag written for it, if any.
    end: Option<String>,
    role: Role,
    content: Content,
    /// The entry's title or link: damage here drops the entry.
    critical: bool,
    /// Whether its text is written (else only captured, if at all).
    written: bool,
    capture: Option<String>,
    /// Namespace bindings in scope before it.
    scope: usize,
    /// Inside a text element: the markup's elements open so far.
    markup: Vec<String>,
}

/// How an element ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Close {
    /// By its own end tag.
    Tag,
    /// By an ancestor's end tag, or the next entry's start.
    Implied,
    /// By the end of the input.
    Cut,
}

struct Writer<'a> {
    tokens: Tokens<'a>,
    out: String,
    limit: usize,
    repairs: Repairs,
    family: Option<Family>,
    /// The root's format (RSS 1.0 and 0.90 are written as RSS 2.0).
    format: FeedFormat,
    /// The output's `<channel>` start is not written yet: the input's own
    /// may still come, with its `xml:base` to keep.
    channel_pending: bool,
    namespaces: Namespaces,
    /// The declarations written on the output's root.
    root_bindings: Vec<(String, String)>,
    /// The input root's default namespace.
    root_default: Option<String>,
    stack: Vec<Open>,
    entry: Option<Entry>,
    entries: usize,
    misplaced: usize,
    first_element: Option<String>,
    outside_root: bool,
    scratch: String,
}

impl<'a> Writer<'a> {
    fn new(input: &'a str) -> Writer<'a> {
        Writer {
            tokens: Tokens::new(input),
            out: String::with_capacity(input.len() + 256),
            limit: (input.len() * 2).max(input.len() + (1 << 20)),
            repairs: Repairs::default(),
            family: None,
            format: FeedFormat::Rss,
            channel_pending: false,
            namespaces: Namespaces::default(),
            root_bindings: Vec::new(),
            root_default: None,
            stack: Vec::new(),
            entry: None,
            entries: 0,
            misplaced: 0,
            first_element: None,
            outside_root: false,
            scratch: String::new(),
        }
    }

    fn run(mut self) -> Result<Recovered, Error> {
        self.out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let mut root_closed = false;
        while let Some(token) = self.tokens.next().map_err(|_| Error::TooDamaged)? {
            if root_closed {
                if !is_blank(&token) {
                    self.repairs.add(Repair::OutsideRoot);
                    break;
                }
                continue;
            }
            if self.family.is_none() {
                self.before_root(token)?;
            } else {
                self.token(token)?;
            }
            root_closed = self.family.is_some() && self.stack.is_empty();
            if self.out.len() > self.limit {
                return Err(Error::TooDamaged);
            }
        }
        if self.family.is_none() {
            return Err(self.first_element.map_or(Error::Empty, Error::NoRoot));
        }
        if !self.stack.is_empty() {
            self.repairs.truncated = true;
            while !self.stack.is_empty() {
                self.close(Close::Cut);
            }
        }
        Ok(Recovered {
            document: self.out,
            repairs: self.repairs,
            entries: self.entries,
            misplaced: self.misplaced,
            format: self.format,
        })
    }

    /// Before the root: anything but a feed's root element is dropped.
    fn before_root(&mut self, token: Token<'a>) -> Result<(), Error> {
        match token {
            Token::Start {
                name, attributes, raw, ..
            } => {
                let attributes = self.attributes(name, attributes, raw);
                let scope = self.namespaces.len();
                self.namespaces.declare(&attributes);
                let (prefix, local) = dialect::split_name(name);
                match dialect::family(local, self.namespaces.resolve(prefix)) {
                    Some(family) => {
                        let empty = matches!(token, Token::Start { empty: true, .. });
                        self.open_root(name, empty, family, attributes, scope);
                        Ok(())
                    }
                    None => {
                        self.namespaces.truncate(scope);
                        self.first_element.get_or_insert_with(|| name.to_string());
                        self.outside_root();
                        Ok(())
                    }
                }
            }
            Token::Other => Ok(()),
            token if is_blank(&token) => Ok(()),
            _ => {
                self.outside_root();
                Ok(())
            }
        }
    }

    fn outside_root(&mut self) {
        if !self.outside_root {
            self.outside_root = true;
            self.repairs.add(Repair::OutsideRoot);
        }
    }

    fn token(&mut self, token: Token<'a>) -> Result<(), Error> {
        if self.channel_pending {
            match token {
                Token::Start { name, .. } if dialect::split_name(name).1 == "channel" => {}
                token if is_blank(&token) => return Ok(()),
                _ => self.write_channel(&[]),
            }
        }
        match token {
            Token::Start {
                name,
                attributes,
                empty,
                raw,
            } => self.start(name, attributes, empty, raw)?,
            Token::End { name, raw } => self.end(name, raw),
            Token::Text(raw) => self.text(raw),
            Token::Literal(raw) => {
                self.repairs.add(Repair::LessThan);
                self.text(raw);
            }
            Token::Reference(name) => self.reference(name),
            Token::CData(data) => self.cdata(data),
            Token::Other => {}
        }
        Ok(())
    }

    fn top(&self) -> &Open {
        // The root stays on the stack while tokens are read.
        &self.stack[self.stack.len() - 1]
    }

    fn in_text(&self) -> bool {
        self.stack.last().is_some_and(|o| o.content != Content::Elements)
    }

    fn start(&mut self, name: &str, attributes: &'a str, empty: bool, raw: &str) -> Result<(), Error> {
        let (prefix, local) = dialect::split_name(name);
        let namespace = self.namespaces.resolve(prefix).map(str::to_string);
        let entry_start = self.is_entry(prefix, local, namespace.as_deref());
        if self.in_text() {
            if !entry_start {
                if let Some(top) = self.stack.last_mut().filter(|_| !empty && !is_void(local)) {
                    top.markup.push(name.to_string());
                }
                self.markup_in_text(raw);
                return Ok(());
            }
            self.close_to_entry_level();
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::TooDeep);
        }
        let attributes = self.attributes(name, attributes, raw);
        let scope = self.namespaces.len();
        self.namespaces.declare(&attributes);
        let namespace = self.namespaces.resolve(prefix).map(str::to_string);
        let starts_entry = entry_start && (self.entry.is_some() || self.at_entry_level()) && !self.root_is_entry();
        if starts_entry {
            self.close_to_entry_level();
            self.entries += 1;
            self.entry = Some(Entry::new(self.out.len()));
        } else if entry_start {
            self.misplaced += 1;
        }
        let element = Element {
            name,
            prefix,
            local,
            namespace: namespace.as_deref(),
            attributes,
            scope,
            starts_entry,
        };
        let open = match self.family {
            Some(Family::Rss { cdf }) => self.rss_element(element, cdf),
            _ => self.atom_element(element),
        };
        self.stack.push(open);
        if empty {
            self.close(Close::Tag);
        }
        Ok(())
    }

    fn end(&mut self, name: &str, raw: &str) {
        let cdf = matches!(self.family, Some(Family::Rss { cdf: true }));
        let matches = |open: &Open| open.name == name || (cdf && open.name.eq_ignore_ascii_case(name));
        match self.stack.iter().rposition(matches) {
            Some(i) => {
                while self.stack.len() > i + 1 {
                    self.close(Close::Implied);
                }
                self.close(Close::Tag);
            }
            // Inside text, an end tag that closes no element is the text's markup.
            None if self.in_text() => {
                self.markup_end(name);
                self.markup_in_text(raw);
            }
            None => self.repairs.add(Repair::StrayEndTag),
        }
    }

    /// An end tag in a text element's markup: what it leaves open or
    /// closes of nothing is counted, as elsewhere.
    fn markup_end(&mut self, name: &str) {
        let top = self.stack.len() - 1;
        let markup = &mut self.stack[top].markup;
        match markup.iter().rposition(|open| open == name) {
            Some(i) => {
                for _ in i + 1..markup.len() {
                    self.repairs.add(Repair::UnclosedElement);
                }
                markup.truncate(i);
            }
            // `</br>`, `</link>`: an end tag HTML does without.
            None if is_void(dialect::split_name(name).1) => {}
            None => self.repairs.add(Repair::StrayEndTag),
        }
    }

    /// A tag inside a text element: part of its text (unescaped HTML, or
    /// literal markup in plain text). Inside a link it changes the URL,
    /// so the entry is dropped.
    fn markup_in_text(&mut self, raw: &str) {
        let top = self.stack.len() - 1;
        if matches!(self.stack[top].role, Role::Link | Role::AtomLink { .. })
            && let Some(entry) = self.entry.as_mut()
        {
            entry.damaged = true;
        }
        let markup = text::allowed(raw, &mut self.repairs);
        self.emit(&markup);
    }

    fn text(&mut self, raw: &str) {
        let mut scratch = mem::take(&mut self.scratch);
        scratch.clear();
        text::push_decoded(raw, &mut scratch, &mut self.repairs);
        self.emit(&scratch);
        self.scratch = scratch;
    }

    fn reference(&mut self, name: &str) {
        let mut scratch = mem::take(&mut self.scratch);
        scratch.clear();
        text::push_reference(name, &mut scratch, &mut self.repairs);
        self.emit(&scratch);
        self.scratch = scratch;
    }

    fn cdata(&mut self, data: &str) {
        let data = text::allowed(data, &mut self.repairs);
        let top = self.stack.len() - 1;
        let open = &mut self.stack[top];
        let limit = capture_limit(&open.role);
        if let Some(capture) = open.capture.as_mut() {
            push_bounded(capture, &data, limit);
        }
        if self.stack[top].written {
            self.out.push_str("<![CDATA[");
            self.out.push_str(&data);
            self.out.push_str("]]>");
        }
    }

    /// Writes text (already free of forbidden characters) into the top
    /// element, and into what it captures.
    fn emit(&mut self, text: &str) {
        let top = self.stack.len() - 1;
        let open = &mut self.stack[top];
        let limit = capture_limit(&open.role);
        if let Some(capture) = open.capture.as_mut() {
            push_bounded(capture, text, limit);
        }
        if self.stack[top].written {
            text::escape_into(text, &mut self.out);
        }
    }

    fn at_entry_level(&self) -> bool {
        self.stack.iter().all(|o| matches!(o.role, Role::Root | Role::Channel))
    }

    fn root_is_entry(&self) -> bool {
        self.stack.first().is_some_and(|o| matches!(o.role, Role::Entry))
    }

    /// Closes what an entry left open before the next one (or a channel's
    /// end) arrives.
    fn close_to_entry_level(&mut self) {
        while !(self.at_entry_level() || (self.root_is_entry() && self.stack.len() == 1)) {
            self.close(Close::Implied);
        }
    }

    fn is_entry(&self, prefix: Option<&str>, local: &str, namespace: Option<&str>) -> bool {
        match self.family {
            Some(Family::Rss { cdf }) => {
                (local == "item" && self.is_rss(prefix, namespace))
                    || (cdf && namespace.is_none() && local.eq_ignore_ascii_case("item"))
            }
            Some(Family::Atom { .. }) => local == "entry" && self.is_atom(prefix, namespace),
            None => false,
        }
    }

    fn is_rss(&self, prefix: Option<&str>, namespace: Option<&str>) -> bool {
        match namespace {
            None => prefix.is_none(),
            Some(uri) => {
                dialect::is_rss_namespace(uri) || (prefix.is_none() && self.root_default.as_deref() == Some(uri))
            }
        }
    }

    fn is_atom(&self, prefix: Option<&str>, namespace: Option<&str>) -> bool {
        match namespace {
            Some(uri) => uri == ATOM10 || uri == ATOM03,
            None => prefix.is_none() && self.root_default.is_none(),
        }
    }

    /// An element's attributes, values decoded; unreadable ones dropped.
    fn attributes(&mut self, name: &str, attributes: &str, raw: &str) -> Vec<(String, String)> {
        if attributes.trim().is_empty() {
            return Vec::new();
        }
        let content = &raw[1..1 + name.len() + attributes.len()];
        let start = BytesStart::from_content(content, name.len());
        let mut parsed = start.html_attributes();
        parsed.with_checks(false);
        let mut out: Vec<(String, String)> = Vec::new();
        for attribute in parsed {
            let Ok(attribute) = attribute else {
                self.repairs.add(Repair::Attribute);
                break;
            };
            let key: &str = attribute.key.as_ref();
            if !tokens::is_name(key) || out.iter().any(|(k, _)| k == key) {
                self.repairs.add(Repair::Attribute);
                continue;
            }
            let mut value = String::new();
            text::push_decoded(&attribute.value, &mut value, &mut self.repairs);
            out.push((key.to_string(), value));
        }
        out
    }
}

/// An element as its start tag gives it.
struct Element<'e> {
    name: &'e str,
    prefix: Option<&'e str>,
    local: &'e str,
    namespace: Option<&'e str>,
    attributes: Vec<(String, String)>,
    scope: usize,
    /// It is the start of a new entry.
    starts_entry: bool,
}

impl Open {
    fn new(name: &str, scope: usize) -> Open {
        Open {
            name: name.to_string(),
            end: None,
            role: Role::Other,
            content: Content::Elements,
            critical: false,
            written: true,
            capture: None,
            scope,
            markup: Vec::new(),
        }
    }

    fn with(mut self, role: Role, content: Content) -> Open {
        self.role = role;
        self.content = content;
        self
    }

    fn capturing(mut self) -> Open {
        self.capture = Some(String::new());
        self
    }
}

/// HTML elements that are never closed (`<br>`, `<img>`).
fn is_void(local: &str) -> bool {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ];
    VOID.iter().any(|v| v.eq_ignore_ascii_case(local))
}

fn is_blank(token: &Token<'_>) -> bool {
    match token {
        Token::Text(text) => text.trim().is_empty(),
        Token::Other => true,
        _ => false,
    }
}

fn capture_limit(role: &Role) -> usize {
    match role {
        Role::Base64 { .. } => MAX_BASE64,
        _ => MAX_FALLBACK,
    }
}

fn push_bounded(capture: &mut String, text: &str, limit: usize) {
    let room = limit.saturating_sub(capture.len());
    if room >= text.len() {
        capture.push_str(text);
    } else {
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        capture.push_str(&text[..cut]);
    }
}

fn attribute<'v>(attributes: &'v [(String, String)], name: &str) -> Option<&'v str> {
    attributes
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn write_start(out: &mut String, name: &str, attributes: &[(String, String)], empty: bool) {
    out.push('<');
    out.push_str(name);
    for (key, value) in attributes {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        text::escape_into(value, out);
        out.push('"');
    }
    out.push_str(if empty { "/>" } else { ">" });
}

mod atom;
mod close;
mod rss;

#[cfg(test)]
mod tests;
