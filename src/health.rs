//! Source health as people read it: each configured source judged from
//! what its polls stored (ok, failing, gone, stale, new), shown as a
//! table for `thbwatch sources` or as JSON for scripts and
//! `/sources.json`. Pure: the caller reads the store.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::Source;
use crate::store::SourceHealth;

/// What the report needs from the configuration.
#[derive(Clone, Debug)]
pub(crate) struct Catalog {
    pub sources: Vec<Source>,
    pub stale_after: Duration,
}

/// One source's state, worst first when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// 410 Gone: the publisher removed the feed.
    Gone,
    /// No success for longer than `stale_after`.
    Stale,
    /// The last poll failed; retrying with back-off.
    Failing,
    Ok,
    /// Not polled yet (at its current URL).
    New,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Gone => "gone",
            State::Stale => "stale",
            State::Failing => "failing",
            State::Ok => "ok",
            State::New => "new",
        }
    }
}

/// One configured source with its health.
#[derive(Clone, Debug)]
pub struct Report {
    pub source: Source,
    pub state: State,
    pub health: SourceHealth,
}

/// Every configured source in configuration order, judged at `now`.
pub(crate) fn report(catalog: &Catalog, stored: Vec<SourceHealth>, now: DateTime<Utc>) -> Vec<Report> {
    let mut stored: HashMap<_, _> = stored.into_iter().map(|h| (h.id.clone(), h)).collect();
    catalog
        .sources
        .iter()
        .map(|source| {
            // A row for another URL belongs to the source's old address.
            let health = stored
                .remove(&source.id)
                .filter(|h| h.url == source.stored_url())
                .unwrap_or_else(|| SourceHealth {
                    id: source.id.clone(),
                    url: source.stored_url(),
                    ..SourceHealth::default()
                });
            let state = judge(&health, catalog.stale_after, now);
            Report {
                source: source.clone(),
                state,
                health,
            }
        })
        .collect()
}

fn judge(health: &SourceHealth, stale_after: Duration, now: DateTime<Utc>) -> State {
    let Some(first) = health.first_attempt.or(health.last_attempt) else {
        return State::New;
    };
    let since = health.last_success.unwrap_or(first);
    let stale = chrono::Duration::from_std(stale_after).is_ok_and(|limit| now - since > limit);
    if health.last_status.as_deref() == Some("gone") {
        State::Gone
    } else if stale {
        State::Stale
    } else if health.consecutive_failures > 0 {
        State::Failing
    } else {
        State::Ok
    }
}

/// `sources --json` and `/sources.json`.
#[derive(Serialize)]
struct Listing<'a> {
    sources: Vec<SourceState<'a>>,
}

/// One source as scripts read it: `null` for what is not known yet.
#[derive(Serialize)]
struct SourceState<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
    state: &'static str,
    stale: bool,
    last_attempt: Option<String>,
    last_success: Option<String>,
    last_status: Option<&'a str>,
    http_status: Option<u16>,
    last_error: Option<&'a str>,
    consecutive_failures: u32,
    next_attempt: Option<String>,
    moved_to: Option<String>,
    warning: Option<&'a str>,
    items: u64,
}

/// JSON for scripts: one object per source, times in RFC 3339 UTC.
pub fn to_json(reports: &[Report]) -> String {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    let sources = reports
        .iter()
        .map(|r| {
            let h = &r.health;
            SourceState {
                id: r.source.id.as_str(),
                title: r.source.display_title(),
                url: r.source.public_url(),
                state: r.state.as_str(),
                stale: r.state == State::Stale,
                last_attempt: time(h.last_attempt),
                last_success: time(h.last_success),
                last_status: h.last_status.as_deref(),
                http_status: h.http_status,
                last_error: h.last_error.as_deref(),
                consecutive_failures: h.consecutive_failures,
                next_attempt: time(h.next_attempt),
                moved_to: moved_to(r),
                warning: h.warning.as_deref(),
                items: h.items,
            }
        })
        .collect();
    // Plain data into a string: serialising cannot fail.
    let mut text = serde_json::to_string_pretty(&Listing { sources }).unwrap_or_default();
    text.push('\n');
    text
}

/// A table for people, one line per source.
pub fn to_table(reports: &[Report], now: DateTime<Utc>) -> String {
    let header = [
        "SOURCE",
        "STATE",
        "LAST TRY",
        "LAST SUCCESS",
        "HTTP",
        "FAILS",
        "NEXT TRY",
        "ITEMS",
        "DETAILS",
    ];
    let mut rows: Vec<[String; 9]> = vec![header.map(str::to_string)];
    for r in reports {
        let h = &r.health;
        let mut details = Vec::new();
        if let Some(target) = moved_to(r) {
            details.push(format!("moved permanently to {target}"));
        }
        if h.consecutive_failures > 0
            && let Some(error) = &h.last_error
        {
            details.push(shorten(error, 120));
        }
        if let Some(warning) = &h.warning {
            details.push(shorten(warning, 160));
        }
        rows.push([
            r.source.id.as_str().to_string(),
            r.state.as_str().to_string(),
            h.last_attempt.map_or_else(|| "never".to_string(), |t| ago(now, t)),
            h.last_success.map_or_else(|| "never".to_string(), |t| ago(now, t)),
            h.http_status.map_or_else(|| "-".to_string(), |s| s.to_string()),
            h.consecutive_failures.to_string(),
            h.next_attempt
                .filter(|t| *t > now)
                .map_or_else(|| "-".to_string(), |t| until(now, t)),
            h.items.to_string(),
            details.join("; "),
        ]);
    }
    crate::table::render(&rows)
}

/// Where the source moved, as it may be shown (the redirect may carry
/// the same secret as the address).
fn moved_to(report: &Report) -> Option<String> {
    let target = report.health.moved_to.as_deref()?;
    Some(report.source.public_form(target))
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn span(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn ago(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    format!("{} ago", span(now - t))
}

fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    format!("in {}", span(t - now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn health(success: Option<&str>, failures: u32, status: &str) -> SourceHealth {
        SourceHealth {
            id: SourceId::new("s"),
            url: "https://example.org/feed".into(),
            first_attempt: Some(at("2026-11-01T00:00:00Z")),
            last_attempt: Some(at("2026-11-29T11:00:00Z")),
            last_success: success.map(at),
            last_status: Some(status.into()),
            consecutive_failures: failures,
            ..SourceHealth::default()
        }
    }

    #[test]
    fn states_are_judged_worst_first() {
        let now = at("2026-11-29T12:00:00Z");
        let day = Duration::from_secs(86_400);
        let cases = [
            (health(Some("2026-11-29T11:00:00Z"), 0, "ok"), State::Ok),
            (health(Some("2026-11-29T10:00:00Z"), 2, "error"), State::Failing),
            (health(Some("2026-11-20T10:00:00Z"), 40, "error"), State::Stale),
            (health(None, 3, "error"), State::Stale),
            (health(Some("2026-11-29T10:00:00Z"), 1, "gone"), State::Gone),
            (SourceHealth::default(), State::New),
        ];
        for (h, expected) in cases {
            assert_eq!(judge(&h, day, now), expected, "{h:?}");
        }
    }

    /// The bytes of `sources --json` (and `/sources.json`), pinned: field
    /// names, their order, null for what is not known.
    #[test]
    fn the_json_is_pinned() {
        let text = "[sources.vp]\nurl = \"https://www.vp.gov.lv/rss?token=s3cret\"\ntitle = \"Valsts policija\"\n\n\
                    [sources.new]\nurl = \"https://new.example/feed\"\n";
        let config = crate::config::Config::parse(text, std::path::Path::new("c.toml")).unwrap();
        let catalog = Catalog {
            sources: config.sources.clone(),
            stale_after: Duration::from_secs(3 * 86_400),
        };
        let failing = SourceHealth {
            id: SourceId::new("vp"),
            url: config.sources[0].stored_url(),
            feed_title: Some("VP".into()),
            http_status: Some(503),
            last_error: Some("HTTP 503 Service Unavailable".into()),
            next_attempt: Some(at("2026-11-29T12:30:00Z")),
            moved_to: Some("https://vp.example/rss?token=s3cret".into()),
            warning: Some("repaired: bare ampersand (3)".into()),
            items: 42,
            ..health(Some("2026-11-29T10:00:00Z"), 2, "error")
        };
        let reports = report(&catalog, vec![failing], at("2026-11-29T12:00:00Z"));
        let json = to_json(&reports);
        assert_eq!(json, SOURCES);
    }

    const SOURCES: &str = r##"{
  "sources": [
    {
      "id": "vp",
      "title": "Valsts policija",
      "url": "https://www.vp.gov.lv/rss?token=REDACTED",
      "state": "failing",
      "stale": false,
      "last_attempt": "2026-11-29T11:00:00Z",
      "last_success": "2026-11-29T10:00:00Z",
      "last_status": "error",
      "http_status": 503,
      "last_error": "HTTP 503 Service Unavailable",
      "consecutive_failures": 2,
      "next_attempt": "2026-11-29T12:30:00Z",
      "moved_to": "https://vp.example/rss?token=REDACTED",
      "warning": "repaired: bare ampersand (3)",
      "items": 42
    },
    {
      "id": "new",
      "title": "new",
      "url": "https://new.example/feed",
      "state": "new",
      "stale": false,
      "last_attempt": null,
      "last_success": null,
      "last_status": null,
      "http_status": null,
      "last_error": null,
      "consecutive_failures": 0,
      "next_attempt": null,
      "moved_to": null,
      "warning": null,
      "items": 0
    }
  ]
}
"##;

    #[test]
    fn times_read_as_short_spans() {
        let now = at("2026-11-29T12:00:00Z");
        assert_eq!(ago(now, at("2026-11-29T11:59:30Z")), "30s ago");
        assert_eq!(ago(now, at("2026-11-29T11:00:00Z")), "1h ago");
        assert_eq!(ago(now, at("2026-11-29T11:15:00Z")), "45m ago");
        assert_eq!(until(now, at("2026-11-29T15:00:00Z")), "in 3h");
        assert_eq!(ago(now, at("2026-11-20T12:00:00Z")), "9d ago");
        assert_eq!(shorten("abcdef", 3), "abc…");
    }
}
