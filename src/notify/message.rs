//! What a notification says, shared by the channel kinds: a one-line
//! headline, plain text and HTML bodies, and the documented JSON payload.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::model::{Entry, SourceId};
use crate::publish::escape;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `[trafficking, forced-labour] Title`.
pub fn headline(e: &Entry) -> String {
    if e.tags.is_empty() {
        e.title.clone()
    } else {
        format!("[{}] {}", e.tags.join(", "), e.title)
    }
}

/// The distinct matched words with their fields.
fn matched(e: &Entry) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in e.matches.iter().filter(|m| !m.text.is_empty()) {
        let line = format!("{} ({})", m.text, m.field.as_str());
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// Plain text: per item its headline, source and date, link, matches.
pub fn text(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&headline(e));
        out.push('\n');
        out.push_str(&format!(
            "{} · {}\n",
            e.source_title,
            time(e.published.unwrap_or(e.updated))
        ));
        if let Some(link) = &e.link {
            out.push_str(link);
            out.push('\n');
        }
        let matched = matched(e);
        if !matched.is_empty() {
            out.push_str(&format!("Matched: {}\n", matched.join("; ")));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The same as HTML (escaped; nothing from a publisher is passed raw).
pub fn html(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let title = match &e.link {
            Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&e.title)),
            None => escape(&e.title),
        };
        out.push_str(&format!("<p><b>{title}</b>"));
        if !e.tags.is_empty() {
            out.push_str(&format!(" [{}]", escape(&e.tags.join(", "))));
        }
        out.push_str(&format!(
            "<br>{} · {}",
            escape(&e.source_title),
            time(e.published.unwrap_or(e.updated))
        ));
        let matched = matched(e);
        if !matched.is_empty() {
            out.push_str(&format!("<br>Matched: {}", escape(&matched.join("; "))));
        }
        out.push_str("</p>\n");
    }
    out
}

/// The webhook's JSON: documented in the README.
pub fn payload(channel: &str, key: &str, e: &Entry) -> Value {
    json!({
        "idempotency_key": key,
        "channel": channel,
        "item": {
            "id": e.entry_id,
            "title": e.title,
            "link": e.link,
            "published": e.published.map(time),
            "updated": time(e.updated),
            "language": e.language,
            "source": { "id": e.source_id.as_str(), "title": e.source_title },
            "tags": e.tags,
            "matches": e.matches.iter().map(|m| json!({
                "tag": m.tag, "term": m.term, "field": m.field.as_str(), "text": m.text, "snippet": m.snippet,
            })).collect::<Vec<_>>(),
        }
    })
}

/// What `thbwatch notify test` sends.
pub fn test_entry(now: DateTime<Utc>) -> Entry {
    Entry {
        entry_id: crate::model::name_urn(&["thbwatch test notification", &now.to_rfc3339()]),
        source_id: SourceId::new("thbwatch"),
        source_title: "thbwatch".into(),
        source_url: String::new(),
        source_link: None,
        source_feed_id: None,
        source_format: None,
        source_updated: None,
        link: None,
        title: "Test notification from thbwatch: this channel works".into(),
        summary: None,
        content: None,
        author: None,
        language: Some("en".into()),
        published: Some(now),
        updated: now,
        tags: vec!["test".into()],
        matches: Vec::new(),
        copies: Vec::new(),
        cursor: String::new(),
    }
}
