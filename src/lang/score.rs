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
    /// What the pass does with each character below [`TABLED`], worked
    /// out once (see [`entry`]): one lookup instead of tests of ranges,
    /// `char::to_lowercase`'s search and the class's lookup.
    chars: Vec<u32>,
}

/// The characters the pass looks up in a table: ASCII, Latin-1, Latin
/// Extended A and B, IPA, Greek and Cyrillic (with its supplement); the
/// rest (rare in the region's news) take the general path.
const TABLED: usize = 0x0530;

/// A table entry: the character's lowercase (16 bits; a space for a
/// stop), its class (8 bits), its script's slot (2 bits: 0 Latin, 1
/// Cyrillic, 2 another, 3 a stop, which counts in no script), whether its
/// lowercase counts as a letter, and whether it must take the general
/// path (its lowercase is not one character).
const CLASS_SHIFT: u32 = 16;
const SCRIPT_SHIFT: u32 = 24;
const LETTER: u32 = 1 << 26;
const GENERAL: u32 = 1 << 27;

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
        let chars = (0..TABLED as u32)
            .map(|c| entry(char::from_u32(c).unwrap_or('\u{FFFD}'), &classes))
            .collect();
        Scorer {
            index: Index::new(&entries),
            ranks,
            classes,
            class_languages,
            chars,
        }
    }
}

/// The table entry of a character (see [`TABLED`]): what the general
/// path does with it, worked out once.
fn entry(c: char, classes: &[u8]) -> u32 {
    let mut lower = c.to_lowercase();
    let (Some(lower), None) = (lower.next(), lower.next()) else {
        return GENERAL;
    };
    if u32::from(lower) > 0xFFFF {
        return GENERAL;
    }
    let script = if is_stop(c) { 3 } else { script_of(c) as u32 };
    if is_stop(lower) {
        return u32::from(' ') | (script << SCRIPT_SHIFT);
    }
    let class = u32::from(classes.get(lower as usize).copied().unwrap_or(0));
    u32::from(lower) | (class << CLASS_SHIFT) | (script << SCRIPT_SHIFT) | LETTER
}

impl Scorer {
    /// Reads `text` on from where `reading` stopped (a text read in two
    /// parts gathers what it gathers read in one).
    pub(super) fn read(&self, reading: &mut Reading, text: &str) {
        // A character beyond the Basic Multilingual Plane takes four
        // bytes, starting with 0xF0 or more.
        let wide = text.bytes().max().is_some_and(|b| b >= 0xF0);
        let trigrams = &mut reading.trigrams;
        trigrams.make_room(text.len(), wide);
        // The counts, taken out while the pass borrows the rest.
        let mut counts = std::mem::replace(&mut trigrams.counts, Counts::Taken);
        match &mut counts {
            Counts::Narrow(narrow) => self.read_packing::<16>(reading, text, narrow),
            Counts::General(general) if general.wide => self.read_packing::<21>(reading, text, general),
            Counts::General(general) => self.read_packing::<16>(reading, text, general),
            Counts::Taken => unreachable!("the counts are put back after every read"),
        }
        reading.trigrams.counts = counts;
        reading.trigrams.read += text.len();
    }

    /// [`Scorer::read`] with trigrams packed `BITS` bits a character,
    /// each counted as it is read. What the pass counts is kept in
    /// locals, written back at the end.
    fn read_packing<const BITS: u32>(&self, reading: &mut Reading, text: &str, counter: &mut impl Count) {
        let class = |c: char| usize::from(self.classes.get(c as usize).copied().unwrap_or(0));
        let (mut script, mut letters) = (reading.script, reading.letters);
        let classes = &mut reading.classes;
        let [mut c1, mut c2] = reading.trigrams.previous.map(u32::from);
        // The next character (a stop read as a space): a trigram with the
        // two before it, if it counts. (A macro: as a closure called from
        // two places, it was not inlined.)
        macro_rules! next {
            ($c:expr) => {{
                let c: u32 = $c;
                if counts(c1, c2, c) {
                    counter.add((u64::from(c1) << (2 * BITS)) | (u64::from(c2) << BITS) | u64::from(c));
                }
                (c1, c2) = (c2, c);
            }};
        }
        for c in text.chars() {
            if let Some(&entry) = self.chars.get(c as usize).filter(|&&e| e & GENERAL == 0) {
                // Most of the text: what to do with the character looked
                // up, without a branch.
                let letter = (entry & LETTER) >> 26;
                script[(entry >> SCRIPT_SHIFT) as usize & 3] += 1;
                letters += letter as usize;
                classes[(entry >> CLASS_SHIFT) as usize & (CLASSES - 1)] += letter;
                next!(entry & 0xFFFF);
                continue;
            }
            if !is_stop(c) {
                script[script_of(c)] += 1;
            }
            for lower in c.to_lowercase() {
                if is_stop(lower) {
                    next!(u32::from(' '));
                } else {
                    letters += 1;
                    classes[class(lower)] += 1;
                    next!(u32::from(lower));
                }
            }
        }
        reading.script = script;
        reading.letters = letters;
        let character = |c: u32| char::from_u32(c).unwrap_or_else(|| unreachable!("packed from a char"));
        reading.trigrams.previous = [character(c1), character(c2)];
    }

    /// The most likely candidate of what was read, in its main script
    /// (Latin or Cyrillic; `None` for any other, or for no letters at
    /// all).
    pub(super) fn best(&self, reading: &Reading) -> Option<Best> {
        let cyrillic = match reading.script {
            [0, 0, _, _] => return None,
            [latin, cyrillic, other, _] if other > latin.max(cyrillic) => return None,
            [latin, cyrillic, _, _] => cyrillic > latin,
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
/// the trigrams, counted.
pub(super) struct Reading {
    /// Letters (not stops) of 0: Latin, 1: Cyrillic, 2: other scripts;
    /// 3 counts the stops (a slot the pass adds to without a branch).
    script: [usize; 4],
    /// Characters read that are not stops, lowercased (whatlang's
    /// letters: other punctuation and symbols count too).
    letters: usize,
    /// Of those, how many of each class.
    classes: [u32; CLASSES],
    trigrams: Trigrams,
}

impl Reading {
    /// Room for `trigrams` distinct trigrams (the characters of the
    /// text to be read and one, at most); more take longer.
    pub(super) fn with_capacity(trigrams: usize) -> Reading {
        Reading {
            script: [0; 4],
            letters: 0,
            classes: [0; CLASSES],
            trigrams: Trigrams::with_capacity(trigrams),
        }
    }
}

/// Each distinct trigram's count in a narrow count's entry (above the
/// trigram's 48 bits).
const ONE: u64 = 1 << 48;

/// The text's trigrams of letters (words padded with a space), counted as
/// they are read, so that a text read on after its start was ranked is
/// not counted again from its first character.
struct Trigrams {
    counts: Counts,
    previous: [char; 2],
    /// Bytes read so far.
    read: usize,
}

/// The counts, in one of two forms.
enum Counts {
    /// While every character read is in the Basic Multilingual Plane (as
    /// every profile's are) and the text is no longer than room was made
    /// for: trigrams packed 16 bits a character, each distinct one
    /// counted in the same `u64` as its count (the top 16 bits), so that
    /// one in-place sort of plain numbers ranks them.
    Narrow(Narrow),
    /// Otherwise (a character beyond that plane, more trigrams than 16
    /// bits count, more text than room was made for): (trigram, count).
    General(General),
    /// Only while a read borrows them.
    Taken,
}

/// Something that counts trigrams as the pass finds them.
trait Count {
    fn add(&mut self, trigram: u64);
}

struct Narrow {
    table: Table<u16>,
    counted: Vec<u64>,
    /// How many trigrams the table has room for.
    room: usize,
}

impl Count for Narrow {
    #[inline(always)]
    fn add(&mut self, trigram: u64) {
        let counted = &mut self.counted;
        match self.table.find(trigram, |at| counted[at] % ONE == trigram) {
            Ok(at) => counted[at] += ONE,
            Err(slot) if counted.len() < self.room => {
                counted.push(ONE | trigram);
                self.table.put(slot, counted.len());
            }
            Err(_) => self.grow_and_add(trigram),
        }
    }
}

impl Narrow {
    /// Narrow counts with room for `room` distinct trigrams.
    fn new(room: usize) -> Narrow {
        Narrow {
            table: Table::new(room),
            counted: Vec::with_capacity(room),
            room,
        }
    }

    /// A new trigram when the table has no room left: the table made
    /// twice as large (rare: room is made for the text read).
    #[cold]
    #[inline(never)]
    fn grow_and_add(&mut self, trigram: u64) {
        self.room *= 2;
        self.table = Table::new(self.room);
        for (place, &counted) in self.counted.iter().enumerate() {
            let Err(slot) = self.table.find(counted % ONE, |_| false) else {
                unreachable!("no place matches")
            };
            self.table.put(slot, place + 1);
        }
        self.counted.push(ONE | trigram);
        let Err(slot) = self.table.find(trigram, |_| false) else {
            unreachable!("no place matches")
        };
        self.table.put(slot, self.counted.len());
    }
}

struct General {
    table: Table<u32>,
    counted: Vec<(u64, u32)>,
    /// How many trigrams the table has room for.
    room: usize,
    /// Packed 21 bits a character ([`pack`]), else 16 ([`pack16`]).
    wide: bool,
}

impl Count for General {
    #[inline(always)]
    fn add(&mut self, trigram: u64) {
        let counted = &mut self.counted;
        match self.table.find(trigram, |at| counted[at].0 == trigram) {
            Ok(at) => counted[at].1 += 1,
            Err(slot) if counted.len() < self.room => {
                counted.push((trigram, 1));
                self.table.put(slot, counted.len());
            }
            Err(_) => self.grow_and_add(trigram),
        }
    }
}

impl General {
    /// A new trigram when the table has no room left: the table made
    /// twice as large.
    #[cold]
    #[inline(never)]
    fn grow_and_add(&mut self, trigram: u64) {
        let mut counted = std::mem::take(&mut self.counted);
        counted.push((trigram, 1));
        *self = General::new(counted, 2 * self.room, self.wide);
    }

    /// Counts of distinct trigrams, in a table with room for `room`.
    fn new(counted: Vec<(u64, u32)>, room: usize, wide: bool) -> General {
        let room = room.max(counted.len() + 1);
        let mut general = General {
            table: Table::new(room),
            counted: Vec::with_capacity(room),
            room,
            wide,
        };
        for (trigram, n) in counted {
            let Err(slot) = general.table.find(trigram, |_| false) else {
                unreachable!("no place matches")
            };
            general.counted.push((trigram, n));
            general.table.put(slot, general.counted.len());
        }
        general
    }
}

impl Trigrams {
    fn with_capacity(room: usize) -> Self {
        Trigrams {
            counts: Counts::Narrow(Narrow::new(room.max(1))),
            // As if the text started after a space.
            previous: [' ', ' '],
            read: 0,
        }
    }

    /// Readies the counts to read `bytes` bytes more, packed 21 bits a
    /// character from now on when `wide`.
    fn make_room(&mut self, bytes: usize, wide: bool) {
        // A trigram per character at most (a byte at least), and one
        // where the text ends: narrow counts hold 65,534.
        let most = self.read + bytes + 1;
        if let Counts::Narrow(narrow) = &mut self.counts {
            if !wide && most < usize::from(u16::MAX) {
                return;
            }
            let counted = narrow.counted.iter().map(|&c| (c % ONE, (c / ONE) as u32)).collect();
            self.counts = Counts::General(General::new(counted, narrow.room, false));
        }
        let Counts::General(general) = &mut self.counts else {
            unreachable!("narrow counts were made general")
        };
        if wide && !general.wide {
            let counted = general.counted.iter().map(|&(t, n)| (widen(t), n)).collect();
            *general = General::new(counted, general.room, true);
        }
    }

    /// Distinct trigrams (packed as [`pack`] packs them), most frequent
    /// first (ties: the greater first), at most [`TEXT_TRIGRAMS`], the
    /// text ending as if followed by a space.
    fn ranked(&self) -> Vec<u64> {
        let [c1, c2] = self.previous;
        let end = counts(u32::from(c1), u32::from(c2), u32::from(' '));
        match &self.counts {
            Counts::Narrow(Narrow { table, counted, .. }) => {
                let mut ranked = Vec::with_capacity(counted.len() + 1);
                ranked.extend_from_slice(counted);
                if end {
                    let end = pack16(c1, c2, ' ');
                    match table.find(end, |at| counted[at] % ONE == end) {
                        Ok(at) => ranked[at] += ONE,
                        Err(_) => ranked.push(ONE | end),
                    }
                }
                ranked.sort_unstable_by(|a, b| b.cmp(a));
                ranked.truncate(TEXT_TRIGRAMS);
                for trigram in &mut ranked {
                    *trigram = widen(*trigram % ONE);
                }
                ranked
            }
            Counts::General(General {
                table, counted, wide, ..
            }) => {
                let unpack = |trigram: u64| if *wide { trigram } else { widen(trigram) };
                let key = |(trigram, n): (u64, u32)| (u128::from(n) << 64) | u128::from(unpack(trigram));
                let mut keys: Vec<u128> = Vec::with_capacity(counted.len() + 1);
                keys.extend(counted.iter().map(|&c| key(c)));
                if end {
                    let end = if *wide { pack(c1, c2, ' ') } else { pack16(c1, c2, ' ') };
                    match table.find(end, |at| counted[at].0 == end) {
                        Ok(at) => keys[at] += 1 << 64,
                        Err(_) => keys.push(key((end, 1))),
                    }
                }
                keys.sort_unstable_by(|a, b| b.cmp(a));
                keys.into_iter().take(TEXT_TRIGRAMS).map(|k| k as u64).collect()
            }
            Counts::Taken => unreachable!("the counts are put back after every read"),
        }
    }
}

/// Whether a trigram counts: a space in the middle only starts or ends a
/// word.
fn counts(c1: u32, c2: u32, c3: u32) -> bool {
    const SPACE: u32 = ' ' as u32;
    !(c2 == SPACE && (c1 == SPACE || c3 == SPACE))
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
    use super::{Reading, Scorer, TABLED, TEXT_TRIGRAMS};

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
        // Narrow counts made wide when a character beyond the Basic
        // Multilingual Plane comes after the first part.
        texts.push(format!("{}𝔞𝔟𝔠 𝔞𝔟𝔠 ẞ K Ω", "Cilvēku tirdzniecība ".repeat(6)));
        // Every character the pass looks up in its table, 64 to a text,
        // each between letters.
        texts.extend((0..TABLED as u32).step_by(64).map(|start| {
            (start..start + 64)
                .filter_map(char::from_u32)
                .flat_map(|c| [c, 'a', c, 'ė', ' '])
                .collect::<String>()
        }));
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
                // The same with no room made: the counts' table grows as
                // the text is read.
                let mut roomless = Reading::with_capacity(0);
                scorer.read(&mut roomless, &cut[..split]);
                assert_eq!(roomless.trigrams.ranked(), reference::ranked(&cut[..split]), "{cut}");
                scorer.read(&mut roomless, &cut[split..]);
                assert_eq!(roomless.trigrams.ranked(), ranked, "{cut}");
                assert_eq!(scorer.best(&roomless), best, "{cut}");
                compared += 1;
            }
        }
        assert!(compared > 20_000, "{compared} texts");
    }
}
