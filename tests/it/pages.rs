//! The pages analysts read, served by the real routes over HTTP on
//! 127.0.0.1 from a real SQLite file filled by real polls:
//! - content negotiation: a browser's `Accept` gets a feed's page, a
//!   reader's the feed, each with its ETag and 304, `Vary: Accept`;
//! - search over the whole history: folded and prefix queries in several
//!   languages, phrases, exclusions, filters (tag, source, country,
//!   language, dates), paging without gaps or repeats, the same search as
//!   Atom, hostile queries answered 400 or correctly, never 500;
//! - the search index kept in step with ingest, edits, retag and
//!   retention, and filled for a database from before it existed;
//! - an item's page and the sources page;
//! - every page in headless Chromium at desktop and phone widths:
//!   screenshots under `target/screenshots/`, no console errors, axe-core
//!   passing (needs chromium, node and `tests/browser`'s npm packages:
//!   `scripts/install-test-tools`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::support::{Reply, Server, write_config};
use reqwest::header;
use thbwatch::config::Config;
use thbwatch::store::{EntryQuery, Store};
use thbwatch::{app, commands};
use tokio_util::sync::CancellationToken;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const READER: &str = "application/atom+xml,application/rss+xml;q=0.9,*/*;q=0.8";

/// (guid, title, description, day of November 2026)
type Item<'a> = (&'a str, &'a str, &'a str, u32);

fn rss(items: &[Item<'_>]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Publisher</title>\
         <link>https://example.org/</link>\n",
    );
    for (guid, title, description, day) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <link>https://example.org/{guid}</link><description>{description}</description>\
             <pubDate>{day} Nov 2026 10:00:00 +0000</pubDate></item>\n",
            day = format_args!("{:02}", day)
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

const TAGS: &str = r#"
[tags.trafficking]
label = "Trafficking in human beings"
terms = ["human traffick*", "cilvēku tirdzniecīb*", "prekyb* žmonėmis", "handel ludźmi", "menschenhandel", "торговл* людьми"]
unless = ["drug trafficking"]

[tags.forced-begging]
label = "Forced begging"
terms = ["forced begging", "priverstin* elgetavim*"]
"#;

struct Site {
    _server: Server,
    dir: tempfile::TempDir,
    config: Config,
    store: Store,
    base: String,
    shutdown: CancellationToken,
}

impl Site {
    async fn get(&self, path: &str, accept: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT, accept);
        }
        request.send().await.unwrap()
    }

    async fn text(&self, path: &str) -> String {
        let response = self.get(path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        response.text().await.unwrap()
    }

    /// Titles of a search's Atom feed, first page only.
    async fn titles(&self, query: &str) -> Vec<String> {
        let xml = self.text(&format!("/search.atom?{query}")).await;
        feed_rs::parser::parse(xml.as_bytes())
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.title.unwrap().content)
            .collect()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Sources in five languages and a long one, polled once, served.
async fn site(max_entries: usize) -> Site {
    site_with(max_entries, "").await
}

/// The same with more `[server]` settings.
async fn site_with(max_entries: usize, server_settings: &str) -> Site {
    let server = Server::start().await;
    server.set(
        "/lv",
        Reply::feed(rss(&[
            (
                "lv1",
                "Cilvēku tirdzniecība: policija aiztur trīs",
                "Valsts policija aizturēja trīs personas Rīgā.",
                20,
            ),
            (
                "lv2",
                "Ministrija par drošību",
                "Par cilvēku tirdzniecības novēršanu runāja sanāksmē.",
                21,
            ),
        ])),
    );
    server.set(
        "/lt",
        Reply::feed(rss(&[
            (
                "lt1",
                "Prekyba žmonėmis Vilniuje",
                "Policija tiria priverstinio elgetavimo atvejus.",
                22,
            ),
            (
                "lt2",
                "Priverstinis elgetavimas Kaune",
                "Vaikai buvo verčiami elgetauti gatvėse.",
                23,
            ),
        ])),
    );
    server.set(
        "/pl",
        Reply::feed(rss(&[(
            "pl1",
            "Handel ludźmi w Łodzi",
            "Straż Graniczna zatrzymała podejrzanych o handel ludźmi.",
            24,
        )])),
    );
    server.set(
        "/de",
        Reply::feed(rss(&[(
            "de1",
            "Menschenhandel in der Hauptstraße",
            "Die Polizei ermittelt wegen Menschenhandels und Zwangsarbeit.",
            25,
        )])),
    );
    server.set(
        "/ru",
        Reply::feed(rss(&[(
            "ru1",
            "Торговля людьми в Калининграде",
            "Полиция задержала организаторов. Ёлка ни при чём.",
            26,
        )])),
    );
    let many: Vec<(String, String, String, u32)> = (0..23)
        .map(|n| {
            (
                format!("case{n}"),
                format!("Case {n}: human trafficking investigation"),
                format!("Inspectors report case number {n} of forced begging and drug trafficking."),
                1 + n as u32 % 19,
            )
        })
        .collect();
    let many: Vec<Item<'_>> = many
        .iter()
        .map(|(g, t, d, day)| (g.as_str(), t.as_str(), d.as_str(), *day))
        .collect();
    server.set("/many", Reply::feed(rss(&many)));
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{server_settings}\n[storage]\npath = \"thb.db\"\n[poll]\nhost_interval = \"0s\"\n\
         [feed]\ntitle = \"THB watch\"\nmax_entries = {max_entries}\n"
    );
    for (id, country, language, title) in [
        ("lv", "lv", "lv", "Iekšlietu ministrija"),
        ("lt", "lt", "lt", "Policijos departamentas"),
        ("pl", "pl", "pl", "Straż Graniczna"),
        ("de", "de", "de", "Bundespolizei"),
        ("ru", "ru", "ru", "Полиция"),
        ("many", "se", "en", "Inspectorate"),
    ] {
        text.push_str(&format!(
            "[sources.{id}]\nurl = \"{}\"\ncountry = \"{country}\"\nlanguage = \"{language}\"\ntitle = \"{title}\"\n",
            server.url(&format!("/{id}"))
        ));
    }
    text.push_str(TAGS);
    let config = Config::load(&write_config(dir.path(), &text)).unwrap();
    commands::poll_once(&config, &[], true).await.unwrap();
    let store = Store::open(&config.storage.path).await.unwrap();
    let router = app::http_router(&config, store.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    tokio::spawn(async move {
        thbwatch::server::serve(listener, router, thbwatch::server::Limits::default(), token)
            .await
            .unwrap();
    });
    Site {
        _server: server,
        dir,
        config,
        store,
        base,
        shutdown,
    }
}

#[tokio::test]
async fn a_browser_gets_the_page_and_a_reader_the_feed_each_with_its_etag() {
    let site = site(5).await;
    for path in [
        "/feed.atom",
        "/all.json",
        "/tags/trafficking.atom",
        "/sources/lv.atom?q=policija",
    ] {
        let page = site.get(path, Some(BROWSER)).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(page.headers()[header::VARY], "Accept, Accept-Encoding", "{path}");
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            !csp.contains("unsafe-inline") && csp.contains("style-src 'self'"),
            "{csp}"
        );
        let page_etag = page.headers()[header::ETAG].to_str().unwrap().to_string();
        let html = page.text().await.unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html>") && html.contains("Subscribe"),
            "{path}"
        );
        assert!(!html.contains("style=") && !html.contains("<style") && !html.contains("<script"));

        let feed = site.get(path, Some(READER)).await;
        assert_eq!(feed.status(), 200);
        assert_ne!(
            feed.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(feed.headers()[header::VARY], "Accept, Accept-Encoding");
        let feed_etag = feed.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(page_etag, feed_etag, "each representation has its own ETag");

        for (accept, etag) in [(BROWSER, &page_etag), (READER, &feed_etag)] {
            let again = reqwest::Client::new()
                .get(format!("{}{path}", site.base))
                .header(header::ACCEPT, accept)
                .header(header::IF_NONE_MATCH, etag.as_str())
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304, "{path} for {accept}");
        }
        // The page's ETag does not validate the feed.
        let crossed = reqwest::Client::new()
            .get(format!("{}{path}", site.base))
            .header(header::ACCEPT, READER)
            .header(header::IF_NONE_MATCH, page_etag.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(crossed.status(), 200);
    }
    // No Accept, or */* alone: the feed.
    for accept in [None, Some("*/*")] {
        let response = site.get("/feed.atom", accept).await;
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/atom+xml; charset=utf-8"
        );
    }
    // The page's own address needs no negotiation.
    let page = site.get("/tags/forced-begging.html", None).await;
    assert_eq!(page.headers()[header::VARY], "Accept-Encoding");
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Tag: Forced begging</h1>"), "{html}");
    assert!(
        html.contains("/tags/forced-begging.atom</code>"),
        "the subscribe box: {html}"
    );
    assert!(html.contains(">Trafficking in human beings</a>"), "tag labels: {html}");
    assert!(html.contains(" Nov 2026, 10:00 UTC</time>"), "readable dates: {html}");
    let style = site.get("/style.css", None).await;
    assert_eq!(style.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
}

#[tokio::test]
async fn pages_walk_the_same_history_as_the_feed() {
    let site = site(5).await;
    let mut seen = Vec::new();
    let mut path = "/all.html".to_string();
    for _ in 0..20 {
        let html = site.text(&path).await;
        seen.extend(
            html.match_indices("<a href=\"")
                .map(|(i, _)| &html[i + 9..])
                .filter_map(|rest| rest.split('"').next())
                .filter(|href| href.contains("/items/"))
                .map(str::to_string),
        );
        let Some(next) = html.split("<a rel=\"next\" href=\"").nth(1) else {
            break;
        };
        path = next
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace(&site.base, "");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 30, "every item once: {seen:#?}");
    assert_eq!(unique.len(), 30);
}

#[tokio::test]
async fn search_folds_prefixes_phrases_and_filters_in_several_languages() {
    let site = site(100).await;
    let has = |titles: &[String], needle: &str| titles.iter().any(|t| t.contains(needle));
    // Folded: no diacritics, any case.
    for (query, expected) in [
        ("q=cilveku+tirdzniecība", "Cilvēku tirdzniecība"),
        ("q=ZMONEMIS", "Prekyba žmonėmis"),
        ("q=lodzi", "Handel ludźmi w Łodzi"),
        ("q=hauptstrasse", "Menschenhandel in der Hauptstraße"),
        ("q=калининграде", "Торговля людьми"),
        ("q=елка", "Торговля людьми"),
    ] {
        let titles = site.titles(query).await;
        assert_eq!(titles.len(), 1, "{query}: {titles:?}");
        assert!(has(&titles, expected), "{query}: {titles:?}");
    }
    // Prefixes: `tirdzniecīb*` finds both inflections; a word alone only itself.
    assert_eq!(site.titles("q=tirdznieci*").await.len(), 2);
    assert_eq!(site.titles("q=tirdznieciba").await.len(), 1);
    assert_eq!(site.titles("q=elgetav*").await.len(), 2, "elgetavimas, elgetavimo");
    assert_eq!(site.titles("q=menschenhandel*").await.len(), 1);
    // Phrases and exclusions.
    assert_eq!(site.titles("q=%22forced+begging%22").await.len(), 23);
    assert_eq!(site.titles("q=%22begging+forced%22").await.len(), 0);
    assert_eq!(site.titles("q=policija+-aiztur").await.len(), 1);
    // Filters: tag, source, country, language, dates.
    assert_eq!(site.titles("q=policija&tag=trafficking").await.len(), 2);
    assert_eq!(site.titles("q=policija&source=lt").await.len(), 1);
    assert_eq!(site.titles("q=policija&country=lv").await.len(), 1);
    assert_eq!(site.titles("q=polizei&lang=de").await.len(), 1);
    assert_eq!(site.titles("q=polizei&lang=lv").await.len(), 0);
    assert_eq!(
        site.titles("tag=forced-begging&from=2026-11-22&to=2026-11-23")
            .await
            .len(),
        2
    );
    assert_eq!(
        site.titles("q=case&from=2026-11-01&to=2026-11-01").await.len(),
        2,
        "days 1 and 20: n=0, n=19"
    );
    // Newest first.
    let titles = site.titles("q=policija").await;
    assert!(titles[0].contains("Торговля") || titles[0].contains("Menschenhandel") || titles[0].contains("Prekyba"));
    // The feeds' ?q= is the same search.
    let xml = site.text("/all.atom?q=tirdznieci*").await;
    assert_eq!(feed_rs::parser::parse(xml.as_bytes()).unwrap().entries.len(), 2);
    // The page highlights the words found, as written.
    let html = site.text("/search?q=cilveku+tirdz*").await;
    assert!(
        html.contains("<mark>Cilvēku</mark> <mark>tirdzniecība</mark>"),
        "{html}"
    );
    assert!(html.contains("<mark>tirdzniecības</mark>"), "the excerpt: {html}");
    assert!(html.contains("value=\"cilveku tirdz*\""), "the form keeps the query");
    let empty = site.text("/search").await;
    assert!(empty.contains("role=\"search\"") && !empty.contains("class=\"entries\""));
}

#[tokio::test]
async fn search_pages_walk_every_hit_once() {
    let site = site(4).await;
    let mut ids = Vec::new();
    let mut path = "/search.atom?q=case+investigat*".to_string();
    loop {
        let xml = site.text(&path).await;
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        ids.extend(feed.entries.iter().map(|e| e.id.clone()));
        let next = feed.links.iter().find(|l| l.rel.as_deref() == Some("next"));
        match next {
            Some(next) => path = next.href.replace(&site.base, ""),
            None => break,
        }
        assert!(ids.len() <= 23, "no page repeats forever");
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (23, 23));
}

#[tokio::test]
async fn hostile_searches_get_a_clear_400_or_a_correct_answer() {
    let site = site(5).await;
    for hostile in [
        "\"",
        "\"\"",
        "*",
        "-",
        "a OR b",
        "NEAR(a b)",
        "search_text:x",
        "^policija",
        "(",
        ")",
        "AND",
        "NOT x",
        "x NOT",
        "'; DROP TABLE items; --",
        "\\",
        "%",
        "_",
        "a*b*c*",
        "\u{0}",
        "ﬀ",
        "🙂",
        "-\"x\"*",
        "\"policija",
    ] {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", hostile)
            .finish();
        for path in ["/search", "/search.atom", "/all.json"] {
            let response = site.get(&format!("{path}?{query}"), None).await;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert!(status == 200 || status == 400, "{hostile:?} at {path}: {status} {text}");
            if status == 400 {
                assert!(text.starts_with("q="), "{hostile:?}: {text}");
            }
        }
    }
    let response = site.get("/search.atom?q=%22policija", None).await;
    assert_eq!(response.status(), 200, "an unterminated phrase runs to the end");
    let only_not = site.get("/search?q=-policija", None).await;
    assert_eq!(only_not.status(), 400);
    assert!(
        only_not
            .text()
            .await
            .unwrap()
            .contains("at least one word that must appear")
    );
    let many = site.get(&format!("/search?q={}", "a+".repeat(20)), None).await;
    assert_eq!(many.status(), 400);
    // Long queries: refused with what is wrong, before any work; a
    // megabyte is more than a request line may hold.
    let long = site.get(&format!("/search.atom?q={}", "x".repeat(60_000)), None).await;
    assert_eq!(long.status(), 400);
    assert!(long.text().await.unwrap().contains("at most 256"));
    let status = raw_status(&site.base, &format!("/search.atom?q={}", "x".repeat(1 << 20))).await;
    assert!(status.is_none_or(|s| s == 400 || s == 414 || s == 431), "{status:?}");
    for (query, message) in [
        ("tag=nope", "tag=\"nope\": no tag named"),
        ("source=nope", "source=\"nope\": no source"),
        ("from=yesterday", "from=\"yesterday\" is not a date"),
        ("to=2026-13-01", "to=\"2026-13-01\" is not a date"),
    ] {
        let response = site.get(&format!("/search?{query}"), None).await;
        assert_eq!(response.status(), 400, "{query}");
        let text = response.text().await.unwrap();
        assert!(text.contains(message), "{query}: {text}");
    }
}

/// The status of a GET sent over a plain TCP connection (a request
/// line reqwest would refuse to build); `None` when the server closed
/// the connection without answering.
async fn raw_status(base: &str, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before reading it all.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1).and_then(|s| s.parse().ok())
}

/// Search results straight from the store.
async fn found(store: &Store, q: &str) -> Vec<String> {
    let search = thbwatch::search::parse(q).unwrap();
    let query = EntryQuery {
        search: Some(search.fts()),
        limit: 1000,
        ..EntryQuery::default()
    };
    store
        .entries(query)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect()
}

/// FTS5's own check that the index matches the text of the items it
/// indexes, and one entry per item.
fn index_is_sound(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        "INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM items_search_docsize"),
        count("SELECT count(*) FROM items")
    );
}

#[tokio::test]
async fn the_index_follows_ingest_edits_retag_and_retention() {
    let site = site(5).await;
    let path = site.config.storage.path.clone();
    assert_eq!(found(&site.store, "hauptstrasse").await.len(), 1);
    // An edit: the old words are gone from the index, the new ones found.
    site._server.set(
        "/de",
        Reply::feed(rss(&[("de1", "Menschenhandel am Bahnhof", "Neue Ermittlungen.", 25)])),
    );
    site.store.close().await;
    commands::poll_once(&site.config, &["de".to_string()], true)
        .await
        .unwrap();
    let store = Store::open(&path).await.unwrap();
    assert!(found(&store, "hauptstrasse").await.is_empty());
    assert_eq!(found(&store, "bahnhof").await, ["Menschenhandel am Bahnhof"]);
    // Retag changes tags, not text: still found, under its tags.
    let tagger = thbwatch::tag::Tagger::new(&site.config.tags).unwrap();
    let retagged = commands::retag_store(&store, std::sync::Arc::new(tagger))
        .await
        .unwrap();
    assert_eq!(retagged.items, 30);
    assert_eq!(found(&store, "bahnhof").await.len(), 1);
    // Retention: a pruned item is gone from search.
    // Everything was first seen before this (dates are kept to the second).
    let later = chrono::Utc::now() + chrono::Duration::minutes(1);
    let pruned = store.prune(Some(later), Some(later)).await.unwrap();
    assert!(pruned.untagged + pruned.tagged >= 30, "{pruned:?}");
    assert!(found(&store, "bahnhof").await.is_empty());
    assert!(found(&store, "case").await.is_empty());
    store.close().await;
    index_is_sound(&path);
}

/// A database from before the index (schema 10: what later migrations
/// added is taken away too) gets it filled when it is opened.
#[tokio::test]
async fn a_database_from_before_the_index_is_indexed_when_opened() {
    let site = site(5).await;
    let path = site.config.storage.path.clone();
    site.store.close().await;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TRIGGER items_search_delete; DROP TABLE items_search; DROP TABLE poll_history;
             DROP TABLE item_texts; ALTER TABLE outbox DROP COLUMN awaiting_text_until;
             ALTER TABLE items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
             CREATE INDEX items_language ON items(language) WHERE duplicate_of IS NULL;
             PRAGMA user_version = 10;",
        )
        .unwrap();
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(found(&store, "zmonemis").await, ["Prekyba žmonėmis Vilniuje"]);
    assert_eq!(found(&store, "case").await.len(), 23);
    store.close().await;
    index_is_sound(&path);
}

#[tokio::test]
async fn an_items_page_tells_its_whole_story() {
    let site = site(5).await;
    let search = site.text("/search?q=cilveku+tirdzniecība+policija").await;
    let link = search
        .split("href=\"")
        .find(|s| s.contains("/items/"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace(&site.base, "");
    let html = site.text(&link).await;
    for expected in [
        "<h1>Cilvēku tirdzniecība: policija aiztur trīs</h1>",
        "Iekšlietu ministrija",
        "Valsts policija aizturēja trīs personas Rīgā.",
        "<dt>First seen</dt>",
        "<dt>Last changed</dt>",
        "Why it was tagged",
        "<code>cilvēku tirdzniecīb*</code>",
        "<mark>Cilvēku</mark> <mark>tirdzniecība</mark>",
        "Trafficking in human beings",
        "Notifications",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    // The context that cancelled a tag.
    let case = site.text("/search?q=%22case+number+3%22").await;
    let link = case
        .split("href=\"")
        .find(|s| s.contains("/items/"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace(&site.base, "");
    let html = site.text(&link).await;
    assert!(html.contains("Forced begging"), "{html}");
    assert!(html.contains("Not tagged “Trafficking in human beings”"), "{html}");
    assert!(html.contains("<code>drug trafficking</code>"), "{html}");
    assert_eq!(site.get("/items/999999", None).await.status(), 404);
    assert_eq!(site.get("/items/x", None).await.status(), 404);
}

#[tokio::test]
async fn the_sources_page_puts_failing_and_quiet_sources_first() {
    let site = site(5).await;
    site._server.set("/ru", Reply::status(500));
    site.store.close().await;
    commands::poll_once(&site.config, &["ru".to_string()], true)
        .await
        .unwrap();
    let store = Store::open(&site.config.storage.path).await.unwrap();
    let activity = store.source_activity(8, 10, chrono::Utc::now()).await.unwrap();
    let polls = &activity.polls[&thbwatch::model::SourceId::new("ru")];
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[0].status, "error", "newest first");
    let router = app::http_router(&site.config, store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let token = site.shutdown.clone();
    tokio::spawn(async move {
        thbwatch::server::serve(listener, router, thbwatch::server::Limits::default(), token)
            .await
            .unwrap();
    });
    let html = reqwest::get(format!("{base}/sources"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let failing = html.find(">Полиция</a>").unwrap();
    let busy = html.find(">Inspectorate</a>").unwrap();
    assert!(failing < busy, "failing first");
    for expected in [
        "Last try",
        "Failures in a row",
        "Next attempt",
        "Items per week",
        "Recent polls",
        "<td>500</td>",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_chromium), ignore = "needs chromium: run scripts/install-test-tools")]
#[cfg_attr(
    not(has_browser_tools),
    ignore = "needs node with playwright-core and axe-core: run scripts/install-test-tools"
)]
async fn every_page_in_chromium_at_desktop_and_phone_widths() {
    let chromium = crate::support::tools::program(&["chromium", "chromium-browser"]);
    let site = site(5).await;
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let item = site
        .text("/search?q=cilveku+policija")
        .await
        .split("href=\"")
        .find(|s| s.contains("/items/"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace(&site.base, "");
    let paths = [
        "/",
        "/feed.html",
        "/all.html",
        "/tags/trafficking.html",
        "/sources/lt.html",
        "/all.html?lang=lv",
        "/all.html?country=lt",
        "/feed.html?q=policija",
        "/search",
        "/search?q=cilveku+tirdz*&tag=trafficking&from=2026-11-01&to=2026-11-30",
        item.as_str(),
        "/sources",
    ];
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check.mjs");
    let mut command = std::process::Command::new("node");
    command
        .arg(&script)
        .arg(&chromium)
        .arg(&site.base)
        .arg(&shots)
        .args(paths);
    // The server answers on this runtime while the browser runs.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    eprintln!("{report}{errors}");
    assert!(output.status.success(), "the browser check failed:\n{report}\n{errors}");
    assert_eq!(report.lines().filter(|l| l.starts_with("ok ")).count(), paths.len() * 2);
    let _ = site.dir.path();
}

/// Behind a reverse proxy under a path: every link carries the prefix.
#[tokio::test]
async fn pages_work_under_a_path_prefix() {
    let site = site_with(3, "base_url = \"https://watch.example.org/thb\"").await;
    let prefix = "https://watch.example.org/thb/";
    for path in ["/", "/feed.html", "/search?q=case", "/sources", "/items/1"] {
        let html = site.text(path).await;
        for link in ["style.css", "feed.html", "search", "sources"] {
            assert!(
                html.contains(&format!("href=\"{prefix}{link}\"")),
                "{link} in {path}: {html}"
            );
        }
        assert!(!html.contains("href=\"/"), "no link from the root in {path}: {html}");
    }
    let page = site.text("/feed.html").await;
    assert!(page.contains(&format!("<code>{prefix}feed.atom</code>")), "{page}");
    assert!(page.contains(&format!("href=\"{prefix}feed.html?before=")), "{page}");
    assert!(page.contains(&format!("href=\"{prefix}items/")), "{page}");
    let search = site.text("/search?q=case").await;
    assert!(search.contains(&format!("action=\"{prefix}search\"")), "{search}");
    assert!(
        search.contains(&format!("href=\"{prefix}search?q=case&amp;before=")),
        "{search}"
    );
}
