//! The pipeline end to end against a real HTTP server on 127.0.0.1 and a
//! real SQLite file: conditional GET, de-duplication, stable keys, and
//! failing sources that hurt nobody else.

use crate::support::{Reply, Server, TAGS, fixture, rss, write_config};
use thbwatch::commands;
use thbwatch::config::Config;
use thbwatch::feeds::Feed;
use thbwatch::poll::Status;
use thbwatch::store::{IngestReport, Store};

fn config(dir: &std::path::Path, sources: &[(&str, String)]) -> Config {
    config_with(dir, "", sources)
}

/// A configuration with extra `[poll]` settings.
fn config_with(dir: &std::path::Path, poll: &str, sources: &[(&str, String)]) -> Config {
    // Every test source is on 127.0.0.1: no gap between its requests.
    let mut text = format!("[storage]\npath = \"thb.db\"\n\n[poll]\nhost_interval = \"0s\"\n{poll}\n");
    for (id, url) in sources {
        text.push_str(&format!("\n[sources.{id}]\nurl = \"{url}\"\n"));
    }
    text.push_str(TAGS);
    Config::load(&write_config(dir, &text)).unwrap()
}

fn report(status: &Status) -> IngestReport {
    match status {
        Status::Fetched { report, .. } => *report,
        other => panic!("expected a fetched feed, got {other:?}"),
    }
}

fn error(status: &Status) -> String {
    match status {
        Status::Failed { error, .. } => error.to_string(),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Entries of an exported feed as (id, title, categories).
async fn exported(config: &Config, feed: Feed) -> Vec<(String, String, Vec<String>)> {
    let xml = commands::export(config, &thbwatch::feeds::Request::atom(feed))
        .await
        .unwrap();
    let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("export is a valid feed");
    parsed
        .entries
        .into_iter()
        .map(|e| {
            let title = e.title.map(|t| t.content).unwrap_or_default();
            (e.id, title, e.categories.into_iter().map(|c| c.term).collect())
        })
        .collect()
}

#[tokio::test]
async fn first_poll_stores_items_and_second_sends_validators_and_stores_nothing() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")).with_etag("\"v1\""));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("cbss", server.url("/cbss"))]);

    let first = commands::poll_once(&config, &[], true).await.unwrap();
    assert_eq!(report(&first[0].1).new, 3);
    assert_eq!(report(&first[0].1).tagged, 2);
    assert!(server.requests("/cbss")[0].get("if-none-match").is_none());

    let second = commands::poll_once(&config, &[], true).await.unwrap();
    assert!(matches!(second[0].1, Status::NotModified), "{:?}", second[0].1);
    let sent = &server.requests("/cbss")[1];
    assert_eq!(
        sent.get("if-none-match").unwrap(),
        "\"v1\"",
        "the stored ETag was sent back"
    );

    let all = exported(&config, Feed::All).await;
    assert_eq!(all.len(), 3, "nothing stored twice");
    let tagged = exported(&config, Feed::Tagged).await;
    let titles: Vec<&str> = tagged.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Task Force against Trafficking in Human Beings meets in Riga",
            "Joint statement on the anti-trafficking day"
        ]
    );
    assert_eq!(tagged[0].2, ["forced-labour", "trafficking"]);
}

#[tokio::test]
async fn an_unchanged_feed_without_validators_stores_nothing_new() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("cbss", server.url("/cbss"))]);
    commands::poll_once(&config, &[], true).await.unwrap();
    let second = report(&commands::poll_once(&config, &[], true).await.unwrap()[0].1);
    assert_eq!(
        second,
        IngestReport {
            unchanged: 3,
            ..IngestReport::default()
        }
    );
}

#[tokio::test]
async fn the_same_article_from_two_sources_appears_once() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/lv", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("cbss", server.url("/cbss")), ("lv", server.url("/lv"))]);

    commands::poll_once(&config, &["cbss".into()], true).await.unwrap();
    let lv = report(&commands::poll_once(&config, &["lv".into()], true).await.unwrap()[0].1);
    assert_eq!(
        (lv.new, lv.duplicates),
        (1, 1),
        "the joint statement is a duplicate: {lv:?}"
    );

    let tagged = exported(&config, Feed::Tagged).await;
    let statements = tagged
        .iter()
        .filter(|e| e.1.contains("statement") || e.1.contains("paziņojums"))
        .count();
    assert_eq!(statements, 1, "{tagged:#?}");
    let all = exported(&config, Feed::All).await;
    assert_eq!(all.len(), 4, "3 from cbss + 1 new from lv");
}

#[tokio::test]
async fn an_item_without_guid_keeps_its_key_and_entry_id_across_polls() {
    let server = Server::start().await;
    let body = rss(
        "No guids",
        &[
            ("", "Human trafficking case", "https://example.org/a?utm_campaign=x"),
            ("", "Forced labour", ""),
        ],
    );
    server.set("/f", Reply::feed(body));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("f", server.url("/f"))]);

    assert_eq!(
        report(&commands::poll_once(&config, &[], true).await.unwrap()[0].1).new,
        2
    );
    let before = exported(&config, Feed::All).await;
    // The tracking parameter changes between polls; the article does not.
    let body = rss(
        "No guids",
        &[
            ("", "Human trafficking case", "https://example.org/a?utm_campaign=y"),
            ("", "Forced labour", ""),
        ],
    );
    server.set("/f", Reply::feed(body));
    let second = report(&commands::poll_once(&config, &[], true).await.unwrap()[0].1);
    assert_eq!((second.new, second.updated, second.unchanged), (0, 0, 2), "{second:?}");
    let after = exported(&config, Feed::All).await;
    let ids = |entries: &[(String, String, Vec<String>)]| entries.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&before), ids(&after));
}

#[tokio::test]
async fn failing_sources_record_their_error_and_leave_the_others_intact() {
    let server = Server::start().await;
    server.set("/good", Reply::feed(fixture("cbss.xml")));
    server.set("/broken", Reply::status(500));
    server.set(
        "/garbage",
        Reply::feed(b"<html><body>Maintenance</body></html>".to_vec()),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        ("good", server.url("/good")),
        ("broken", server.url("/broken")),
        ("garbage", server.url("/garbage")),
        ("refused", "http://127.0.0.1:9/feed".to_string()),
    ];
    let config = config(dir.path(), &sources);

    let results = commands::poll_once(&config, &[], true).await.unwrap();
    assert_eq!(report(&results[0].1).new, 3);
    assert_eq!(error(&results[1].1), "HTTP 500 Internal Server Error");
    assert!(error(&results[2].1).contains("not a feed: an HTML page"), "{results:?}");
    assert!(error(&results[3].1).contains("connect"), "{results:?}");

    // Later the good source breaks too: what it stored stays.
    server.set("/good", Reply::status(503));
    commands::poll_once(&config, &[], true).await.unwrap();
    assert_eq!(exported(&config, Feed::All).await.len(), 3);

    let store = Store::open(&config.storage.path).await.unwrap();
    let health = store.source_health().await.unwrap();
    let by_id = |id: &str| health.iter().find(|h| h.id.as_str() == id).unwrap().clone();
    assert_eq!(
        by_id("broken").last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    assert_eq!(by_id("broken").http_status, Some(500));
    assert_eq!(by_id("broken").consecutive_failures, 2);
    assert_eq!(
        by_id("good").last_error.as_deref(),
        Some("HTTP 503 Service Unavailable")
    );
    assert!(by_id("good").last_success.is_some());
    assert_eq!(by_id("good").items, 3);
}

#[tokio::test]
async fn an_edited_item_is_updated_in_place() {
    let server = Server::start().await;
    server.set(
        "/f",
        Reply::feed(rss("F", &[("g1", "Road works", "https://example.org/1")])),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("f", server.url("/f"))]);
    commands::poll_once(&config, &[], true).await.unwrap();
    assert!(exported(&config, Feed::Tagged).await.is_empty());

    server.set(
        "/f",
        Reply::feed(rss(
            "F",
            &[("g1", "Road works hid human trafficking", "https://example.org/1")],
        )),
    );
    let second = report(&commands::poll_once(&config, &[], true).await.unwrap()[0].1);
    assert_eq!((second.new, second.updated), (0, 1));
    let tagged = exported(&config, Feed::Tagged).await;
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].1, "Road works hid human trafficking");
}

#[tokio::test]
async fn last_modified_is_sent_back_as_if_modified_since() {
    let server = Server::start().await;
    let date = "Tue, 24 Nov 2026 09:00:00 GMT";
    server.set("/f", Reply::feed(fixture("cbss.xml")).with_last_modified(date));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("f", server.url("/f"))]);
    commands::poll_once(&config, &[], true).await.unwrap();
    assert!(matches!(
        commands::poll_once(&config, &[], true).await.unwrap()[0].1,
        Status::NotModified
    ));
    assert_eq!(server.requests("/f")[1].get("if-modified-since").unwrap(), date);
}

#[tokio::test]
async fn a_failed_poll_keeps_the_validators_of_the_last_success() {
    let server = Server::start().await;
    server.set("/f", Reply::feed(fixture("cbss.xml")).with_etag("\"good\""));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("f", server.url("/f"))]);
    commands::poll_once(&config, &[], true).await.unwrap();
    // A 200 that is not a feed carries new validators: they must not be kept.
    server.set("/f", Reply::feed(b"<html>oops</html>".to_vec()).with_etag("\"broken\""));
    assert!(matches!(
        commands::poll_once(&config, &[], true).await.unwrap()[0].1,
        Status::Failed { .. }
    ));
    commands::poll_once(&config, &[], true).await.unwrap();
    let sent: Vec<_> = server
        .requests("/f")
        .iter()
        .map(|h| h.get("if-none-match").cloned())
        .collect();
    assert_eq!(sent[1].as_ref().unwrap(), "\"good\"");
    assert_eq!(
        sent[2].as_ref().unwrap(),
        "\"good\"",
        "the broken response's ETag was not stored"
    );
}

#[tokio::test]
async fn a_moved_feed_is_fetched_afresh_without_the_old_validators() {
    let server = Server::start().await;
    server.set("/old", Reply::feed(fixture("cbss.xml")).with_etag("\"same\""));
    server.set("/new", Reply::feed(fixture("lv-interior.xml")).with_etag("\"same\""));
    let dir = tempfile::tempdir().unwrap();
    commands::poll_once(&config(dir.path(), &[("src", server.url("/old"))]), &[], true)
        .await
        .unwrap();
    let moved = config(dir.path(), &[("src", server.url("/new"))]);
    let result = commands::poll_once(&moved, &[], true).await.unwrap();
    assert!(server.requests("/new")[0].get("if-none-match").is_none());
    assert_eq!(report(&result[0].1).new, 2, "{result:?}");
    assert_eq!(
        exported(&moved, Feed::Source(thbwatch::model::SourceId::new("src")))
            .await
            .len(),
        5,
        "the history stays"
    );
}

#[tokio::test]
async fn tags_earned_by_a_duplicate_survive_an_edit_of_the_original() {
    let server = Server::start().await;
    let link = "https://news.example/joint";
    server.set("/a", Reply::feed(rss("A", &[("a1", "Joint statement", link)])));
    server.set(
        "/b",
        Reply::feed(rss(
            "B",
            &[(
                "b1",
                "Joint statement on human trafficking",
                "http://NEWS.example/joint?utm_source=x#top",
            )],
        )),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("a", server.url("/a")), ("b", server.url("/b"))]);
    commands::poll_once(&config, &["a".into()], true).await.unwrap();
    let b = report(&commands::poll_once(&config, &["b".into()], true).await.unwrap()[0].1);
    assert_eq!((b.duplicates, b.tagged), (1, 1));
    assert_eq!(exported(&config, Feed::Tagged).await.len(), 1);

    server.set(
        "/a",
        Reply::feed(rss("A", &[("a1", "Joint statement (corrected)", link)])),
    );
    assert_eq!(
        report(&commands::poll_once(&config, &["a".into()], true).await.unwrap()[0].1).updated,
        1
    );
    let tagged = exported(&config, Feed::Tagged).await;
    assert_eq!(tagged.len(), 1, "the edit of the original kept the duplicate's tag");
    assert_eq!(tagged[0].1, "Joint statement (corrected)");
    assert_eq!(tagged[0].2, ["trafficking"]);
}

#[tokio::test]
async fn responses_over_the_size_cap_and_slow_servers_fail_the_poll() {
    let server = Server::start().await;
    let big = rss(
        "Big",
        &[("g", &"human trafficking ".repeat(200), "https://example.org/big")],
    );
    assert!(big.len() > 2048);
    server.set("/big", Reply::feed(big));
    server.set(
        "/slow",
        Reply::feed(fixture("cbss.xml")).with_delay(std::time::Duration::from_secs(30)),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = [("big", server.url("/big")), ("slow", server.url("/slow"))];
    let config = config_with(dir.path(), "timeout = \"1s\"\nmax_body_bytes = 2048", &sources);
    let results = commands::poll_once(&config, &[], true).await.unwrap();
    assert_eq!(
        error(&results[0].1),
        "response larger than 2048 bytes (poll.max_body_bytes)"
    );
    assert_eq!(error(&results[1].1), "timed out after 1s");
    assert!(exported(&config, Feed::All).await.is_empty());
}
