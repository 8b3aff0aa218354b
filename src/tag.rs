//! Compiled keyword rules: one Aho-Corasick automaton over word-normalised
//! text finds every term and exclusion of every rule in one pass, and each
//! match says which term and which field. No I/O.
//!
//! Matching model (this release): a phrase matches case-insensitively as
//! consecutive whole words; anything that is not a letter or digit separates
//! words. An `exclude` phrase found in the same field cancels that rule's
//! matches in that field, so "drug trafficking" in the title cancels a
//! "trafficking" match in the title but not one in the content.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::config::TagRule;
use crate::model::{Field, Match};

/// Why rules could not be compiled.
#[derive(Debug, thiserror::Error)]
#[error("cannot compile keyword rules: {0}")]
pub struct Error(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Term,
    Exclude,
}

#[derive(Debug)]
struct Pattern {
    rule: usize,
    kind: Kind,
    phrase: String,
}

/// All rules, compiled once (at start-up or reload).
#[derive(Debug)]
pub struct Tagger {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    tags: Vec<String>,
}

impl Tagger {
    pub fn new(rules: &[TagRule]) -> Result<Tagger, Error> {
        let mut patterns = Vec::new();
        let mut needles = Vec::new();
        for (rule, tag) in rules.iter().enumerate() {
            let kinds = tag
                .terms
                .iter()
                .map(|p| (Kind::Term, p))
                .chain(tag.exclude.iter().map(|p| (Kind::Exclude, p)));
            for (kind, phrase) in kinds {
                let words = words(phrase);
                if words.is_empty() {
                    return Err(Error(format!("tags.{}: {phrase:?} has no words", tag.name)));
                }
                needles.push(format!(" {} ", words.join(" ")));
                patterns.push(Pattern {
                    rule,
                    kind,
                    phrase: phrase.clone(),
                });
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&needles)
            .map_err(|e| Error(e.to_string()))?;
        Ok(Tagger {
            automaton,
            patterns,
            tags: rules.iter().map(|r| r.name.clone()).collect(),
        })
    }

    /// The tags whose rules match, each with the first term that matched
    /// (fields are tried in the order given).
    pub fn tag(&self, fields: &[(Field, &str)]) -> Vec<Match> {
        let mut found: Vec<Option<Match>> = vec![None; self.tags.len()];
        for (field, text) in fields {
            let normalised = normalise(text);
            let mut first_term: Vec<Option<usize>> = vec![None; self.tags.len()];
            let mut excluded = vec![false; self.tags.len()];
            for m in self.automaton.find_overlapping_iter(&normalised) {
                let pattern = &self.patterns[m.pattern().as_usize()];
                match pattern.kind {
                    Kind::Exclude => excluded[pattern.rule] = true,
                    Kind::Term => {
                        first_term[pattern.rule].get_or_insert(m.pattern().as_usize());
                    }
                }
            }
            for (rule, term) in first_term.into_iter().enumerate() {
                if let (Some(p), false, None) = (term, excluded[rule], &found[rule]) {
                    found[rule] = Some(Match {
                        tag: self.tags[rule].clone(),
                        term: self.patterns[p].phrase.clone(),
                        field: *field,
                    });
                }
            }
        }
        found.into_iter().flatten().collect()
    }
}

/// The words of a text, lower-cased; soft hyphens and zero-width characters
/// are dropped so `traf\u{AD}ficking` is one word.
pub fn words(text: &str) -> Vec<String> {
    normalise(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Text as ` word word … ` with single spaces, so a needle ` a b ` can only
/// match whole words.
fn normalise(text: &str) -> String {
    // Composed form first: a decomposed "ē" (e + combining macron) would
    // otherwise split the word at the mark. Most text already is NFC.
    let composed: Cow<'_, str> = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    let mut out = String::with_capacity(composed.len() + 2);
    out.push(' ');
    for c in composed.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, terms: &[&str], exclude: &[&str]) -> TagRule {
        TagRule {
            name: name.into(),
            label: None,
            description: None,
            terms: terms.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn tags(tagger: &Tagger, title: &str, content: &str) -> Vec<(String, String, Field)> {
        tagger
            .tag(&[(Field::Title, title), (Field::Content, content)])
            .into_iter()
            .map(|m| (m.tag, m.term, m.field))
            .collect()
    }

    #[test]
    fn matches_whole_words_case_insensitively_across_punctuation() {
        let t = Tagger::new(&[rule("thb", &["human trafficking"], &[])]).unwrap();
        let cases = [
            ("Police fight HUMAN TRAFFICKING", true),
            ("human-trafficking ring", true),
            ("human\ntrafficking", true),
            ("superhuman trafficking", false),
            ("human traffickings", false),
            ("human", false),
        ];
        for (text, expected) in cases {
            assert_eq!(!tags(&t, text, "").is_empty(), expected, "{text:?}");
        }
    }

    #[test]
    fn matches_cyrillic_and_baltic_letters() {
        let t = Tagger::new(&[rule("thb", &["торговля людьми", "cilvēku tirdzniecība"], &[])]).unwrap();
        assert_eq!(tags(&t, "ТОРГОВЛЯ ЛЮДЬМИ в регионе", "").len(), 1);
        assert_eq!(tags(&t, "", "Cīņa pret CILVĒKU TIRDZNIECĪBA").len(), 1);
    }

    #[test]
    fn exclusion_cancels_only_its_own_field() {
        let t = Tagger::new(&[rule("thb", &["trafficking"], &["drug trafficking"])]).unwrap();
        assert!(tags(&t, "drug trafficking arrests", "").is_empty());
        let both = tags(&t, "drug trafficking arrests", "also trafficking in persons");
        assert_eq!(both, vec![("thb".into(), "trafficking".into(), Field::Content)]);
    }

    #[test]
    fn reports_first_term_and_field_per_tag() {
        let t = Tagger::new(&[
            rule("thb", &["trafficking", "exploitation"], &[]),
            rule("smuggling", &["migrant smuggling"], &[]),
        ])
        .unwrap();
        let found = tags(&t, "Exploitation case", "migrant smuggling and trafficking");
        assert_eq!(
            found,
            vec![
                ("thb".into(), "exploitation".into(), Field::Title),
                ("smuggling".into(), "migrant smuggling".into(), Field::Content),
            ]
        );
    }

    #[test]
    fn decomposed_letters_match_composed_terms() {
        let t = Tagger::new(&[rule("thb", &["cilvēku tirdzniecība"], &[]), rule("ku", &["ku"], &[])]).unwrap();
        let decomposed = "Cilve\u{304}ku tirdzniecI\u{304}ba";
        let found: Vec<String> = tags(&t, decomposed, "").into_iter().map(|m| m.0).collect();
        assert_eq!(found, ["thb"]);
    }

    #[test]
    fn invisible_characters_do_not_split_words() {
        assert_eq!(
            words("traf\u{AD}ficking in\u{200B}persons"),
            vec!["trafficking", "inpersons"]
        );
        assert!(words(" -- ").is_empty());
    }
}
