//! The published feeds as readers get them, from the whole daemon (in the
//! test's process) over HTTP on 127.0.0.1, for a store holding hostile content
//! (script tags, event attributes, relative links, missing authors, an
//! article published by two sources):
//! - every document valid against the Atom schema (jing), parsed by Python
//!   feedparser without complaint, and read by newsboat (one test each);
//! - nothing a publisher wrote can run; relative links made absolute;
//! - HTTP like a static file: ETag and 304, gzip and brotli, HEAD,
//!   Cache-Control; 404 and 400 with plain explanations;
//! - ids and dates stable across restarts and `retag`; pages that walk
//!   the whole history without gaps or repeats;
//! - the page at `/` in headless Chromium, with a screenshot.
//!
//! A test whose program (jing, feedparser, newsboat, chromium) is missing
//! is ignored, saying which (`build.rs`); under `CI=true` it fails instead.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, wait_until_polled};
use crate::support::service::Service;
use crate::support::{Reply, Server, atom_schema, fixture, tools, write_config};
use reqwest::header;

const TAGS: &str = r#"
[tags.trafficking]
label = "Trafficking in human beings"
terms = ["human traffick*", "cilvēku tirdzniecīb*"]

[tags.forced-labour]
label = "Forced labour"
terms = ["forced labo*"]

[tags.smuggling]
terms = ["migrant smuggl*"]
"#;

/// A loopback publisher with three feeds and a daemon polling them.
struct Site {
    server: Server,
    dir: tempfile::TempDir,
    config: PathBuf,
    /// None while stopped for a restart.
    daemon: Option<Service>,
    addr: String,
}

async fn site(max_entries: usize) -> Site {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/lv", Reply::feed(fixture("lv-interior.xml")));
    server.set("/hostile", Reply::feed(fixture("hostile.xml")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ncache_max_age = \"2m\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n[feed]\ntitle = \"THB watch\"\nmax_entries = {max_entries}\n\
         [sources.cbss]\nurl = \"{}\"\ntitle = \"CBSS\"\ncountry = \"se\"\n\
         [sources.lv]\nurl = \"{}\"\ntitle = \"Iekšlietu ministrija\"\nlanguage = \"lv\"\ncountry = \"lv\"\n\
         [sources.hostile]\nurl = \"{}\"\n{TAGS}",
        server.url("/cbss"),
        server.url("/lv"),
        server.url("/hostile")
    );
    let config = write_config(dir.path(), &text);
    let daemon = Service::start(&config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, 3).await;
    Site {
        server,
        dir,
        config,
        daemon: Some(daemon),
        addr,
    }
}

impl Site {
    /// Stops the daemon (as SIGTERM does).
    async fn stop(&mut self) {
        self.daemon.take().expect("the daemon runs").stop().await;
    }

    /// Starts the daemon again on the same configuration and database.
    async fn restart(&mut self) {
        let daemon = Service::start(&self.config).await;
        self.addr = daemon.addr.clone();
        self.daemon = Some(daemon);
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        client().get(self.url(path)).send().await.unwrap()
    }

    async fn text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        response.text().await.unwrap()
    }
}

/// A client that does not decompress, so the tests see what was sent.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .unwrap()
}

fn entry_ids(xml: &str) -> Vec<String> {
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("a feed");
    feed.entries.into_iter().map(|e| e.id).collect()
}

fn link(xml: &str, rel: &str) -> Option<String> {
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    feed.links
        .into_iter()
        .find(|l| l.rel.as_deref() == Some(rel))
        .map(|l| l.href)
}

/// The Atom documents a reader can subscribe to here.
const ATOM_PATHS: &[&str] = &[
    "/feed.atom",
    "/all.atom",
    "/tags/trafficking.atom",
    "/tags/forced-labour.atom",
    "/tags/smuggling.atom",
    "/sources/hostile.atom",
    "/sources/lv.atom",
    "/all.atom?lang=lv",
    "/all.atom?country=lv",
    "/all.atom?q=trafficking",
    "/feed.atom?q=cilveku",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_document_is_safe_and_its_links_absolute() {
    let mut site = site(100).await;
    for path in ATOM_PATHS {
        let xml = site.text(path).await;
        assert!(xml.contains("<entry"), "{path} has entries");
        // Self is the address it was served at, query included.
        assert_eq!(link(&xml, "self").as_deref(), Some(site.url(path).as_str()), "{path}");
        for bad in [
            "<script",
            "javascript:",
            "onclick",
            "onmouseover",
            "<iframe",
            "data:image",
            "<object",
            "<form",
        ] {
            assert!(!xml.contains(bad), "{path} contains {bad:?}");
        }
    }
    let all = site.text("/all.atom").await;
    // Relative links made absolute against the item's link.
    assert!(all.contains("href=&quot;https://hostile.example/more&quot;"), "{all}");
    assert!(
        all.contains("src=&quot;https://hostile.example/news/img/pic.png&quot;"),
        "{all}"
    );
    // A relative item link resolves against the feed's site, but this
    // one's channel link is a javascript: URL: against the feed's address.
    let item_link = format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        site.server.url("/news/2")
    );
    assert!(all.contains(&item_link), "{all}");
    // The article both CBSS and the ministry published: once, naming both.
    let feed = feed_rs::parser::parse(all.as_bytes()).unwrap();
    let shared: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| {
            e.links
                .iter()
                .any(|l| l.href.to_lowercase().contains("jaunums/joint-statement"))
        })
        .collect();
    assert_eq!(shared.len(), 1);
    assert!(
        shared[0].links.iter().any(|l| l.rel.as_deref() == Some("via")),
        "{:?}",
        shared[0].links
    );
    assert!(all.contains("Also published by: Iekšlietu ministrija") || all.contains("Also published by: CBSS"));
    // Every entry has an author, the source's title when the item has none.
    assert!(feed.entries.iter().all(|e| !e.authors.is_empty()));

    let json: serde_json::Value = serde_json::from_str(&site.text("/feed.json").await).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], site.url("/feed.json"));
    assert!(
        json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"].is_string() && i["content_html"].is_string())
    );
    let opml = site.text("/sources.opml").await;
    assert_eq!(opml.matches("<outline ").count(), 3, "{opml}");
    assert!(opml.contains(&format!("xmlUrl=\"{}\"", site.server.url("/lv"))));
    site.stop().await;
}

/// Every Atom document, saved to a file of its own for the validators.
async fn save_documents(site: &Site) -> Vec<PathBuf> {
    let out = site.dir.path().join("served");
    std::fs::create_dir_all(&out).unwrap();
    let mut files = Vec::new();
    for (i, path) in ATOM_PATHS.iter().enumerate() {
        let file = out.join(format!("{i}.atom"));
        std::fs::write(&file, site.text(path).await).unwrap();
        files.push(file);
    }
    files
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_jing), ignore = "needs jing: run scripts/install-test-tools")]
async fn served_documents_are_valid_atom() {
    let jing = tools::program(&["jing"]);
    let mut site = site(100).await;
    let files = save_documents(&site).await;
    validate_with_jing(&jing, &files);
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(has_feedparser),
    ignore = "needs Python feedparser: run scripts/install-test-tools"
)]
async fn feedparser_reads_every_served_document_without_complaint() {
    tools::python_module("feedparser");
    let mut site = site(100).await;
    let files = save_documents(&site).await;
    check_with_feedparser(&files);
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_newsboat), ignore = "needs newsboat: run scripts/install-test-tools")]
async fn newsboat_reads_every_entry_with_its_title_and_link() {
    let newsboat = tools::program(&["newsboat"]);
    let mut site = site(100).await;
    check_with_newsboat(&newsboat, &site).await;
    site.stop().await;
}

fn validate_with_jing(jing: &Path, files: &[PathBuf]) {
    let output = Command::new(jing)
        .arg("-c")
        .arg(atom_schema())
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "not valid Atom:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn check_with_feedparser(files: &[PathBuf]) {
    let script = r#"
import json, sys, feedparser
out = []
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    out.append({"path": path, "bozo": int(d.bozo), "error": str(d.get("bozo_exception", "")),
                "entries": [{"id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
                             "tags": [t["term"] for t in e.get("tags", [])]} for e in d.entries]})
print(json.dumps(out))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "feedparser failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for doc in parsed.as_array().unwrap() {
        assert_eq!(doc["bozo"], 0, "{}: {}", doc["path"], doc["error"]);
        let xml = std::fs::read_to_string(doc["path"].as_str().unwrap()).unwrap();
        let ids: Vec<&str> = doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, entry_ids(&xml), "{}", doc["path"]);
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        for (entry, ours) in doc["entries"].as_array().unwrap().iter().zip(&feed.entries) {
            assert!(entry["link"].as_str().is_some_and(|l| l.starts_with("http")), "{entry}");
            let tags: Vec<&str> = entry["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            let categories: Vec<&str> = ours.categories.iter().map(|c| c.term.as_str()).collect();
            assert_eq!(tags, categories, "{entry}");
        }
    }
    eprintln!("feedparser: {} documents, bozo 0", files.len());
}

async fn check_with_newsboat(newsboat: &Path, site: &Site) {
    let home = site.dir.path().join("newsboat");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("urls"), format!("{}\n", site.url("/feed.atom"))).unwrap();
    std::fs::write(home.join("config"), "").unwrap();
    let mut command = Command::new(newsboat);
    command
        .env("HOME", &home)
        .arg("-u")
        .arg(home.join("urls"))
        .arg("-c")
        .arg(home.join("cache.db"))
        .arg("-C")
        .arg(home.join("config"))
        .args(["-x", "reload"]);
    // Off the runtime: the daemon it reads from runs on it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "newsboat: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cache = rusqlite::Connection::open(home.join("cache.db")).unwrap();
    let mut stmt = cache.prepare("SELECT title, url FROM rss_item ORDER BY title").unwrap();
    let mut seen: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let xml = site.text("/feed.atom").await;
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    let mut expected: Vec<(String, String)> = feed
        .entries
        .iter()
        .map(|e| (e.title.clone().unwrap().content, e.links[0].href.clone()))
        .collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "newsboat sees every entry with its title and link");
    eprintln!("newsboat: {} entries", seen.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn feeds_are_served_like_static_files() {
    let mut site = site(100).await;
    let first = site.get("/feed.atom").await;
    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    let etag = headers[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong: {etag}");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=120");
    assert_eq!(headers[header::CONTENT_TYPE], "application/atom+xml; charset=utf-8");
    assert!(headers.contains_key(header::LAST_MODIFIED));
    let identity = first.bytes().await.unwrap();

    let again = client()
        .get(site.url("/feed.atom"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let since = headers[header::LAST_MODIFIED].to_str().unwrap();
    let by_date = client()
        .get(site.url("/feed.atom"))
        .header(header::IF_MODIFIED_SINCE, since)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), 304);

    for (coding, decode) in [("gzip", gunzip as fn(&[u8]) -> Vec<u8>), ("br", unbrotli)] {
        let response = client()
            .get(site.url("/feed.atom"))
            .header(header::ACCEPT_ENCODING, coding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], coding);
        assert_eq!(response.headers()[header::VARY], "Accept, Accept-Encoding");
        let encoded_etag = response.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(encoded_etag, etag, "each encoding has its own strong ETag");
        assert_eq!(decode(&response.bytes().await.unwrap()), identity.to_vec());
    }
    let head = client().head(site.url("/feed.atom")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(head.bytes().await.unwrap().is_empty());

    let unknown = site.get("/tags/nope.atom").await;
    assert_eq!(unknown.status(), 404);
    let text = unknown.text().await.unwrap();
    assert!(
        text.contains("no tag named \"nope\" (configured: trafficking, forced-labour, smuggling)"),
        "{text}"
    );
    assert_eq!(site.get("/sources/nope.json").await.status(), 404);
    assert_eq!(site.get("/nothing-here").await.status(), 404);
    let bad = site.get("/all.atom?before=yesterday").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(site.get("/all.atom?q=%20--%20").await.status(), 400);

    // A new item (written by another process) reaches the feed: the old
    // ETag now gets 200 with the new entry.
    let mut hostile = String::from_utf8(fixture("hostile.xml")).unwrap();
    hostile = hostile.replace(
        "<item>\n    <guid isPermaLink=\"false\">h1</guid>",
        "<item><guid isPermaLink=\"false\">h9</guid><title>New human trafficking case</title><link>https://hostile.example/news/9</link></item>\n  <item>\n    <guid isPermaLink=\"false\">h1</guid>",
    );
    site.server.set("/hostile", Reply::feed(hostile));
    let poll = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .arg("--config")
        .arg(&site.config)
        .args(["poll", "hostile"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&poll.stdout).contains("1 new"),
        "{}",
        String::from_utf8_lossy(&poll.stdout)
    );
    let started = Instant::now();
    loop {
        let response = client()
            .get(site.url("/feed.atom"))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            assert!(response.text().await.unwrap().contains("New human trafficking case"));
            break;
        }
        assert!(started.elapsed() < DEADLINE, "the new item never reached the feed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    site.stop().await;
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap();
    out
}

/// (id, updated) of every entry.
fn ids_and_dates(xml: &str) -> Vec<(String, String)> {
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    feed.entries
        .into_iter()
        .map(|e| (e.id, e.updated.map(|d| d.to_rfc3339()).unwrap_or_default()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_walk_the_whole_history_and_ids_survive_restart_and_retag() {
    let mut site = site(2).await;
    // Walk the pages of /all.atom: 2 entries each, rel="next" to older ones.
    let mut seen = Vec::new();
    let mut next = Some(site.url("/all.atom"));
    let mut pages = 0;
    while let Some(url) = next {
        let xml = client().get(&url).send().await.unwrap().text().await.unwrap();
        let ids = entry_ids(&xml);
        assert!(ids.len() <= 2);
        if pages > 0 {
            assert_eq!(link(&xml, "first").as_deref(), Some(site.url("/all.atom").as_str()));
        }
        seen.extend(ids);
        next = link(&xml, "next");
        pages += 1;
        assert!(pages < 20, "paging does not end");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no entry twice: {seen:?}");
    // 3 + 2 + 4 items, the shared article once.
    assert_eq!(seen.len(), 8, "{seen:?}");
    // Filters page too: the ministry's Latvian articles (the shared one
    // shows under whichever source was polled first), on one page.
    let lv = site.text("/all.atom?lang=lv").await;
    let count = entry_ids(&lv).len();
    assert!((1..=2).contains(&count), "{lv}");
    assert_eq!(lv.matches("<entry xml:lang=\"lv\">").count(), count);
    assert_eq!(link(&lv, "next"), None);

    let before = ids_and_dates(&site.text("/feed.atom").await);
    site.stop().await;
    let retag = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .arg("--config")
        .arg(&site.config)
        .arg("retag")
        .output()
        .unwrap();
    assert!(retag.status.success());
    site.restart().await;
    let after = ids_and_dates(&site.text("/feed.atom").await);
    assert_eq!(before, after, "ids and dates are the same after a restart and a retag");
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_for_people_lists_the_feeds_and_runs_nothing() {
    let mut site = site(100).await;
    let html = site.text("/").await;
    assert!(html.starts_with("<!DOCTYPE html>"));
    for expected in [
        "THB watch",
        "/tags/trafficking.atom",
        "/sources/lv.json",
        "Trafficking in human beings",
        "Matched: ",
        "Iekšlietu ministrija",
    ] {
        assert!(html.contains(expected), "{expected} in\n{html}");
    }
    assert!(
        !html.contains("<script"),
        "no JavaScript, and nothing a publisher wrote runs"
    );
    // Browsers get each feed's page at its address: no XSLT any more.
    let xsl = site.get("/feed.xsl").await;
    assert_eq!(xsl.status(), 410);
    assert!(!site.text("/feed.atom").await.contains("<?xml-stylesheet"));
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_chromium), ignore = "needs chromium: run scripts/install-test-tools")]
async fn chromium_renders_the_page_for_people() {
    let chromium = tools::program(&["chromium", "chromium-browser"]);
    let mut site = site(100).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("home.png");
    let _ = std::fs::remove_file(&shot);
    let profile = site.dir.path().join("chromium");
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,1600")
        .arg(site.url("/"));
    // Off the runtime: the daemon it reads from runs on it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {log}");
    let console_errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console_errors.is_empty(), "console errors: {console_errors:#?}");
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "a screenshot of the page ({size} bytes at {})",
        shot.display()
    );
    eprintln!("screenshot: {}", shot.display());
    site.stop().await;
}
