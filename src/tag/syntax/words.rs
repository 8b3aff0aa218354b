//! The words of a rule, folded as text is, with their wildcards: a
//! trailing `*` for a prefix, a leading `*` for a word inside a compound.
//! Pure.

use super::{Error, Problem, error};
use crate::fold;

/// Least letters before a trailing `*` (`ab*` matches many words already).
pub(crate) const MIN_PREFIX: usize = 2;
/// Least letters of a word matched inside longer words (`*arbeit`).
pub(crate) const MIN_INFIX: usize = 5;

/// One word of a phrase, folded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Word {
    pub folded: String,
    /// Written with a trailing `*`: matches any word starting with it.
    pub prefix: bool,
    /// Written with a leading `*`: matches inside a longer word (at its
    /// end, or anywhere when `prefix` too).
    pub infix: bool,
}

/// Consecutive words.
pub(crate) type Phrase = Vec<Word>;

/// The words of a bare word or quoted phrase at `offset` in the rule:
/// folded, with their wildcards checked. May be empty (punctuation).
pub(super) fn words(text: &str, offset: usize) -> Result<Phrase, Error> {
    let mut phrase = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        let len = rest[start..].find(char::is_whitespace).unwrap_or(rest.len() - start);
        let segment = &rest[start..start + len];
        let at = offset + (text.len() - rest.len()) + start;
        phrase.extend(segment_words(segment, at)?);
        rest = &rest[start + len..];
    }
    Ok(phrase)
}

/// One space-free segment: its folded words, a leading `*` on the first
/// and a trailing `*` on the last.
fn segment_words(segment: &str, at: usize) -> Result<Phrase, Error> {
    let infix = segment.starts_with('*');
    let prefix = segment.len() > 1 && segment.ends_with('*');
    let core = segment.trim_start_matches('*').trim_end_matches('*');
    if core.contains('*') || segment.starts_with("**") || (segment.len() > 2 && segment.ends_with("**")) {
        return Err(error(at, Problem::StarInside(segment.to_string())));
    }
    let mut words: Phrase = fold::words(core)
        .into_iter()
        .map(|folded| Word {
            folded,
            prefix: false,
            infix: false,
        })
        .collect();
    if (infix || prefix) && words.is_empty() {
        return Err(error(at, Problem::LoneStar(segment.to_string())));
    }
    if let Some(last) = words.last_mut().filter(|_| prefix) {
        if last.folded.chars().count() < MIN_PREFIX {
            return Err(error(at, Problem::ShortPrefix(segment.to_string())));
        }
        last.prefix = true;
    }
    if let Some(first) = words.first_mut().filter(|_| infix) {
        if first.folded.chars().count() < MIN_INFIX {
            return Err(error(at, Problem::ShortInfix(segment.to_string())));
        }
        first.infix = true;
    }
    Ok(words)
}
