//! What the published documents say about themselves and their sources,
//! through the whole daemon (in the test's process) polling an RSS and an Atom
//! publisher on 127.0.0.1:
//! - `<source>`: the publisher's own feed id, its title, `rel="self"`
//!   typed for its format, `rel="alternate"` to its site, `<updated>`;
//!   valid (jing) and read as such by feedparser (tests ignored where those
//!   programs are missing, failing under `CI=true`);
//! - an empty feed's `<updated>` is the store's last change, not 1970;
//! - `Last-Modified` stays across a restart when nothing changed, and moves
//!   forward when the bytes do (an item dated years ago, a retag);
//! - `retag` beside a running daemon says the daemon keeps its rules until
//!   reloaded, and it does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::support::daemon::{DEADLINE, wait_until_polled};
use crate::support::service::Service;
use crate::support::{Reply, Server, atom_schema, thbwatch, tools, write_config};
use chrono::{DateTime, Utc};
use reqwest::header;

const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Valsts policija</title>
  <link>https://www.vp.gov.lv/lv</link>
  <item><guid isPermaLink="false">vp-1</guid><title>Aizturēti cilvēku tirdzniecībā aizdomās turētie</title>
    <link>/lv/jaunums/aizturesana</link><pubDate>Mon, 30 Nov 2026 09:00:00 +0200</pubDate></item>
</channel></rss>
"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Vidaus reikalų ministerija</title><id>tag:vrm.lt,2026:news</id>
  <updated>2026-11-30T12:00:00Z</updated>
  <link rel="alternate" type="text/html" href="https://vrm.lt/lt/"/>
  <entry><id>tag:vrm.lt,2026:1</id><title>Human trafficking: new report</title>
    <updated>2026-11-30T12:00:00Z</updated><link href="https://vrm.lt/lt/naujienos/ataskaita"/></entry>
</feed>
"#;

const RULES: &str = "[tags.trafficking]\nterms = [\"human traffick*\", \"cilvēku tirdzniecīb*\"]\n\
                     [tags.smuggling]\nterms = [\"migrant smuggl*\"]\n";

struct Site {
    publisher: Server,
    dir: tempfile::TempDir,
    config: PathBuf,
    /// None while stopped for a restart.
    daemon: Option<Service>,
    addr: String,
}

impl Site {
    async fn start() -> Site {
        let publisher = Server::start().await;
        publisher.set("/rss", Reply::feed(RSS));
        publisher.set("/atom", Reply::feed(ATOM).with_content_type("application/atom+xml"));
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &config_text(&publisher, RULES));
        let daemon = Service::start(&config).await;
        let addr = daemon.addr.clone();
        wait_until_polled(&addr, 2).await;
        Site {
            publisher,
            dir,
            config,
            daemon: Some(daemon),
            addr,
        }
    }

    /// Stops the daemon (as SIGTERM does).
    async fn stop(&mut self) {
        self.daemon.take().expect("the daemon runs").stop().await;
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(self.url(path)).await.unwrap()
    }

    async fn text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        response.text().await.unwrap()
    }

    /// `Last-Modified` and `ETag` of a document.
    async fn validators(&self, path: &str) -> (SystemTime, String) {
        let response = self.get(path).await;
        let header = |name| response.headers()[name].to_str().unwrap().to_string();
        (
            httpdate::parse_http_date(&header(header::LAST_MODIFIED)).unwrap(),
            header(header::ETAG),
        )
    }

    /// Waits until the document's ETag is no longer `etag`.
    async fn wait_for_change(&self, path: &str, etag: &str) -> (SystemTime, String) {
        let started = Instant::now();
        loop {
            let now = self.validators(path).await;
            if now.1 != etag {
                return now;
            }
            assert!(started.elapsed() < DEADLINE, "{path} never changed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn config_text(publisher: &Server, rules: &str) -> String {
    format!(
        // A public address, so that links do not name the port, which
        // changes with each start.
        "[server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"https://thb.example/\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n\
         [sources.vp]\nurl = \"{}\"\n[sources.vrm]\nurl = \"{}\"\ntitle = \"VRM\"\n{rules}",
        publisher.url("/rss"),
        publisher.url("/atom")
    )
}

/// The `<source>` element of the entry whose title starts with `title`.
fn source_of<'a>(xml: &'a str, title: &str) -> &'a str {
    let entry = xml
        .split("<entry")
        .find(|e| e.contains(&format!("<title>{title}")))
        .unwrap_or_else(|| panic!("no entry {title:?} in\n{xml}"));
    let start = entry.find("<source>").expect("a <source>");
    &entry[start..entry.find("</source>").expect("an end of <source>")]
}

/// The `<updated>` of a feed (its first one).
fn feed_updated(xml: &str) -> DateTime<Utc> {
    let start = xml.find("<updated>").unwrap() + "<updated>".len();
    let end = start + xml[start..].find("</updated>").unwrap();
    DateTime::parse_from_rfc3339(&xml[start..end]).unwrap().to_utc()
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_and_empty_feeds_are_described_truthfully() {
    let started = Utc::now() - chrono::Duration::seconds(1);
    let mut site = Site::start().await;
    let polled = last_successes(&site).await;

    let all = site.text("/all.atom").await;
    let atom = source_of(&all, "Human trafficking: new report");
    for expected in [
        "<id>tag:vrm.lt,2026:news</id>".to_string(),
        "<title>VRM</title>".to_string(),
        format!(
            "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
            site.publisher.url("/atom")
        ),
        "<link rel=\"alternate\" type=\"text/html\" href=\"https://vrm.lt/lt/\"/>".to_string(),
        format!("<updated>{}</updated>", polled("vrm")),
    ] {
        assert!(atom.contains(&expected), "{expected} in\n{atom}");
    }
    let rss = source_of(&all, "Aizturēti");
    for expected in [
        // RSS has no feed id: the address polled stands for it.
        format!("<id>{}</id>", site.publisher.url("/rss")),
        "<title>Valsts policija</title>".to_string(),
        format!(
            "<link rel=\"self\" type=\"application/rss+xml\" href=\"{}\"/>",
            site.publisher.url("/rss")
        ),
        "<link rel=\"alternate\" type=\"text/html\" href=\"https://www.vp.gov.lv/lv\"/>".to_string(),
        format!("<updated>{}</updated>", polled("vp")),
    ] {
        assert!(rss.contains(&expected), "{expected} in\n{rss}");
    }

    // A feed without entries (a tag nothing matched, a search that finds
    // nothing) is dated by the store's last change: this start's polls.
    for path in ["/tags/smuggling.atom", "/all.atom?q=nothing-matches-this"] {
        let empty = site.text(path).await;
        assert!(!empty.contains("<entry"), "{path}");
        let updated = feed_updated(&empty);
        assert!(updated >= started && updated <= Utc::now(), "{path}: {updated}");
    }

    site.stop().await;
}

/// When each source last polled successfully, as `/sources.json` says.
async fn last_successes(site: &Site) -> impl Fn(&str) -> String + use<> {
    let sources: serde_json::Value = serde_json::from_str(&site.text("/sources.json").await).unwrap();
    move |id: &str| {
        crate::support::source_by_id(&sources, id)["last_success"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Every entry, the tagged ones, and an empty feed, each saved to a file.
async fn save_documents(site: &Site) -> Vec<PathBuf> {
    let out = site.dir.path().join("served");
    std::fs::create_dir_all(&out).unwrap();
    let mut files = Vec::new();
    for (name, path) in [
        ("all", "/all.atom"),
        ("tagged", "/feed.atom"),
        ("empty", "/tags/smuggling.atom"),
    ] {
        let file = out.join(format!("{name}.atom"));
        std::fs::write(&file, site.text(path).await).unwrap();
        files.push(file);
    }
    files
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_jing), ignore = "needs jing: run scripts/install-test-tools")]
async fn documents_with_sources_and_empty_feeds_are_valid_atom() {
    let jing = tools::program(&["jing"]);
    let mut site = Site::start().await;
    let files = save_documents(&site).await;
    let output = Command::new(jing)
        .arg("-c")
        .arg(atom_schema())
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "not valid Atom:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(has_feedparser),
    ignore = "needs Python feedparser: run scripts/install-test-tools"
)]
async fn feedparser_reads_each_entrys_source() {
    tools::python_module("feedparser");
    let mut site = Site::start().await;
    let polled = last_successes(&site).await;
    let files = save_documents(&site).await;
    let sources = feedparser_sources(&files[0]);
    let vrm = &sources["Human trafficking: new report"];
    assert_eq!(vrm["id"], "tag:vrm.lt,2026:news");
    assert_eq!(vrm["title"], "VRM");
    assert_eq!(vrm["link"], "https://vrm.lt/lt/");
    assert_eq!(vrm["updated"], polled("vrm"));
    assert_eq!(vrm["self_type"], "application/atom+xml");
    let vp = sources
        .as_object()
        .unwrap()
        .iter()
        .find(|(title, _)| title.starts_with("Aizturēti"))
        .unwrap()
        .1;
    assert_eq!(vp["self_type"], "application/rss+xml");
    assert_eq!(vp["link"], "https://www.vp.gov.lv/lv");
    assert_eq!(vp["updated"], polled("vp"));
    site.stop().await;
}

/// Each entry's `<source>` as feedparser reads it, by entry title; every
/// document must parse without complaint.
fn feedparser_sources(file: &Path) -> serde_json::Value {
    let script = r#"
import json, sys, feedparser
d = feedparser.parse(sys.argv[1])
assert not d.bozo, d.get("bozo_exception")
out = {}
for e in d.entries:
    s = e.source
    out[e.title] = {"id": s.get("id"), "title": s.get("title"), "link": s.get("link"),
                    "updated": s.get("updated"),
                    "self_type": [l.get("type") for l in s.get("links", []) if l.get("rel") == "self"][0]}
print(json.dumps(out))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "feedparser: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn last_modified_survives_a_restart_and_moves_only_with_the_bytes() {
    let mut site = Site::start().await;
    let paths = ["/feed.atom", "/all.json", "/tags/smuggling.atom"];
    let mut before = Vec::new();
    for path in paths {
        before.push(site.validators(path).await);
    }
    // Until the clock has passed the seconds they were dated with, so that
    // dating them afresh after the restart would show.
    let newest = before.iter().map(|(date, _)| *date).max().unwrap();
    while SystemTime::now() < newest + Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    site.stop().await;
    let requested = |s: &Site| s.publisher.requests("/rss").len() + s.publisher.requests("/atom").len();
    let before_restart = requested(&site);
    let daemon = Service::start(&site.config).await;
    site.addr = daemon.addr.clone();
    site.daemon = Some(daemon);
    // The start-up polls have fetched the same documents again, before
    // one of them changes below.
    let started = Instant::now();
    while requested(&site) < before_restart + 2 {
        assert!(started.elapsed() < DEADLINE, "no start-up polls");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (path, (last_modified, etag)) in paths.iter().zip(&before) {
        assert_eq!(&site.validators(path).await, &(*last_modified, etag.clone()), "{path}");
        let since = httpdate::fmt_http_date(*last_modified);
        let response = reqwest::Client::new()
            .get(site.url(path))
            .header(header::IF_MODIFIED_SINCE, since)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 304, "{path}: If-Modified-Since after a restart");
    }

    // An item dated years ago, stored by another process: the document is
    // newer all the same.
    let (old_date, old_etag) = before[0].clone();
    let rss = RSS.replace(
        "</channel>",
        "<item><guid isPermaLink=\"false\">vp-0</guid><title>Human trafficking case of 2019 closed</title>\
         <link>/lv/jaunums/2019</link><pubDate>Tue, 01 Jan 2019 09:00:00 +0200</pubDate></item></channel>",
    );
    site.publisher.set("/rss", Reply::feed(rss));
    let poll = thbwatch(&site.config, &["poll", "vp"]);
    assert!(
        crate::support::stdout(&poll).contains("1 new"),
        "{}",
        crate::support::stdout(&poll)
    );
    let (after_item, etag) = site.wait_for_change("/feed.atom", &old_etag).await;
    assert!(after_item > old_date, "{after_item:?} after {old_date:?}");

    // Re-tagged by `thbwatch retag` with new rules beside the running
    // daemon: the bytes change, and so does the date; the daemon's own
    // rules stay until it is reloaded.
    let new_rules = format!("{RULES}[tags.closed-cases]\nterms = [\"case of 2019\"]\n");
    std::fs::write(&site.config, config_text(&site.publisher, &new_rules)).unwrap();
    let retag = thbwatch(&site.config, &["retag"]);
    assert!(retag.status.success());
    let said = crate::support::stdout(&retag);
    assert!(
        said.trim_end().ends_with(
            "a running daemon keeps its previous rules until it is reloaded: systemctl reload thbwatch (or send it SIGHUP)"
        ),
        "{said}"
    );
    let (after_retag, _) = site.wait_for_change("/feed.atom", &etag).await;
    assert!(after_retag > after_item);
    assert_eq!(site.get("/tags/closed-cases.atom").await.status(), 404);
    // Reloaded, as SIGHUP does.
    site.daemon.as_ref().expect("the daemon runs").reload().await;
    let started = Instant::now();
    while site.get("/tags/closed-cases.atom").await.status() != 200 {
        assert!(
            started.elapsed() < DEADLINE,
            "the reload never brought the new tag's feed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Pruned by `thbwatch prune`: fewer entries (none), a later date.
    let (before_prune, etag) = site.validators("/all.atom").await;
    let retaining = config_text(&site.publisher, &new_rules)
        .replace("path = \"thb.db\"\n", "path = \"thb.db\"\nretain_tagged = \"1s\"\n");
    std::fs::write(&site.config, retaining).unwrap();
    let started = Instant::now();
    loop {
        // Until the items are more than a second old.
        let pruned = crate::support::stdout(&thbwatch(&site.config, &["prune"]));
        if !pruned.starts_with("pruned 0 untagged and 0 tagged") {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "{pruned}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (after_prune, _) = site.wait_for_change("/all.atom", &etag).await;
    assert!(after_prune > before_prune);
    site.stop().await;
}
