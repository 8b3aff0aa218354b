//! Relative links, through the whole daemon (in the test's process) polling
//! feeds served from a loopback host that is not the publishers' site (as
//! a CDN, a mirror or a proxy would serve them): each item's link resolves
//! against `xml:base` where given, else the feed's site (RSS channel link,
//! Atom alternate link), else its `rel="self"`, and only then the address
//! it was fetched from; the same article from another source, linked
//! absolutely, is then recognised as one; URLs in the item's HTML resolve
//! against its link.

use crate::support::daemon::wait_until_polled;
use crate::support::service::Service;
use crate::support::{Reply, Server, write_config};

const RSS_CHANNEL_LINK: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Iekšlietu ministrija</title>
  <link>https://www.iem.gov.lv/lv</link>
  <item><guid isPermaLink="false">iem-1</guid><title>Cilvēku tirdzniecība: jauns ziņojums</title>
    <link>/lv/jaunums/zinojums</link><pubDate>Mon, 30 Nov 2026 09:00:00 +0200</pubDate></item>
</channel></rss>
"#;

const RSS_SELF_ONLY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
  <title>Politsei</title>
  <atom:link rel="self" type="application/rss+xml" href="https://www.politsei.ee/et/rss/uudised"/>
  <item><guid isPermaLink="false">ee-1</guid><title>Inimkaubandus: kohtuotsus</title>
    <link>uudised/kohtuotsus</link><pubDate>Mon, 30 Nov 2026 10:00:00 +0200</pubDate>
    <description><![CDATA[<p>Loe <a href="otsus.pdf">otsust</a>.</p>]]></description></item>
</channel></rss>
"#;

const RSS_ITEM_XML_BASE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Police</title>
  <link>https://police.example/</link>
  <item xml:base="https://police.example/en/press/"><guid isPermaLink="false">p-1</guid>
    <title>Human trafficking ring dismantled</title><link>ring</link>
    <pubDate>Mon, 30 Nov 2026 11:00:00 +0000</pubDate></item>
</channel></rss>
"#;

const ATOM_ALTERNATE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Vidaus reikalų ministerija</title><id>tag:vrm.lt,2026:news</id>
  <updated>2026-11-30T12:00:00Z</updated>
  <link rel="self" href="https://vrm.lt/atom.xml"/>
  <link rel="alternate" type="text/html" href="https://vrm.lt/lt/"/>
  <entry><id>tag:vrm.lt,2026:1</id><title>Prekyba žmonėmis: nauja ataskaita</title>
    <updated>2026-11-30T12:00:00Z</updated><link rel="alternate" href="naujienos/ataskaita"/></entry>
</feed>
"#;

const ATOM_RELATIVE_XML_BASE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/de/presse/">
  <title>Bundesministerium</title><id>urn:example:bmi</id>
  <updated>2026-11-30T13:00:00Z</updated>
  <link rel="alternate" type="text/html" href="https://www.bmi.example/"/>
  <entry><id>urn:example:bmi:1</id><title>Menschenhandel: Lagebild</title>
    <updated>2026-11-30T13:00:00Z</updated><link href="lagebild.html"/></entry>
</feed>
"#;

const RSS_NO_LINKS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Bare</title>
  <item><guid isPermaLink="false">bare-1</guid><title>Bare news</title><link>/news/bare-1</link></item>
</channel></rss>
"#;

/// The ministry's article again, from another publisher linking it absolutely.
const RSS_COPY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>CBSS</title>
  <link>https://cbss.org/</link>
  <item><guid isPermaLink="false">cbss-1</guid><title>Latvia: new report on trafficking in human beings</title>
    <link>https://www.iem.gov.lv/lv/jaunums/zinojums?utm_source=cbss</link>
    <pubDate>Mon, 30 Nov 2026 14:00:00 +0000</pubDate></item>
</channel></rss>
"#;

#[tokio::test(flavor = "multi_thread")]
async fn relative_links_lead_to_the_publishers_site_whatever_host_served_the_feed() {
    let cdn = Server::start().await;
    let feeds = [
        ("iem", RSS_CHANNEL_LINK),
        ("politsei", RSS_SELF_ONLY),
        ("police", RSS_ITEM_XML_BASE),
        ("vrm", ATOM_ALTERNATE),
        ("bmi", ATOM_RELATIVE_XML_BASE),
        ("cbss", RSS_COPY),
        // Without any link of its own: the fetch address is all there is.
        ("bare", RSS_NO_LINKS),
    ];
    let mut sources = String::new();
    for (id, document) in feeds {
        let reply = Reply::feed(document);
        let reply = match document.contains("<feed") {
            true => reply.with_content_type("application/atom+xml"),
            false => reply,
        };
        cdn.set(&format!("/feeds/{id}.xml"), reply);
        sources.push_str(&format!(
            "[sources.{id}]\nurl = \"{}\"\n",
            cdn.url(&format!("/feeds/{id}.xml"))
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
             [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n{sources}"
        ),
    );
    let daemon = Service::start(&config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, 7).await;

    let xml = reqwest::get(format!("http://{addr}/all.atom"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    let alternate = |title_start: &str| -> String {
        let entry = feed
            .entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content.starts_with(title_start))
            .unwrap_or_else(|| panic!("no entry {title_start:?} in\n{xml}"));
        let link = entry.links.iter().find(|l| l.rel.as_deref() == Some("alternate"));
        link.unwrap().href.clone()
    };
    let bare = cdn.url("/news/bare-1");
    let expected = [
        ("Prekyba žmonėmis", "https://vrm.lt/lt/naujienos/ataskaita"),
        ("Inimkaubandus", "https://www.politsei.ee/et/rss/uudised/kohtuotsus"),
        ("Human trafficking ring", "https://police.example/en/press/ring"),
        ("Menschenhandel", "https://www.bmi.example/de/presse/lagebild.html"),
        ("Bare news", bare.as_str()),
    ];
    for (title, link) in expected {
        assert_eq!(alternate(title), link, "{title}");
    }
    // The ministry's article and CBSS's copy of it: one entry (under
    // whichever was stored first), the other as a via link.
    let shared: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| e.links.iter().any(|l| l.href.contains("jaunums/zinojums")))
        .collect();
    assert_eq!(shared.len(), 1, "{xml}");
    let mut hrefs: Vec<&str> = shared[0].links.iter().map(|l| l.href.as_str()).collect();
    hrefs.sort();
    assert_eq!(
        hrefs,
        [
            "https://www.iem.gov.lv/lv/jaunums/zinojums",
            "https://www.iem.gov.lv/lv/jaunums/zinojums?utm_source=cbss"
        ],
        "{xml}"
    );
    // The item's HTML resolves against its (correct) link.
    assert!(
        xml.contains("href=&quot;https://www.politsei.ee/et/rss/uudised/otsus.pdf&quot;"),
        "{xml}"
    );
    assert!(!xml.contains(&format!("http://{}/lv", cdn.addr)), "{xml}");
    // JSON Feed says the same.
    let json = reqwest::get(format!("http://{addr}/sources/vrm.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["items"][0]["url"], "https://vrm.lt/lt/naujienos/ataskaita");
    daemon.stop().await;
}
