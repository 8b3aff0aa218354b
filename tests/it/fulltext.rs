//! The article behind each new item (`full_text = true`), through the
//! whole daemon (in the test's process) polling a loopback feed every second and
//! announcing to a loopback webhook: a keyword only the article has tags
//! the item and it is announced exactly once, after the text is in; the
//! feed's next version of the entry does not undo it; an article that
//! fails leaves the item as its feed gave it, announced with its feed's
//! tags once the wait is over, and an untagged one not at all.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::daemon::wait_until_polled;
use crate::support::service::Service;
use crate::support::{Reply, Server, fixture, stdout, thbwatch, write_config};
use serde_json::Value;

const RULES: &str = r#"
[tags.trafficking]
terms = ["cilvēku tirdzniecīb*", "human trafficking"]
"#;

struct Setup {
    feed: Server,
    receiver: Server,
    _dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup(wait: &str) -> Setup {
    let feed = Server::start().await;
    let receiver = Server::receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"* * * * * *\"\nhost_interval = \"0s\"\nfull_text_wait = \"{wait}\"\n\
         [sources.lv-interior]\nurl = \"{}\"\nfull_text = true\n{RULES}\
         [notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nnotify_backlog = true\n",
        feed.url("/rss"),
        receiver.url("/hook"),
    );
    let config = write_config(dir.path(), &text);
    Setup {
        feed,
        receiver,
        _dir: dir,
        config,
    }
}

/// An RSS item: (guid, title, description, link).
fn rss(items: &[(&str, &str, &str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>IeM</title><link>https://iem.example/</link>",
    );
    for (guid, title, description, link) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <description>{description}</description><link>{link}</link></item>"
        ));
    }
    out.push_str("</channel></rss>");
    out
}

fn exported(config: &std::path::Path) -> Vec<Value> {
    let output = thbwatch(config, &["export", "--all", "--json"]);
    let feed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    feed["items"].as_array().unwrap().clone()
}

/// Waits (with a deadline) until the feed was fetched `count` times.
async fn polled(feed: &Server, count: usize) {
    let started = Instant::now();
    while feed.requests("/rss").len() < count {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the feed was not polled {count} times"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keyword_only_in_the_article_tags_the_item_and_announces_it_once() {
    let s = setup("1m").await;
    let article = s.feed.url("/jaunumi/1");
    s.feed.set(
        "/jaunumi/1",
        Reply::feed(fixture("articles/lv-interior.html")).with_content_type("text/html; charset=utf-8"),
    );
    let lede = "Valsts policija aizturēja trīs personas.";
    s.feed.set(
        "/rss",
        Reply::feed(rss(&[("p1", "Policija aiztur noziedzīgu grupu", lede, &article)])),
    );
    let daemon = Service::start(&s.config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, 1).await;
    let delivered = s.receiver.wait_for("/hook", 1).await;
    let payload: Value = serde_json::from_slice(&delivered[0].body).unwrap();
    let text = payload.to_string();
    assert!(
        text.contains("\"trafficking\""),
        "announced without its article's tag: {payload:#}"
    );
    assert!(text.contains("\"field\":\"article\""), "{payload:#}");
    assert!(
        text.contains("cilvēku tirdzniecību"),
        "the explanation quotes the article: {payload:#}"
    );
    // The feed's next version of the entry (an edited title, still
    // without the keyword) keeps the article's tag; the article is not
    // fetched again, and nothing is announced again.
    s.feed.set(
        "/rss",
        Reply::feed(rss(&[("p1", "Policija aiztur grupu (papildināts)", lede, &article)])),
    );
    let seen = s.feed.requests("/rss").len();
    polled(&s.feed, seen + 3).await;
    let items = exported(&s.config);
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["title"], "Policija aiztur grupu (papildināts)");
    assert_eq!(items[0]["tags"], serde_json::json!(["trafficking"]), "{:#}", items[0]);
    assert_eq!(
        s.feed.requests("/jaunumi/1").len(),
        1,
        "the article was fetched more than once"
    );
    assert_eq!(s.receiver.received().len(), 1, "announced more than once");
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_article_that_fails_leaves_the_item_as_its_feed_gave_it() {
    let s = setup("2s").await;
    s.feed.set("/jaunumi/2", Reply::status(500));
    s.feed.set("/jaunumi/3", Reply::status(404));
    let (tagged, untagged) = (s.feed.url("/jaunumi/2"), s.feed.url("/jaunumi/3"));
    s.feed.set(
        "/rss",
        Reply::feed(rss(&[
            ("p2", "Human trafficking case sent to court", "A short lede.", &tagged),
            ("p3", "Road safety week", "Another lede.", &untagged),
        ])),
    );
    let started = Instant::now();
    let daemon = Service::start(&s.config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, 1).await;
    // Announced once the wait is over, with what the feed gave.
    let delivered = s.receiver.wait_for("/hook", 1).await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "announced before the wait was over"
    );
    let payload: Value = serde_json::from_slice(&delivered[0].body).unwrap();
    assert!(
        payload.to_string().contains("Human trafficking case sent to court"),
        "{payload:#}"
    );
    assert!(payload.to_string().contains("\"field\":\"title\""), "{payload:#}");
    let seen = s.feed.requests("/rss").len();
    polled(&s.feed, seen + 3).await;
    let items = exported(&s.config);
    assert_eq!(items.len(), 2, "{items:#?}");
    for item in &items {
        let expected = if item["title"] == "Road safety week" {
            "Another lede."
        } else {
            "A short lede."
        };
        let summary = item["summary"].as_str().unwrap();
        assert!(summary.starts_with(expected), "{item:#}");
    }
    // One attempt each so far: the next waits out its back-off.
    assert_eq!(s.feed.requests("/jaunumi/2").len(), 1);
    assert_eq!(s.feed.requests("/jaunumi/3").len(), 1);
    // The untagged item was never announced.
    assert_eq!(s.receiver.received().len(), 1, "{:?}", s.receiver.received().len());
    daemon.stop().await;
}
