//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>), for tools that
//! prefer JSON; thbwatch's tags, matches and other sources go in an
//! `_thbwatch` extension object, as the format allows.

use serde::Serialize;

use super::atom::summary_html;
use super::{FeedInfo, sanitize, time};
use crate::model::{Cancelled, Entry, Match};

pub(crate) const JSON_FEED_CONTENT_TYPE: &str = "application/feed+json; charset=utf-8";

/// A JSON Feed document; optional members are left out when unknown.
#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    items: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
}

/// One item; thbwatch's own members in `_thbwatch`.
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    title: &'a str,
    content_html: String,
    date_modified: String,
    authors: [Author<'a>; 1],
    tags: &'a [String],
    #[serde(rename = "_thbwatch")]
    thbwatch: Extension<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// What JSON Feed has no member for: where the item came from, who else
/// published it, and why it carries (or lost) its tags.
#[derive(Serialize)]
struct Extension<'a> {
    source: Source<'a>,
    also_published_by: Vec<Source<'a>>,
    matches: &'a [Match],
    cancelled: &'a [Cancelled],
}

/// A source: its feed's address, or for another source that published
/// the article, the copy's link there (`null` when it has none).
#[derive(Serialize)]
struct Source<'a> {
    id: &'a str,
    title: &'a str,
    url: Option<&'a str>,
}

/// Renders a JSON Feed of `entries` (already ordered and limited).
pub(crate) fn json_feed(info: &FeedInfo<'_>, entries: &[Entry]) -> String {
    let feed = Feed {
        version: "https://jsonfeed.org/version/1.1",
        title: info.title,
        items: entries.iter().map(item).collect(),
        home_page_url: info.home_url.as_deref(),
        // The feed's address is its first page's, not this page's.
        feed_url: info.first_url.as_deref().or(info.self_url.as_deref()),
        next_url: info.next_url.as_deref(),
    };
    // Plain data into a string: serialising cannot fail.
    let mut text = serde_json::to_string_pretty(&feed).unwrap_or_default();
    text.push('\n');
    crate::normalize::without_hidden_controls(text)
}

fn item(e: &Entry) -> Item<'_> {
    let base = Some(super::atom::content_base(e));
    // JSON Feed needs content: the article's, else the summary, else the title.
    let summary = summary_html(e, base);
    let content_html = e
        .content
        .as_deref()
        .map(|c| sanitize(c, base))
        .or_else(|| summary.clone())
        .unwrap_or_else(|| super::escape(&e.title));
    Item {
        id: &e.entry_id,
        title: &e.title,
        content_html,
        date_modified: time(e.updated),
        authors: [Author {
            name: e.author.as_deref().unwrap_or(&e.source_title),
        }],
        tags: &e.tags,
        thbwatch: Extension {
            source: Source {
                id: e.source_id.as_str(),
                title: &e.source_title,
                url: Some(&e.source_url),
            },
            also_published_by: e
                .copies
                .iter()
                .map(|c| Source {
                    id: c.source_id.as_str(),
                    title: &c.source_title,
                    url: c.link.as_deref(),
                })
                .collect(),
            matches: &e.matches,
            cancelled: &e.cancelled,
        },
        url: e.link.as_deref(),
        summary: summary.map(|summary| crate::normalize::html_to_text(&summary)),
        date_published: e.published.map(time),
        language: e.language.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of a JSON Feed, pinned: field names, their order, what
    /// is left out when empty, the `_thbwatch` extension.
    #[test]
    fn the_document_is_pinned() {
        let (full, bare) = (
            crate::model::examples::full_entry(),
            crate::model::examples::bare_entry(),
        );
        let info = FeedInfo {
            home_url: Some("https://w.example/".into()),
            self_url: Some("https://w.example/feed.json?before=x".into()),
            first_url: Some("https://w.example/feed.json".into()),
            next_url: Some("https://w.example/feed.json?before=y".into()),
            ..FeedInfo::minimal("thbwatch: tagged", "urn:x")
        };
        assert_eq!(json_feed(&info, &[full, bare]), FULL);
        assert_eq!(json_feed(&FeedInfo::minimal("T", "urn:x"), &[]), EMPTY);
    }

    const FULL: &str = r##"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "thbwatch: tagged",
  "items": [
    {
      "id": "urn:uuid:00000000-0000-8000-8000-000000000001",
      "title": "Cilvēku tirdzniecība: \"aizturēti\" <trīs>",
      "content_html": "<p>Pilns teksts</p>",
      "date_modified": "2026-11-28T10:00:00Z",
      "authors": [
        {
          "name": "Preses dienests"
        }
      ],
      "tags": [
        "trafficking",
        "forced-labour"
      ],
      "_thbwatch": {
        "source": {
          "id": "vp",
          "title": "Valsts policija",
          "url": "https://www.vp.gov.lv/rss"
        },
        "also_published_by": [
          {
            "id": "iem",
            "title": "Iekšlietu ministrija",
            "url": "https://www.iem.gov.lv/lv/jaunums/1"
          },
          {
            "id": "lsm",
            "title": "LSM",
            "url": null
          }
        ],
        "matches": [
          {
            "tag": "trafficking",
            "term": "cilvēku tirdzniecīb*",
            "field": "title",
            "end_field": null,
            "text": "Cilvēku tirdzniecība",
            "snippet": "Cilvēku tirdzniecība: \"aizturēti\""
          },
          {
            "tag": "forced-labour",
            "term": "piespiedu darb*",
            "field": "title",
            "end_field": "summary",
            "text": "piespiedu… …darbs",
            "snippet": "piespiedu… …darbs"
          }
        ],
        "cancelled": [
          {
            "tag": "smuggling",
            "term": "kontrabanda*",
            "field": "summary",
            "text": "kontrabandu",
            "context": "cigaret*",
            "context_field": "content",
            "context_text": "cigaretes"
          }
        ]
      },
      "url": "https://www.vp.gov.lv/lv/jaunums/1?a=1&b=<2>",
      "summary": "Policija aiztur & ziņo Also published by: Iekšlietu ministrija, LSM Matched: Cilvēku tirdzniecība (title); piespiedu… …darbs (title + summary) Cancelled by context: smuggling: \"cigaretes\" (content)",
      "date_published": "2026-11-28T09:15:00Z",
      "language": "lv"
    },
    {
      "id": "urn:uuid:00000000-0000-8000-8000-000000000002",
      "title": "News",
      "content_html": "News",
      "date_modified": "1970-01-01T00:00:00Z",
      "authors": [
        {
          "name": "CBSS"
        }
      ],
      "tags": [],
      "_thbwatch": {
        "source": {
          "id": "cbss",
          "title": "CBSS",
          "url": "https://cbss.org/feed/"
        },
        "also_published_by": [],
        "matches": [],
        "cancelled": []
      }
    }
  ],
  "home_page_url": "https://w.example/",
  "feed_url": "https://w.example/feed.json",
  "next_url": "https://w.example/feed.json?before=y"
}
"##;
    const EMPTY: &str = r##"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "T",
  "items": []
}
"##;

    #[test]
    fn items_carry_ids_links_tags_and_explanations() {
        let entry = crate::publish::atom::tests::entry();
        let info = FeedInfo {
            self_url: Some("https://w.example/feed.json".into()),
            next_url: Some("https://w.example/feed.json?before=x".into()),
            ..FeedInfo::minimal("T", "urn:x")
        };
        let feed: serde_json::Value = serde_json::from_str(&json_feed(&info, &[entry])).unwrap();
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(feed["next_url"], "https://w.example/feed.json?before=x");
        let item = &feed["items"][0];
        assert_eq!(item["id"], "urn:uuid:00000000-0000-8000-8000-000000000000");
        assert_eq!(item["url"], "https://cbss.org/a?x=1&y=2");
        assert_eq!(item["tags"][0], "trafficking");
        assert_eq!(item["language"], "lv");
        assert_eq!(item["authors"][0]["name"], "CBSS");
        assert_eq!(item["_thbwatch"]["source"]["id"], "cbss");
    }
}
