//! The page people see at `/`: the feeds to subscribe to, a search box,
//! the latest tagged items and why, each source's health. Plain HTML
//! with the pages' stylesheet ([`super::pages`]), no JavaScript.

use chrono::{DateTime, Utc};

use super::pages::{entry_item, layout, readable};
use super::{TagInfo, escape};
use crate::health::Report;
use crate::model::Entry;

pub(crate) const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// A feed to subscribe to.
pub(crate) struct Subscription {
    pub name: String,
    pub description: String,
    /// Its page.
    pub html: String,
    pub atom: String,
    pub json: String,
}

/// What the page shows.
pub(crate) struct PageInfo<'a> {
    pub title: &'a str,
    /// Where the site's paths start ("/", or the base URL).
    pub prefix: &'a str,
    pub feeds: Vec<Subscription>,
    pub tags: &'a [TagInfo],
    pub latest: &'a [Entry],
    /// The tagged feed's page after the latest, when there are more.
    pub older: Option<String>,
    pub sources: &'a [Report],
    pub now: DateTime<Utc>,
}

impl PageInfo<'_> {
    /// The feeds of a thbwatch: the merged one, all items, each tag, each
    /// source; `prefix` is prepended to each path ("/" or the base URL).
    pub(crate) fn subscriptions(
        prefix: &str,
        tags: &[(String, String)],
        sources: &[(String, String)],
    ) -> Vec<Subscription> {
        let feed = |name: String, description: String, path: &str| Subscription {
            name,
            description,
            html: format!("{prefix}{path}.html"),
            atom: format!("{prefix}{path}.atom"),
            json: format!("{prefix}{path}.json"),
        };
        let mut out = vec![
            feed("Tagged items".into(), "every item that matched a rule".into(), "feed"),
            feed("All items".into(), "every item of every source".into(), "all"),
        ];
        for (name, label) in tags {
            out.push(feed(label.clone(), format!("tag {name}"), &format!("tags/{name}")));
        }
        for (id, title) in sources {
            out.push(feed(title.clone(), format!("source {id}"), &format!("sources/{id}")));
        }
        out
    }
}

/// The page at `/`.
pub(crate) fn page(info: &PageInfo<'_>) -> String {
    let p = escape(info.prefix);
    let mut main = format!(
        "<h1>{}</h1>\n<form class=\"search\" role=\"search\" method=\"get\" action=\"{p}search\">\n\
         <div class=\"words\"><label for=\"q\">Search the whole history</label>\
         <input id=\"q\" name=\"q\" type=\"search\" maxlength=\"256\"></div>\n\
         <div><button type=\"submit\">Search</button></div>\n</form>\n",
        escape(info.title)
    );
    main.push_str("<h2>Latest tagged items</h2>\n");
    if info.latest.is_empty() {
        main.push_str("<p>Nothing tagged yet.</p>\n");
    } else {
        main.push_str("<ol class=\"entries\">\n");
        for e in info.latest {
            entry_item(&mut main, e, info.prefix, info.tags, None, "h3");
        }
        main.push_str("</ol>\n");
    }
    if let Some(older) = &info.older {
        main.push_str(&format!(
            "<nav class=\"pages\" aria-label=\"Pages\"><a rel=\"next\" href=\"{}\">Older tagged items</a></nav>\n",
            escape(older)
        ));
    }
    main.push_str(
        "<h2>Subscribe</h2>\n<p>Add one of these addresses to any feed reader; the name opens the feed's page.</p>\n\
         <div class=\"scroll\" role=\"region\" aria-label=\"Feeds\" tabindex=\"0\">\n<table>\n\
         <thead><tr><th scope=\"col\">Feed</th><th scope=\"col\">What</th><th scope=\"col\">Atom</th>\
         <th scope=\"col\">JSON Feed</th></tr></thead>\n<tbody>\n",
    );
    for feed in &info.feeds {
        main.push_str(&format!(
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td><a href=\"{}\">Atom</a></td><td><a href=\"{}\">JSON</a></td></tr>\n",
            escape(&feed.html),
            escape(&feed.name),
            escape(&feed.description),
            escape(&feed.atom),
            escape(&feed.json)
        ));
    }
    main.push_str(
        "</tbody>\n</table>\n</div>\n<h2>Sources</h2>\n\
         <div class=\"scroll\" role=\"region\" aria-label=\"Sources\" tabindex=\"0\">\n<table>\n\
         <thead><tr><th scope=\"col\">Source</th><th scope=\"col\">State</th><th scope=\"col\">Last try</th>\
         <th scope=\"col\">Last success</th><th scope=\"col\">Failures in a row</th><th scope=\"col\">Items</th></tr></thead>\n<tbody>\n",
    );
    let date = |t: Option<DateTime<Utc>>| t.map_or_else(|| "never".to_string(), readable);
    for r in info.sources {
        let h = &r.health;
        main.push_str(&format!(
            "<tr><td><a href=\"{p}sources/{}.html\">{}</a></td><td class=\"state-{state}\">{state}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(r.source.id.as_str()),
            escape(r.source.display_title()),
            date(h.last_attempt),
            date(h.last_success),
            h.consecutive_failures,
            h.items,
            state = r.state.as_str(),
        ));
    }
    main.push_str(&format!(
        "</tbody>\n</table>\n</div>\n<p><a href=\"{p}sources\">Every source's polls and items per week</a></p>\n\
         <p class=\"meta\">Page made {}.</p>\n",
        readable(info.now)
    ));
    layout(info.title, info.title, info.prefix, "", &main)
}
