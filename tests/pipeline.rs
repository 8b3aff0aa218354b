//! The pipeline end to end against a real HTTP server on 127.0.0.1 and a
//! real SQLite file: conditional GET, de-duplication, stable keys, and
//! failing sources that hurt nobody else.

mod common;

use common::{FeedServer, Reply, TAGS, fixture, rss, write_config};
use thbwatch::app;
use thbwatch::config::Config;
use thbwatch::feeds::Feed;
use thbwatch::poll::Status;
use thbwatch::store::{IngestReport, Store};

fn config(dir: &std::path::Path, sources: &[(&str, String)]) -> Config {
    let mut text = String::from("[storage]\npath = \"thb.db\"\n");
    for (id, url) in sources {
        text.push_str(&format!("\n[sources.{id}]\nurl = \"{url}\"\n"));
    }
    text.push_str(TAGS);
    Config::load(&write_config(dir, &text)).unwrap()
}

fn report(status: &Status) -> IngestReport {
    match status {
        Status::Fetched(report) => *report,
        other => panic!("expected a fetched feed, got {other:?}"),
    }
}

/// Entries of an exported feed as (id, title, categories).
async fn exported(config: &Config, feed: Feed) -> Vec<(String, String, Vec<String>)> {
    let xml = app::export(config, &feed).await.unwrap();
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
    let server = FeedServer::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")).with_etag("\"v1\""));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("cbss", server.url("/cbss"))]);

    let first = app::poll_once(&config, &[]).await.unwrap();
    assert_eq!(report(&first[0].1).new, 3);
    assert_eq!(report(&first[0].1).tagged, 2);
    assert!(server.requests("/cbss")[0].get("if-none-match").is_none());

    let second = app::poll_once(&config, &[]).await.unwrap();
    assert_eq!(second[0].1, Status::NotModified);
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
    let server = FeedServer::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("cbss", server.url("/cbss"))]);
    app::poll_once(&config, &[]).await.unwrap();
    let second = report(&app::poll_once(&config, &[]).await.unwrap()[0].1);
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
    let server = FeedServer::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/lv", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("cbss", server.url("/cbss")), ("lv", server.url("/lv"))]);

    app::poll_once(&config, &["cbss".into()]).await.unwrap();
    let lv = report(&app::poll_once(&config, &["lv".into()]).await.unwrap()[0].1);
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
    let server = FeedServer::start().await;
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

    assert_eq!(report(&app::poll_once(&config, &[]).await.unwrap()[0].1).new, 2);
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
    let second = report(&app::poll_once(&config, &[]).await.unwrap()[0].1);
    assert_eq!(second.new, 0, "{second:?}");
    let after = exported(&config, Feed::All).await;
    let ids = |entries: &[(String, String, Vec<String>)]| entries.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&before), ids(&after));
}

#[tokio::test]
async fn failing_sources_record_their_error_and_leave_the_others_intact() {
    let server = FeedServer::start().await;
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

    let results = app::poll_once(&config, &[]).await.unwrap();
    assert_eq!(report(&results[0].1).new, 3);
    assert_eq!(results[1].1, Status::Failed("HTTP status 500".into()));
    assert!(
        matches!(&results[2].1, Status::Failed(e) if e.contains("not a readable feed")),
        "{results:?}"
    );
    assert!(
        matches!(&results[3].1, Status::Failed(e) if e.contains("connect")),
        "{results:?}"
    );

    // Later the good source breaks too: what it stored stays.
    server.set("/good", Reply::status(503));
    app::poll_once(&config, &[]).await.unwrap();
    assert_eq!(exported(&config, Feed::All).await.len(), 3);

    let store = Store::open(&config.storage.path).await.unwrap();
    let health = store.source_health().await.unwrap();
    let by_id = |id: &str| health.iter().find(|h| h.id.as_str() == id).unwrap().clone();
    assert_eq!(by_id("broken").last_error.as_deref(), Some("HTTP status 500"));
    assert_eq!(by_id("broken").consecutive_failures, 2);
    assert_eq!(by_id("good").last_error.as_deref(), Some("HTTP status 503"));
    assert_eq!(by_id("good").items, 3);
}

#[tokio::test]
async fn an_edited_item_is_updated_in_place() {
    let server = FeedServer::start().await;
    server.set(
        "/f",
        Reply::feed(rss("F", &[("g1", "Road works", "https://example.org/1")])),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("f", server.url("/f"))]);
    app::poll_once(&config, &[]).await.unwrap();
    assert!(exported(&config, Feed::Tagged).await.is_empty());

    server.set(
        "/f",
        Reply::feed(rss(
            "F",
            &[("g1", "Road works hid human trafficking", "https://example.org/1")],
        )),
    );
    let second = report(&app::poll_once(&config, &[]).await.unwrap()[0].1);
    assert_eq!((second.new, second.updated), (0, 1));
    let tagged = exported(&config, Feed::Tagged).await;
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].1, "Road works hid human trafficking");
}
