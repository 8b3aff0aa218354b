//! Hostile and broken feeds against the real daemon (a child process):
//! each case ends as a clear per-source error or a clean partial result,
//! the daemon keeps serving, the good source's items stay intact, and the
//! daemon's peak memory stays under a stated bound (measured from
//! /proc/PID/status, printed for the record, never timed).

use std::io::Write;

use crate::support::daemon::{peak_rss_bytes, start, stop, wait_until_polled};
use crate::support::{Reply, Server, TAGS, fixture, write_config};
use thbwatch::config::Config;
use thbwatch::store::{EntryQuery, Store};

/// Peak resident memory allowed while every hostile case is polled
/// (eight requests in flight, parses bounded by the core count).
const HOSTILE_PEAK_BOUND: u64 = 256 << 20;
/// Peak resident memory allowed for one poll of a body at the 10 MiB cap.
const CAP_PEAK_BOUND: u64 = 192 << 20;

/// What a hostile source must end as.
enum Expect {
    /// The poll fails with an error containing this text.
    Error(&'static str),
    /// The poll succeeds, keeping what can be kept.
    Ok,
}

fn rss_with(entries: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Hostile</title>\
         <link>https://hostile.example/</link>{entries}</channel></rss>"
    )
}

fn item(guid: &str, title: &str, extra: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title><link>https://hostile.example/{guid}</link>{extra}</item>"
    )
}

fn billion_laughs() -> String {
    let mut dtd = String::from("<!ENTITY lol \"lol\">");
    for i in 1..=9 {
        let previous = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{previous};").repeat(10)));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [{dtd}]>\n<rss version=\"2.0\"><channel><title>Laughs</title>{}</channel></rss>",
        item("laughs", "&lol9;", "")
    )
}

fn quadratic_blowup() -> String {
    let big = "x".repeat(50_000);
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY a \"{big}\">]>\n<rss version=\"2.0\"><channel><title>Q</title>{}</channel></rss>",
        item("quadratic", &"&a;".repeat(20_000), "")
    )
}

fn xxe() -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY secret SYSTEM \"file:///etc/passwd\"><!ENTITY remote SYSTEM \"http://169.254.169.254/latest/meta-data/\">]>\n\
         <rss version=\"2.0\"><channel><title>XXE</title>{}</channel></rss>",
        item("xxe", "Leak: &secret; &remote;", "<description>&secret;</description>")
    )
}

fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..100 {
        encoder.write_all(&block).unwrap();
    }
    encoder.finish().unwrap()
}

/// Every hostile case: (source id, path, reply, expected outcome).
fn hostile_cases(server: &Server) -> Vec<(&'static str, Reply, Expect)> {
    let many: String = (0..100_000)
        .map(|i| format!("<item><guid>{i}</guid><title>n{i}</title></item>"))
        .collect();
    let nested = format!(
        "<rss version=\"2.0\"><channel><title>Deep</title>{}{}</channel></rss>",
        "<x>".repeat(60_000),
        "</x>".repeat(60_000)
    );
    let too_deep = format!(
        "<rss version=\"2.0\"><channel>{}</channel></rss>",
        "<x>".repeat(200_000)
    );
    server.set("/loop-b", Reply::redirect(302, "/loop"));
    // Damage only recovery sees: bounded output, linear time, bounded depth.
    let ampersands = rss_with(&item("amp", &"& ".repeat(2_000_000), ""));
    let broken_tags = rss_with(&item(
        "tags",
        "Broken tags",
        &format!("<description>{}</description>", "<a".repeat(1_000_000)),
    ));
    let unclosed_deep = format!(
        "<rss version=\"2.0\" xmlns:x=\"urn:x\"><channel>{}{}</channel></rss>",
        item("deep", "Deep", ""),
        "<x:x>".repeat(100_000)
    );
    vec![
        (
            "ampersands",
            Reply::feed(ampersands),
            Expect::Error("not a readable feed"),
        ),
        (
            "broken-tags",
            Reply::feed(broken_tags),
            Expect::Error("too damaged to repair"),
        ),
        (
            "unclosed-deep",
            Reply::feed(unclosed_deep),
            Expect::Error("elements nested deeper than 512 levels"),
        ),
        ("laughs", Reply::feed(billion_laughs()), Expect::Ok),
        ("quadratic", Reply::feed(quadratic_blowup()), Expect::Ok),
        ("xxe", Reply::feed(xxe()), Expect::Ok),
        ("nested", Reply::feed(nested), Expect::Ok),
        ("too-deep", Reply::feed(too_deep), Expect::Error("not a readable feed")),
        (
            "html",
            Reply::feed("<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>")
                .with_content_type("text/html; charset=utf-8"),
            Expect::Error("not a feed: an HTML page served as text/html"),
        ),
        ("empty", Reply::feed(""), Expect::Error("empty response")),
        (
            "truncated",
            Reply::feed(rss_with(&item("t1", "One", "")).split_at(150).0.to_string()),
            Expect::Error("not a readable feed"),
        ),
        ("many", Reply::feed(rss_with(&many)), Expect::Ok),
        (
            "over-cap",
            Reply::feed(rss_with(&"<!-- padding -->".repeat(700_000))),
            Expect::Error("response larger than 10485760 bytes"),
        ),
        (
            "gzip-bomb",
            Reply::feed(gzip_bomb()).with_header("content-encoding", "gzip"),
            Expect::Error("response larger than 10485760 bytes"),
        ),
        ("loop", Reply::redirect(302, "/loop-b"), Expect::Error("redirect loop")),
        (
            "huge-title",
            Reply::feed(rss_with(&item("huge", &"Menschenhandel ".repeat(70_000), ""))),
            Expect::Ok,
        ),
        (
            "nul",
            Reply::feed(rss_with(&item("nul", "Before\u{0}after &#1; control", ""))),
            Expect::Ok,
        ),
        (
            "bad-dates",
            Reply::feed(rss_with(&item(
                "bad-date",
                "Undated",
                "<pubDate>the 32nd of Smarch</pubDate>",
            ))),
            Expect::Ok,
        ),
        (
            "future",
            Reply::feed(rss_with(&item(
                "future",
                "From the future",
                "<pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate>",
            ))),
            Expect::Ok,
        ),
    ]
}

fn daemon_config(dir: &std::path::Path, sources: &[(String, String)]) -> std::path::PathBuf {
    // Start-up polls only; all on 127.0.0.1, so no gap between turns.
    let mut text = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\ntimeout = \"20s\"\n",
    );
    for (id, url) in sources {
        text.push_str(&format!("[sources.{id}]\nurl = \"{url}\"\n"));
    }
    text.push_str(TAGS);
    write_config(dir, &text)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_feed_fails_alone_while_the_daemon_keeps_serving() {
    let server = Server::start().await;
    let cases = hostile_cases(&server);
    let mut sources = vec![("good".to_string(), server.url("/good"))];
    server.set("/good", Reply::feed(fixture("cbss.xml")));
    for (id, reply, _) in &cases {
        server.set(&format!("/{id}"), reply.clone());
        sources.push((id.to_string(), server.url(&format!("/{id}"))));
    }
    let dir = tempfile::tempdir().unwrap();
    let config_path = daemon_config(dir.path(), &sources);
    let (mut daemon, addr, logs) = start(&config_path);

    let json = wait_until_polled(&addr, sources.len()).await;
    let peak = peak_rss_bytes(&daemon);
    eprintln!(
        "peak RSS with every hostile case polled: {:.1} MiB",
        peak as f64 / 1048576.0
    );
    let by_id = |id: &str| crate::support::source_by_id(&json, id);
    assert_eq!(by_id("good")["state"], "ok");
    for (id, _, expect) in &cases {
        let health = by_id(id);
        match expect {
            Expect::Ok => assert_eq!(health["state"], "ok", "{id}: {health:#}"),
            Expect::Error(text) => {
                assert_eq!(health["state"], "failing", "{id}: {health:#}");
                let error = health["last_error"].as_str().unwrap();
                assert!(error.contains(text), "{id}: {error:?} should contain {text:?}");
            }
        }
    }
    // Still serving, with the good source's items.
    let feed = reqwest::get(format!("http://{addr}/feed.atom")).await.unwrap();
    assert_eq!(feed.status(), 200);
    let feed = feed_rs::parser::parse(&feed.bytes().await.unwrap()[..]).unwrap();
    assert!(
        feed.entries
            .iter()
            .any(|e| e.title.as_ref().unwrap().content.contains("Task Force"))
    );
    assert!(peak < HOSTILE_PEAK_BOUND, "peak RSS {peak} bytes");
    let (status, _) = stop(&mut daemon, "-TERM");
    assert_eq!(
        status.code(),
        Some(0),
        "logs: {:?}",
        logs.try_iter().collect::<Vec<_>>()
    );

    check_kept_content(&Config::load(&config_path).unwrap()).await;
}

/// What the "clean partial results" kept, read back from the store.
async fn check_kept_content(config: &Config) {
    let store = Store::open(&config.storage.path).await.unwrap();
    let entries = store
        .entries(EntryQuery {
            limit: 10_000,
            ..EntryQuery::default()
        })
        .await
        .unwrap();
    let find = |needle: &str| {
        entries
            .iter()
            .find(|e| e.link.as_deref() == Some(&format!("https://hostile.example/{needle}")))
            .unwrap_or_else(|| panic!("no entry {needle}"))
    };
    // Entities are never expanded: neither laughter nor blow-up nor a file.
    assert!(find("laughs").title.len() < 100, "{}", find("laughs").title);
    assert!(find("quadratic").title.chars().count() <= 1_001);
    let xxe = find("xxe");
    assert!(!xxe.title.contains("root:") && !xxe.summary.clone().unwrap_or_default().contains("root:"));
    assert_eq!(
        find("huge").title.chars().count(),
        1_001,
        "cut to 1,000 characters and an ellipsis"
    );
    assert!(find("nul").title.starts_with("Beforeafter"), "{:?}", find("nul").title);
    // Kept, without a date of its own: the poll time stands in.
    let undated = find("bad-date");
    assert!(undated.published.is_none());
    assert!((chrono::Utc::now() - undated.updated).num_minutes() < 10);
    // A date in 2100 is clamped to the poll time.
    let future = find("future");
    assert!(future.published.unwrap() <= chrono::Utc::now());
    let many = entries.iter().filter(|e| e.source_id.as_str() == "many").count();
    assert_eq!(many, thbwatch::config::DEFAULT_MAX_ITEMS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_over_a_body_at_the_cap_stays_within_its_memory_bound() {
    // 2,000 items of about 5 KB: just under the 10 MiB cap.
    let description = "Cilvēku tirdzniecība, prekyba žmonėmis, торговля людьми. ".repeat(66);
    let items: String = (0..2_000)
        .map(|i| {
            item(
                &format!("i{i}"),
                &format!("Item {i}"),
                &format!("<description>{description}</description>"),
            )
        })
        .collect();
    let body = rss_with(&items);
    assert!((9 << 20..10 << 20).contains(&body.len()), "{} bytes", body.len());
    let server = Server::start().await;
    server.set("/big", Reply::feed(body));
    let dir = tempfile::tempdir().unwrap();
    let config_path = daemon_config(dir.path(), &[("big".to_string(), server.url("/big"))]);
    let (mut daemon, addr, _logs) = start(&config_path);
    let json = wait_until_polled(&addr, 1).await;
    assert_eq!(json["sources"][0]["state"], "ok", "{json:#}");
    assert_eq!(json["sources"][0]["items"], 2_000);
    let peak = peak_rss_bytes(&daemon);
    eprintln!("peak RSS polling a 9.9 MiB feed: {:.1} MiB", peak as f64 / 1048576.0);
    assert!(peak < CAP_PEAK_BOUND, "peak RSS {peak} bytes");
    stop(&mut daemon, "-TERM");
}

/// Each hostile case alone in a fresh daemon, its peak memory printed as a
/// table. A measurement, not a check, so a test only when asked for:
/// `THBWATCH_MEASURE=1 cargo test --release --test main hostile:: -- --nocapture`.
#[cfg_attr(thbwatch_measure, tokio::test(flavor = "multi_thread"))]
#[cfg_attr(not(thbwatch_measure), allow(dead_code))]
async fn peak_memory_of_each_hostile_case() {
    let server = Server::start().await;
    let cases = hostile_cases(&server);
    eprintln!("{:<12} {:>9}  outcome", "case", "peak MiB");
    for (id, reply, _) in &cases {
        server.set(&format!("/{id}"), reply.clone());
        let dir = tempfile::tempdir().unwrap();
        let config_path = daemon_config(dir.path(), &[(id.to_string(), server.url(&format!("/{id}")))]);
        let (mut daemon, addr, _logs) = start(&config_path);
        let json = wait_until_polled(&addr, 1).await;
        let peak = peak_rss_bytes(&daemon) as f64 / 1048576.0;
        let source = &json["sources"][0];
        let outcome = source["last_error"]
            .as_str()
            .unwrap_or("ok")
            .chars()
            .take(70)
            .collect::<String>();
        eprintln!("{id:<12} {peak:>9.1}  {outcome}");
        stop(&mut daemon, "-TERM");
    }
}
