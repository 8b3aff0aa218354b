//! What `thbwatch match` prints: the rules' explanation of a text, as lines
//! for people or JSON for scripts. Pure formatting.

use serde_json::json;

use crate::tag::Explanation;

fn language_note(language: Option<&str>, given: bool) -> String {
    match (language, given) {
        (Some(l), true) => format!("language: {l} (given)"),
        (Some(l), false) => format!("language: {l} (detected)"),
        (None, _) => "language: unknown (too little text to detect; pass --lang)".to_string(),
    }
}

/// One line per match, cancelled occurrence and rule that did not apply.
pub fn to_lines(language: Option<&str>, given: bool, e: &Explanation) -> String {
    let mut out = format!("{}\n", language_note(language, given));
    for m in &e.matches {
        out.push_str(&format!(
            "match: {}: term {:?} matched {:?} in {}: {}\n",
            m.tag,
            m.term,
            m.text,
            m.field.as_str(),
            m.snippet
        ));
    }
    for x in &e.excluded {
        out.push_str(&format!(
            "excluded: {}: term {:?} matched {:?} in {}, cancelled by exclude {:?}\n",
            x.tag,
            x.term,
            x.text,
            x.field.as_str(),
            x.exclude
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

/// The same as one JSON object.
pub fn to_json(language: Option<&str>, given: bool, e: &Explanation) -> String {
    let mut tags: Vec<&str> = Vec::new();
    for m in &e.matches {
        if !tags.contains(&m.tag.as_str()) {
            tags.push(&m.tag);
        }
    }
    let value = json!({
        "language": language,
        "language_given": given,
        "tags": tags,
        "matches": e.matches.iter().map(|m| json!({
            "tag": m.tag, "term": m.term, "field": m.field.as_str(), "text": m.text, "snippet": m.snippet,
        })).collect::<Vec<_>>(),
        "excluded": e.excluded.iter().map(|x| json!({
            "tag": x.tag, "term": x.term, "field": x.field.as_str(), "text": x.text, "exclude": x.exclude,
        })).collect::<Vec<_>>(),
        "skipped": e.skipped.iter().map(|(tag, field, reason)| json!({
            "tag": tag, "field": field.as_str(), "reason": reason,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}
