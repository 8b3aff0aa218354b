//! Repeated GUIDs, through the whole daemon (in the test's process) polling a
//! loopback feed every second, with a webhook on a loopback receiver: of
//! the versions one document lists under one GUID only the newest is
//! stored, tagged and announced (exactly once), whatever their order; a
//! newer stored version is not overwritten when the feed lists an older
//! one again, nor a dated one by an undated listing.

use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, wait_until_polled};
use crate::support::service::Service;
use crate::support::{Reply, Server, write_config};

const RULES: &str = "[tags.trafficking]\nterms = [\"human traffick*\"]\n";

/// One RSS item: (guid, title, pubDate or "" for none).
type Version<'a> = (&'a str, &'a str, &'a str);

fn rss(items: &[Version<'_>]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Police</title>\
         <link>https://police.example/</link>\n",
    );
    for (guid, title, date) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <link>https://police.example/news/{guid}</link>"
        ));
        if !date.is_empty() {
            out.push_str(&format!("<pubDate>{date}</pubDate>"));
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel></rss>\n");
    out
}

struct Setup {
    feed: Server,
    receiver: Server,
    _dir: tempfile::TempDir,
    daemon: Service,
    addr: String,
}

impl Setup {
    /// A daemon past its baseline poll (an unrelated item), with a webhook.
    async fn start() -> Setup {
        let feed = Server::start().await;
        let receiver = Server::receiver().await;
        feed.set(
            "/news",
            Reply::feed(rss(&[("old", "Weather", "Mon, 02 Nov 2026 08:00:00 +0000")])),
        );
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
             [poll]\nschedule = \"* * * * * *\"\nhost_interval = \"0s\"\n\
             [sources.police]\nurl = \"{}\"\n{RULES}\
             [notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nmin_interval = \"0s\"\n",
            feed.url("/news"),
            receiver.url("/hook")
        );
        let config = write_config(dir.path(), &text);
        let daemon = Service::start(&config).await;
        let addr = daemon.addr.clone();
        wait_until_polled(&addr, 1).await;
        Setup {
            feed,
            receiver,
            _dir: dir,
            daemon,
            addr,
        }
    }

    /// Serves `document` and waits until a poll has stored it: the poll
    /// after the one that fetched it has begun (a source is never polled
    /// twice at once).
    async fn publish_and_wait(&self, document: String) {
        let before = self.feed.requests("/news").len();
        self.feed.set("/news", Reply::feed(document));
        let started = Instant::now();
        while self.feed.requests("/news").len() < before + 2 {
            assert!(started.elapsed() < DEADLINE, "the feed was not polled again");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// (title, tags) of every entry of /all.atom.
    async fn entries(&self) -> Vec<(String, Vec<String>)> {
        let xml = reqwest::get(format!("http://{}/all.atom", self.addr))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        let mut entries: Vec<(String, Vec<String>)> = feed
            .entries
            .into_iter()
            .map(|e| {
                let tags = e.categories.into_iter().map(|c| c.term).collect();
                (e.title.unwrap().content, tags)
            })
            .collect();
        entries.sort();
        entries
    }

    /// The titles announced to the webhook so far.
    fn announced(&self) -> Vec<String> {
        let mut titles: Vec<String> = self
            .receiver
            .received()
            .into_iter()
            .map(|r| {
                let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                body["item"]["title"].as_str().unwrap().to_string()
            })
            .collect();
        titles.sort();
        titles
    }
}

fn tagged(title: &str) -> (String, Vec<String>) {
    (title.to_string(), vec!["trafficking".to_string()])
}

fn untagged(title: &str) -> (String, Vec<String>) {
    (title.to_string(), Vec::new())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_newest_version_of_a_repeated_guid_is_stored_and_announced_once() {
    let s = Setup::start().await;
    s.publish_and_wait(rss(&[
        ("old", "Weather", "Mon, 02 Nov 2026 08:00:00 +0000"),
        // The update listed first, the original after it.
        (
            "a",
            "Arrest: human trafficking suspected",
            "Tue, 01 Dec 2026 12:00:00 +0000",
        ),
        ("a", "Arrest in Riga", "Tue, 01 Dec 2026 09:00:00 +0000"),
        // The other way round.
        ("b", "Raid in Vilnius", "Tue, 01 Dec 2026 08:00:00 +0000"),
        (
            "b",
            "Raid in Vilnius: human trafficking ring",
            "Tue, 01 Dec 2026 10:00:00 +0000",
        ),
        // Equal dates: the first listed.
        ("c", "Human trafficking trial opens", "Tue, 01 Dec 2026 07:00:00 +0000"),
        ("c", "Trial opens", "Tue, 01 Dec 2026 07:00:00 +0000"),
        // Equal dates, the untagged one first: nothing to announce.
        ("d", "Court news", "Tue, 01 Dec 2026 06:00:00 +0000"),
        ("d", "Court news: human trafficking", "Tue, 01 Dec 2026 06:00:00 +0000"),
    ]))
    .await;
    s.receiver.wait_for("/hook", 3).await;
    assert_eq!(
        s.entries().await,
        [
            tagged("Arrest: human trafficking suspected"),
            untagged("Court news"),
            tagged("Human trafficking trial opens"),
            tagged("Raid in Vilnius: human trafficking ring"),
            untagged("Weather"),
        ]
    );

    // The feed falls back to older versions, and to an undated listing:
    // what is stored stays.
    s.publish_and_wait(rss(&[
        ("old", "Weather", "Mon, 02 Nov 2026 08:00:00 +0000"),
        ("a", "Arrest in Riga", "Tue, 01 Dec 2026 09:00:00 +0000"),
        ("b", "Raid in Vilnius", ""),
        ("c", "Trial opens", "Tue, 01 Dec 2026 07:00:00 +0000"),
        ("d", "Court news", "Tue, 01 Dec 2026 06:00:00 +0000"),
    ]))
    .await;
    let entries = s.entries().await;
    assert!(
        entries.contains(&tagged("Arrest: human trafficking suspected")),
        "{entries:?}"
    );
    assert!(
        entries.contains(&tagged("Raid in Vilnius: human trafficking ring")),
        "{entries:?}"
    );
    // Equal dates: a later poll's version is an edit, as before.
    assert!(entries.contains(&untagged("Trial opens")), "{entries:?}");

    // A newer version still replaces the stored one (an edit: not announced).
    s.publish_and_wait(rss(&[(
        "a",
        "Arrest: human trafficking charges filed",
        "Wed, 02 Dec 2026 01:00:00 +0000",
    )]))
    .await;
    assert!(
        s.entries()
            .await
            .contains(&tagged("Arrest: human trafficking charges filed"))
    );

    // Exactly one announcement per article, of its newest version (the
    // polls since have announced nothing more).
    assert_eq!(
        s.announced(),
        [
            "Arrest: human trafficking suspected",
            "Human trafficking trial opens",
            "Raid in Vilnius: human trafficking ring",
        ]
    );
    s.daemon.stop().await;
}

/// Publishers that never date their items still have their edits followed.
#[tokio::test(flavor = "multi_thread")]
async fn undated_items_are_still_updated_by_their_edits() {
    let s = Setup::start().await;
    s.publish_and_wait(rss(&[("u", "Undated notice", "")])).await;
    s.publish_and_wait(rss(&[("u", "Undated notice: human trafficking", "")]))
        .await;
    let entries = s.entries().await;
    assert!(
        entries.contains(&tagged("Undated notice: human trafficking")),
        "{entries:?}"
    );
    s.daemon.stop().await;
}
