//! What people see in a browser: the page at `/` (the feeds to subscribe
//! to, the latest tagged items and why, each source's health) and the
//! XSLT stylesheet that renders the Atom documents as a readable page.
//! Plain HTML and CSS, no JavaScript.

use chrono::{DateTime, Utc};

use super::{escape, time};
use crate::health::Report;
use crate::model::Entry;

pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// A feed to subscribe to.
pub struct Subscription {
    pub name: String,
    pub description: String,
    pub atom: String,
    pub json: String,
}

/// What the page shows.
pub struct PageInfo<'a> {
    pub title: &'a str,
    pub feeds: Vec<Subscription>,
    pub latest: &'a [Entry],
    pub sources: &'a [Report],
    pub now: DateTime<Utc>,
}

impl PageInfo<'_> {
    /// The feeds of a thbwatch: the merged one, all items, each tag, each
    /// source; `prefix` is prepended to each path ("/" or the base URL).
    pub fn subscriptions(prefix: &str, tags: &[(String, String)], sources: &[(String, String)]) -> Vec<Subscription> {
        let feed = |name: String, description: String, path: &str| Subscription {
            name,
            description,
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

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1a1a1a}\
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee;vertical-align:top}\
.tag{display:inline-block;background:#eef;border-radius:.3rem;padding:0 .4rem;margin-right:.3rem;font-size:.85rem}\
.meta{color:#555;font-size:.85rem}.state-ok{color:#060}.state-failing,.state-stale,.state-gone{color:#a00}\
li{margin-bottom:.8rem}";

/// The page at `/`.
pub fn page(info: &PageInfo<'_>) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{0}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
        escape(info.title)
    );
    out.push_str("<h2>Subscribe</h2>\n<p>Add one of these addresses to any feed reader.</p>\n<table>\n");
    out.push_str("<tr><th>Feed</th><th>What</th><th>Atom</th><th>JSON Feed</th></tr>\n");
    for feed in &info.feeds {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><a href=\"{}\">Atom</a></td><td><a href=\"{}\">JSON</a></td></tr>\n",
            escape(&feed.name),
            escape(&feed.description),
            escape(&feed.atom),
            escape(&feed.json)
        ));
    }
    out.push_str("</table>\n<h2>Latest tagged items</h2>\n");
    if info.latest.is_empty() {
        out.push_str("<p>Nothing tagged yet.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for e in info.latest {
            latest_item(&mut out, e);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Sources</h2>\n<table>\n<tr><th>Source</th><th>State</th><th>Last success</th><th>Items</th><th>Details</th></tr>\n");
    for r in info.sources {
        let h = &r.health;
        let success = h.last_success.map_or_else(|| "never".to_string(), time);
        let details = h
            .last_error
            .as_deref()
            .filter(|_| h.consecutive_failures > 0)
            .unwrap_or("");
        out.push_str(&format!(
            "<tr><td><a href=\"{}\">{}</a></td><td class=\"state-{state}\">{state}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&r.source.public_url()),
            escape(r.source.display_title()),
            success,
            h.items,
            escape(details),
            state = r.state.as_str(),
        ));
    }
    out.push_str(&format!(
        "</table>\n<p class=\"meta\">thbwatch {}, page made {}.</p>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        time(info.now)
    ));
    out
}

fn latest_item(out: &mut String, e: &Entry) {
    let title = match &e.link {
        Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&e.title)),
        None => escape(&e.title),
    };
    let tags: String = e
        .tags
        .iter()
        .map(|t| format!("<span class=\"tag\">{}</span>", escape(t)))
        .collect();
    let words: Vec<String> = super::matched_words(&e.matches)
        .iter()
        .map(super::matched_word_line)
        .collect();
    let mut why = if words.is_empty() {
        String::new()
    } else {
        format!("<br><span class=\"meta\">Matched: {}</span>", escape(&words.join("; ")))
    };
    let copies: Vec<&str> = e.copies.iter().map(|c| c.source_title.as_str()).collect();
    let also = if copies.is_empty() {
        String::new()
    } else {
        format!(
            "<br><span class=\"meta\">Also published by: {}</span>",
            escape(&copies.join(", "))
        )
    };
    let cancelled = crate::model::Cancelled::describe_all(&e.cancelled);
    if !cancelled.is_empty() {
        let line = escape(&cancelled);
        why.push_str(&format!("<br><span class=\"meta\">Cancelled by context: {line}</span>"));
    }
    out.push_str(&format!(
        "<li>{title}<br><span class=\"meta\">{} · {}</span> {tags}{also}{why}</li>\n",
        escape(&e.source_title),
        time(e.published.unwrap_or(e.updated))
    ));
}

/// XSLT 1.0 that browsers apply to the Atom documents (they reference it
/// with `<?xml-stylesheet?>`), so opening a feed shows a page, not XML.
pub fn stylesheet() -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom" xmlns:thb="{ns}" exclude-result-prefixes="atom thb">
  <xsl:output method="html" encoding="utf-8"/>
  <xsl:template match="/atom:feed">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <title><xsl:value-of select="atom:title"/></title>
        <style>{style}</style>
      </head>
      <body>
        <h1><xsl:value-of select="atom:title"/></h1>
        <p>This is a news feed: copy this page's address into a feed reader to subscribe.</p>
        <ul>
          <xsl:for-each select="atom:entry">
            <li>
              <a href="{{atom:link[@rel='alternate']/@href}}"><xsl:value-of select="atom:title"/></a><br/>
              <span class="meta"><xsl:value-of select="atom:source/atom:title"/> · <xsl:value-of select="atom:updated"/></span>
              <xsl:text> </xsl:text>
              <xsl:for-each select="atom:category"><span class="tag"><xsl:value-of select="@term"/></span></xsl:for-each>
              <xsl:if test="thb:match">
                <br/><span class="meta">Matched: <xsl:for-each select="thb:match"><xsl:value-of select="."/> (<xsl:value-of select="@field"/><xsl:if test="@end_field"> + <xsl:value-of select="@end_field"/></xsl:if>)<xsl:if test="position() != last()">; </xsl:if></xsl:for-each></span>
              </xsl:if>
              <xsl:if test="thb:cancelled">
                <br/><span class="meta">Cancelled by context: <xsl:for-each select="thb:cancelled"><xsl:value-of select="@tag"/>: "<xsl:value-of select="."/>" (<xsl:value-of select="@context_field"/>)<xsl:if test="position() != last()">; </xsl:if></xsl:for-each></span>
              </xsl:if>
            </li>
          </xsl:for-each>
        </ul>
        <xsl:if test="atom:link[@rel='next']">
          <p><a href="{{atom:link[@rel='next']/@href}}">Older items</a></p>
        </xsl:if>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
"#,
        ns = super::NAMESPACE,
        style = STYLE
    )
}
