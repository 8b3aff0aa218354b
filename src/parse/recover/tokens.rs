//! A tolerant XML tokenizer over quick-xml: end tags not checked against
//! start tags, dangling `&` allowed, and a `<` that starts no markup
//! handed back as text instead of failing the document. What a failed
//! tag made it read twice is counted against a budget, so a pathological
//! document costs linear time.

use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// One piece of the document, as slices of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<name attributes>`, or `<name attributes/>` when `empty`; `raw`
    /// is the whole tag as written.
    Start {
        name: &'a str,
        attributes: &'a str,
        empty: bool,
        raw: &'a str,
    },
    End {
        name: &'a str,
        raw: &'a str,
    },
    /// Character data as written: no references, but maybe dangling `&`.
    Text(&'a str),
    /// A reference between its `&` and `;` (maybe not a valid one).
    Reference(&'a str),
    /// What a CDATA section holds.
    CData(&'a str),
    /// Text that looked like markup but is not ("< 2", "<b c <3"): to be
    /// read as text, references and all.
    Literal(&'a str),
    /// A DOCTYPE's content (never expanded).
    Doctype(&'a str),
    /// A comment, processing instruction or declaration.
    Other,
}

/// The document is too damaged to mend in linear time.
#[derive(Debug)]
pub(super) struct TooDamaged;

/// Tags cut off by the end of the input read again from their `<` at most
/// this often; after that the input counts as truncated there.
const MAX_UNCLOSED_TAGS: usize = 4;

pub(super) struct Tokens<'a> {
    input: &'a str,
    /// Where the current reader starts in `input`.
    offset: usize,
    reader: Reader<&'a [u8]>,
    /// Bytes read a second time after a `<` turned out to start no tag.
    rescanned: usize,
    budget: usize,
    unclosed_tags: usize,
    /// The input ended inside a comment, CDATA section, tag or the like.
    pub cut: bool,
}

fn reader(input: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.allow_unmatched_ends = true;
    config.check_end_names = false;
    config.expand_empty_elements = false;
    config.trim_text(false);
    reader
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(input: &'a str) -> Tokens<'a> {
        Tokens {
            input,
            offset: 0,
            reader: reader(input.as_bytes()),
            rescanned: 0,
            budget: input.len().saturating_mul(4).saturating_add(64 << 10),
            unclosed_tags: 0,
            cut: false,
        }
    }

    /// Where the next token starts.
    pub(crate) fn position(&self) -> usize {
        self.offset + self.reader.buffer_position() as usize
    }

    /// The next token, `None` at the end of the input.
    pub(crate) fn next(&mut self) -> Result<Option<Token<'a>>, TooDamaged> {
        if self.cut {
            return Ok(None);
        }
        let start = self.position();
        match self.reader.read_event() {
            Ok(Event::Eof) => Ok(None),
            Ok(event) => {
                let raw = &self.input[start..self.position()];
                match token(&event, raw) {
                    Ok(token) => Ok(Some(token)),
                    Err(NotATag { text_len }) => self.text_until(start, start + text_len, raw.len() - text_len),
                }
            }
            Err(error) => self.failed(&error),
        }
    }

    /// What lies from `start` to `end` starts no markup: it is text, and
    /// reading goes on from `end`, reading `rescanned` bytes again.
    fn text_until(&mut self, start: usize, end: usize, rescanned: usize) -> Result<Option<Token<'a>>, TooDamaged> {
        self.rescanned += rescanned;
        if self.rescanned > self.budget {
            return Err(TooDamaged);
        }
        self.offset = end;
        self.reader = reader(&self.input.as_bytes()[end..]);
        Ok(Some(Token::Literal(&self.input[start..end])))
    }

    fn failed(&mut self, error: &XmlError) -> Result<Option<Token<'a>>, TooDamaged> {
        let at = self.offset + self.reader.error_position() as usize;
        let scanned = self.position().saturating_sub(at);
        let starts_tag = self.input.as_bytes().get(at) == Some(&b'<');
        // An unclosed quote may be a stray one: the rest is read again
        // after the `<`. A tag with no `>` anywhere after it is where the
        // input was cut.
        let unclosed_tag = matches!(
            error,
            XmlError::Syntax(
                SyntaxError::UnclosedSingleQuotedAttributeValue
                    | SyntaxError::UnclosedDoubleQuotedAttributeValue
                    | SyntaxError::InvalidBangMarkup
            )
        );
        let unclosed_construct = matches!(error, XmlError::Syntax(_)) && !unclosed_tag;
        if unclosed_tag {
            self.unclosed_tags += 1;
        }
        // The input ends inside a tag, comment, CDATA section or the like:
        // what follows is part of it, so the document is cut there.
        if !starts_tag || unclosed_construct || self.unclosed_tags > MAX_UNCLOSED_TAGS {
            self.cut = true;
            return Ok(None);
        }
        self.text_until(at, at + 1, scanned)
    }
}

/// What an event looked like a tag but is not: its first `text_len`
/// bytes are text.
struct NotATag {
    text_len: usize,
}

/// The token for an event read as `raw`, unless the `<` it starts with
/// begins no tag (no valid name, or another `<` inside).
fn token<'a>(event: &Event<'_>, raw: &'a str) -> Result<Token<'a>, NotATag> {
    Ok(match event {
        Event::Start(_) | Event::Empty(_) => {
            let empty = matches!(event, Event::Empty(_));
            let inner = &raw[1..raw.len() - if empty { 2 } else { 1 }];
            let name_end = inner
                .find(|c: char| c.is_ascii_whitespace() || c == '/')
                .unwrap_or(inner.len());
            let (name, attributes) = inner.split_at(name_end);
            if !is_name(name) || last_unquoted_less_than(raw).is_some() {
                return Err(not_a_tag(raw));
            }
            Token::Start {
                name,
                attributes,
                empty,
                raw,
            }
        }
        Event::End(_) => {
            let name = raw[2..raw.len() - 1].trim_end();
            if !is_name(name) || last_unquoted_less_than(raw).is_some() {
                return Err(not_a_tag(raw));
            }
            Token::End { name, raw }
        }
        Event::Text(_) => Token::Text(raw),
        Event::GeneralRef(_) => Token::Reference(&raw[1..raw.len() - 1]),
        Event::CData(_) => Token::CData(&raw[9..raw.len() - 3]),
        Event::DocType(_) => Token::Doctype(raw),
        Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::Eof => Token::Other,
    })
}

/// An XML name, with at most one colon inside it.
pub(super) fn is_name(name: &str) -> bool {
    // Most names are short ASCII: checked bytewise.
    if name.is_ascii() {
        let bytes = name.as_bytes();
        let first_ok = bytes.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
        let colons = bytes.iter().filter(|b| **b == b':').count();
        return first_ok && rest_ok && colons <= 1 && !name.ends_with(':');
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || (c as u32) >= 0x80);
    let rest_ok = chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':') || (c as u32) >= 0x80);
    let colons = name.matches(':').count();
    first_ok && rest_ok && colons <= 1 && !name.ends_with(':')
}

/// The text part of what looked like a tag: up to its last `<` outside
/// quotes (reading again from each inner `<` would find the same tag end,
/// and only the last one can start a tag), else just its `<`.
fn not_a_tag(raw: &str) -> NotATag {
    NotATag {
        text_len: last_unquoted_less_than(raw).unwrap_or(1),
    }
}

/// Where the last `<` after the first lies outside quotes.
fn last_unquoted_less_than(raw: &str) -> Option<usize> {
    if !raw.as_bytes()[1..].contains(&b'<') {
        return None;
    }
    let mut quote = None;
    let mut last = None;
    for (i, c) in raw.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '<') => last = Some(i),
            _ => {}
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: &str) -> (Vec<Token<'_>>, bool) {
        let mut tokens = Tokens::new(input);
        let mut out = Vec::new();
        while let Some(token) = tokens.next().unwrap() {
            out.push(token);
        }
        (out, tokens.cut)
    }

    #[test]
    fn a_less_than_that_starts_no_tag_is_text() {
        let (out, cut) = tokens("<t>1 < 2 and a<b c <3</t>");
        assert!(!cut);
        assert_eq!(out[1], Token::Text("1 "));
        assert_eq!(out[2], Token::Literal("< 2 and a<b c <3"));
        assert!(matches!(out[3], Token::End { name: "t", .. }));
        let (out, _) = tokens("<t>x <3 y</t>");
        assert_eq!(out[1..3], [Token::Text("x "), Token::Literal("<3 y")]);
        let (out, _) = tokens("<t>x <3</t><u/>");
        assert_eq!(out[1..3], [Token::Text("x "), Token::Literal("<3")]);
    }

    #[test]
    fn ampersands_references_and_mismatched_ends_pass_through() {
        let (out, _) = tokens("<t>A & B &amp; C&#X41;</u>");
        assert_eq!(
            out[1..5],
            [
                Token::Text("A "),
                Token::Text("& B "),
                Token::Reference("amp"),
                Token::Text(" C")
            ]
        );
        assert_eq!(out[5], Token::Reference("#X41"));
        assert!(matches!(out[6], Token::End { name: "u", .. }));
    }

    #[test]
    fn an_unclosed_quote_costs_its_tag_not_the_rest() {
        let (out, cut) = tokens(r#"<a href="x>Foo</a> rest <b>ok</b>"#);
        assert!(!cut);
        assert_eq!(out[0], Token::Literal("<"));
        assert!(out.iter().any(|t| matches!(t, Token::Start { name: "b", .. })));
    }

    #[test]
    fn input_ending_inside_a_comment_or_cdata_is_cut() {
        assert!(tokens("<r><!-- open <x>y</x>").1);
        assert!(tokens("<r><![CDATA[ abc <x>").1);
        let (out, cut) = tokens("<r><![CDATA[a<b]]></r>");
        assert!(!cut);
        assert_eq!(out[1], Token::CData("a<b"));
    }

    #[test]
    fn many_broken_tags_stay_linear() {
        let hostile = "<a".repeat(200_000) + ">";
        let (out, _) = tokens(&hostile);
        assert_eq!(out.len(), 2, "one literal, one tag");
        // Every `<` starts a tag whose quote never closes: each is read to
        // the end a few times at most, then the input counts as cut.
        let quotes = "<a x=\"".repeat(99_999);
        let mut tokens = Tokens::new(&quotes);
        let mut n = 0;
        while let Ok(Some(_)) = tokens.next() {
            n += 1;
        }
        assert!(tokens.cut);
        assert!(n <= MAX_UNCLOSED_TAGS * 2, "{n}");
    }
}
