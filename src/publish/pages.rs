//! The pages people read in a browser, beside the feeds: every feed as a
//! page (same entries, same paging), the search page, an item's whole
//! story and the sources' health. Semantic HTML and one served
//! stylesheet (`/style.css`); no JavaScript, no inline style, so the
//! Content-Security-Policy can forbid both. Dates read "27 Nov 2026,
//! 14:05 UTC", never relative: a cached page would make "2 hours ago"
//! wrong.

use chrono::{DateTime, Utc};

use super::{TagInfo, escape, marks, matched_words, sanitize_for_page};
use crate::health::{Report, State};
use crate::model::{Entry, Match};
use crate::search::{Search, Term};
use crate::store::{ItemStory, PollEntry, SourceActivity};

/// The stylesheet every page links to.
pub(crate) const STYLE: &str = include_str!("style.css");

/// The pages' icon: a small mark, so a browser's request for one finds it.
pub(crate) const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#0b4f9c\"/><path d=\"M4 4h8v2H9v6H7V6H4z\" fill=\"#fff\"/></svg>\n";

/// A date as people read it: `27 Nov 2026, 14:05 UTC`.
pub(crate) fn readable(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// `<time datetime="…">27 Nov 2026, 14:05 UTC</time>`.
fn time(t: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        readable(t)
    )
}

fn optional_time(t: Option<DateTime<Utc>>, none: &str) -> String {
    t.map_or_else(|| none.to_string(), time)
}

/// A tag's label, else its name.
pub(crate) fn label<'a>(tags: &'a [TagInfo], name: &'a str) -> &'a str {
    tags.iter()
        .find(|t| t.name == name)
        .and_then(|t| t.label.as_deref())
        .unwrap_or(name)
}

/// An entry's row id (the address of its page), from its cursor.
pub(crate) fn row_id(entry: &Entry) -> Option<i64> {
    entry.cursor.rsplit_once('~').and_then(|(_, id)| id.parse().ok())
}

/// The frame of every page: head, site navigation, `main`, footer.
/// `prefix` is where the site's paths start ("/", or the base URL).
pub(crate) fn layout(site_title: &str, title: &str, prefix: &str, head: &str, main: &str) -> String {
    let prefix = escape(prefix);
    let full_title = if title == site_title {
        escape(title)
    } else {
        format!("{} · {}", escape(title), escape(site_title))
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{full_title}</title>\n<link rel=\"stylesheet\" href=\"{prefix}style.css\">\n\
         <link rel=\"icon\" href=\"{prefix}favicon.svg\" type=\"image/svg+xml\">\n{head}</head>\n<body>\n\
         <header>\n<nav aria-label=\"Site\">\n<ul>\n\
         <li><a class=\"site\" href=\"{prefix}\">{site}</a></li>\n\
         <li><a href=\"{prefix}feed.html\">Tagged items</a></li>\n\
         <li><a href=\"{prefix}all.html\">All items</a></li>\n\
         <li><a href=\"{prefix}search\">Search</a></li>\n\
         <li><a href=\"{prefix}sources\">Sources</a></li>\n\
         </ul>\n</nav>\n</header>\n<main>\n{main}</main>\n\
         <footer>\n<p>thbwatch {version}</p>\n</footer>\n</body>\n</html>\n",
        site = escape(site_title),
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// The feeds' addresses for a feed reader.
fn subscribe_box(atom: &str, json: &str) -> String {
    format!(
        "<aside class=\"subscribe\" aria-labelledby=\"subscribe\">\n<h2 id=\"subscribe\">Subscribe</h2>\n\
         <p>Copy an address into a feed reader to get these items as they come.</p>\n<dl>\n\
         <dt>Atom</dt><dd><a href=\"{0}\"><code>{0}</code></a></dd>\n\
         <dt>JSON Feed</dt><dd><a href=\"{1}\"><code>{1}</code></a></dd>\n</dl>\n</aside>\n",
        escape(atom),
        escape(json)
    )
}

/// What the search form shows and offers.
#[derive(Clone, Debug, Default)]
pub(crate) struct SearchForm {
    pub q: String,
    pub tag: String,
    pub source: String,
    pub country: String,
    pub lang: String,
    pub from: String,
    pub to: String,
    /// (name, label) of every tag.
    pub tags: Vec<(String, String)>,
    /// (id, title) of every source.
    pub sources: Vec<(String, String)>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
}

impl SearchForm {
    fn html(&self, prefix: &str) -> String {
        let select = |id: &str, label: &str, chosen: &str, options: &[(String, String)]| {
            let mut out = format!(
                "<div><label for=\"{id}\">{label}</label><select id=\"{id}\" name=\"{id}\">\
                 <option value=\"\">any</option>"
            );
            for (value, text) in options {
                let selected = if value == chosen { " selected" } else { "" };
                out.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}</option>",
                    escape(value),
                    escape(text)
                ));
            }
            out.push_str("</select></div>\n");
            out
        };
        let pairs =
            |values: &[String]| -> Vec<(String, String)> { values.iter().map(|v| (v.clone(), v.clone())).collect() };
        let date = |id: &str, label: &str, value: &str| {
            format!(
                "<div><label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" type=\"date\" value=\"{}\"></div>\n",
                escape(value)
            )
        };
        format!(
            "<form class=\"search\" role=\"search\" method=\"get\" action=\"{}search\">\n\
             <div class=\"words\"><label for=\"q\">Words</label>\
             <input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" maxlength=\"256\"></div>\n\
             {}{}{}{}{}{}<div><button type=\"submit\">Search</button></div>\n</form>\n\
             <details>\n<summary>How to search</summary>\n<ul>\n\
             <li>Every word must appear: <code>forced begging</code>. Case and accents do not matter: \
             <code>zmonemis</code> finds “žmonėmis”.</li>\n\
             <li><code>traffick*</code> finds words starting so (“trafficking”, “traffickers”).</li>\n\
             <li><code>\"human trafficking\"</code> finds the words together, in this order.</li>\n\
             <li><code>-smuggling</code> leaves out items with the word.</li>\n\
             <li>Title and summary are searched, over the whole history; newest first.</li>\n</ul>\n</details>\n",
            escape(prefix),
            escape(&self.q),
            select("tag", "Tag", &self.tag, &self.tags),
            select("source", "Source", &self.source, &self.sources),
            select("country", "Country", &self.country, &pairs(&self.countries)),
            select("lang", "Language", &self.lang, &pairs(&self.languages)),
            date("from", "From", &self.from),
            date("to", "To", &self.to),
        )
    }
}

/// A feed (or a search) as a page.
pub(crate) struct ListPage<'a> {
    pub site_title: &'a str,
    pub title: &'a str,
    pub prefix: &'a str,
    /// The feed's addresses (its first page) for a reader.
    pub atom_url: String,
    pub json_url: String,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
    pub entries: &'a [Entry],
    pub tags: &'a [TagInfo],
    /// Words to highlight.
    pub search: Option<&'a Search>,
    /// The search form (the search page).
    pub form: Option<SearchForm>,
    /// Whether a search was asked for (the search page says so when
    /// nothing matched).
    pub searched: bool,
}

/// A feed's page.
pub(crate) fn list_page(page: &ListPage<'_>) -> String {
    let mut main = format!("<h1>{}</h1>\n", escape(page.title));
    if let Some(form) = &page.form {
        main.push_str(&form.html(page.prefix));
    }
    let show_list = page.form.is_none() || page.searched;
    if show_list {
        main.push_str(&subscribe_box(&page.atom_url, &page.json_url));
    }
    if show_list && page.entries.is_empty() {
        main.push_str("<p>No items.</p>\n");
    } else if show_list {
        main.push_str("<ol class=\"entries\">\n");
        for entry in page.entries {
            entry_item(&mut main, entry, page.prefix, page.tags, page.search, "h2");
        }
        main.push_str("</ol>\n");
    }
    if page.next_url.is_some() || page.first_url.is_some() {
        main.push_str("<nav class=\"pages\" aria-label=\"Pages\">\n");
        if let Some(first) = &page.first_url {
            main.push_str(&format!("<a href=\"{}\">Newest items</a>\n", escape(first)));
        }
        if let Some(next) = &page.next_url {
            main.push_str(&format!("<a rel=\"next\" href=\"{}\">Older items</a>\n", escape(next)));
        }
        main.push_str("</nav>\n");
    }
    let head = format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{}\" title=\"{}\">\n\
         <link rel=\"alternate\" type=\"application/feed+json\" href=\"{}\" title=\"{}\">\n",
        escape(&page.atom_url),
        escape(page.title),
        escape(&page.json_url),
        escape(page.title)
    );
    layout(page.site_title, page.title, page.prefix, &head, &main)
}

/// One entry of a list: title to its page, source, date, tags (links to
/// their pages), why it was tagged, the words searched for highlighted.
pub(crate) fn entry_item(
    out: &mut String,
    e: &Entry,
    prefix: &str,
    tags: &[TagInfo],
    search: Option<&Search>,
    heading: &str,
) {
    let highlight = |text: &str| match search {
        Some(search) => marks::marked(text, &search.ranges(text)),
        None => escape(text),
    };
    let title = highlight(&e.title);
    let title = match row_id(e) {
        Some(id) => format!("<a href=\"{}items/{id}\">{title}</a>", escape(prefix)),
        None => title,
    };
    out.push_str(&format!(
        "<li><article>\n<{heading}>{title}</{heading}>\n<p class=\"meta\">"
    ));
    out.push_str(&format!(
        "<a href=\"{}sources/{}.html\">{}</a> · {}",
        escape(prefix),
        escape(e.source_id.as_str()),
        escape(&e.source_title),
        time(e.published.unwrap_or(e.updated))
    ));
    if let Some(link) = &e.link {
        out.push_str(&format!(" · <a href=\"{}\">original</a>", escape(link)));
    }
    out.push_str("</p>\n");
    tag_links(out, &e.tags, prefix, tags);
    if let Some(search) = search {
        let text = e
            .summary
            .as_deref()
            .map(crate::normalize::html_to_text)
            .unwrap_or_default();
        if let Some(excerpt) = marks::excerpt(&text, &search.ranges(&text), 240) {
            out.push_str(&format!("<p class=\"excerpt\">{excerpt}</p>\n"));
        }
    }
    let words: Vec<String> = matched_words(&e.matches)
        .iter()
        .map(|(text, places)| format!("{text} (in the {})", places.join(", ")))
        .collect();
    if !words.is_empty() {
        out.push_str(&format!(
            "<p class=\"why\">Matched: {}</p>\n",
            escape(&words.join("; "))
        ));
    }
    if !e.copies.is_empty() {
        let copies: Vec<&str> = e.copies.iter().map(|c| c.source_title.as_str()).collect();
        out.push_str(&format!(
            "<p class=\"why\">Also published by: {}</p>\n",
            escape(&copies.join(", "))
        ));
    }
    let cancelled = crate::model::Cancelled::describe_all(&e.cancelled);
    if !cancelled.is_empty() {
        out.push_str(&format!(
            "<p class=\"why\">Not tagged, because of the context: {}</p>\n",
            escape(&cancelled)
        ));
    }
    out.push_str("</article></li>\n");
}

fn tag_links(out: &mut String, names: &[String], prefix: &str, tags: &[TagInfo]) {
    if names.is_empty() {
        return;
    }
    out.push_str("<p class=\"tags\">Tags: ");
    for name in names {
        out.push_str(&format!(
            "<a class=\"tag\" href=\"{}tags/{}.html\">{}</a>",
            escape(prefix),
            escape(name),
            escape(label(tags, name))
        ));
    }
    out.push_str("</p>\n");
}

/// `snippet` with the words of `matched` marked (as keyword matching
/// saw them: folded).
fn marked_in_context(snippet: &str, matched: &str) -> String {
    let term = Term {
        words: crate::fold::words(matched),
        prefix: false,
        exclude: false,
    };
    let search = Search { terms: vec![term] };
    marks::marked(snippet, &search.ranges(snippet))
}

fn match_place(m: &Match) -> String {
    m.place().replace(" + ", " running into the ")
}

/// An item's page: its text as published, where it came from, when it
/// was seen, why it was tagged (or not), where its notifications went.
pub(crate) fn item_page(site_title: &str, prefix: &str, tags: &[TagInfo], story: &ItemStory) -> String {
    let e = &story.entry;
    let p = escape(prefix);
    let mut main = format!("<article>\n<h1>{}</h1>\n<p class=\"meta\">", escape(&e.title));
    main.push_str(&format!(
        "<a href=\"{p}sources/{}.html\">{}</a>",
        escape(e.source_id.as_str()),
        escape(&e.source_title)
    ));
    if let Some(link) = &e.link {
        main.push_str(&format!(" · <a href=\"{}\">Read it at the source</a>", escape(link)));
    }
    main.push_str("</p>\n");
    tag_links(&mut main, &e.tags, prefix, tags);
    main.push_str("<dl class=\"facts\">\n");
    let mut fact = |name: &str, value: String| main.push_str(&format!("<dt>{name}</dt><dd>{value}</dd>\n"));
    fact("Published", optional_time(e.published, "not dated by its source"));
    fact("First seen", time(story.first_seen));
    // The feed's own date of its last version; not a change when it is
    // the publication date.
    let changed = if Some(story.last_changed) > e.published {
        time(story.last_changed)
    } else {
        "not changed since it was published".to_string()
    };
    fact("Last changed", changed);
    if let Some(author) = &e.author {
        fact("Author", escape(author));
    }
    if let Some(language) = &e.language {
        fact("Language", escape(language));
    }
    if story.repaired {
        fact(
            "Note",
            "stored from a feed that had to be repaired before it could be read".into(),
        );
    }
    main.push_str("</dl>\n");
    if let Some(original) = story.duplicate_of {
        main.push_str(&format!(
            "<p>This is a copy: <a href=\"{p}items/{original}\">the article as first published</a>.</p>\n"
        ));
    }
    main.push_str("<section aria-labelledby=\"text\">\n<h2 id=\"text\">Text as published</h2>\n");
    let base = e.link.as_deref().or(e.source_link.as_deref());
    match e.content.as_deref().or(e.summary.as_deref()) {
        Some(html) if !html.trim().is_empty() => {
            main.push_str(&format!(
                "<div class=\"published\">{}</div>\n",
                sanitize_for_page(html, base)
            ));
        }
        _ => main.push_str("<p>The source published a title only.</p>\n"),
    }
    main.push_str("</section>\n");
    main.push_str("<section aria-labelledby=\"why\">\n<h2 id=\"why\">Why it was tagged</h2>\n");
    let matches: Vec<&Match> = e.matches.iter().filter(|m| !m.text.trim().is_empty()).collect();
    if matches.is_empty() {
        main.push_str("<p>No rule matched this item.</p>\n");
    } else {
        main.push_str(
            "<div class=\"scroll\" role=\"region\" aria-label=\"Matches\" tabindex=\"0\">\n<table>\n\
             <thead><tr><th scope=\"col\">Tag</th><th scope=\"col\">Term</th><th scope=\"col\">Where</th>\
             <th scope=\"col\">In context</th></tr></thead>\n<tbody>\n",
        );
        for m in matches {
            let context = if m.snippet.trim().is_empty() {
                escape(&m.text)
            } else {
                marked_in_context(&m.snippet, &m.text)
            };
            main.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{context}</td></tr>\n",
                escape(label(tags, &m.tag)),
                escape(&m.term),
                escape(&match_place(m)),
            ));
        }
        main.push_str("</tbody>\n</table>\n</div>\n");
    }
    for c in &e.cancelled {
        main.push_str(&format!(
            "<p class=\"why\">Not tagged “{}”: the term <code>{}</code> matched “{}” in the {}, \
             but the context <code>{}</code> was found in the {} (“{}”).</p>\n",
            escape(label(tags, &c.tag)),
            escape(&c.term),
            escape(&c.text),
            escape(c.field.as_str()),
            escape(&c.context),
            escape(c.context_field.as_str()),
            escape(&c.context_text),
        ));
    }
    main.push_str("</section>\n");
    main.push_str("<section aria-labelledby=\"copies\">\n<h2 id=\"copies\">Where it came from</h2>\n<ul>\n");
    main.push_str(&format!(
        "<li><a href=\"{p}sources/{}.html\">{}</a>{}</li>\n",
        escape(e.source_id.as_str()),
        escape(&e.source_title),
        e.link
            .as_deref()
            .map(|l| format!(": <a href=\"{}\">{}</a>", escape(l), escape(l)))
            .unwrap_or_default()
    ));
    for copy in &e.copies {
        main.push_str(&format!(
            "<li><a href=\"{p}sources/{}.html\">{}</a>{}</li>\n",
            escape(copy.source_id.as_str()),
            escape(&copy.source_title),
            copy.link
                .as_deref()
                .map(|l| format!(": <a href=\"{}\">{}</a>", escape(l), escape(l)))
                .unwrap_or_default()
        ));
    }
    main.push_str("</ul>\n</section>\n");
    main.push_str("<section aria-labelledby=\"notifications\">\n<h2 id=\"notifications\">Notifications</h2>\n");
    if story.notifications.is_empty() {
        main.push_str(
            "<p>None: no channel asked for this item (or it came with its source's first poll, \
             which is history, not news).</p>\n",
        );
    } else {
        main.push_str(
            "<div class=\"scroll\" role=\"region\" aria-label=\"Notifications\" tabindex=\"0\">\n<table>\n\
             <thead><tr><th scope=\"col\">Channel</th><th scope=\"col\">State</th><th scope=\"col\">Attempts</th>\
             <th scope=\"col\">Queued</th><th scope=\"col\">Delivered</th><th scope=\"col\">Last error</th></tr></thead>\n<tbody>\n",
        );
        for n in &story.notifications {
            main.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&n.channel),
                escape(&n.state),
                n.attempts,
                optional_time(n.created, "–"),
                optional_time(n.delivered, "–"),
                escape(n.last_error.as_deref().unwrap_or("")),
            ));
        }
        main.push_str("</tbody>\n</table>\n</div>\n");
    }
    main.push_str("</section>\n</article>\n");
    layout(site_title, &e.title, prefix, "", &main)
}

/// How many weeks of items the sources page counts.
pub(crate) const WEEKS: usize = 8;
/// How many polls of each source it lists.
pub(crate) const POLLS_SHOWN: usize = 10;

/// Sources in the order the page lists them: failing, gone and stale
/// first, then the quietest (fewest items over the weeks counted).
pub(crate) fn sources_in_order<'a>(reports: &'a [Report], activity: &SourceActivity) -> Vec<&'a Report> {
    let mut ordered: Vec<&Report> = reports.iter().collect();
    let items = |r: &Report| -> u64 { activity.weekly.get(&r.source.id).map_or(0, |w| w.iter().sum()) };
    ordered.sort_by_key(|r| {
        let trouble = match r.state {
            State::Gone | State::Stale | State::Failing => 0,
            State::New => 1,
            State::Ok => 2,
        };
        (trouble, items(r))
    });
    ordered
}

/// The sources page: each source's state, polls and items per week.
pub(crate) fn sources_page(
    site_title: &str,
    prefix: &str,
    reports: &[Report],
    activity: &SourceActivity,
    now: DateTime<Utc>,
) -> String {
    let p = escape(prefix);
    let mut main = String::from(
        "<h1>Sources</h1>\n<p>Failing and quiet sources first. Items per week count the items first seen \
         in each of the last 8 weeks, oldest first.</p>\n",
    );
    main.push_str(
        "<div class=\"scroll\" role=\"region\" aria-label=\"Sources\" tabindex=\"0\">\n<table>\n<thead><tr>\
         <th scope=\"col\">Source</th><th scope=\"col\">State</th><th scope=\"col\">Last try</th>\
         <th scope=\"col\">Last success</th><th scope=\"col\">Failures in a row</th><th scope=\"col\">Next attempt</th>\
         <th scope=\"col\">Items per week</th><th scope=\"col\">Details</th></tr></thead>\n<tbody>\n",
    );
    let ordered = sources_in_order(reports, activity);
    for r in &ordered {
        let h = &r.health;
        let weekly = activity
            .weekly
            .get(&r.source.id)
            .cloned()
            .unwrap_or_else(|| vec![0; WEEKS]);
        let weeks: Vec<String> = weekly.iter().map(u64::to_string).collect();
        let details = h
            .last_error
            .as_deref()
            .filter(|_| h.consecutive_failures > 0)
            .or(h.warning.as_deref())
            .unwrap_or("");
        main.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"{p}sources/{id}.html\">{title}</a></th>\
             <td class=\"state-{state}\">{state}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"weeks\">{}</td><td>{}</td></tr>\n",
            optional_time(h.last_attempt, "never"),
            optional_time(h.last_success, "never"),
            h.consecutive_failures,
            optional_time(h.next_attempt, "on schedule"),
            weeks.join(" "),
            escape(details),
            id = escape(r.source.id.as_str()),
            title = escape(r.source.display_title()),
            state = r.state.as_str(),
        ));
    }
    main.push_str("</tbody>\n</table>\n</div>\n<h2>Recent polls</h2>\n");
    for r in &ordered {
        let polls = activity.polls.get(&r.source.id).map_or(&[][..], Vec::as_slice);
        main.push_str(&format!(
            "<details>\n<summary>{} ({} stored)</summary>\n",
            escape(r.source.display_title()),
            polls.len()
        ));
        if polls.is_empty() {
            main.push_str("<p>Not polled yet.</p>\n");
        } else {
            main.push_str(&poll_table(
                r.source.display_title(),
                &polls[..polls.len().min(POLLS_SHOWN)],
            ));
        }
        main.push_str("</details>\n");
    }
    main.push_str(&format!(
        "<p class=\"meta\">As of {}. Also as <a href=\"{p}sources.json\">JSON</a> and \
         <a href=\"{p}sources.opml\">OPML</a>.</p>\n",
        time(now)
    ));
    layout(site_title, "Sources", prefix, "", &main)
}

fn poll_table(title: &str, polls: &[PollEntry]) -> String {
    let mut out = format!(
        "<div class=\"scroll\" role=\"region\" aria-label=\"Recent polls of {}\" tabindex=\"0\">\n<table>\n<thead><tr>\
         <th scope=\"col\">When</th><th scope=\"col\">Result</th><th scope=\"col\">HTTP</th><th scope=\"col\">New</th>\
         <th scope=\"col\">Changed</th><th scope=\"col\">Details</th></tr></thead>\n<tbody>\n",
        escape(title)
    );
    for poll in polls {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            time(poll.at),
            escape(&poll.status),
            poll.http_status.map(|s| s.to_string()).unwrap_or_default(),
            poll.new_items,
            poll.updated,
            escape(poll.error.as_deref().unwrap_or("")),
        ));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_people_write_them() {
        let t = DateTime::parse_from_rfc3339("2026-11-27T14:05:09Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(readable(t), "27 Nov 2026, 14:05 UTC");
        assert!(time(t).starts_with("<time datetime=\"2026-11-27T14:05:09Z\">"));
    }

    #[test]
    fn context_marks_the_matched_words_as_written() {
        assert_eq!(
            marked_in_context("Policija: cilvēku tirdzniecība <Rīgā>", "Cilvēku tirdzniecība"),
            "Policija: <mark>cilvēku</mark> <mark>tirdzniecība</mark> &lt;Rīgā&gt;"
        );
    }
}
