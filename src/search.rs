//! The search language of `?q=` (feeds, pages and `/search`): words that
//! must all appear, `word*` for words starting so, `"several words"` for a
//! phrase, `-word` (or `-"a phrase"`) for what must not appear. Words are
//! folded as keyword matching folds them (case, diacritics, ł ø ß …), so
//! `cilveku` finds "Cilvēku". Turned into an FTS5 expression made only of
//! quoted folded words, so no input is ever read as FTS5 syntax; and the
//! ranges of the words found in the original text, which `publish`
//! marks. Pure; no I/O.

use crate::fold;

/// At most this many terms (words or phrases) in one search.
pub(crate) const MAX_TERMS: usize = 16;

/// One term: a word, or a phrase of words in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// Folded words (no spaces inside).
    pub words: Vec<String>,
    /// The last word may be the start of a longer one.
    pub prefix: bool,
    /// Must not appear.
    pub exclude: bool,
}

/// A parsed search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    pub terms: Vec<Term>,
}

/// Why a search cannot be run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("has no letters or digits to search for")]
    Empty,
    #[error("only excludes words (-word): name at least one word that must appear")]
    OnlyExclusions,
    #[error("has {0} words or phrases; at most {MAX_TERMS} are allowed")]
    TooManyTerms(usize),
}

/// Reads a search as typed.
pub fn parse(query: &str) -> Result<Search, Invalid> {
    let mut terms = Vec::new();
    let mut rest = query;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let exclude = rest.starts_with('-');
        let body = if exclude { &rest[1..] } else { rest };
        let (text, after) = if let Some(quoted) = body.strip_prefix('"') {
            // A phrase runs to the closing quote, or to the end.
            match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            }
        } else {
            let end = body.find(char::is_whitespace).unwrap_or(body.len());
            (&body[..end], &body[end..])
        };
        // `word*`, `"a phrase"*`: the star right after the word or quote.
        let (text, prefix, after) = match (text.strip_suffix('*'), after.strip_prefix('*')) {
            (Some(stem), _) => (stem, true, after),
            (None, Some(tail)) => (text, true, tail),
            (None, None) => (text, false, after),
        };
        let words = fold::words(text);
        if !words.is_empty() {
            terms.push(Term { words, prefix, exclude });
        }
        rest = after;
    }
    if terms.is_empty() {
        return Err(Invalid::Empty);
    }
    if terms.iter().all(|t| t.exclude) {
        return Err(Invalid::OnlyExclusions);
    }
    if terms.len() > MAX_TERMS {
        return Err(Invalid::TooManyTerms(terms.len()));
    }
    Ok(Search { terms })
}

impl Term {
    /// `"w1 w2"` or `"w1 w2"*`: folded words hold letters and digits
    /// only, but a quote is doubled all the same.
    fn fts(&self) -> String {
        let phrase = self.words.join(" ").replace('"', "\"\"");
        format!("\"{phrase}\"{}", if self.prefix { "*" } else { "" })
    }
}

impl Search {
    /// The FTS5 expression: `("a" AND "b c"*) NOT "d"`.
    pub fn fts(&self) -> String {
        let required: Vec<String> = self.terms.iter().filter(|t| !t.exclude).map(Term::fts).collect();
        let mut out = format!("({})", required.join(" AND "));
        for term in self.terms.iter().filter(|t| t.exclude) {
            out.push_str(" NOT ");
            out.push_str(&term.fts());
        }
        out
    }

    /// Byte ranges of `text` holding a word the search looks for (every
    /// word of a phrase, the last one by prefix when it is one), sorted
    /// and merged.
    pub(crate) fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let (folded, map) = fold::fold_mapped(text);
        let mut ranges = Vec::new();
        for term in self.terms.iter().filter(|t| !t.exclude) {
            for (i, word) in term.words.iter().enumerate() {
                let prefix = term.prefix && i + 1 == term.words.len();
                let needle = format!(" {word}");
                let mut from = 0;
                while let Some(found) = folded[from..].find(&needle) {
                    let start = from + found + 1;
                    let word_end = folded[start..].find(' ').map_or(folded.len(), |e| start + e);
                    let end = start + word.len();
                    from = start;
                    if !prefix && end != word_end {
                        continue;
                    }
                    let (Some(&first), Some(&last)) = (map.get(start), map.get(word_end - 1)) else {
                        continue;
                    };
                    let last_len = text[last..].chars().next().map_or(0, char::len_utf8);
                    ranges.push((first, last + last_len));
                }
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(q: &str) -> String {
        parse(q).unwrap().fts()
    }

    #[test]
    fn words_phrases_prefixes_and_exclusions() {
        assert_eq!(fts("Cilvēku tirdzniecība"), r#"("cilveku" AND "tirdznieciba")"#);
        assert_eq!(
            fts("\"forced  Labour\" traffick*"),
            r#"("forced labour" AND "traffick"*)"#
        );
        assert_eq!(fts("\"human traffi\"* -Łódź"), r#"("human traffi"*) NOT "lodz""#);
        assert_eq!(fts("Menschen-handel"), r#"("menschen handel")"#);
    }

    #[test]
    fn fts5_syntax_is_never_passed_through() {
        for hostile in [
            "a OR b",
            "NEAR(a b)",
            "col:a",
            "a AND",
            "\"unterminated",
            "^a + b",
            "(a",
            "a*b*",
            "\"a\"\"b\" c\"",
        ] {
            let expression = fts(hostile);
            // Outside quotes only the parentheses, AND, NOT and stars we put there.
            let outside: String = expression.split('"').step_by(2).collect();
            assert!(
                outside.chars().all(|c| "() *ANDOT".contains(c)),
                "{hostile} -> {expression}"
            );
        }
        assert_eq!(parse(" -- * \"\" "), Err(Invalid::Empty));
        assert_eq!(parse("-police"), Err(Invalid::OnlyExclusions));
        assert_eq!(
            parse(&"a ".repeat(MAX_TERMS + 1)),
            Err(Invalid::TooManyTerms(MAX_TERMS + 1))
        );
    }

    #[test]
    fn hits_are_whole_words_in_the_original_text() {
        let search = parse("cilveku tirdz* -policija").unwrap();
        let text = "Cilvēku TIRDZNIECĪBA un policija";
        let words: Vec<&str> = search.ranges(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(words, ["Cilvēku", "TIRDZNIECĪBA"]);
        // Whole words only, unless a prefix.
        let search = parse("handel").unwrap();
        assert!(search.ranges("Menschenhandel handeln").is_empty());
    }
}
