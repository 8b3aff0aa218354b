//! Text folding for keyword matching, the same for rules and for text:
//! Unicode compatibility forms (NFKC), case folding, Latin diacritics
//! removed, explicit folds for letters that do not decompose (ł ø æ œ ð þ
//! ß, Russian ё), soft hyphens and zero-width characters dropped, and
//! every run of non-letters (any kind of space, punctuation, hyphens, line
//! breaks) turned into one space. The result reads ` word word … ` so a
//! needle ` word` can only start at a word. Pure; no I/O.
//!
//! Speed matters (every item's every field goes through here): ASCII takes
//! a fast path, the rest of the common range is looked up in a table
//! built once, and only rare characters are folded one by one.

use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Code points below this are folded by table (Latin, Greek, Cyrillic,
/// general punctuation and spaces).
const TABLE_END: u32 = 0x2100;

/// How one character folds.
#[derive(Clone, Copy)]
enum Fold {
    /// Dropped without splitting the word: soft hyphen, zero-width
    /// characters, combining marks.
    Drop,
    /// Ends a word: spaces, punctuation, symbols.
    Separator,
    /// Folded letters (UTF-8, at most 8 bytes: "ß" → "ss", "ﬃ" → "ffi").
    Letters { bytes: [u8; 8], len: u8 },
}

/// A constant table, computed once on first use.
static TABLE: LazyLock<Vec<Fold>> = LazyLock::new(|| (0..TABLE_END).map(|cp| fold_slow(cp_char(cp))).collect());

fn cp_char(cp: u32) -> char {
    // Surrogate code points are not characters; they never occur in a str.
    char::from_u32(cp).unwrap_or('\u{FFFD}')
}

/// Folds `text` to ` word word … ` (leading and trailing space included;
/// empty text gives a single space).
pub fn fold(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    fold_into(text, &mut out, &mut ());
    into_string(out)
}

/// Like [`fold`], also giving for each byte of the result the byte offset
/// in `text` it came from (separators point at the character that ended
/// the word), so a match in folded text can be shown as it was written.
pub(crate) fn fold_mapped(text: &str) -> (String, Vec<usize>) {
    let mut out = Vec::with_capacity(text.len() + 2);
    let mut map = Vec::with_capacity(text.len() + 2);
    fold_into(text, &mut out, &mut map);
    (into_string(out), map)
}

/// Folded bytes between two [`Folded`] checkpoints, about: a match is
/// located by walking from the one before it, half this on average, and
/// a checkpoint costs a push while folding (64 rather than 256: a
/// shorter walk for every match quoted, for one more push every 64
/// bytes folded).
const CHECKPOINT_EVERY: usize = 64;

/// A fold that can find its way back to the text it came from: besides
/// the folded text, checkpoints where folding the rest of the text alone
/// gives the rest of the fold, so a match is located without walking the
/// text from its start.
pub(crate) struct Folded {
    pub text: String,
    /// (folded offset of a separator's space, text offset after the
    /// separator), ascending.
    checkpoints: Vec<(usize, usize)>,
}

/// Folds `text` like [`fold`], keeping checkpoints for [`Folded::locate`].
pub(crate) fn fold_located(text: &str) -> Folded {
    let mut out = Vec::with_capacity(text.len() + 2);
    let mut at = Checkpoints {
        next: CHECKPOINT_EVERY,
        list: Vec::new(),
    };
    fold_into(text, &mut out, &mut at);
    Folded {
        text: into_string(out),
        checkpoints: at.list,
    }
}

impl Folded {
    /// The offsets in `original` (the text this is the fold of) that the
    /// folded offsets `wanted` (ascending) come from, as [`fold_mapped`]'s
    /// map gives them: walked from the last checkpoint before the first,
    /// without writing anything.
    pub(crate) fn locate(&self, original: &str, wanted: &[usize]) -> Vec<usize> {
        let first = wanted.first().copied().unwrap_or(0);
        let (folded, from) = match self.checkpoints.partition_point(|c| c.0 < first) {
            0 => (0, 0),
            n => self.checkpoints[n - 1],
        };
        // Folding the rest alone starts with the same space.
        let shifted: Vec<usize> = wanted.iter().map(|w| w - folded).collect();
        let mut found = locate(&original[from..], &shifted);
        found.iter_mut().for_each(|f| *f += from);
        found
    }
}

/// The offsets in `text` that the folded offsets `wanted` (ascending)
/// come from, as [`fold_mapped`]'s map gives them, found by walking the
/// text as far as the last one without writing the fold.
pub(crate) fn locate(text: &str, wanted: &[usize]) -> Vec<usize> {
    let mut at = Locate {
        wanted,
        found: Vec::with_capacity(wanted.len()),
        recorded: 0,
    };
    fold_into(text, &mut Count::default(), &mut at);
    at.found
}

fn into_string(bytes: Vec<u8>) -> String {
    // Only whole UTF-8 sequences are ever written, so this cannot fail.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Where each output byte came from; `()` records nothing (and costs
/// nothing: the compiler removes it from the fast path).
trait Positions {
    fn record(&mut self, at: usize, bytes: usize);
    /// A space for the separator of `len` bytes at `at`, written when the
    /// fold is `written` bytes long.
    #[inline(always)]
    fn separator(&mut self, at: usize, _len: usize, _written: usize) {
        self.record(at, 1);
    }
    fn truncate(&mut self, len: usize);
    /// Whether enough has been recorded to stop folding.
    fn enough(&self) -> bool;
}

impl Positions for () {
    #[inline(always)]
    fn record(&mut self, _: usize, _: usize) {}
    #[inline(always)]
    fn truncate(&mut self, _: usize) {}
    #[inline(always)]
    fn enough(&self) -> bool {
        false
    }
}

impl Positions for Vec<usize> {
    fn record(&mut self, at: usize, bytes: usize) {
        self.extend(std::iter::repeat_n(at, bytes));
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
    fn enough(&self) -> bool {
        false
    }
}

/// Notes a checkpoint at the first separator after each stretch.
struct Checkpoints {
    next: usize,
    list: Vec<(usize, usize)>,
}

impl Positions for Checkpoints {
    #[inline(always)]
    fn record(&mut self, _: usize, _: usize) {}
    #[inline(always)]
    fn separator(&mut self, at: usize, len: usize, written: usize) {
        if written >= self.next {
            self.list.push((written, at + len));
            self.next = written + CHECKPOINT_EVERY;
        }
    }
    #[inline(always)]
    fn truncate(&mut self, _: usize) {}
    #[inline(always)]
    fn enough(&self) -> bool {
        false
    }
}

/// Finds where chosen output bytes came from.
struct Locate<'w> {
    /// Output offsets, ascending.
    wanted: &'w [usize],
    /// Their origins, so far.
    found: Vec<usize>,
    /// Output bytes recorded so far.
    recorded: usize,
}

impl Positions for Locate<'_> {
    fn record(&mut self, at: usize, bytes: usize) {
        let end = self.recorded + bytes;
        while self.found.len() < self.wanted.len() && self.wanted[self.found.len()] < end {
            self.found.push(at);
        }
        self.recorded = end;
    }
    fn truncate(&mut self, len: usize) {
        self.recorded = len;
        while self.found.last().is_some() && self.wanted[self.found.len() - 1] >= len {
            self.found.pop();
        }
    }
    fn enough(&self) -> bool {
        self.found.len() == self.wanted.len()
    }
}

/// What folding writes to: the folded bytes, or only their count.
trait Output {
    fn push(&mut self, byte: u8);
    fn extend(&mut self, bytes: &[u8]);
    fn last_is_space(&self) -> bool;
    fn ends_with(&self, bytes: &[u8]) -> bool;
    fn len(&self) -> usize;
    fn truncate(&mut self, len: usize);
}

impl Output for Vec<u8> {
    #[inline(always)]
    fn push(&mut self, byte: u8) {
        Vec::push(self, byte);
    }
    #[inline(always)]
    fn extend(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    #[inline(always)]
    fn last_is_space(&self) -> bool {
        self.last() == Some(&b' ')
    }
    fn ends_with(&self, bytes: &[u8]) -> bool {
        self.as_slice().ends_with(bytes)
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
}

/// The length of the fold and its last two bytes (enough to see an "и").
#[derive(Default)]
struct Count {
    len: usize,
    tail: [u8; 2],
}

impl Output for Count {
    fn push(&mut self, byte: u8) {
        self.len += 1;
        self.tail = [self.tail[1], byte];
    }
    fn extend(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.push(b));
    }
    fn last_is_space(&self) -> bool {
        self.len > 0 && self.tail[1] == b' '
    }
    fn ends_with(&self, bytes: &[u8]) -> bool {
        bytes.len() <= 2 && self.len >= bytes.len() && self.tail.ends_with(bytes)
    }
    fn len(&self) -> usize {
        self.len
    }
    fn truncate(&mut self, len: usize) {
        self.len = len;
    }
}

/// ASCII folds by table: the lower-case letter or digit, or 0 for a separator.
const ASCII: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

fn fold_into(text: &str, out: &mut impl Output, at: &mut impl Positions) {
    let table = &*TABLE;
    out.push(b' ');
    at.record(0, 1);
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut previous = '\0';
    let mut previous_at = 0;
    while i < bytes.len() {
        if at.enough() {
            return;
        }
        let b = bytes[i];
        if b < 0x80 {
            // The fast path: most text in most feeds is ASCII.
            let folded = ASCII[b as usize];
            if folded != 0 {
                out.push(folded);
                at.record(i, 1);
            } else if !out.last_is_space() {
                at.separator(i, 1, out.len());
                out.push(b' ');
            }
            previous = b as char;
            previous_at = i;
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
        let fold = if (c as u32) < TABLE_END {
            table[c as usize]
        } else {
            fold_slow(c)
        };
        match fold {
            Fold::Letters { bytes: folded, len } => {
                out.extend(&folded[..len as usize]);
                at.record(i, len as usize);
            }
            Fold::Separator => {
                if !out.last_is_space() {
                    at.separator(i, c.len_utf8(), out.len());
                    out.push(b' ');
                }
            }
            // A decomposed "й" (и + breve) stays "й"; other marks go.
            Fold::Drop if c == '\u{306}' && matches!(previous, 'и' | 'И') && out.ends_with("и".as_bytes()) => {
                out.truncate(out.len() - 'и'.len_utf8());
                at.truncate(out.len());
                out.extend("й".as_bytes());
                at.record(previous_at, 'й'.len_utf8());
            }
            Fold::Drop => {}
        }
        previous = c;
        previous_at = i;
        i += c.len_utf8();
    }
    if !out.last_is_space() {
        out.push(b' ');
        at.record(text.len(), 1);
    }
}

/// The fold of one character, worked out in full (used to build the table,
/// and for the rare characters beyond it).
fn fold_slow(c: char) -> Fold {
    if is_invisible(c) || is_combining_mark(c) {
        return Fold::Drop;
    }
    if !c.is_alphanumeric() {
        return Fold::Separator;
    }
    let mut folded = String::new();
    // Compatibility forms first: "ﬁ" → "fi", full-width "Ａ" → "A", "²" → "2".
    for k in c.nfkc() {
        for lower in k.to_lowercase() {
            fold_letter(lower, &mut folded);
        }
    }
    let mut bytes = [0u8; 8];
    let len = folded.len().min(8);
    if len == 0 {
        return Fold::Separator;
    }
    // Cut at a character boundary if a fold were ever longer than 8 bytes.
    let cut = (0..=len).rev().find(|&n| folded.is_char_boundary(n)).unwrap_or(0);
    bytes[..cut].copy_from_slice(&folded.as_bytes()[..cut]);
    Fold::Letters { bytes, len: cut as u8 }
}

/// One lower-case letter: explicit folds, then Latin diacritics removed.
fn fold_letter(c: char, out: &mut String) {
    let explicit = match c {
        'ß' | 'ẞ' => "ss",
        'ł' => "l",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ð' | 'đ' => "d",
        'þ' => "th",
        'ı' => "i",
        'ſ' => "s",
        'ё' => "е",
        'ς' => "σ",
        _ => "",
    };
    if !explicit.is_empty() {
        out.push_str(explicit);
        return;
    }
    if is_cyrillic(c) {
        // Cyrillic keeps its letters: "й" is not "и", "ї" not "і".
        out.push(c);
    } else {
        // "ā" → "a" + macron → "a", "ά" → "α", "İ" (→ "i̇") → "i".
        out.extend(std::iter::once(c).nfd().filter(|m| !is_combining_mark(*m)));
    }
}

fn is_cyrillic(c: char) -> bool {
    matches!(c as u32, 0x0400..=0x052F)
}

/// Characters that must not split a word: soft hyphen, zero-width
/// spaces and joiners, word joiner, byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
    )
}

/// The folded words of a text.
pub(crate) fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_letters_that_do_not_decompose() {
        let cases = [
            ("Cilvēku TIRDZNIECĪBA", " cilveku tirdznieciba "),
            ("Prekyba žmonėmis", " prekyba zmonemis "),
            ("Handel ludźmi, Łódź", " handel ludzmi lodz "),
            ("Menschenhandel STRAẞE Straße", " menschenhandel strasse strasse "),
            ("Ørsted Æble Œuvre", " orsted aeble oeuvre "),
            (
                "Þolendur mansals, fórnarlömb, með",
                " tholendur mansals fornarlomb med ",
            ),
            ("ТОРГОВЛЯ ЛЮДЬМИ, ещё Ёлка", " торговля людьми еще елка "),
            ("Мой край", " мой край "),
            ("ﬁnancial Ｔｒａｆｆｉｃｋｉｎｇ", " financial trafficking "),
            ("", " "),
            ("  -- ", " "),
        ];
        for (text, folded) in cases {
            assert_eq!(fold(text), folded, "{text:?}");
        }
    }

    #[test]
    fn spaces_hyphens_and_invisible_characters() {
        // NBSP, thin space, line break and hyphens all separate words ...
        assert_eq!(
            fold("human\u{A0}trafficking\u{2009}ring\nanti-trafficking"),
            " human trafficking ring anti trafficking "
        );
        // ... soft hyphens and zero-width characters do not.
        assert_eq!(fold("traf\u{AD}fick\u{200B}ing"), " trafficking ");
        // Decomposed letters fold like composed ones.
        assert_eq!(fold("Cilve\u{304}ku"), fold("Cilvēku"));
        assert_eq!(fold("краи\u{306}"), " край ");
        let (folded, map) = fold_mapped("и\u{306}ти");
        assert_eq!(folded, " йти ");
        assert_eq!(map[1], 0, "й points at its и");
        // Marks go in every script but Cyrillic, composed or not.
        assert_eq!(fold("İstanbul ά α\u{301}"), " istanbul α α ");
    }

    #[test]
    fn mapped_offsets_point_back_into_the_original() {
        let text = "Cīņa pret CILVĒKU tirdzniecību";
        let (folded, map) = fold_mapped(text);
        assert_eq!(folded, fold(text));
        assert_eq!(map.len(), folded.len());
        let start = folded.find("cilveku").unwrap();
        let end = start + "cilveku".len();
        assert_eq!(&text[map[start]..map[end]], "CILVĒKU");
    }

    #[test]
    fn located_offsets_are_the_maps() {
        for text in [
            "Cīņa pret CILVĒKU tirdzniecību, ещё raz",
            "краи\u{306} и\u{306}ти -- ﬁnancial  Ｔｒａｆｆｉｃｋｉｎｇ!",
            "",
            "  --  ",
        ] {
            let (_, map) = fold_mapped(text);
            let every: Vec<usize> = (0..map.len()).collect();
            assert_eq!(locate(text, &every), map, "{text:?}");
            for wanted in [vec![0], vec![1, 5], vec![map.len() - 1], vec![2, 2, 3]] {
                let wanted: Vec<usize> = wanted.into_iter().filter(|&w| w < map.len()).collect();
                let expected: Vec<usize> = wanted.iter().map(|&w| map[w]).collect();
                assert_eq!(locate(text, &wanted), expected, "{text:?} {wanted:?}");
            }
        }
    }

    #[test]
    fn checkpoints_locate_what_the_whole_map_does() {
        let text = "Cīņa pret CILVĒKU tirdzniecību, ещё raz; краи\u{306} ".repeat(40);
        let (folded, map) = fold_mapped(&text);
        let located = fold_located(&text);
        assert_eq!(located.text, folded);
        assert!(located.checkpoints.len() > 5);
        for start in (1..folded.len() - 1).filter(|&i| folded.as_bytes()[i - 1] == b' ') {
            let end = start + folded[start..].find(' ').unwrap();
            assert_eq!(located.locate(&text, &[start, end]), [map[start], map[end]], "{start}");
        }
    }

    #[test]
    fn words_are_split_on_anything_but_letters_and_digits() {
        assert_eq!(words("Anti-trafficking: 2024!"), ["anti", "trafficking", "2024"]);
        assert!(words(" -- ").is_empty());
    }
}
