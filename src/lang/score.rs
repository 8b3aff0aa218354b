//! Scores every candidate language of a text in one pass: whatlang's
//! method (alphabets and trigram profiles, combined as it combines them),
//! with the profiles indexed by trigram, so that each of the text's
//! trigrams is looked up once for all languages instead of each
//! language's 300 trigrams being looked up in the text. What the pass
//! gathers (a [`Reading`]) can be scored, then extended by reading on:
//! the whole sample after its start is scored without reading the start
//! again. Pure; no I/O.

use std::collections::BTreeMap;

use super::profiles::PROFILES;

/// Trigrams of a profile; a text trigram this far from its rank in the
/// profile (or absent from it) counts the most it can.
pub(super) const MAX_DISTANCE: u32 = 300;
/// The text's most frequent trigrams compared (twice a profile's).
pub(super) const TEXT_TRIGRAMS: usize = 600;

/// A language's place among the candidates (bit in an alphabet mask).
type LanguageIndex = u8;

/// Letters are counted per class: the letters that the same languages'
/// alphabets have. The profiles' alphabets make a few dozen classes.
const CLASSES: usize = 64;

/// The profiles, indexed by trigram and by letter.
pub(super) struct Scorer {
    /// Trigram (three chars packed in a `u64`) → where its entries start
    /// in `ranks`, and how many there are.
    index: Index,
    /// (language, rank in that language's profile).
    ranks: Vec<(LanguageIndex, u16)>,
    /// Character → its class, for every character up to the last letter
    /// of an alphabet (the characters past it are in no alphabet, class 0).
    classes: Vec<u8>,
    /// Class → the languages whose alphabet has its letters (a bit each).
    class_languages: Vec<u32>,
}

/// The best language of a text, and how sure the method is of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Best {
    pub code: &'static str,
    /// 0 to 1; whatlang calls an answer reliable above 0.9.
    pub confidence: f64,
}

impl Default for Scorer {
    fn default() -> Self {
        let mut positions: BTreeMap<u64, Vec<(LanguageIndex, u16)>> = BTreeMap::new();
        let mut letters: BTreeMap<char, u32> = BTreeMap::new();
        for (language, (_, _, trigrams, alphabet)) in PROFILES.iter().enumerate() {
            let chars: Vec<char> = trigrams.chars().collect();
            for (rank, t) in chars.chunks(3).enumerate() {
                positions
                    .entry(pack(t[0], t[1], t[2]))
                    .or_default()
                    .push((language as LanguageIndex, rank as u16));
            }
            for letter in alphabet.chars() {
                *letters.entry(letter).or_default() |= 1 << language;
            }
        }
        let mut entries = Vec::new();
        let mut ranks = Vec::new();
        for (trigram, at) in positions {
            entries.push((trigram, ranks.len() as u32, at.len() as u32));
            ranks.extend(at);
        }
        let last = letters.keys().next_back().map_or(0, |&c| c as usize + 1);
        let mut classes = vec![0u8; last];
        let mut class_languages = vec![0u32];
        for (letter, languages) in letters {
            let class = class_languages.iter().position(|&l| l == languages).unwrap_or_else(|| {
                class_languages.push(languages);
                class_languages.len() - 1
            });
            classes[letter as usize] = class as u8;
        }
        assert!(
            class_languages.len() <= CLASSES,
            "the alphabets make {} classes of letters, more than {CLASSES}",
            class_languages.len()
        );
        Scorer {
            index: Index::new(&entries),
            ranks,
            classes,
            class_languages,
        }
    }
}

impl Scorer {
    /// Reads `text` on from where `reading` stopped (a text read in two
    /// parts gathers what it gathers read in one).
    pub(super) fn read(&self, reading: &mut Reading, text: &str) {
        let class = |c: char| self.classes.get(c as usize).copied().unwrap_or(0);
        for c in text.chars() {
            if c.is_ascii_alphabetic() {
                // Most of the text: a Latin letter, not a stop.
                let lower = c.to_ascii_lowercase();
                reading.script[0] += 1;
                reading.add_letter(class(lower));
                reading.trigrams.add_letter(lower);
                continue;
            }
            if !is_stop(c) {
                reading.script[script_of(c)] += 1;
            }
            if c.is_ascii() {
                let lower = c.to_ascii_lowercase();
                if !is_stop(lower) {
                    reading.add_letter(class(lower));
                }
                reading.trigrams.add(lower);
                continue;
            }
            for lower in c.to_lowercase() {
                if !is_stop(lower) {
                    reading.add_letter(class(lower));
                }
                reading.trigrams.add(lower);
            }
        }
    }

    /// The most likely candidate of what was read, in its main script
    /// (Latin or Cyrillic; `None` for any other, or for no letters at
    /// all).
    pub(super) fn best(&self, reading: &Reading) -> Option<Best> {
        let cyrillic = match reading.script {
            [0, 0, _] => return None,
            [latin, cyrillic, other] if other > latin.max(cyrillic) => return None,
            [latin, cyrillic, _] => cyrillic > latin,
        };
        let ranked = reading.trigrams.ranked();
        let distances = self.distances(&ranked);
        let unique = ranked.len();
        let hits = self.hits(reading);
        let weight = (2.0 / 3.0 - reading.letters as f64 / 300.0).clamp(1.0 / 3.0, 2.0 / 3.0);
        // The highest score (the first language among equals) and the
        // next highest: the first two of the scores sorted stably,
        // highest first.
        let mut first: Option<(usize, f64)> = None;
        let mut second: Option<f64> = None;
        for (i, _) in PROFILES.iter().enumerate().filter(|(_, p)| p.1 == cyrillic) {
            let score = alphabet_score(hits[i], reading.letters) * weight
                + trigram_score(distances[i], unique) * (1.0 - weight);
            match first {
                Some((_, best)) if score.total_cmp(&best).is_gt() => {
                    second = Some(best);
                    first = Some((i, score));
                }
                Some(_) => {
                    if second.is_none_or(|s| score.total_cmp(&s).is_gt()) {
                        second = Some(score);
                    }
                }
                None => first = Some((i, score)),
            }
        }
        let (first, score1) = first?;
        let confidence = match second {
            Some(score2) => confidence(score1, score2, unique),
            None => 1.0,
        };
        Some(Best {
            code: PROFILES[first].0,
            confidence,
        })
    }

    /// Every language's distance from the text, in one pass over the
    /// text's ranked trigrams.
    fn distances(&self, ranked: &[u64]) -> [u32; 32] {
        // Each profile trigram the text lacks counts MAX_DISTANCE; one it
        // has counts how far apart its ranks are (which may be more).
        let mut change = [0i64; 32];
        for (position, &trigram) in ranked.iter().enumerate() {
            for &(language, rank) in self.index.get(trigram).map_or(&[][..], |at| &self.ranks[at]) {
                let apart = (position as i64 - i64::from(rank)).abs();
                change[language as usize] += apart - i64::from(MAX_DISTANCE);
            }
        }
        let unique = ranked.len() as i64;
        let max = i64::from(MAX_DISTANCE * MAX_DISTANCE);
        // A short text cannot match all of a profile: what it could not
        // hold is not counted against it.
        let short = (i64::from(MAX_DISTANCE) - unique).max(0) * i64::from(MAX_DISTANCE);
        change.map(|change| (max + change - short).clamp(0, max) as u32)
    }

    /// How many of the letters read each language's alphabet has.
    fn hits(&self, reading: &Reading) -> [usize; 32] {
        let mut hits = [0usize; 32];
        for (&count, &languages) in reading.classes.iter().zip(&self.class_languages) {
            let mut mask = languages;
            while mask != 0 {
                hits[mask.trailing_zeros() as usize] += count as usize;
                mask &= mask - 1;
            }
        }
        hits
    }
}

/// Letters in the alphabet less letters not in it, per letter.
fn alphabet_score(hits: usize, letters: usize) -> f64 {
    if letters == 0 {
        return 0.0;
    }
    (2 * hits).saturating_sub(letters) as f64 / letters as f64
}

/// The profiles' trigrams in an open-addressing table at most a quarter
/// full: most of a text's trigrams are in no profile, and looking one up
/// ends at the first empty slot, most often the first slot probed.
struct Index {
    slots: Vec<Slot>,
    shift: u32,
}

#[derive(Clone, Copy)]
struct Slot {
    trigram: u64,
    start: u32,
    len: u32,
}

/// No three characters pack to this (a packed trigram has 63 bits).
const EMPTY: u64 = u64::MAX;

impl Index {
    /// (trigram, start, len) of distinct trigrams.
    fn new(entries: &[(u64, u32, u32)]) -> Index {
        let bits = (entries.len() * 4).next_power_of_two().trailing_zeros().max(4);
        let empty = Slot {
            trigram: EMPTY,
            start: 0,
            len: 0,
        };
        let mut slots = vec![empty; 1 << bits];
        let shift = 64 - bits;
        for &(trigram, start, len) in entries {
            let mut at = bucket(trigram, shift);
            while slots[at].trigram != EMPTY {
                at = (at + 1) & (slots.len() - 1);
            }
            slots[at] = Slot { trigram, start, len };
        }
        Index { slots, shift }
    }

    /// Where a trigram's entries are in `ranks`, if a profile has it.
    fn get(&self, trigram: u64) -> Option<std::ops::Range<usize>> {
        let mut at = bucket(trigram, self.shift);
        loop {
            let slot = self.slots[at];
            if slot.trigram == trigram {
                return Some(slot.start as usize..(slot.start + slot.len) as usize);
            }
            if slot.trigram == EMPTY {
                return None;
            }
            at = (at + 1) & (self.slots.len() - 1);
        }
    }
}

/// A slot of a table of `64 - shift` bits for a packed trigram: the high
/// bits of its product with an odd constant (Fibonacci hashing), which
/// depend on every bit of the trigram.
fn bucket(trigram: u64, shift: u32) -> usize {
    (trigram.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// What reading a text gathers: letters per script and per class, and
/// the trigrams.
pub(super) struct Reading {
    /// Letters (not stops) of 0: Latin, 1: Cyrillic, 2: other scripts.
    script: [usize; 3],
    /// Characters read that are not stops, lowercased (whatlang's
    /// letters: other punctuation and symbols count too).
    letters: usize,
    /// Of those, how many of each class.
    classes: [u32; CLASSES],
    trigrams: Trigrams,
}

impl Reading {
    /// Room for the trigrams of `bytes` bytes of text.
    pub(super) fn with_capacity(bytes: usize) -> Reading {
        Reading {
            script: [0; 3],
            letters: 0,
            classes: [0; CLASSES],
            // A trigram per character at most (a byte at least).
            trigrams: Trigrams::with_capacity(bytes),
        }
    }

    fn add_letter(&mut self, class: u8) {
        self.letters += 1;
        self.classes[class as usize] += 1;
    }
}

/// The text's trigrams of letters (words padded with a space), in order.
struct Trigrams {
    all: Vec<u64>,
    previous: [char; 2],
}

impl Trigrams {
    fn with_capacity(capacity: usize) -> Self {
        Trigrams {
            all: Vec::with_capacity(capacity),
            // As if the text started after a space.
            previous: [' ', ' '],
        }
    }

    fn add(&mut self, c: char) {
        self.add_letter(if is_stop(c) { ' ' } else { c });
    }

    /// [`Trigrams::add`] of a character known not to be a stop (or the
    /// space a stop reads as).
    fn add_letter(&mut self, c: char) {
        let [c1, c2] = self.previous;
        if counts(c1, c2, c) {
            self.all.push(pack(c1, c2, c));
        }
        self.previous = [c2, c];
    }

    /// Distinct trigrams, most frequent first (ties: the greater first),
    /// at most [`TEXT_TRIGRAMS`], the text ending as if followed by a
    /// space. Counted in a table sized for the text, then grouped by
    /// count (a counting sort) and each group sorted: plain `u64`s sorted
    /// in small groups rather than (count, trigram) keys in one sort.
    fn ranked(&self) -> Vec<u64> {
        let [c1, c2] = self.previous;
        let end = counts(c1, c2, ' ').then(|| pack(c1, c2, ' '));
        let counted = count(&self.all, end);
        let most = counted.iter().map(|&(_, n)| n as usize).max().unwrap_or(0);
        // Group g holds the trigrams counted `most - g` times; `at[g]`
        // first where it starts, then where the next goes.
        let mut at = vec![0usize; most + 1];
        for &(_, n) in &counted {
            at[most - n as usize + 1] += 1;
        }
        for g in 1..at.len() {
            at[g] += at[g - 1];
        }
        let mut ranked = vec![0u64; counted.len()];
        for &(trigram, n) in &counted {
            let g = most - n as usize;
            ranked[at[g]] = trigram;
            at[g] += 1;
        }
        // Now `at[g]` is where group g ends.
        let mut start = 0;
        for &end in &at[..most] {
            ranked[start..end].sort_unstable_by(|a, b| b.cmp(a));
            start = end;
        }
        ranked.truncate(TEXT_TRIGRAMS);
        ranked
    }
}

/// Whether a trigram counts: a space in the middle only starts or ends a
/// word.
fn counts(c1: char, c2: char, c3: char) -> bool {
    !(c2 == ' ' && (c1 == ' ' || c3 == ' '))
}

/// Distinct trigrams of `all` and `end`, each with how often it occurs,
/// in the order first seen: counted through a table of slots (0: empty,
/// else where the trigram is in the list, plus 1) at most half full.
fn count(all: &[u64], end: Option<u64>) -> Vec<(u64, u32)> {
    let n = all.len() + 1;
    let bits = (2 * n).next_power_of_two().trailing_zeros().max(4);
    let (shift, mask) = (64 - bits, (1usize << bits) - 1);
    let mut slots = vec![0u32; 1 << bits];
    let mut counted: Vec<(u64, u32)> = Vec::with_capacity(n);
    for &trigram in all.iter().chain(end.as_ref()) {
        let mut at = bucket(trigram, shift);
        loop {
            match slots[at] {
                0 => {
                    counted.push((trigram, 1));
                    slots[at] = counted.len() as u32;
                    break;
                }
                slot => {
                    let seen = &mut counted[slot as usize - 1];
                    if seen.0 == trigram {
                        seen.1 += 1;
                        break;
                    }
                }
            }
            at = (at + 1) & mask;
        }
    }
    counted
}

pub(super) fn trigram_score(distance: u32, unique: usize) -> f64 {
    let max = unique as u32 * MAX_DISTANCE;
    if max == 0 {
        return 0.0;
    }
    f64::from(max.saturating_sub(distance)) / f64::from(max)
}

/// How far the best score is ahead of the second, for the number of
/// trigrams read (whatlang's hyperbola).
pub(super) fn confidence(highest: f64, second: f64, count: usize) -> f64 {
    if highest == 0.0 {
        return 0.0;
    }
    if second == 0.0 {
        return highest;
    }
    let confident_rate = 3.0 / count as f64 + 0.015;
    let rate = (highest - second) / second;
    if rate > confident_rate {
        1.0
    } else {
        rate / confident_rate
    }
}

/// Three characters in one number, ordered as the characters are.
pub(super) fn pack(c1: char, c2: char, c3: char) -> u64 {
    (u64::from(c1) << 42) | (u64::from(c2) << 21) | u64::from(c3)
}

/// Space, punctuation or an ASCII digit: no help telling languages apart.
pub(super) fn is_stop(c: char) -> bool {
    matches!(c, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}')
}

/// 0: Latin, 1: Cyrillic, 2: another script (whatlang's ranges; the
/// Cyrillic letters among phonetic extensions count as Latin there too).
pub(super) fn script_of(c: char) -> usize {
    match c {
        'a'..='z'
        | 'A'..='Z'
        | '\u{0080}'..='\u{024F}'
        | '\u{0250}'..='\u{02AF}'
        | '\u{1D00}'..='\u{1DBF}'
        | '\u{1E00}'..='\u{1EFF}'
        | '\u{2100}'..='\u{214F}'
        | '\u{2C60}'..='\u{2C7F}'
        | '\u{A720}'..='\u{A7FF}'
        | '\u{AB30}'..='\u{AB6F}' => 0,
        '\u{0400}'..='\u{0484}'
        | '\u{0487}'..='\u{052F}'
        | '\u{2DE0}'..='\u{2DFF}'
        | '\u{A640}'..='\u{A69D}'
        | '\u{A69F}' => 1,
        _ => 2,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::Path;

    use super::super::reference;
    use super::{Reading, Scorer, TEXT_TRIGRAMS};

    /// (label, text) of every row of the labelled sets
    /// (tests/fixtures/eval/*.tsv and eval-small.tsv), the text a title
    /// and its lede.
    pub(in crate::lang) fn labelled_texts() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(root.join("eval"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "tsv"))
            .collect();
        files.sort();
        files.push(root.join("eval-small.tsv"));
        let mut texts = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            texts.extend(
                text.lines()
                    .filter(|l| !l.starts_with('#') && !l.starts_with("id\t"))
                    .map(|l| {
                        let fields: Vec<&str> = l.split('\t').collect();
                        (fields[1].to_string(), fields[3].replace(" | ", ". "))
                    }),
            );
        }
        texts
    }

    /// A text cut where detection cuts it (its minimum, its start, its
    /// sample) and whole, each distinct cut once.
    fn cuts(text: &str) -> Vec<&str> {
        let mut cuts: Vec<&str> = [40, 200, 600, usize::MAX]
            .into_iter()
            .map(|cut| text.char_indices().nth(cut).map_or(text, |(end, _)| &text[..end]))
            .collect();
        cuts.dedup();
        cuts
    }

    /// The scorer ranks every labelled text's trigrams, and scores every
    /// language, exactly as the scorer before its per-text tables did:
    /// the same best language with the same confidence to the last bit,
    /// whole and cut where detection cuts, read in one go and in two
    /// parts; and so over a text with more distinct trigrams than are
    /// compared, one with a letter outside the Basic Multilingual Plane,
    /// and one trigram repeated.
    #[test]
    fn scores_are_the_scores_before() {
        let (scorer, before) = (Scorer::default(), reference::Scorer::default());
        let mut texts: Vec<String> = labelled_texts().into_iter().map(|(_, text)| text).collect();
        assert!(texts.len() > 10_000, "the labelled sets were read: {}", texts.len());
        texts.push(
            (0..2_000u32)
                .map(|i| format!("w{} ", char::from_u32(0x100 + i).unwrap()))
                .collect(),
        );
        texts.push("Cilvēku tirdzniecība 𝔞𝔟𝔠 Menschenhandel İstanbul ǅemal".repeat(8));
        texts.push("aaaa ".repeat(500));
        texts.push(String::new());
        let mut compared = 0;
        for text in &texts {
            for cut in cuts(text) {
                let mut reading = Reading::with_capacity(cut.len());
                scorer.read(&mut reading, cut);
                let ranked = reading.trigrams.ranked();
                assert!(ranked.len() <= TEXT_TRIGRAMS);
                assert_eq!(ranked, reference::ranked(cut), "{cut}");
                let expected = before.best(cut);
                let best = scorer.best(&reading);
                assert_eq!(best.map(|b| b.code), expected.map(|b| b.code), "{cut}");
                assert_eq!(
                    best.map(|b| b.confidence.to_bits()),
                    expected.map(|b| b.confidence.to_bits()),
                    "{cut}"
                );
                // Read in two parts, split at every 97th character.
                let split = cut.char_indices().nth(97).map_or(cut.len(), |(at, _)| at);
                let mut parts = Reading::with_capacity(cut.len());
                scorer.read(&mut parts, &cut[..split]);
                scorer.read(&mut parts, &cut[split..]);
                assert_eq!(parts.trigrams.ranked(), ranked, "{cut}");
                assert_eq!(scorer.best(&parts), best, "{cut}");
                compared += 1;
            }
        }
        assert!(compared > 20_000, "{compared} texts");
    }
}
