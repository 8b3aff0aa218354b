//! Splits a rule into tokens: parentheses, `|`, quoted phrases, the
//! upper-case operators, and bare words. Pure.

use std::ops::Range;

use super::syntax::{Error, Problem};

/// Most words allowed between the two parts of a proximity match.
pub(crate) const MAX_NEAR: u8 = 20;
/// `NEAR` without a number: at most 4 words between, as the monitoring
/// services analysts know count it.
pub(crate) const DEFAULT_NEAR: u8 = 4;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Open,
    Close,
    /// `OR` or `|`.
    Or,
    And,
    Not,
    Near {
        within: u8,
        ordered: bool,
    },
    /// A run of characters up to a space, parenthesis, quote or `|`.
    Word(String),
    /// What stands between two `"`.
    Quoted(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Bytes of the rule, quotes included.
    pub at: Range<usize>,
}

impl Token {
    pub(crate) fn written<'r>(&self, rule: &'r str) -> &'r str {
        &rule[self.at.clone()]
    }
}

pub(crate) struct Lexer<'r> {
    rule: &'r str,
    pos: usize,
}

impl<'r> Lexer<'r> {
    pub(crate) fn new(rule: &'r str) -> Self {
        Lexer { rule, pos: 0 }
    }

    pub(crate) fn tokens(mut self) -> Result<Vec<Token>, Error> {
        let mut out = Vec::new();
        while let Some(token) = self.next_token()? {
            out.push(token);
        }
        Ok(out)
    }

    fn next_token(&mut self) -> Result<Option<Token>, Error> {
        let rest = &self.rule[self.pos..];
        let Some(skip) = rest.find(|c: char| !c.is_whitespace()) else {
            self.pos = self.rule.len();
            return Ok(None);
        };
        let start = self.pos + skip;
        let c = self.rule[start..].chars().next().unwrap_or(' ');
        let (tok, end) = match c {
            '(' => (Tok::Open, start + 1),
            ')' => (Tok::Close, start + 1),
            '|' => (Tok::Or, start + 1),
            '"' => self.quoted(start)?,
            _ => self.bare(start)?,
        };
        self.pos = end;
        Ok(Some(Token { tok, at: start..end }))
    }

    fn quoted(&self, start: usize) -> Result<(Tok, usize), Error> {
        let inner = &self.rule[start + 1..];
        let Some(len) = inner.find('"') else {
            return Err(Error {
                at: start,
                problem: Problem::UnclosedQuote,
            });
        };
        Ok((Tok::Quoted(inner[..len].to_string()), start + 1 + len + 1))
    }

    fn bare(&self, start: usize) -> Result<(Tok, usize), Error> {
        let rest = &self.rule[start..];
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '|'))
            .unwrap_or(rest.len());
        let text = &rest[..len];
        let end = start + len;
        let tok = match text {
            "AND" => Tok::And,
            "OR" => Tok::Or,
            "NOT" => Tok::Not,
            "NEAR" => Tok::Near {
                within: DEFAULT_NEAR,
                ordered: false,
            },
            "ONEAR" => Tok::Near {
                within: DEFAULT_NEAR,
                ordered: true,
            },
            _ => return near(text, start).map(|tok| (tok.unwrap_or_else(|| Tok::Word(text.to_string())), end)),
        };
        Ok((tok, end))
    }
}

/// `NEAR/N` and `ONEAR/N`; `None` for an ordinary word.
fn near(text: &str, at: usize) -> Result<Option<Tok>, Error> {
    let lower = text.to_ascii_lowercase();
    let Some((name, number)) = lower.split_once('/') else {
        return Ok(None);
    };
    if name != "near" && name != "onear" {
        return Ok(None);
    }
    let fail = |problem| Err(Error { at, problem });
    if !text.starts_with("NEAR/") && !text.starts_with("ONEAR/") {
        return fail(Problem::LowerCaseOperator(text.to_string(), text.to_ascii_uppercase()));
    }
    match number.parse::<u8>() {
        Ok(within) if within <= MAX_NEAR && number.chars().all(|c| c.is_ascii_digit()) => Ok(Some(Tok::Near {
            within,
            ordered: name == "onear",
        })),
        _ => fail(Problem::BadNear(text.to_string())),
    }
}
