//! Compiled keyword rules and the matches they make, with explanations.
//! No I/O.
//!
//! Matching model: text and rules are folded the same way ([`crate::fold`]).
//! A term is a phrase of words; a word ending in `*` matches any word that
//! starts with it, other words match whole words; a phrase matches
//! consecutive words. One Aho-Corasick automaton over the first word of
//! every phrase of every rule finds candidates in one pass; each candidate
//! is then checked word by word, so the cost barely grows with the number
//! of rules.
//!
//! Exclusion is per occurrence: an `exclude` phrase cancels the term
//! occurrences of its own rule that it covers ("drug trafficking" cancels
//! the "trafficking" inside it), and nothing else — "trafficking" elsewhere
//! in the same text still counts.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::config::TagRule;
use crate::fold;
use crate::model::{Field, Match};

/// Why rules could not be compiled (the configuration check reports the
/// same problems with their lines first).
#[derive(Debug, thiserror::Error)]
#[error("cannot compile keyword rules: {0}")]
pub struct Error(String);

/// Most matches kept per item, all tags together.
const MAX_MATCHES: usize = 20;
/// Characters of context on each side of a match in its snippet.
const SNIPPET_CONTEXT: usize = 60;

/// One word of a phrase, folded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    /// Written with a trailing `*`: matches any word starting with it.
    pub prefix: bool,
}

/// Parses a rule phrase into folded words; the error says what is wrong
/// with it (for `thbwatch check`).
pub fn parse_phrase(phrase: &str) -> Result<Vec<Word>, String> {
    let mut words = Vec::new();
    // The message names the word at fault, unless it is the whole phrase
    // (which the caller names already).
    let several = phrase.split_whitespace().nth(1).is_some();
    let at = |segment: &str| {
        if several {
            format!("{segment:?}: ")
        } else {
            String::new()
        }
    };
    for segment in phrase.split_whitespace() {
        let prefix = segment.ends_with('*');
        let core = segment.trim_end_matches('*');
        if core.contains('*') {
            return Err(format!("{}'*' may only end a word", at(segment)));
        }
        let mut folded: Vec<Word> = fold::words(core)
            .into_iter()
            .map(|folded| Word { folded, prefix: false })
            .collect();
        match folded.last_mut() {
            Some(last) if prefix => {
                if last.folded.chars().count() < 2 {
                    return Err(format!(
                        "{}a prefix needs at least 2 letters (it would match nearly every word)",
                        at(segment)
                    ));
                }
                last.prefix = true;
            }
            None if prefix => return Err(format!("{}a '*' needs letters before it", at(segment))),
            _ => {}
        }
        words.append(&mut folded);
    }
    if words.is_empty() {
        return Err("has no letters or digits, so it can never match".into());
    }
    Ok(words)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Term,
    Exclude,
}

#[derive(Debug)]
struct Phrase {
    rule: usize,
    kind: Kind,
    /// As written in the configuration.
    written: String,
    words: Vec<Word>,
}

impl Phrase {
    /// Where the phrase ends if it matches at `start` (the first byte of a
    /// word in folded text).
    fn end_if_matches_at(&self, text: &str, start: usize) -> Option<usize> {
        let mut pos = start;
        for (i, word) in self.words.iter().enumerate() {
            let rest = text.get(pos..)?;
            if !rest.starts_with(word.folded.as_str()) {
                return None;
            }
            let after = pos + word.folded.len();
            let word_end = if word.prefix {
                after + text[after..].find(' ')?
            } else if text.as_bytes().get(after) == Some(&b' ') {
                after
            } else {
                return None;
            };
            if i + 1 == self.words.len() {
                return Some(word_end);
            }
            pos = word_end + 1;
        }
        None
    }
}

#[derive(Debug)]
struct Rule {
    name: String,
    /// Empty: every field.
    fields: Vec<Field>,
    /// Primary language subtags; empty: every language.
    languages: Vec<String>,
}

impl Rule {
    /// Whether the rule applies to this field of an item in `language`;
    /// the reason when it does not.
    fn skip_reason(&self, field: Field, language: Option<&str>) -> Option<String> {
        if !self.fields.is_empty() && !self.fields.contains(&field) {
            return Some(format!(
                "only looks at {}",
                names(self.fields.iter().map(|f| f.as_str()))
            ));
        }
        if self.languages.is_empty() {
            return None;
        }
        match language.map(crate::lang::primary) {
            Some(lang) if self.languages.contains(&lang) => None,
            Some(lang) => Some(format!(
                "only applies to {} (this text is {lang})",
                names(self.languages.iter().map(String::as_str))
            )),
            None => Some(format!(
                "only applies to {} (this text's language is unknown)",
                names(self.languages.iter().map(String::as_str))
            )),
        }
    }
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// A term occurrence an exclude phrase cancelled (for explanations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excluded {
    pub tag: String,
    pub term: String,
    pub field: Field,
    pub text: String,
    pub exclude: String,
}

/// Everything the rules did with a text: the matches, what exclusions
/// cancelled, and rules that did not apply and why.
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    pub matches: Vec<Match>,
    pub excluded: Vec<Excluded>,
    /// (tag, field, reason)
    pub skipped: Vec<(String, Field, String)>,
}

/// All rules, compiled once (at start-up or reload).
#[derive(Debug)]
pub struct Tagger {
    automaton: AhoCorasick,
    /// Needle id → the phrases that start with that needle's word.
    candidates: Vec<Vec<usize>>,
    phrases: Vec<Phrase>,
    rules: Vec<Rule>,
}

/// An occurrence of a phrase in folded text: [start, end) in bytes.
#[derive(Clone, Copy, Debug)]
struct Hit {
    phrase: usize,
    start: usize,
    end: usize,
}

impl Tagger {
    pub fn new(rules: &[TagRule]) -> Result<Tagger, Error> {
        let mut phrases = Vec::new();
        let mut needle_ids: HashMap<String, usize> = HashMap::new();
        let mut candidates: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let all = rule
                .terms
                .iter()
                .map(|p| (Kind::Term, p))
                .chain(rule.exclude.iter().map(|p| (Kind::Exclude, p)));
            for (kind, written) in all {
                let words =
                    parse_phrase(written).map_err(|e| Error(format!("tags.{}: {written:?}: {e}", rule.name)))?;
                let first = &words[0];
                // No leading space: a needle starting with the commonest byte
                // would defeat the automaton's prefilter. Word starts are
                // checked on each hit instead.
                let needle = if first.prefix {
                    first.folded.clone()
                } else {
                    format!("{} ", first.folded)
                };
                let id = *needle_ids.entry(needle).or_insert_with(|| {
                    candidates.push(Vec::new());
                    candidates.len() - 1
                });
                candidates[id].push(phrases.len());
                phrases.push(Phrase {
                    rule: index,
                    kind,
                    written: written.clone(),
                    words,
                });
            }
        }
        let mut needles: Vec<(String, usize)> = needle_ids.into_iter().collect();
        needles.sort_by_key(|n| n.1);
        // A full DFA: the fastest search, and small for a few hundred needles.
        let automaton = AhoCorasickBuilder::new()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(needles.iter().map(|n| n.0.as_str()))
            .map_err(|e| Error(e.to_string()))?;
        let rules = rules
            .iter()
            .map(|r| Rule {
                name: r.name.clone(),
                fields: r.fields.clone(),
                languages: r.languages.clone(),
            })
            .collect();
        Ok(Tagger {
            automaton,
            candidates,
            phrases,
            rules,
        })
    }

    /// The matches of every rule in the given fields of an item in
    /// `language`: per tag, each term that matched in each field, with the
    /// text as written and a snippet around it.
    pub fn tag(&self, fields: &[(Field, &str)], language: Option<&str>) -> Vec<Match> {
        self.scan(fields, language, false).matches
    }

    /// [`Tagger::tag`] with what exclusions cancelled and which rules did
    /// not apply: the answer to "why (not)?".
    pub fn explain(&self, fields: &[(Field, &str)], language: Option<&str>) -> Explanation {
        self.scan(fields, language, true)
    }

    fn scan(&self, fields: &[(Field, &str)], language: Option<&str>, explain: bool) -> Explanation {
        let mut out = Explanation::default();
        for (field, text) in fields {
            if text.is_empty() {
                continue;
            }
            let folded = fold::fold(text);
            let hits = self.hits(&folded);
            if hits.is_empty() {
                continue;
            }
            let applies: Vec<Option<String>> = self.rules.iter().map(|r| r.skip_reason(*field, language)).collect();
            let covers = Covers::new(&hits, &self.phrases, self.rules.len());
            let mut kept: Vec<Hit> = Vec::new();
            let mut cancelled: Vec<(Hit, usize)> = Vec::new();
            for hit in hits.iter().filter(|h| self.phrases[h.phrase].kind == Kind::Term) {
                let rule = self.phrases[hit.phrase].rule;
                if let Some(reason) = &applies[rule] {
                    let skipped = (self.rules[rule].name.clone(), *field, reason.clone());
                    if explain && !out.skipped.contains(&skipped) {
                        out.skipped.push(skipped);
                    }
                    continue;
                }
                // The first occurrence of each phrase is all a field needs, so
                // a text repeating a term costs one check per repetition.
                match covers.find(rule, hit) {
                    Some(exclude) if explain && !cancelled.iter().any(|c| c.0.phrase == hit.phrase) => {
                        cancelled.push((*hit, exclude))
                    }
                    Some(_) => {}
                    None if !kept.iter().any(|k| k.phrase == hit.phrase) => kept.push(*hit),
                    None => {}
                }
            }
            let nothing_to_show = kept.is_empty() && (cancelled.is_empty() || !explain);
            if nothing_to_show {
                continue;
            }
            // Only now map back to the original text: most fields have no match.
            let (_, map) = fold::fold_mapped(text);
            for hit in kept {
                self.record(&mut out.matches, hit, *field, text, &map);
            }
            for (hit, exclude) in cancelled.into_iter().filter(|_| explain) {
                let phrase = &self.phrases[hit.phrase];
                out.excluded.push(Excluded {
                    tag: self.rules[phrase.rule].name.clone(),
                    term: phrase.written.clone(),
                    field: *field,
                    text: original(text, &map, hit).to_string(),
                    exclude: self.phrases[exclude].written.clone(),
                });
            }
        }
        // Rule order, then field order: the first match of a tag explains it best.
        out.matches
            .sort_by_key(|m| self.rules.iter().position(|r| r.name == m.tag));
        out
    }

    /// Every phrase occurrence in folded text.
    fn hits(&self, folded: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        let bytes = folded.as_bytes();
        for m in self.automaton.find_overlapping_iter(folded) {
            let start = m.start();
            if start == 0 || bytes[start - 1] != b' ' {
                continue;
            }
            for &phrase in &self.candidates[m.pattern().as_usize()] {
                if let Some(end) = self.phrases[phrase].end_if_matches_at(folded, start) {
                    hits.push(Hit { phrase, start, end });
                }
            }
        }
        hits
    }

    /// Keeps the first occurrence of each (tag, term, field); beyond
    /// `MAX_MATCHES` only a tag's first match (a tag is never lost).
    fn record(&self, matches: &mut Vec<Match>, hit: Hit, field: Field, text: &str, map: &[usize]) {
        let phrase = &self.phrases[hit.phrase];
        let tag = &self.rules[phrase.rule].name;
        let seen = matches
            .iter()
            .any(|m| &m.tag == tag && m.term == phrase.written && m.field == field);
        let tag_known = matches.iter().any(|m| &m.tag == tag);
        if seen || (tag_known && matches.len() >= MAX_MATCHES) {
            return;
        }
        let (from, to) = (map[hit.start], map[hit.end]);
        matches.push(Match {
            tag: tag.clone(),
            term: phrase.written.clone(),
            field,
            text: text[from..to].to_string(),
            snippet: snippet(text, from, to),
        });
    }
}

/// Each rule's exclude occurrences, sorted by start with the running
/// furthest end, so "is this occurrence covered?" is a binary search
/// however many there are.
struct Covers {
    /// Per rule: (start, furthest end so far, the exclude phrase reaching it).
    by_rule: Vec<Vec<(usize, usize, usize)>>,
}

impl Covers {
    fn new(hits: &[Hit], phrases: &[Phrase], rules: usize) -> Covers {
        let mut by_rule: Vec<Vec<Hit>> = vec![Vec::new(); rules];
        for hit in hits.iter().filter(|h| phrases[h.phrase].kind == Kind::Exclude) {
            by_rule[phrases[hit.phrase].rule].push(*hit);
        }
        let by_rule = by_rule
            .into_iter()
            .map(|mut excludes| {
                excludes.sort_by_key(|x| x.start);
                let mut furthest = (0, 0);
                excludes
                    .iter()
                    .map(|x| {
                        if x.end > furthest.0 {
                            furthest = (x.end, x.phrase);
                        }
                        (x.start, furthest.0, furthest.1)
                    })
                    .collect()
            })
            .collect();
        Covers { by_rule }
    }

    /// The exclude phrase covering `hit`, if one of its rule's does.
    fn find(&self, rule: usize, hit: &Hit) -> Option<usize> {
        let excludes = &self.by_rule[rule];
        let last_starting_before = excludes.partition_point(|x| x.0 <= hit.start).checked_sub(1)?;
        let (_, end, phrase) = excludes[last_starting_before];
        (end >= hit.end).then_some(phrase)
    }
}

fn original<'t>(text: &'t str, map: &[usize], hit: Hit) -> &'t str {
    &text[map[hit.start]..map[hit.end]]
}

/// The match with some context on each side, cut at spaces, white space
/// collapsed.
fn snippet(text: &str, from: usize, to: usize) -> String {
    let before = &text[..from];
    let after = &text[to..];
    let start = before.char_indices().rev().nth(SNIPPET_CONTEXT).map(|(i, _)| {
        // Start after the first space in the context (of whatever width).
        let rest = &before[i..];
        rest.char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(i, |(s, c)| i + s + c.len_utf8())
    });
    let end = after
        .char_indices()
        .nth(SNIPPET_CONTEXT)
        .map(|(i, _)| after[..i].rfind(char::is_whitespace).unwrap_or(i));
    let mut out = String::new();
    if start.is_some() {
        out.push('…');
    }
    out.push_str(&before[start.unwrap_or(0)..]);
    out.push_str(&text[from..to]);
    out.push_str(&after[..end.unwrap_or(after.len())]);
    if end.is_some() {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
