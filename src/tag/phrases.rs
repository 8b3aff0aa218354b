//! Every phrase of every rule in one Aho-Corasick automaton over each
//! phrase's first word (its anchor): one pass over folded text finds the
//! candidates, and each is checked word by word. Pure.
//!
//! The automaton is aho-corasick's DFA walked here, byte by byte, rather
//! than through `AhoCorasick`'s overlapping iterator, which keeps its
//! state between calls and returns at every match (about 500
//! instructions a match with the matches' handling, some 22 a byte):
//! the loop below only notes where match states are entered, and the
//! matches are handled afterwards. They are the same matches
//! (`find_overlapping_iter` with `MatchKind::Standard`: every needle
//! ending at every position), which a test checks against `AhoCorasick`.

use std::collections::HashMap;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};

use super::syntax::{Phrase, Word};

/// Numbers phrases as rules are compiled, each distinct phrase once.
#[derive(Default)]
pub(super) struct PhraseIds {
    ids: HashMap<Phrase, usize>,
    list: Vec<Phrase>,
}

impl PhraseIds {
    pub(super) fn id(&mut self, phrase: &Phrase) -> usize {
        if let Some(&id) = self.ids.get(phrase) {
            return id;
        }
        self.list.push(phrase.clone());
        self.ids.insert(phrase.clone(), self.list.len() - 1);
        self.list.len() - 1
    }

    /// The phrases, by id.
    pub(super) fn into_list(self) -> Vec<Phrase> {
        self.list
    }
}

/// One occurrence of a phrase in a slot's folded text: bytes
/// `start..end` (`end` is the space after its last word) and its first
/// and last words' numbers (for proximity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Hit {
    pub phrase: usize,
    pub slot: usize,
    pub start: usize,
    pub end: usize,
    pub first_word: usize,
    pub last_word: usize,
}

#[derive(Debug)]
pub(super) struct Phrases {
    automaton: DFA,
    /// Needle id → its length in bytes (a match's start from its end).
    needle_lens: Vec<usize>,
    /// The needles, by id (for the test against `AhoCorasick`).
    #[cfg(test)]
    needles: Vec<String>,
    /// Needle id → the phrases anchored on that needle: first those
    /// to check whatever the next word is, then the others ordered by
    /// the first byte of their second word (`keys`).
    candidates: Vec<Vec<usize>>,
    /// Needle id → for each of its candidates, the first byte its second
    /// word must start with, or 0 (no such byte in folded text) for one
    /// word alone or a second word matched inside others.
    keys: Vec<Vec<u8>>,
    phrases: Vec<Phrase>,
}

impl Phrases {
    pub(super) fn build(list: Vec<Phrase>) -> Result<Phrases, aho_corasick::BuildError> {
        let mut needle_ids: HashMap<String, usize> = HashMap::new();
        let mut candidates: Vec<Vec<usize>> = Vec::new();
        for (id, phrase) in list.iter().enumerate() {
            // Parsing never yields an empty phrase.
            let Some(first) = phrase.first() else { continue };
            // A word that starts a word is sought with the space before
            // it: the automaton then reports only matches at word starts,
            // not every place inside longer words where a short prefix
            // occurs (with hundreds of needles there is no prefilter to
            // lose). Words matched inside others are sought as they are.
            let lead = if first.infix { "" } else { " " };
            let needle = match first.prefix {
                true => format!("{lead}{}", first.folded),
                false => format!("{lead}{} ", first.folded),
            };
            let next = needle_ids.len();
            let needle_id = *needle_ids.entry(needle).or_insert(next);
            if needle_id == candidates.len() {
                candidates.push(Vec::new());
            }
            candidates[needle_id].push(id);
        }
        // Everyday words anchor dozens of phrases ("police officer",
        // "police say", …): only those whose second word starts with the
        // byte the text's next word starts with can match.
        let key = |phrase: &Phrase| match phrase.get(1) {
            Some(second) if !second.infix => second.folded.as_bytes().first().copied().unwrap_or(0),
            _ => 0,
        };
        let keys: Vec<Vec<u8>> = candidates
            .iter_mut()
            .map(|anchored| {
                anchored.sort_by_key(|&id| key(&list[id]));
                anchored.iter().map(|&id| key(&list[id])).collect()
            })
            .collect();
        let mut needles: Vec<(String, usize)> = needle_ids.into_iter().collect();
        needles.sort_by_key(|n| n.1);
        // A full DFA: the fastest search. No prefilter: nearly every
        // needle starts with a space, so none would skip anything, and
        // without one the start state is an ordinary state in the loop.
        let automaton = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(needles.iter().map(|n| n.0.as_str()))?;
        Ok(Phrases {
            automaton,
            needle_lens: needles.iter().map(|n| n.0.len()).collect(),
            #[cfg(test)]
            needles: needles.into_iter().map(|n| n.0).collect(),
            candidates,
            keys,
            phrases: list,
        })
    }

    /// Bytes of memory the automaton takes.
    #[cfg(test)]
    pub(super) fn automaton_bytes(&self) -> usize {
        self.automaton.memory_usage()
    }

    /// Calls `each(needle, start, end)` for every needle occurring in
    /// `bytes`, as `AhoCorasick::find_overlapping_iter` reports them
    /// (ordered by end; at one end, in the automaton's order).
    #[inline(always)]
    fn needles_in(&self, bytes: &[u8], mut each: impl FnMut(usize, usize, usize)) {
        let dfa = &self.automaton;
        // Built unanchored, so there is an unanchored start state.
        let Ok(mut sid) = dfa.start_state(Anchored::No) else {
            return;
        };
        // Only an empty needle (the parser makes none) matches at 0.
        let mut ends = Vec::new();
        if dfa.is_match(sid) {
            ends.push((sid, 0));
        }
        // Nothing but the transition and one comparison a byte: the
        // matches' handling kept out of the loop keeps its state in
        // registers.
        for (at, &byte) in bytes.iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, byte);
            if dfa.is_match(sid) {
                ends.push((sid, at + 1));
            }
        }
        for (sid, end) in ends {
            for index in 0..dfa.match_len(sid) {
                let needle = dfa.match_pattern(sid, index).as_usize();
                each(needle, end - self.needle_lens[needle], end);
            }
        }
    }

    /// Adds every phrase occurrence in `folded` (text of `slot`) to `out`;
    /// with `numbered`, the numbers of their first and last words too
    /// (for proximity; zero otherwise).
    pub(super) fn find(&self, slot: usize, folded: &str, numbered: bool, out: &mut Vec<Hit>) {
        let bytes = folded.as_bytes();
        let mut words = WordCursor::default();
        self.needles_in(bytes, |needle, m_start, m_end| {
            // The needle is the test of a phrase's first word (it matched
            // at a word start, or inside a word, with the space after it
            // when the word must end there), so every phrase anchored on
            // it shares the first word's end and the word after it: found
            // once here, not once per phrase.
            let Some(first_end) = next_space(bytes, m_end - 1) else {
                return;
            };
            let list = &self.candidates[needle];
            let keys = &self.keys[needle];
            let always = keys.partition_point(|&k| k == 0);
            let mut second = None;
            let keyed = match always < list.len() {
                true => {
                    let from = first_end + 1;
                    let (from, to) = *second.insert((from, next_space(bytes, from).unwrap_or(from)));
                    match bytes[from..to].first() {
                        Some(&byte) => {
                            let keys = &keys[always..];
                            always + keys.partition_point(|&k| k < byte)..always + keys.partition_point(|&k| k <= byte)
                        }
                        None => always..always,
                    }
                }
                false => always..always,
            };
            let mut word_start = None;
            for &phrase in list[..always].iter().chain(&list[keyed]) {
                let phrase_words = &self.phrases[phrase];
                let start = match phrase_words[0].infix {
                    true => *word_start.get_or_insert_with(|| folded[..m_start].rfind(' ').map_or(0, |i| i + 1)),
                    // The needle began with the space before the word.
                    false => m_start + 1,
                };
                // An empty first word (the parser allows none).
                if first_end <= start {
                    continue;
                }
                let end = match phrase_words.len() {
                    1 => first_end,
                    _ => {
                        let (from, to) = *second.get_or_insert_with(|| {
                            let from = first_end + 1;
                            (from, next_space(bytes, from).unwrap_or(from))
                        });
                        if to == from || !word_matches(&phrase_words[1], &folded[from..to]) {
                            continue;
                        }
                        match phrase_words.len() {
                            2 => to,
                            _ => match phrase_end(&phrase_words[2..], folded, to + 1) {
                                Some(end) => end,
                                None => continue,
                            },
                        }
                    }
                };
                // Words are one space apart in folded text.
                let first_word = if numbered { words.number(bytes, start) } else { 0 };
                out.push(Hit {
                    phrase,
                    slot,
                    start,
                    end,
                    first_word,
                    last_word: first_word + phrase_words.len() - 1,
                });
            }
        });
    }
}

/// The first space at or after `from`.
fn next_space(bytes: &[u8], from: usize) -> Option<usize> {
    Some(from + bytes.get(from..)?.iter().position(|&b| b == b' ')?)
}

/// Numbers words by counting the spaces before them, moving from one
/// position to the next: the automaton reports matches nearly in order,
/// so the whole text is counted about once.
#[derive(Default)]
struct WordCursor {
    at: usize,
    spaces: usize,
}

impl WordCursor {
    /// The number of the word starting at `start`: the spaces before it.
    fn number(&mut self, bytes: &[u8], start: usize) -> usize {
        // A sum rather than a filtered count: it vectorises.
        let count = |range: &[u8]| range.iter().map(|&b| usize::from(b == b' ')).sum::<usize>();
        if start >= self.at {
            self.spaces += count(&bytes[self.at..start]);
        } else {
            self.spaces -= count(&bytes[start..self.at]);
        }
        self.at = start;
        self.spaces
    }
}

/// Where `words` end if they match at `start` (the first byte of a word
/// in folded text): the space after the last one.
fn phrase_end(words: &[Word], text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = start;
    for (i, word) in words.iter().enumerate() {
        let end = pos + bytes.get(pos..)?.iter().position(|&b| b == b' ')?;
        if end == pos || !word_matches(word, &text[pos..end]) {
            return None;
        }
        if i + 1 == words.len() {
            return Some(end);
        }
        pos = end + 1;
    }
    None
}

/// Whether one word of text is what a rule's word asks for.
fn word_matches(word: &Word, text: &str) -> bool {
    let core = word.folded.as_str();
    match (word.infix, word.prefix) {
        (false, false) => text == core,
        (false, true) => text.starts_with(core),
        (true, false) => text.ends_with(core),
        (true, true) => text.contains(core),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Tagger;
    use super::super::gating::{default_rules, probes, rows};
    use super::{Hit, Phrases, WordCursor, phrase_end};
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

    /// The needles in `AhoCorasick`, as tagging searched them before it
    /// walked the DFA itself.
    fn searcher(phrases: &Phrases) -> AhoCorasick {
        AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&phrases.needles)
            .unwrap()
    }

    /// The DFA walked here finds every needle `AhoCorasick` finds, in the
    /// same order, over the labelled sets, the probes and texts made to
    /// reach its edges (needles at the very start and end, overlapping
    /// needles, bytes of every kind).
    #[test]
    fn walking_the_dfa_finds_what_aho_corasick_finds() {
        let tagger = Tagger::new(&default_rules()).unwrap();
        let phrases = &tagger.phrases;
        let automaton = searcher(phrases);
        let mut texts: Vec<String> = rows().into_iter().map(|(_, t, s)| format!("{t} {s}")).collect();
        texts.extend(probes().into_iter().map(|p| p.1));
        let folded: Vec<String> = texts.iter().map(|t| crate::fold::fold_located(t).text).collect();
        let mut edges: Vec<String> = phrases
            .needles
            .iter()
            .flat_map(|n| [n.clone(), format!("{n}{n}x{n}")])
            .collect();
        edges.extend(["", " ", "  ", "\u{0}\u{ff}"].map(String::from));
        edges.push((0..=255u8).map(char::from).collect());
        let mut found = 0;
        for text in folded.iter().chain(&edges) {
            let mut walked = Vec::new();
            phrases.needles_in(text.as_bytes(), |needle, start, end| walked.push((needle, start, end)));
            let expected: Vec<(usize, usize, usize)> = automaton
                .find_overlapping_iter(text.as_str())
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            assert_eq!(walked, expected, "{text:?}");
            found += walked.len();
        }
        assert!(found > 100_000, "{found} needles found");
        // What the DFA costs in memory (the figure docs/benchmarks.md gives).
        println!(
            "{} needles, DFA {} bytes",
            phrases.needles.len(),
            phrases.automaton_bytes()
        );
    }

    /// Every phrase occurrence found the plain way, as `find` did before
    /// sharing the first word: each phrase anchored on a match checked
    /// from its first word.
    fn reference(phrases: &Phrases, automaton: &AhoCorasick, folded: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        let mut words = WordCursor::default();
        for m in automaton.find_overlapping_iter(folded) {
            for &phrase in &phrases.candidates[m.pattern().as_usize()] {
                let phrase_words = &phrases.phrases[phrase];
                let start = match phrase_words[0].infix {
                    true => folded[..m.start()].rfind(' ').map_or(0, |i| i + 1),
                    false => m.start() + 1,
                };
                let Some(end) = phrase_end(phrase_words, folded, start) else {
                    continue;
                };
                let first_word = words.number(folded.as_bytes(), start);
                out.push(Hit {
                    phrase,
                    slot: 0,
                    start,
                    end,
                    first_word,
                    last_word: first_word + phrase_words.len() - 1,
                });
            }
        }
        out.sort_unstable();
        out
    }

    /// The default rules' phrases found in the labelled sets, the
    /// vocabulary's probes and a few edge cases are the plain way's.
    #[test]
    fn sharing_the_first_word_finds_what_checking_each_phrase_found() {
        let tagger = Tagger::new(&default_rules()).unwrap();
        let mut texts: Vec<String> = rows().into_iter().map(|(_, t, s)| format!("{t} {s}")).collect();
        texts.extend(probes().into_iter().map(|p| p.1));
        texts.extend(
            [
                "handel",
                "handel ",
                "handel ludźmi",
                "handl",
                "menschenhandel",
                "zwangsarbeit zwangsarbeitzwangsarbeit",
                "human trafficking human",
                "cilvēku tirdzniecība cilvēku",
            ]
            .map(String::from),
        );
        let automaton = searcher(&tagger.phrases);
        let mut found = 0;
        for text in &texts {
            let folded = crate::fold::fold_located(text).text;
            let mut hits = Vec::new();
            tagger.phrases.find(0, &folded, true, &mut hits);
            hits.sort_unstable();
            assert_eq!(hits, reference(&tagger.phrases, &automaton, &folded), "{text:?}");
            found += hits.len();
        }
        assert!(found > 10_000, "{found} occurrences");
    }
}
