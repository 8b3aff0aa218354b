//! What a notification says, shared by the channel kinds: a one-line
//! headline, plain text and HTML bodies, and the documented JSON payload.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::{Cancelled, Entry, SourceId};
use crate::publish::escape;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `[trafficking, forced-labour] Title`.
pub(crate) fn headline(e: &Entry) -> String {
    if e.tags.is_empty() {
        e.title.clone()
    } else {
        format!("[{}] {}", e.tags.join(", "), e.title)
    }
}

/// Each matched word once, with the fields it was found in.
fn matched(e: &Entry) -> Vec<String> {
    crate::publish::matched_words(&e.matches)
        .iter()
        .map(crate::publish::matched_word_line)
        .collect()
}

/// The other sources that published the article: their matches are among
/// the words shown, so a reader must know the article is theirs too.
fn copies_text(e: &Entry) -> Option<String> {
    let copies: Vec<String> = e
        .copies
        .iter()
        .map(|c| match &c.link {
            Some(link) => format!("{} ({link})", c.source_title),
            None => c.source_title.clone(),
        })
        .collect();
    (!copies.is_empty()).then(|| format!("Also published by: {}", copies.join(", ")))
}

/// Plain text: per item its headline, source and date, link, the other
/// sources that published it, matches.
pub(crate) fn text(entries: &[Entry]) -> String {
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
        if let Some(copies) = copies_text(e) {
            out.push_str(&copies);
            out.push('\n');
        }
        let matched = matched(e);
        if !matched.is_empty() {
            out.push_str(&format!("Matched: {}\n", matched.join("; ")));
        }
        if !e.cancelled.is_empty() {
            let cancelled = Cancelled::describe_all(&e.cancelled);
            out.push_str(&format!("Cancelled by context: {cancelled}\n"));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The same as HTML (escaped; nothing from a publisher is passed raw).
pub(crate) fn html(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!("<p><b>{}</b>", linked(&e.title, e.link.as_deref())));
        if !e.tags.is_empty() {
            out.push_str(&format!(" [{}]", escape(&e.tags.join(", "))));
        }
        out.push_str(&format!(
            "<br>{} · {}",
            escape(&e.source_title),
            time(e.published.unwrap_or(e.updated))
        ));
        if !e.copies.is_empty() {
            let copies: Vec<String> = e
                .copies
                .iter()
                .map(|c| linked(&c.source_title, c.link.as_deref()))
                .collect();
            out.push_str(&format!("<br>Also published by: {}", copies.join(", ")));
        }
        let matched = matched(e);
        if !matched.is_empty() {
            out.push_str(&format!("<br>Matched: {}", escape(&matched.join("; "))));
        }
        if !e.cancelled.is_empty() {
            let cancelled = escape(&Cancelled::describe_all(&e.cancelled));
            out.push_str(&format!("<br>Cancelled by context: {cancelled}"));
        }
        out.push_str("</p>\n");
    }
    out
}

/// `text`, escaped, as a link to `href` when there is one.
fn linked(text: &str, href: Option<&str>) -> String {
    match href {
        Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(text)),
        None => escape(text),
    }
}

/// The webhook's JSON for one item: documented in
/// docs/notifications.md (its fields in this order; `null` for what an
/// item does not have).
#[derive(Serialize)]
pub(crate) struct Payload<'a> {
    pub idempotency_key: &'a str,
    pub channel: &'a str,
    pub item: Item<'a>,
}

/// The webhook's JSON for a digest: the same, with the items in a list.
#[derive(Serialize)]
pub(crate) struct Digest<'a> {
    pub idempotency_key: &'a str,
    pub channel: &'a str,
    pub items: Vec<Item<'a>>,
}

/// One item as a webhook receives it.
#[derive(Serialize)]
pub(crate) struct Item<'a> {
    id: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    published: Option<String>,
    updated: String,
    language: Option<&'a str>,
    source: Source<'a>,
    also_published_by: Vec<Copy<'a>>,
    tags: &'a [String],
    matches: &'a [crate::model::Match],
    cancelled: &'a [Cancelled],
}

/// The source that published an item.
#[derive(Serialize)]
struct Source<'a> {
    id: &'a str,
    title: &'a str,
}

/// Another source that published the same article, and its link there.
#[derive(Serialize)]
struct Copy<'a> {
    id: &'a str,
    title: &'a str,
    link: Option<&'a str>,
}

impl<'a> Item<'a> {
    pub(crate) fn of(e: &'a Entry) -> Item<'a> {
        Item {
            id: &e.entry_id,
            title: &e.title,
            link: e.link.as_deref(),
            published: e.published.map(time),
            updated: time(e.updated),
            language: e.language.as_deref(),
            source: Source {
                id: e.source_id.as_str(),
                title: &e.source_title,
            },
            also_published_by: e
                .copies
                .iter()
                .map(|c| Copy {
                    id: c.source_id.as_str(),
                    title: &c.source_title,
                    link: c.link.as_deref(),
                })
                .collect(),
            tags: &e.tags,
            matches: &e.matches,
            cancelled: &e.cancelled,
        }
    }
}

/// The webhook's JSON for one item.
pub(crate) fn payload<'a>(channel: &'a str, key: &'a str, e: &'a Entry) -> Payload<'a> {
    Payload {
        idempotency_key: key,
        channel,
        item: Item::of(e),
    }
}

/// What `thbwatch notify test` sends.
pub(crate) fn test_entry(now: DateTime<Utc>) -> Entry {
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
        cancelled: Vec::new(),
        copies: Vec::new(),
        cursor: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Copy, Field, Match};

    fn matched(text: &str, field: Field, tag: &str) -> Match {
        Match {
            tag: tag.into(),
            term: "t".into(),
            field,
            end_field: None,
            text: text.into(),
            snippet: text.into(),
        }
    }

    /// An article two sources published, matched in both copies: the
    /// message names the other publisher and lists each word once.
    #[test]
    fn messages_name_the_copies_and_each_matched_word_once() {
        let mut e = test_entry(DateTime::UNIX_EPOCH);
        e.title = "Cilvēku tirdzniecība: aizturēti trīs".into();
        e.source_title = "Valsts policija".into();
        e.copies = vec![Copy {
            source_id: SourceId::new("iem"),
            source_title: "Iekšlietu ministrija".into(),
            link: Some("https://www.iem.gov.lv/lv/jaunums/1".into()),
            source_url: "https://www.iem.gov.lv/rss".into(),
            source_format: None,
        }];
        e.matches = vec![
            matched("Cilvēku tirdzniecība", Field::Title, "trafficking"),
            matched("cilvēku tirdzniecība", Field::Summary, "trafficking"),
            matched("CILVĒKU TIRDZNIECĪBA", Field::Title, "trafficking"),
            matched("cilveku tirdzniecibu", Field::Content, "trafficking"),
            matched("piespiedu darbs", Field::Summary, "forced-labour"),
        ];
        let text = text(std::slice::from_ref(&e));
        assert!(
            text.contains("Also published by: Iekšlietu ministrija (https://www.iem.gov.lv/lv/jaunums/1)"),
            "{text}"
        );
        assert!(
            text.contains(
                "Matched: Cilvēku tirdzniecība (title, summary); cilveku tirdzniecibu (content); piespiedu darbs (summary)"
            ),
            "{text}"
        );
        let html = html(std::slice::from_ref(&e));
        assert!(
            html.contains(
                "Also published by: <a href=\"https://www.iem.gov.lv/lv/jaunums/1\">Iekšlietu ministrija</a>"
            ),
            "{html}"
        );
        assert_eq!(html.matches("Cilvēku tirdzniecība (").count(), 1, "{html}");
        let payload = serde_json::to_value(payload("ops", "k", &e)).unwrap();
        assert_eq!(payload["item"]["also_published_by"][0]["id"], "iem");
    }

    #[test]
    fn messages_show_matches_across_a_cut_title_and_the_tags_a_context_cancelled() {
        let mut e = test_entry(DateTime::UNIX_EPOCH);
        e.matches = vec![Match {
            tag: "trafficking".into(),
            term: "trafficking in human being*".into(),
            field: Field::Title,
            end_field: Some(Field::Summary),
            text: "trafficking in… …human beings".into(),
            snippet: "Court hears trafficking in… …human beings case".into(),
        }];
        e.cancelled = vec![Cancelled {
            tag: "forced-labour".into(),
            term: "forced labo*".into(),
            field: Field::Title,
            text: "Forced labour".into(),
            context: "memorial* | nazi*".into(),
            context_field: Field::Summary,
            context_text: "memorial".into(),
        }];
        let text = text(std::slice::from_ref(&e));
        assert!(
            text.contains("Matched: trafficking in… …human beings (title + summary)\n"),
            "{text}"
        );
        assert!(
            text.contains("Cancelled by context: forced-labour: \"memorial\" (summary)"),
            "{text}"
        );
        assert!(
            html(std::slice::from_ref(&e))
                .contains("Cancelled by context: forced-labour: &quot;memorial&quot; (summary)")
        );
        let payload = serde_json::to_value(payload("hook", "k", &e)).unwrap();
        let m = &payload["item"]["matches"][0];
        assert_eq!(m["field"], "title");
        assert_eq!(m["end_field"], "summary");
        assert_eq!(m["text"], "trafficking in… …human beings");
        assert_eq!(
            payload["item"]["cancelled"][0],
            serde_json::json!({
                "tag": "forced-labour", "term": "forced labo*", "field": "title", "text": "Forced labour",
                "context": "memorial* | nazi*", "context_field": "summary", "context_text": "memorial",
            })
        );
    }
}
