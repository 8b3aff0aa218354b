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

/// The match with some context on each side, cut at spaces, white space
/// collapsed.
pub(super) fn snippet(text: &str, from: usize, to: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::{search_text, slots};
    use crate::model::Field;

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
