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
mod plain;
mod text;
mod tokens;

use self::dialect::{Family, Namespaces};
use self::entry::{Date, Entry};
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
    /// The DOCTYPE is Netscape's RSS 0.91 one, which defines the HTML
    /// entities: decoding them is no repair.
    html_entities_declared: bool,
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
            html_entities_declared: false,
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
        if self.html_entities_declared {
            self.repairs.forget(Repair::HtmlEntity);
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
            Token::Doctype(doctype) => {
                self.html_entities_declared = check::declares_html_entities(doctype);
                Ok(())
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
            Token::Doctype(_) | Token::Other => {}
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

fn is_blank(token: &Token<'_>) -> bool {
    match token {
        Token::Text(text) => text.trim().is_empty(),
        Token::Doctype(_) | Token::Other => true,
        _ => false,
    }
}

mod atom;
mod content;
mod elements;
mod rss;
mod tags;

#[cfg(test)]
mod tests;
