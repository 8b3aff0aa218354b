//! The rule language: an analyst's query (words, `"quoted phrases"`,
//! groups, `OR` or `|`, `AND`, `NOT`, `NEAR/N`, `ONEAR/N`, `*` at either
//! end of a word) ─▶ a tree the tagger compiles. Pure parsing: every
//! mistake is reported with its byte offset in the rule, so
//! `thbwatch check` can point at the column.
//!
//! Words written next to each other form a phrase (consecutive words), as
//! plain terms always have: `human traffick*` is one phrase, and so is
//! `(forced | compulsory) labo*`, which stands for two.

use std::ops::Range;

mod words;

use super::lex::{Lexer, Tok, Token};
use words::words;

pub(crate) use super::lex::MAX_NEAR;
pub(crate) use words::{MIN_INFIX, MIN_PREFIX, Phrase, Word};

/// Most phrases one run of words and groups may stand for.
pub(crate) const MAX_ALTERNATIVES: usize = 64;
/// Deepest nesting of parentheses.
const MAX_DEPTH: usize = 16;

/// What matches a stretch of words within one field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Span {
    /// Any of these phrases.
    Phrases(Vec<Phrase>),
    /// Both parts with at most `within` words between them; `ordered`:
    /// the left part first.
    Near {
        left: Box<Span>,
        right: Box<Span>,
        within: u8,
        ordered: bool,
    },
    /// Any of these, some of them proximity.
    Either(Vec<Span>),
}

/// What an item does or does not contain.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Query {
    Span(Span),
    /// Every part (`AND`); a part may be a `Not`.
    All(Vec<Query>),
    /// Any part (`OR` over parts that are not all spans).
    Any(Vec<Query>),
    /// Absent from the whole item; only ever a part of `All` after a
    /// positive part.
    Not {
        query: Box<Query>,
        written: String,
    },
}

/// Where a rule stands, which decides what it may say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A term of a tag: anything.
    Term,
    /// Cancels the occurrences it covers: words, phrases, groups, NEAR.
    Exclude,
    /// Cancels a tag when found anywhere in the item: anything.
    Context,
}

/// A mistake in a rule, at a byte offset of the rule's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct Error {
    pub at: usize,
    pub problem: Problem,
}

/// What is wrong with a rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("has no letters or digits, so it can never match")]
    NoLetters,
    #[error("{0:?}: '*' may only start or end a word")]
    StarInside(String),
    #[error("{0:?}: a '*' needs letters before it")]
    LoneStar(String),
    #[error("{0:?}: a prefix needs at least {MIN_PREFIX} letters before '*' (it would match nearly every word)")]
    ShortPrefix(String),
    #[error("{0:?}: a word matched inside longer words (a leading '*') needs at least {MIN_INFIX} letters")]
    ShortInfix(String),
    #[error("this quote is not closed")]
    UnclosedQuote,
    #[error("this '(' is not closed")]
    UnclosedParen,
    #[error("this ')' has no '(' before it")]
    StrayParen,
    #[error("empty parentheses")]
    EmptyGroup,
    #[error("{0} needs a word, phrase or group after it")]
    NothingAfter(String),
    #[error("{0} needs a word, phrase or group before it")]
    NothingBefore(String),
    #[error("{0:?}: write NEAR/N or ONEAR/N with N a number of words from 0 to {MAX_NEAR}")]
    BadNear(String),
    #[error("{0:?}: operators are written in capitals ({1})")]
    LowerCaseOperator(String, String),
    #[error("AND and OR mixed without parentheses: write (a AND b) OR c, or a AND (b OR c)")]
    MixedAndOr,
    #[error("NOT must follow something to leave out from: write x AND NOT y")]
    LoneNot,
    #[error("{0} joins words, phrases or groups of them: AND and NOT belong outside it")]
    BooleanInNear(String),
    #[error("a proximity or Boolean group cannot be part of a phrase: join it with AND, OR or NEAR")]
    GroupInPhrase,
    #[error("stands for {0} phrases (at most {MAX_ALTERNATIVES}): split it into several terms")]
    TooManyAlternatives(usize),
    #[error("parentheses nested more than {MAX_DEPTH} deep")]
    TooDeep,
    #[error(
        "an exclude cancels the occurrences it covers, so it cannot use {0}: put conditions on the whole item in `unless`"
    )]
    BooleanInExclude(String),
}

impl Problem {
    /// The piece of the rule the problem names, if it names one.
    pub(crate) fn token(&self) -> Option<&str> {
        match self {
            Problem::StarInside(t)
            | Problem::LoneStar(t)
            | Problem::ShortPrefix(t)
            | Problem::ShortInfix(t)
            | Problem::BadNear(t)
            | Problem::LowerCaseOperator(t, _) => Some(t),
            _ => None,
        }
    }
}

fn error(at: usize, problem: Problem) -> Error {
    Error { at, problem }
}

/// Parses one rule.
pub(crate) fn parse(rule: &str, role: Role) -> Result<Query, Error> {
    let tokens = Lexer::new(rule).tokens()?;
    let mut parser = Parser {
        rule,
        tokens,
        next: 0,
        depth: 0,
        first_boolean: None,
    };
    let (query, _) = parser.or_level()?;
    if let Some(token) = parser.tokens.get(parser.next) {
        return Err(match token.tok {
            Tok::Close => error(token.at.start, Problem::StrayParen),
            _ => error(token.at.start, Problem::NothingBefore(token.written(rule).to_string())),
        });
    }
    if role == Role::Exclude && !matches!(query, Query::Span(_)) {
        let (at, op) = parser.first_boolean.unwrap_or((0, "AND".into()));
        return Err(error(at, Problem::BooleanInExclude(op)));
    }
    Ok(query)
}

/// A parsed part and where it stands in the rule.
struct Part {
    query: Query,
    at: Range<usize>,
    /// Joined with AND at its own level (not inside parentheses).
    bare_and: bool,
}

struct Parser<'r> {
    rule: &'r str,
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
    /// The first AND, NOT or OR over non-spans, for an exclude's error.
    first_boolean: Option<(usize, String)>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn end(&self) -> usize {
        self.rule.len()
    }

    fn note_boolean(&mut self, at: usize, op: &str) {
        self.first_boolean.get_or_insert((at, op.to_string()));
    }

    /// `a OR b | c`: the loosest level.
    fn or_level(&mut self) -> Result<(Query, Range<usize>), Error> {
        let first = self.and_level()?;
        let mut parts = vec![first];
        let mut first_or = None;
        while let Some(token) = self.peek().filter(|t| matches!(t.tok, Tok::Or)) {
            let op = token.clone();
            first_or.get_or_insert(op.at.start);
            self.next += 1;
            if self.starts_part() || self.peek().is_some_and(|t| matches!(t.tok, Tok::Not)) {
                parts.push(self.and_level()?);
            } else {
                return Err(error(op.at.start, Problem::NothingAfter(op.written(self.rule).into())));
            }
        }
        let at = parts[0].at.start..parts[parts.len() - 1].at.end;
        if parts.len() == 1 {
            let part = parts.pop().map(|p| p.query).unwrap_or(Query::Any(Vec::new()));
            return Ok((part, at));
        }
        if parts.iter().any(|p| p.bare_and) {
            return Err(error(first_or.unwrap_or(at.start), Problem::MixedAndOr));
        }
        Ok((self.either(parts, first_or.unwrap_or(at.start)), at))
    }

    /// Alternatives: one span when they all are, else `Any`.
    fn either(&mut self, parts: Vec<Part>, or_at: usize) -> Query {
        let queries: Vec<Query> = parts.into_iter().map(|p| p.query).collect();
        if !queries.iter().all(|q| matches!(q, Query::Span(_))) {
            self.note_boolean(or_at, "OR");
            return Query::Any(queries);
        }
        let spans: Vec<Span> = queries
            .into_iter()
            .filter_map(|q| match q {
                Query::Span(span) => Some(span),
                _ => None,
            })
            .collect();
        if spans.iter().all(|s| matches!(s, Span::Phrases(_))) {
            let phrases = spans
                .into_iter()
                .flat_map(|s| match s {
                    Span::Phrases(p) => p,
                    _ => Vec::new(),
                })
                .collect();
            return Query::Span(Span::Phrases(phrases));
        }
        Query::Span(Span::Either(spans))
    }

    /// Whether a word, phrase or group starts here.
    fn starts_part(&self) -> bool {
        matches!(
            self.peek().map(|t| &t.tok),
            Some(Tok::Word(_) | Tok::Quoted(_) | Tok::Open)
        )
    }

    /// `a AND b AND NOT c`, `a NOT b`.
    fn and_level(&mut self) -> Result<Part, Error> {
        if let Some(token) = self.peek().filter(|t| matches!(t.tok, Tok::Not)) {
            return Err(error(token.at.start, Problem::LoneNot));
        }
        let first = self.near_level()?;
        let start = first.at.start;
        let mut end = first.at.end;
        let mut parts = vec![first.query];
        while let Some(token) = self.peek().filter(|t| matches!(t.tok, Tok::And | Tok::Not)).cloned() {
            self.next += 1;
            self.note_boolean(token.at.start, token.written(self.rule));
            let mut negated = matches!(token.tok, Tok::Not);
            if !negated && let Some(not) = self.peek().filter(|t| matches!(t.tok, Tok::Not)).cloned() {
                self.next += 1;
                negated = true;
                if self.peek().is_some_and(|t| matches!(t.tok, Tok::Not)) {
                    return Err(error(not.at.start, Problem::LoneNot));
                }
            } else if negated && self.peek().is_some_and(|t| matches!(t.tok, Tok::Not)) {
                return Err(error(token.at.start, Problem::LoneNot));
            }
            if !self.starts_part() {
                return Err(error(
                    token.at.start,
                    Problem::NothingAfter(token.written(self.rule).to_string()),
                ));
            }
            let part = self.near_level()?;
            end = part.at.end;
            parts.push(match negated {
                true => Query::Not {
                    written: self.rule[part.at.clone()].to_string(),
                    query: Box::new(part.query),
                },
                false => part.query,
            });
        }
        let bare_and = parts.len() > 1;
        let query = match parts.len() {
            1 => parts.pop().unwrap_or(Query::Any(Vec::new())),
            _ => Query::All(parts),
        };
        Ok(Part {
            query,
            at: start..end,
            bare_and,
        })
    }

    /// `a NEAR/3 b ONEAR c`: proximity binds tighter than AND and OR.
    fn near_level(&mut self) -> Result<Part, Error> {
        let mut left = self.phrase_level()?;
        while let Some(token) = self.peek().cloned() {
            let Tok::Near { within, ordered } = token.tok else {
                break;
            };
            self.next += 1;
            let op = token.written(self.rule).to_string();
            if !self.starts_part() {
                return Err(error(token.at.start, Problem::NothingAfter(op)));
            }
            let right = self.phrase_level()?;
            let (Query::Span(l), Query::Span(r)) = (left.query, right.query) else {
                return Err(error(token.at.start, Problem::BooleanInNear(op)));
            };
            left = Part {
                query: Query::Span(Span::Near {
                    left: Box::new(l),
                    right: Box::new(r),
                    within,
                    ordered,
                }),
                at: left.at.start..right.at.end,
                bare_and: false,
            };
        }
        Ok(left)
    }

    /// Words, quoted phrases and groups side by side: consecutive words.
    fn phrase_level(&mut self) -> Result<Part, Error> {
        let mut atoms: Vec<Part> = Vec::new();
        while self.starts_part() {
            atoms.push(self.atom()?);
        }
        let Some(first) = atoms.first() else {
            return Err(match self.peek() {
                Some(t) if matches!(t.tok, Tok::Close) => error(t.at.start, Problem::StrayParen),
                Some(t) => error(t.at.start, Problem::NothingBefore(t.written(self.rule).to_string())),
                None => error(self.end(), Problem::NoLetters),
            });
        };
        let at = first.at.start..atoms[atoms.len() - 1].at.end;
        if atoms.len() == 1 {
            let part = atoms.remove(0);
            return no_empty_phrase(part);
        }
        let mut product: Vec<Phrase> = vec![Vec::new()];
        for atom in atoms {
            let Query::Span(Span::Phrases(alternatives)) = atom.query else {
                return Err(error(atom.at.start, Problem::GroupInPhrase));
            };
            let count = product.len() * alternatives.len();
            if count > MAX_ALTERNATIVES {
                return Err(error(at.start, Problem::TooManyAlternatives(count)));
            }
            product = product
                .iter()
                .flat_map(|head| {
                    alternatives.iter().map(move |tail| {
                        let mut phrase = head.clone();
                        phrase.extend(tail.iter().cloned());
                        phrase
                    })
                })
                .collect();
        }
        no_empty_phrase(Part {
            query: Query::Span(Span::Phrases(product)),
            at,
            bare_and: false,
        })
    }

    /// A word, a quoted phrase or a parenthesised group.
    fn atom(&mut self) -> Result<Part, Error> {
        let Some(token) = self.peek().cloned() else {
            return Err(error(self.end(), Problem::NoLetters));
        };
        self.next += 1;
        match token.tok {
            Tok::Word(text) | Tok::Quoted(text) => {
                let offset = token.at.start + usize::from(self.rule[token.at.clone()].starts_with('"'));
                let phrase = words(&text, offset)?;
                Ok(Part {
                    query: Query::Span(Span::Phrases(vec![phrase])),
                    at: token.at,
                    bare_and: false,
                })
            }
            Tok::Open => self.group(token.at.start),
            _ => Err(error(
                token.at.start,
                Problem::NothingBefore(token.written(self.rule).into()),
            )),
        }
    }

    fn group(&mut self, open: usize) -> Result<Part, Error> {
        if self.depth == MAX_DEPTH {
            return Err(error(open, Problem::TooDeep));
        }
        if let Some(close) = self.peek().filter(|t| matches!(t.tok, Tok::Close)) {
            return Err(error(close.at.start, Problem::EmptyGroup));
        }
        self.depth += 1;
        let (query, _) = self.or_level()?;
        self.depth -= 1;
        match self.peek() {
            Some(close) if matches!(close.tok, Tok::Close) => {
                let end = close.at.end;
                self.next += 1;
                Ok(Part {
                    query,
                    at: open..end,
                    bare_and: false,
                })
            }
            _ => Err(error(open, Problem::UnclosedParen)),
        }
    }
}

/// A phrase of no words (only punctuation) can never match.
fn no_empty_phrase(part: Part) -> Result<Part, Error> {
    if let Query::Span(Span::Phrases(phrases)) = &part.query
        && phrases.iter().any(Vec::is_empty)
    {
        return Err(error(part.at.start, Problem::NoLetters));
    }
    Ok(part)
}

#[cfg(test)]
mod tests;
