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
pub fn fold_mapped(text: &str) -> (String, Vec<usize>) {
    let mut out = Vec::with_capacity(text.len() + 2);
    let mut map = Vec::with_capacity(text.len() + 2);
    fold_into(text, &mut out, &mut map);
    (into_string(out), map)
}

fn into_string(bytes: Vec<u8>) -> String {
    // Only whole UTF-8 sequences are ever written, so this cannot fail.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Where each output byte came from; `()` records nothing (and costs
/// nothing: the compiler removes it from the fast path).
trait Positions {
    fn record(&mut self, at: usize, bytes: usize);
    fn truncate(&mut self, len: usize);
}

impl Positions for () {
    #[inline(always)]
    fn record(&mut self, _: usize, _: usize) {}
    #[inline(always)]
    fn truncate(&mut self, _: usize) {}
}

impl Positions for Vec<usize> {
    fn record(&mut self, at: usize, bytes: usize) {
        self.extend(std::iter::repeat_n(at, bytes));
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
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

fn fold_into(text: &str, out: &mut Vec<u8>, at: &mut impl Positions) {
    let table = &*TABLE;
    out.push(b' ');
    at.record(0, 1);
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut previous = '\0';
    let mut previous_at = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            // The fast path: most text in most feeds is ASCII.
            let folded = ASCII[b as usize];
            if folded != 0 {
                out.push(folded);
                at.record(i, 1);
            } else if out.last() != Some(&b' ') {
                out.push(b' ');
                at.record(i, 1);
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
                out.extend_from_slice(&folded[..len as usize]);
                at.record(i, len as usize);
            }
            Fold::Separator => {
                if out.last() != Some(&b' ') {
                    out.push(b' ');
                    at.record(i, 1);
                }
            }
            // A decomposed "й" (и + breve) stays "й"; other marks go.
            Fold::Drop if c == '\u{306}' && matches!(previous, 'и' | 'И') && out.ends_with("и".as_bytes()) => {
                out.truncate(out.len() - 'и'.len_utf8());
                at.truncate(out.len());
                out.extend_from_slice("й".as_bytes());
                at.record(previous_at, 'й'.len_utf8());
            }
            Fold::Drop => {}
        }
        previous = c;
        previous_at = i;
        i += c.len_utf8();
    }
    if out.last() != Some(&b' ') {
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
pub fn words(text: &str) -> Vec<String> {
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
    fn words_are_split_on_anything_but_letters_and_digits() {
        assert_eq!(words("Anti-trafficking: 2024!"), ["anti", "trafficking", "2024"]);
        assert!(words(" -- ").is_empty());
    }
}
