//! Fetching as the web really behaves, through the real fetch path against
//! a loopback server: Retry-After, back-off that grows and survives a
//! restart, per-host turns, redirects (recorded, looping, too many, to
//! other schemes), 410 Gone, compression bombs, dribbling servers, and
//! legacy encodings decoded from raw bytes.

use std::io::Write;
use std::time::Duration;

use crate::support::{Reply, Server, TAGS, fixture, rss, write_config};
use chrono::{DateTime, Utc};
use thbwatch::commands;
use thbwatch::config::Config;
use thbwatch::feeds::Feed;
use thbwatch::poll::Status;
use thbwatch::store::{SourceHealth, Store};

/// A configuration of `sources` with extra `[poll]` settings.
fn config(dir: &std::path::Path, poll: &str, sources: &[(&str, String)]) -> Config {
    let mut text = format!("[storage]\npath = \"thb.db\"\n\n[poll]\n{poll}\n");
    for (id, url) in sources {
        text.push_str(&format!("\n[sources.{id}]\nurl = \"{url}\"\n"));
    }
    text.push_str(TAGS);
    Config::load(&write_config(dir, &text)).unwrap()
}

/// The fast settings most tests use: no gap between requests to 127.0.0.1.
const QUICK: &str = "host_interval = \"0s\"";

async fn poll(config: &Config, force: bool) -> Vec<Status> {
    let results = commands::poll_once(config, &[], force).await.unwrap();
    results.into_iter().map(|(_, status)| status).collect()
}

async fn health(config: &Config, id: &str) -> SourceHealth {
    let store = Store::open(&config.storage.path).await.unwrap();
    let all = store.source_health().await.unwrap();
    all.into_iter().find(|h| h.id.as_str() == id).expect("a health row")
}

fn failed(status: &Status) -> (String, DateTime<Utc>) {
    match status {
        Status::Failed { error, retry_at } => (error.to_string(), *retry_at),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn seconds_from_now(t: DateTime<Utc>) -> i64 {
    (t - Utc::now()).num_seconds()
}

#[tokio::test]
async fn retry_after_in_seconds_holds_the_source_back_across_runs() {
    let server = Server::start().await;
    server.set("/busy", Reply::status(429).with_header("retry-after", "600"));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), QUICK, &[("busy", server.url("/busy"))]);

    let results = poll(&config, false).await;
    let (error, retry_at) = failed(&results[0]);
    assert_eq!(error, "HTTP 429 Too Many Requests");
    assert!((590..=600).contains(&seconds_from_now(retry_at)), "{retry_at}");
    let stored = health(&config, "busy").await;
    assert_eq!(stored.http_status, Some(429));
    assert_eq!(stored.next_attempt, Some(retry_at.with_nanosecond_zero()));

    // Another run (a new process would do the same: it is all in the
    // database) leaves the source alone until then.
    let deferred = &poll(&config, false).await[0];
    assert!(
        matches!(deferred, Status::Deferred { until } if *until == retry_at.with_nanosecond_zero()),
        "{deferred:?}"
    );
    assert_eq!(server.requests("/busy").len(), 1);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = Server::start().await;
    let in_an_hour = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    server.set("/down", Reply::status(503).with_header("retry-after", &in_an_hour));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), QUICK, &[("down", server.url("/down"))]);
    let results = poll(&config, false).await;
    let (error, retry_at) = failed(&results[0]);
    assert_eq!(error, "HTTP 503 Service Unavailable");
    assert!((3590..=3600).contains(&seconds_from_now(retry_at)), "{retry_at}");
}

#[tokio::test]
async fn retry_after_is_only_read_from_429_and_503_and_never_shortens_the_base() {
    let server = Server::start().await;
    server.set("/zero", Reply::status(429).with_header("retry-after", "0"));
    server.set("/error", Reply::status(500).with_header("retry-after", "86400"));
    let dir = tempfile::tempdir().unwrap();
    let sources = [("zero", server.url("/zero")), ("error", server.url("/error"))];
    let settings = format!("{QUICK}\nbackoff_base = \"10m\"");
    let config = config(dir.path(), &settings, &sources);
    let results = poll(&config, false).await;
    let zero = seconds_from_now(failed(&results[0]).1);
    assert!(
        (590..=600).contains(&zero),
        "Retry-After: 0 waits the base, not a second: {zero}s"
    );
    let error = seconds_from_now(failed(&results[1]).1);
    assert!(
        (290..=600).contains(&error),
        "a 500's Retry-After is not honoured: {error}s"
    );
}

#[tokio::test]
async fn back_off_grows_with_each_failure_and_resets_on_success() {
    let server = Server::start().await;
    server.set("/flaky", Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    let settings = format!("{QUICK}\nbackoff_base = \"1m\"\nbackoff_max = \"1h\"");
    let config = config(dir.path(), &settings, &[("flaky", server.url("/flaky"))]);

    // Each run opens the database afresh, as a restarted daemon does; the
    // failures count on from what is stored.
    let mut waits = Vec::new();
    for _ in 0..4 {
        let results = poll(&config, true).await;
        let (_, retry_at) = failed(&results[0]);
        waits.push(seconds_from_now(retry_at));
    }
    // Equal jitter: failure n waits between half and all of 1m × 2^(n-1).
    for (n, wait) in waits.iter().enumerate() {
        let full = 60 << n;
        assert!(
            (full / 2 - 2..=full).contains(wait),
            "failure {}: {wait}s, expected {}..={full}s",
            n + 1,
            full / 2
        );
    }
    assert!(waits[3] > waits[0], "{waits:?}");
    assert_eq!(health(&config, "flaky").await.consecutive_failures, 4);

    server.set("/flaky", Reply::feed(fixture("cbss.xml")));
    assert!(matches!(poll(&config, true).await[0], Status::Fetched { .. }));
    let healed = health(&config, "flaky").await;
    assert_eq!((healed.consecutive_failures, healed.next_attempt), (0, None));
}

#[tokio::test]
async fn two_sources_on_one_host_never_overlap_and_keep_their_gap() {
    let server = Server::start().await;
    let slow = Duration::from_millis(300);
    server.set("/a", Reply::feed(fixture("cbss.xml")).with_delay(slow));
    server.set("/b", Reply::feed(fixture("lv-interior.xml")).with_delay(slow));
    let dir = tempfile::tempdir().unwrap();
    let sources = [("a", server.url("/a")), ("b", server.url("/b"))];
    let config = config(dir.path(), "host_interval = \"400ms\"\nmax_concurrent = 8", &sources);

    poll(&config, false).await;
    assert_eq!(server.max_in_flight(), 1, "requests to one host overlapped");
    let timeline = server.timeline();
    assert_eq!(timeline.len(), 2);
    // The server saw the first answer leave before the second request came,
    // at least the gap later (the client's gap starts after it has read the
    // answer, later still).
    let gap = timeline[1].1 - timeline[0].2;
    assert!(gap >= Duration::from_millis(400), "gap {gap:?}");
}

#[tokio::test]
async fn permanent_redirects_are_recorded_and_temporary_ones_are_not() {
    let server = Server::start().await;
    server.set("/old", Reply::redirect(301, "/newer"));
    server.set("/newer", Reply::redirect(308, "/new"));
    server.set("/new", Reply::feed(fixture("cbss.xml")));
    server.set("/temp", Reply::redirect(302, "/new2"));
    server.set("/new2", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let sources = [("moved", server.url("/old")), ("temp", server.url("/temp"))];
    let config = config(dir.path(), QUICK, &sources);

    let results = poll(&config, false).await;
    // The two feeds share one article: whichever came second has it as a duplicate.
    assert!(
        matches!(results[0], Status::Fetched { report: r, .. } if r.new + r.duplicates == 3),
        "{results:?}"
    );
    assert!(matches!(results[1], Status::Fetched { .. }), "{results:?}");
    let moved = health(&config, "moved").await;
    assert_eq!(moved.moved_to.as_deref(), Some(server.url("/new").as_str()));
    assert_eq!(moved.url, server.url("/old"), "the configured address stays");
    assert_eq!(health(&config, "temp").await.moved_to, None);
}

#[tokio::test]
async fn a_redirect_to_a_failing_address_is_still_recorded() {
    let server = Server::start().await;
    server.set("/old", Reply::redirect(301, "/new"));
    server.set("/new", Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), QUICK, &[("src", server.url("/old"))]);
    failed(&poll(&config, false).await[0]);
    let stored = health(&config, "src").await;
    assert_eq!(stored.moved_to.as_deref(), Some(server.url("/new").as_str()));
    assert_eq!(stored.http_status, Some(500));
}

#[tokio::test]
async fn a_changed_url_starts_afresh_even_when_its_first_poll_fails() {
    let server = Server::start().await;
    server.set("/old", Reply::feed(fixture("cbss.xml")).with_etag("\"old\""));
    server.set("/new", Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    poll(&config(dir.path(), QUICK, &[("src", server.url("/old"))]), false).await;
    let moved = config(dir.path(), QUICK, &[("src", server.url("/new"))]);
    failed(&poll(&moved, false).await[0]);
    let stored = health(&moved, "src").await;
    assert_eq!((stored.last_success, stored.consecutive_failures), (None, 1));

    server.set("/new", Reply::feed(fixture("cbss.xml")).with_etag("\"old\""));
    assert!(matches!(poll(&moved, true).await[0], Status::Fetched { .. }));
    let sent: Vec<_> = server
        .requests("/new")
        .iter()
        .map(|h| h.get("if-none-match").cloned())
        .collect();
    assert_eq!(
        sent,
        [None, None],
        "the old address's ETag is never sent to the new one"
    );
}

#[tokio::test]
async fn redirect_loops_chains_and_other_schemes_fail_with_their_reason() {
    let server = Server::start().await;
    server.set("/loop-a", Reply::redirect(302, "/loop-b"));
    server.set("/loop-b", Reply::redirect(302, "/loop-a"));
    for i in 0..7 {
        server.set(&format!("/hop{i}"), Reply::redirect(307, &format!("/hop{}", i + 1)));
    }
    server.set("/hop7", Reply::feed(fixture("cbss.xml")));
    server.set("/file", Reply::redirect(301, "file:///etc/passwd"));
    server.set("/gone", Reply::status(410));
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        ("looping", server.url("/loop-a")),
        ("chain", server.url("/hop0")),
        ("file", server.url("/file")),
        ("gone", server.url("/gone")),
    ];
    let settings = format!("{QUICK}\nbackoff_max = \"2h\"");
    let config = config(dir.path(), &settings, &sources);
    let results = poll(&config, false).await;

    let looping = failed(&results[0]).0;
    assert!(looping.starts_with("redirect loop: "), "{looping}");
    assert!(
        looping.contains("/loop-a → ") && looping.contains("/loop-b → "),
        "{looping}"
    );
    let chain = failed(&results[1]).0;
    assert!(chain.starts_with("more than 5 redirects: "), "{chain}");
    let file = failed(&results[2]).0;
    assert!(file.contains("redirect to a file address refused"), "{file}");
    let (gone, retry_at) = failed(&results[3]);
    assert!(
        gone.starts_with("HTTP 410 Gone: the publisher has removed this feed"),
        "{gone}"
    );
    assert!(
        (7190..=7200).contains(&seconds_from_now(retry_at)),
        "gone waits the longest back-off"
    );
    assert_eq!(health(&config, "gone").await.last_status.as_deref(), Some("gone"));
    assert_eq!(
        server.requests("/hop6").len(),
        0,
        "no request beyond the fifth redirect"
    );
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_at_the_cap_on_decompressed_bytes() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 100_000, "64 MiB of spaces gzip to {} bytes", bomb.len());
    let server = Server::start().await;
    server.set("/bomb", Reply::feed(bomb).with_header("content-encoding", "gzip"));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), QUICK, &[("bomb", server.url("/bomb"))]);
    let results = poll(&config, false).await;
    let (error, _) = failed(&results[0]);
    assert_eq!(error, "response larger than 10485760 bytes (poll.max_body_bytes)");
}

#[tokio::test]
async fn a_server_dribbling_bytes_is_cut_at_the_total_timeout() {
    let addr = crate::support::dribble_server(Duration::from_millis(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("[storage]\npath = \"thb.db\"\n\n[sources.dribble]\nurl = \"http://{addr}/feed\"\ntimeout = \"1s\"\n");
    let config = Config::load(&write_config(dir.path(), &text)).unwrap();
    let started = std::time::Instant::now();
    let results = poll(&config, false).await;
    let (error, _) = failed(&results[0]);
    assert_eq!(error, "timed out after 1s");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn per_source_user_agent_and_headers_are_sent() {
    let server = Server::start().await;
    server.set("/plain", Reply::feed(fixture("cbss.xml")));
    server.set("/custom", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[storage]\npath = \"thb.db\"\n[poll]\n{QUICK}\n\
         [sources.plain]\nurl = \"{}\"\n\
         [sources.custom]\nurl = \"{}\"\nuser_agent = \"thbwatch-lv/1 (ops@example.org)\"\n\
         headers = {{ \"Accept-Language\" = \"lv\", \"X-Api-Key\" = \"k1\" }}\n",
        server.url("/plain"),
        server.url("/custom")
    );
    let config = Config::load(&write_config(dir.path(), &text)).unwrap();
    poll(&config, false).await;
    let plain = &server.requests("/plain")[0];
    let agent = plain["user-agent"].to_str().unwrap();
    assert!(
        agent.starts_with(&format!("thbwatch/{} (", env!("CARGO_PKG_VERSION"))),
        "{agent}"
    );
    let custom = &server.requests("/custom")[0];
    assert_eq!(custom["user-agent"], "thbwatch-lv/1 (ops@example.org)");
    assert_eq!(custom["accept-language"], "lv");
    assert_eq!(custom["x-api-key"], "k1");
}

#[tokio::test]
async fn a_sources_own_headers_never_follow_a_redirect_to_another_origin() {
    let (server, elsewhere) = (Server::start().await, Server::start().await);
    server.set("/feed", Reply::redirect(302, &elsewhere.url("/feed")));
    elsewhere.set("/feed", Reply::feed(fixture("cbss.xml")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[storage]\npath = \"thb.db\"\n[poll]\n{QUICK}\n[sources.s]\nurl = \"{}\"\n\
         headers = {{ \"Authorization\" = \"Bearer secret\", \"Accept\" = \"application/rss+xml\" }}\n",
        server.url("/feed")
    );
    let config = Config::load(&write_config(dir.path(), &text)).unwrap();
    assert!(matches!(poll(&config, false).await[0], Status::Fetched { .. }));
    let first = &server.requests("/feed")[0];
    assert_eq!(first["authorization"], "Bearer secret");
    let accept: Vec<_> = first.get_all("accept").iter().collect();
    assert_eq!(
        accept,
        ["application/rss+xml"],
        "the configured Accept replaces the default"
    );
    let second = &elsewhere.requests("/feed")[0];
    assert!(
        second.get("authorization").is_none(),
        "credentials leaked to another origin"
    );
}

/// Each legacy encoding, served as raw bytes the way publishers do, must
/// reach the store and the published feed as the right letters.
#[tokio::test]
async fn legacy_encodings_are_decoded_from_raw_bytes() {
    const LATVIAN: &str = "Cilvēku tirdzniecība: āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ";
    const LITHUANIAN: &str = "Prekyba žmonėmis: ąčęėįšųūž ĄČĘĖĮŠŲŪŽ";
    const RUSSIAN: &str = "Торговля людьми: ёЁ жщъ ЖЩЪ";
    const GERMAN: &str = "Menschenhandel: äöüß ÄÖÜ æøå ÆØÅ ðþ";
    // (fixture, HTTP Content-Type, expected title, expected summary)
    let cases = [
        ("windows-1257.xml", "application/rss+xml", LATVIAN, LITHUANIAN),
        (
            "iso-8859-13.xml",
            "application/rss+xml; charset=ISO-8859-13",
            LATVIAN,
            LITHUANIAN,
        ),
        ("iso-8859-4.xml", "text/xml", LATVIAN, LITHUANIAN),
        (
            "iso-8859-1.xml",
            "application/rss+xml; charset=iso-8859-1",
            GERMAN,
            GERMAN,
        ),
        // The declaration says utf-8; the HTTP charset comes first.
        ("windows-1251.xml", "text/xml; charset=windows-1251", RUSSIAN, RUSSIAN),
        ("koi8-r.xml", "application/xml", RUSSIAN, RUSSIAN),
        // The byte-order mark comes before everything, even a wrong charset.
        ("utf-16le-bom.xml", "text/xml; charset=iso-8859-1", LATVIAN, RUSSIAN),
        ("utf-16be-bom.xml", "application/rss+xml", LITHUANIAN, RUSSIAN),
    ];
    let server = Server::start().await;
    let mut sources = Vec::new();
    for (i, (file, content_type, ..)) in cases.iter().enumerate() {
        let path = format!("/{file}");
        let body = fixture(&format!("encodings/{file}"));
        server.set(&path, Reply::feed(body).with_content_type(content_type));
        sources.push((format!("enc{i}"), server.url(&path)));
    }
    let sources: Vec<(&str, String)> = sources.iter().map(|(id, url)| (id.as_str(), url.clone())).collect();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), QUICK, &sources);
    let results = poll(&config, false).await;

    for (i, (file, _, title, summary)) in cases.iter().enumerate() {
        assert!(matches!(results[i], Status::Fetched { .. }), "{file}: {:?}", results[i]);
        let xml = commands::export(
            &config,
            &thbwatch::feeds::Request::atom(Feed::Source(thbwatch::model::SourceId::new(format!("enc{i}")))),
        )
        .await
        .unwrap();
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        let entry = &feed.entries[0];
        assert_eq!(entry.title.as_ref().unwrap().content, *title, "{file}: title");
        let served_summary = entry.summary.as_ref().map(|s| s.content.clone()).unwrap_or_default();
        // The publisher's summary, then (for tagged items) the "Matched:" line.
        assert_eq!(served_summary.lines().next(), Some(*summary), "{file}: summary");
    }
}

#[tokio::test]
async fn an_over_long_feed_keeps_its_first_entries() {
    let items: Vec<(String, String, String)> = (0..30)
        .map(|i| (format!("g{i}"), format!("Item {i}"), format!("https://example.org/{i}")))
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let server = Server::start().await;
    server.set("/long", Reply::feed(rss("Long", &borrowed)));
    let dir = tempfile::tempdir().unwrap();
    let settings = format!("{QUICK}\nmax_items = 10");
    let config = config(dir.path(), &settings, &[("long", server.url("/long"))]);
    assert!(matches!(poll(&config, false).await[0], Status::Fetched { report: r, .. } if r.new == 10));
}

trait NanosecondZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl NanosecondZero for DateTime<Utc> {
    /// The store keeps whole seconds.
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap()
    }
}
