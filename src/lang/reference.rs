//! The scorer as it was before its per-text tables (hash maps of the
//! profiles and of the text's trigram counts, a text read in one go), kept
//! to test that the scorer now answers exactly as it did.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::profiles::PROFILES;
use super::score::{Best, MAX_DISTANCE, TEXT_TRIGRAMS, confidence, is_stop, pack, script_of, trigram_score};

/// A language's place among the candidates (bit in an alphabet mask).
type LanguageIndex = u8;

/// The profiles, indexed by trigram and by letter.
pub(super) struct Scorer {
    /// Trigram (three chars packed in a `u64`) → where its entries start
    /// in `ranks`, and how many there are.
    index: HashMap<u64, (u32, u8), BuildHasherDefault<Multiply>>,
    /// (language, rank in that language's profile).
    ranks: Vec<(LanguageIndex, u16)>,
    /// Letter → the languages whose alphabet has it (a bit each).
    letters: HashMap<char, u32, BuildHasherDefault<Multiply>>,
}

impl Default for Scorer {
    fn default() -> Self {
        let mut positions: HashMap<u64, Vec<(LanguageIndex, u16)>> = HashMap::new();
        let mut letters: HashMap<char, u32, BuildHasherDefault<Multiply>> = HashMap::default();
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
        let mut index = HashMap::default();
        let mut ranks = Vec::new();
        for (trigram, entries) in positions {
            index.insert(trigram, (ranks.len() as u32, entries.len() as u8));
            ranks.extend(entries);
        }
        Scorer { index, ranks, letters }
    }
}

impl Scorer {
    /// The most likely candidate of the text's main script (Latin or
    /// Cyrillic; `None` for any other, or for no letters at all).
    pub(crate) fn best(&self, text: &str) -> Option<Best> {
        let Reading {
            script,
            alphabet,
            trigrams,
        } = read(text);
        let cyrillic = match script {
            [0, 0, _] => return None,
            [latin, cyrillic, other] if other > latin.max(cyrillic) => return None,
            [latin, cyrillic, _] => cyrillic > latin,
        };
        let ranked = trigrams.ranked();
        let distances = self.distances(&ranked);
        let unique = ranked.len();
        let hits = alphabet.hits(&self.letters);
        let weight = (2.0 / 3.0 - alphabet.count as f64 / 300.0).clamp(1.0 / 3.0, 2.0 / 3.0);
        let mut scores: Vec<(usize, f64)> = PROFILES
            .iter()
            .enumerate()
            .filter(|(_, p)| p.1 == cyrillic)
            .map(|(i, _)| {
                (
                    i,
                    alphabet.score(hits[i]) * weight + trigram_score(distances[i], unique) * (1.0 - weight),
                )
            })
            .collect();
        scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (first, score1) = *scores.first()?;
        let confidence = match scores.get(1) {
            Some(&(_, score2)) => confidence(score1, score2, unique),
            None => 1.0,
        };
        Some(Best {
            code: PROFILES[first].0,
            confidence,
        })
    }

    /// Every language's distance from the text, in one pass over the
    /// text's ranked trigrams.
    fn distances(&self, ranked: &[u64]) -> Vec<u32> {
        // Each profile trigram the text lacks counts MAX_DISTANCE; one it
        // has counts how far apart its ranks are (which may be more).
        let mut change = vec![0i64; PROFILES.len()];
        for (position, trigram) in ranked.iter().enumerate() {
            let Some(&(start, len)) = self.index.get(trigram) else {
                continue;
            };
            for &(language, rank) in &self.ranks[start as usize..start as usize + len as usize] {
                let apart = (position as i64 - i64::from(rank)).abs();
                change[language as usize] += apart - i64::from(MAX_DISTANCE);
            }
        }
        let unique = ranked.len() as i64;
        let max = i64::from(MAX_DISTANCE * MAX_DISTANCE);
        change
            .into_iter()
            .map(|change| {
                // A short text cannot match all of a profile: what it could
                // not hold is not counted against it.
                let short = (i64::from(MAX_DISTANCE) - unique).max(0) * i64::from(MAX_DISTANCE);
                (max + change - short).clamp(0, max) as u32
            })
            .collect()
    }
}

/// What one pass over a text gathers: letters per script, the letters
/// themselves, and the trigrams.
struct Reading {
    /// Letters (not stops) of 0: Latin, 1: Cyrillic, 2: other scripts.
    script: [usize; 3],
    alphabet: Alphabet,
    trigrams: Trigrams,
}

fn read(text: &str) -> Reading {
    let mut script = [0usize; 3];
    let mut alphabet = Alphabet::default();
    // A trigram per character at most, and one for the end.
    let mut trigrams = Trigrams::with_capacity(text.len() + 1);
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            // Most of the text: a Latin letter, not a stop.
            let lower = c.to_ascii_lowercase();
            script[0] += 1;
            alphabet.add_letter(lower);
            trigrams.add_letter(lower);
            continue;
        }
        if !is_stop(c) {
            script[script_of(c)] += 1;
        }
        if c.is_ascii() {
            let lower = c.to_ascii_lowercase();
            alphabet.add(lower);
            trigrams.add(lower);
            continue;
        }
        for lower in c.to_lowercase() {
            alphabet.add(lower);
            trigrams.add(lower);
        }
    }
    Reading {
        script,
        alphabet,
        trigrams,
    }
}

/// Letters seen, counted per letter (languages are credited once per
/// distinct letter, not once per letter read).
struct Alphabet {
    count: usize,
    ascii: [u32; 128],
    other: Vec<(char, u32)>,
}

impl Default for Alphabet {
    fn default() -> Self {
        Alphabet {
            count: 0,
            ascii: [0; 128],
            other: Vec::new(),
        }
    }
}

impl Alphabet {
    fn add(&mut self, c: char) {
        if is_stop(c) {
            return;
        }
        self.add_letter(c);
    }

    /// [`Alphabet::add`] of a character known not to be a stop.
    fn add_letter(&mut self, c: char) {
        self.count += 1;
        if c.is_ascii() {
            self.ascii[c as usize] += 1;
        } else if let Some(seen) = self.other.iter_mut().find(|(letter, _)| *letter == c) {
            seen.1 += 1;
        } else {
            self.other.push((c, 1));
        }
    }

    /// How many of the letters read each language's alphabet has.
    fn hits(&self, letters: &HashMap<char, u32, BuildHasherDefault<Multiply>>) -> [usize; 32] {
        let mut hits = [0usize; 32];
        let ascii = (0..128u8)
            .filter(|b| self.ascii[*b as usize] > 0)
            .map(|b| (b as char, self.ascii[b as usize]));
        for (letter, count) in ascii.chain(self.other.iter().copied()) {
            let mut mask = letters.get(&letter).copied().unwrap_or(0);
            while mask != 0 {
                hits[mask.trailing_zeros() as usize] += count as usize;
                mask &= mask - 1;
            }
        }
        hits
    }

    /// Letters in the alphabet less letters not in it, per letter.
    fn score(&self, hits: usize) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        (2 * hits).saturating_sub(self.count) as f64 / self.count as f64
    }
}

/// The text's trigrams of letters (words padded with a space), counted.
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
        self.push(c1, c2, c);
        self.previous = [c2, c];
    }

    fn push(&mut self, c1: char, c2: char, c3: char) {
        // A space in the middle only starts or ends a word.
        if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
            self.all.push(pack(c1, c2, c3));
        }
    }

    /// Distinct trigrams, most frequent first (ties: the greater first),
    /// at most [`TEXT_TRIGRAMS`]. Each (count, trigram) is one `u128`, the
    /// count in the high half, so that one sort of plain numbers orders
    /// them (rather than pairs compared field by field).
    fn ranked(mut self) -> Vec<u64> {
        // The text ends as if followed by a space.
        let [c1, c2] = self.previous;
        self.push(c1, c2, ' ');
        let mut counts: HashMap<u64, u32, BuildHasherDefault<Multiply>> =
            HashMap::with_capacity_and_hasher(self.all.len(), Default::default());
        for trigram in self.all {
            *counts.entry(trigram).or_default() += 1;
        }
        let mut counted: Vec<u128> = counts
            .into_iter()
            .map(|(t, n)| (u128::from(n) << 64) | u128::from(t))
            .collect();
        counted.sort_unstable();
        counted.iter().rev().take(TEXT_TRIGRAMS).map(|&k| k as u64).collect()
    }
}

/// A multiplicative hash for the small keys above (packed trigrams,
/// letters): the default hasher resists attackers choosing keys, which a
/// fixed table of profiles does not need.
#[derive(Default)]
struct Multiply(u64);

impl Hasher for Multiply {
    fn finish(&self) -> u64 {
        // The product's high half depends on every bit of the key; its low
        // bits (which pick the bucket) only on the key's low bits.
        self.0.rotate_left(32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// The text's trigrams ranked as the scorer ranked them.
pub(super) fn ranked(text: &str) -> Vec<u64> {
    read(text).trigrams.ranked()
}

/// Whether a text has letters enough to detect from, as it was decided.
fn has_letters(text: &str) -> bool {
    text.chars()
        .filter(|c| c.is_alphabetic())
        .take(super::MIN_CHARS)
        .count()
        >= super::MIN_CHARS
}

/// [`super::Detect::detect_reading`] as it was: the start scored on its
/// own, then the whole sample scored from its first character.
pub(super) fn detect_reading(scorer: &Scorer, text: &str, hint: Option<&str>, prefix: usize) -> Option<String> {
    let reliable = |sample: &str| {
        let best = scorer.best(sample)?;
        (best.confidence > super::RELIABLE).then_some(best.code)
    };
    let hint = match hint.map(super::primary) {
        Some(h) => match PROFILES.iter().find(|p| p.0 == h) {
            Some(profile) => Some(profile.0),
            None => return None,
        },
        None => None,
    };
    let sample = super::first_chars(text, super::MAX_CHARS);
    if !has_letters(sample) {
        return None;
    }
    if let Some(hint) = hint {
        if let Some(end) = super::char_start(sample, prefix) {
            let start = &sample[..end];
            if has_letters(start) && reliable(start) == Some(hint) {
                return Some(hint.to_string());
            }
        }
    }
    reliable(sample).map(str::to_string)
}
