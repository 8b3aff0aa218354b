//! What `thbwatch match` prints: the rules' explanation of a text, as lines
//! for people or JSON for scripts. Pure formatting.

use serde::Serialize;

use crate::model::{Cancelled, Field, Match};
use crate::tag::{Excluded, Explanation};

fn language_note(language: Option<&str>, given: bool) -> String {
    match (language, given) {
        (Some(l), true) => format!("language: {l} (given)"),
        (Some(l), false) => format!("language: {l} (detected)"),
        (None, _) => "language: unknown (too little text to detect; pass --lang)".to_string(),
    }
}

/// One line per match, cancelled occurrence, cancelled tag and rule that
/// did not apply.
pub fn to_lines(language: Option<&str>, given: bool, e: &Explanation) -> String {
    let mut out = format!("{}\n", language_note(language, given));
    for m in &e.matches {
        out.push_str(&format!(
            "match: {}: term {:?} matched {:?} in {}: {}\n",
            m.tag,
            m.term,
            m.text,
            m.place(),
            m.snippet
        ));
    }
    for x in &e.excluded {
        let by = match &x.negation {
            Some((field, text)) => format!("{}, found as {text:?} in {}", x.exclude, field.as_str()),
            None => format!("exclude {:?}", x.exclude),
        };
        out.push_str(&format!(
            "excluded: {}: term {:?} matched {:?} in {}, cancelled by {by}\n",
            x.tag,
            x.term,
            x.text,
            x.field.as_str(),
        ));
    }
    for c in &e.cancelled {
        out.push_str(&format!(
            "cancelled: {}: term {:?} matched {:?} in {}, but the context {:?} was found as {:?} in {}\n",
            c.tag,
            c.term,
            c.text,
            c.field.as_str(),
            c.context,
            c.context_text,
            c.context_field.as_str()
        ));
    }
    for (tag, field, reason) in &e.skipped {
        out.push_str(&format!(
            "skipped: {tag}: a term matched in {}, but the rule {reason}\n",
            field.as_str()
        ));
    }
    if e.matches.is_empty() {
        out.push_str("no tag matches\n");
    }
    out
}

/// The JSON `thbwatch match --json` prints.
#[derive(Serialize)]
struct Report<'a> {
    language: Option<&'a str>,
    language_given: bool,
    tags: Vec<&'a str>,
    matches: &'a [Match],
    excluded: Vec<ExcludedJson<'a>>,
    cancelled: &'a [Cancelled],
    skipped: Vec<Skipped<'a>>,
}

#[derive(Serialize)]
struct ExcludedJson<'a> {
    tag: &'a str,
    term: &'a str,
    field: Field,
    text: &'a str,
    /// The exclude as written, or `NOT` and the NOT part of the term.
    exclude: &'a str,
    /// Where a NOT part was found, and its words there.
    found: Option<FoundJson<'a>>,
}

impl<'a> From<&'a Excluded> for ExcludedJson<'a> {
    fn from(x: &'a Excluded) -> Self {
        ExcludedJson {
            tag: &x.tag,
            term: &x.term,
            field: x.field,
            text: &x.text,
            exclude: &x.exclude,
            found: x
                .negation
                .as_ref()
                .map(|(field, text)| FoundJson { field: *field, text }),
        }
    }
}

#[derive(Serialize)]
struct FoundJson<'a> {
    field: Field,
    text: &'a str,
}

#[derive(Serialize)]
struct Skipped<'a> {
    tag: &'a str,
    field: Field,
    reason: &'a str,
}

/// The same as one JSON object.
pub fn to_json(language: Option<&str>, given: bool, e: &Explanation) -> String {
    let mut tags: Vec<&str> = Vec::new();
    for m in &e.matches {
        if !tags.contains(&m.tag.as_str()) {
            tags.push(&m.tag);
        }
    }
    let report = Report {
        language,
        language_given: given,
        tags,
        matches: &e.matches,
        excluded: e.excluded.iter().map(ExcludedJson::from).collect(),
        cancelled: &e.cancelled,
        skipped: e
            .skipped
            .iter()
            .map(|(tag, field, reason)| Skipped {
                tag,
                field: *field,
                reason,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}
