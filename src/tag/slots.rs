//! The texts of an item as the tagger reads them: one slot per field, or
//! one for a truncated title and the summary that continues it ("…in… |
//! …human beings…"), with the way back from folded offsets to the words
//! as written. Pure.

use std::borrow::Cow;

use crate::fold;
use crate::model::Field;

/// Characters of context on each side of a match in its snippet.
const SNIPPET_CONTEXT: usize = 60;
/// Parts of one match further apart than this (bytes) get a snippet
/// around the first only.
const MAX_JOINED_SNIPPET: usize = 300;

/// One text the tagger reads.
pub(super) struct Slot<'t> {
    pub field: Field,
    /// As written; a joined title and summary with one space between.
    pub text: Cow<'t, str>,
    /// Its fold, with the way back to `text`.
    pub folded: fold::Folded,
    /// For a joined title and summary: the folded offset of the space
    /// where the title ends.
    pub join: Option<usize>,
}

/// The slots of an item's fields (empty ones left out).
pub(super) fn slots<'t>(fields: &[(Field, &'t str)]) -> Vec<Slot<'t>> {
    let text_of = |wanted: Field| fields.iter().find(|(f, t)| *f == wanted && !t.is_empty()).map(|f| f.1);
    let joined = match (text_of(Field::Title), text_of(Field::Summary)) {
        (Some(title), Some(summary)) if truncated(title) => join(title, summary),
        _ => None,
    };
    let mut out = Vec::with_capacity(fields.len());
    for &(field, text) in fields.iter().filter(|(_, t)| !t.is_empty()) {
        if joined.is_some() && matches!(field, Field::Title | Field::Summary) {
            continue;
        }
        out.push(Slot {
            field,
            text: Cow::Borrowed(text),
            folded: fold::fold_located(text),
            join: None,
        });
    }
    out.extend(joined);
    out
}

/// What search reads of an item, the fold of its title and summary text
/// joined by a space (`normalize::search_text`), made from the folds the
/// rules read. Folding is local to each character (a space in between
/// resets the one rule that looks back), so that fold is the title's
/// followed by the summary's without its leading space; a title cut with
/// an ellipsis was folded with its summary as one text already.
pub(super) fn search_text(slots: &[Slot<'_>]) -> String {
    if let Some(joined) = slots.iter().find(|s| s.join.is_some()) {
        return joined.folded.text.clone();
    }
    let fold_of = |wanted: Field| slots.iter().find(|s| s.field == wanted).map(|s| s.folded.text.as_str());
    match (fold_of(Field::Title), fold_of(Field::Summary)) {
        (Some(title), Some(summary)) => {
            let mut text = String::with_capacity(title.len() + summary.len());
            text.push_str(title);
            text.push_str(&summary[1..]);
            text
        }
        (Some(only), None) | (None, Some(only)) => only.to_string(),
        (None, None) => " ".to_string(),
    }
}

/// A title cut with an ellipsis: its summary takes up the sentence,
/// whether or not it starts with an ellipsis of its own (many feeds
/// cut the title and give the whole text as the summary, unmarked).
fn truncated(title: &str) -> bool {
    let title = title.trim_end();
    title.ends_with('…') || title.ends_with("...")
}

/// Title and summary as one text: the ellipses fold to one space, so
/// the halves of a phrase meet.
fn join<'t>(title: &str, summary: &str) -> Option<Slot<'t>> {
    let text = format!("{title} {summary}");
    let folded = fold::fold_located(&text);
    let title_folded = fold::fold(title);
    // Folding is local to each character, so the title's fold is a
    // prefix of the whole; if it ever were not, read them apart.
    folded.text.starts_with(&title_folded).then(|| Slot {
        field: Field::Title,
        text: Cow::Owned(text),
        folded,
        join: Some(title_folded.len() - 1),
    })
}

impl Slot<'_> {
    /// The fields of a stretch of this slot: where it starts, and where
    /// it ends when that is another field.
    pub(super) fn fields(&self, start: usize, end: usize) -> (Field, Option<Field>) {
        match self.join {
            None => (self.field, None),
            Some(join) if end <= join => (Field::Title, None),
            Some(join) if start > join => (Field::Summary, None),
            Some(_) => (Field::Title, Some(Field::Summary)),
        }
    }

    /// The words of folded `start..end` as written.
    pub(super) fn words(&self, start: usize, end: usize) -> String {
        self.quote(&[(start, end)]).0
    }

    /// The words of several stretches (in order) as written, joined by
    /// " … ", and a snippet around them.
    pub(super) fn quote(&self, stretches: &[(usize, usize)]) -> (String, String) {
        let mut wanted: Vec<usize> = stretches.iter().flat_map(|&(s, e)| [s, e]).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let found = self.folded.locate(&self.text, &wanted);
        let written = |folded: usize| {
            let index = wanted.partition_point(|&w| w < folded);
            found.get(index).copied().unwrap_or(self.text.len())
        };
        let parts: Vec<(usize, usize)> = stretches.iter().map(|&(s, e)| (written(s), written(e))).collect();
        let text = parts
            .iter()
            .map(|&(from, to)| &self.text[from..to])
            .collect::<Vec<_>>()
            .join(" … ");
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        let to = match last.1.saturating_sub(first.0) <= MAX_JOINED_SNIPPET {
            true => last.1,
            false => first.1,
        };
        (text, snippet(&self.text, first.0, to))
    }
}

/// Where the context around `text[from..to]` is cut: the start in
/// `text` (after the first space within `SNIPPET_CONTEXT` characters
/// before the match) and the end within `text[to..]` (at the last space
/// within as many after it); `None` where the text ends first.
fn context(text: &str, from: usize, to: usize) -> (Option<usize>, Option<usize>) {
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
    (start, end)
}

/// The match with some context on each side, cut at spaces, white space
/// collapsed.
pub(super) fn snippet(text: &str, from: usize, to: usize) -> String {
    let after = &text[to..];
    let (start, end) = context(text, from, to);
    // "…" + the text from `start` to `end` + "…", white space collapsed
    // to single spaces and trimmed, written once: the ellipses stick to
    // the words they touch, as they would in the text split at white
    // space and joined again.
    let body = &text[start.unwrap_or(0)..to + end.unwrap_or(after.len())];
    let mut out = String::with_capacity(body.len() + 2 * '…'.len_utf8());
    if start.is_some() {
        out.push('…');
    }
    let mut glued = start.is_some() && !body.starts_with(char::is_whitespace);
    for word in body.split_whitespace() {
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        glued = false;
        out.push_str(word);
    }
    if end.is_some() {
        if !out.is_empty() && body.ends_with(char::is_whitespace) {
            out.push(' ');
        }
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{context, search_text, slots, snippet};
    use crate::model::Field;

    /// The snippet as it was made before it was written in one pass: the
    /// pieces joined, then split at white space and joined by spaces.
    fn snippet_joined_and_split(text: &str, from: usize, to: usize) -> String {
        let before = &text[..from];
        let after = &text[to..];
        let (start, end) = context(text, from, to);
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

    /// Snippets are what they were, byte for byte, wherever the match and
    /// the white space around it are: texts of spaces of every width,
    /// runs of them, words longer than the context, none at all, and
    /// every stretch between character boundaries of them.
    #[test]
    fn snippets_are_what_joining_and_splitting_made() {
        let long = "x".repeat(70);
        let pieces = [
            "word",
            " ",
            "\u{A0}",
            "\u{2009}\u{2009}",
            "\n\t ",
            "Cilvēku",
            "…",
            &long,
            "ĀĀĀ",
            "",
        ];
        let mut texts = Vec::new();
        // Texts of a few pieces each, long enough to cut on both sides.
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let mut text = format!("{a}{b}{c}");
                    texts.push(text.clone());
                    text = format!("{} {text} {}", "lorem ipsum ".repeat(8), "dolor sit ".repeat(9));
                    texts.push(text.clone());
                    texts.push(format!("{a}{}{b}{}{c}", "y ".repeat(40), " z".repeat(40)));
                }
            }
        }
        let mut compared = 0;
        for text in &texts {
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let step = (bounds.len() / 8).max(1);
            for &from in bounds.iter().step_by(step) {
                for &to in bounds.iter().filter(|&&t| t >= from).step_by(step) {
                    assert_eq!(
                        snippet(text, from, to),
                        snippet_joined_and_split(text, from, to),
                        "{text:?} {from}..{to}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 50_000, "{compared}");
    }

    /// The search text made from the rules' folds is the one made by
    /// folding title and summary again, whatever the texts hold.
    #[test]
    fn the_search_text_from_the_rules_folds_is_the_search_text() {
        let cases = [
            ("Cilvēku tirdzniecība", "Policija aiztur & ziņo"),
            ("", "Only a summary"),
            ("Only a title", ""),
            ("", ""),
            ("  spaced  ", "  out  "),
            ("Ends in a separator!", "!Starts with one"),
            ("Title cut …", "… the rest of it"),
            ("Title cut...", "the rest, unmarked"),
            ("Край", "\u{306}mark first, и"),
            ("ends with и", "\u{306} breve first"),
            ("soft\u{AD}", "\u{AD}hyphen \u{200B}zero width"),
            ("ΣΟΦΟΣ", "ς ά α\u{301} İstanbul ﬁ Ａ ²"),
            ("human\u{A0}trafficking", "\u{2009}ring\nanti-trafficking"),
        ];
        for (title, summary) in cases {
            let fields = [
                (Field::Title, title),
                (Field::Summary, summary),
                (Field::Content, "Content is not searched"),
                (Field::Categories, "Nor categories"),
            ];
            let expected = crate::normalize::search_text(title, Some(summary));
            assert_eq!(search_text(&slots(&fields)), expected, "{title:?} + {summary:?}");
        }
    }
}
