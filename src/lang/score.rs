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
        // A character beyond the Basic Multilingual Plane takes four
        // bytes, starting with 0xF0 or more.
        if !reading.trigrams.wide && text.bytes().max().is_some_and(|b| b >= 0xF0) {
            reading.trigrams.widen();
        }
        if reading.trigrams.wide {
            self.read_packing::<21>(reading, text);
        } else {
            self.read_packing::<16>(reading, text);
        }
    }

    /// [`Scorer::read`] with trigrams packed `BITS` bits a character.
    /// What the pass counts is kept in locals, written back at the end.
    fn read_packing<const BITS: u32>(&self, reading: &mut Reading, text: &str) {
        let class = |c: char| usize::from(self.classes.get(c as usize).copied().unwrap_or(0));
        let (mut script, mut letters) = (reading.script, reading.letters);
        let classes = &mut reading.classes;
        let [mut c1, mut c2] = reading.trigrams.previous;
        let all = &mut reading.trigrams.all;
        // A trigram per character at most, a byte at least.
        all.reserve(text.len());
        // The next character (a stop read as a space): a trigram with the
        // two before it, if it counts.
        let mut next = |c: char| {
            if counts(c1, c2, c) {
                all.push((u64::from(c1) << (2 * BITS)) | (u64::from(c2) << BITS) | u64::from(c));
            }
            (c1, c2) = (c2, c);
        };
        for c in text.chars() {
            if c.is_ascii_alphabetic() {
                // Most of the text: a Latin letter, not a stop.
                let lower = c.to_ascii_lowercase();
                script[0] += 1;
                letters += 1;
                classes[class(lower)] += 1;
                next(lower);
                continue;
            }
            if !is_stop(c) {
                script[script_of(c)] += 1;
            }
            if c.is_ascii() {
                let lower = c.to_ascii_lowercase();
                if is_stop(lower) {
                    next(' ');
                } else {
                    letters += 1;
                    classes[class(lower)] += 1;
                    next(lower);
                }
                continue;
            }
            for lower in c.to_lowercase() {
                if is_stop(lower) {
                    next(' ');
                } else {
                    letters += 1;
                    classes[class(lower)] += 1;
                    next(lower);
                }
            }
        }
        reading.script = script;
        reading.letters = letters;
        reading.trigrams.previous = [c1, c2];
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
}

/// The text's trigrams of letters (words padded with a space), in order:
/// 16 bits a character while every character read is in the Basic
/// Multilingual Plane (as every profile's are), 21 once one is not.
struct Trigrams {
    all: Vec<u64>,
    previous: [char; 2],
    wide: bool,
}

impl Trigrams {
    fn with_capacity(capacity: usize) -> Self {
        Trigrams {
            all: Vec::with_capacity(capacity),
            // As if the text started after a space.
            previous: [' ', ' '],
            wide: false,
        }
    }

    /// Packs the trigrams read so far as [`pack`] packs them, and what
    /// is read from now on likewise.
    fn widen(&mut self) {
        self.wide = true;
        for trigram in &mut self.all {
            *trigram = widen(*trigram);
        }
    }

    /// Distinct trigrams (packed as [`pack`] packs them), most frequent
    /// first (ties: the greater first), at most [`TEXT_TRIGRAMS`], the
    /// text ending as if followed by a space.
    fn ranked(&self) -> Vec<u64> {
        let [c1, c2] = self.previous;
        let end = counts(c1, c2, ' ').then(|| {
            if self.wide {
                pack(c1, c2, ' ')
            } else {
                pack16(c1, c2, ' ')
            }
        });
        if self.wide || self.all.len() + 1 > usize::from(u16::MAX) {
            return ranked_wide(&self.all, end, self.wide);
        }
        // Counted in a table sized for the text, each distinct trigram
        // with its count in the top 16 bits of the same number, so that
        // one sort of plain numbers ranks them.
        const ONE: u64 = 1 << 48;
        let (mut table, mut counted) = (
            Table::<u16>::new(self.all.len() + 1),
            Vec::with_capacity(self.all.len() + 1),
        );
        for &trigram in self.all.iter().chain(end.as_ref()) {
            match table.find(trigram, |at| counted[at] % ONE == trigram) {
                Ok(at) => counted[at] += ONE,
                Err(slot) => {
                    counted.push(ONE | trigram);
                    table.put(slot, counted.len());
                }
            }
        }
        counted.sort_unstable_by(|a, b| b.cmp(a));
        counted.truncate(TEXT_TRIGRAMS);
        for trigram in &mut counted {
            *trigram = widen(*trigram % ONE);
        }
        counted
    }
}

/// [`Trigrams::ranked`] of a text with a character beyond the Basic
/// Multilingual Plane (`wide`: packed 21 bits a character) or with too
/// many trigrams to count in 16 bits: each (count, trigram) one `u128`.
fn ranked_wide(all: &[u64], end: Option<u64>, wide: bool) -> Vec<u64> {
    let unpack = |trigram: u64| if wide { trigram } else { widen(trigram) };
    let (mut table, mut counted) = (
        Table::<u32>::new(all.len() + 1),
        Vec::<(u64, u32)>::with_capacity(all.len() + 1),
    );
    for &trigram in all.iter().chain(end.as_ref()) {
        match table.find(trigram, |at| counted[at].0 == trigram) {
            Ok(at) => counted[at].1 += 1,
            Err(slot) => {
                counted.push((trigram, 1));
                table.put(slot, counted.len());
            }
        }
    }
    let mut keys: Vec<u128> = counted
        .into_iter()
        .map(|(trigram, n)| (u128::from(n) << 64) | u128::from(unpack(trigram)))
        .collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    keys.into_iter().take(TEXT_TRIGRAMS).map(|k| k as u64).collect()
}

/// Whether a trigram counts: a space in the middle only starts or ends a
/// word.
fn counts(c1: char, c2: char, c3: char) -> bool {
    !(c2 == ' ' && (c1 == ' ' || c3 == ' '))
}

/// A text's distinct trigrams as places in a list kept beside the table:
/// open addressing, at most half full; a slot is 0 when empty, else the
/// place plus 1.
struct Table<S> {
    slots: Vec<S>,
    shift: u32,
}

impl<S: Copy + Default + PartialEq + TryFrom<usize> + Into<u64>> Table<S> {
    /// A table for `n` trigrams at most.
    fn new(n: usize) -> Self {
        let bits = (2 * n).next_power_of_two().trailing_zeros().max(4);
        Table {
            slots: vec![S::default(); 1 << bits],
            shift: 64 - bits,
        }
    }

    /// The place of a trigram (`is` tells whether the trigram at a place
    /// is it), or the empty slot where its place is to be put.
    fn find(&self, trigram: u64, is: impl Fn(usize) -> bool) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut at = bucket(trigram, self.shift);
        loop {
            let slot = self.slots[at];
            if slot == S::default() {
                return Err(at);
            }
            let place = slot.into() as usize - 1;
            if is(place) {
                return Ok(place);
            }
            at = (at + 1) & mask;
        }
    }

    /// Puts the `n`th place (counted from 1) in an empty slot.
    fn put(&mut self, slot: usize, n: usize) {
        self.slots[slot] =
            S::try_from(n).unwrap_or_else(|_| unreachable!("a table holds fewer trigrams than its slots"));
    }
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

/// [`pack`] of three characters of the Basic Multilingual Plane in 48
/// bits (ordered the same way).
fn pack16(c1: char, c2: char, c3: char) -> u64 {
    (u64::from(c1) << 32) | (u64::from(c2) << 16) | u64::from(c3)
}

/// [`pack`] of what [`pack16`] packed.
fn widen(trigram: u64) -> u64 {
    ((trigram >> 32) << 42) | (((trigram >> 16) & 0xFFFF) << 21) | (trigram & 0xFFFF)
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
    /// compared, one with letters outside the Basic Multilingual Plane,
    /// one trigram repeated, and one with more trigrams than 16 bits
    /// count.
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
        texts.push("abc ".repeat(25_000));
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
