//! HTML listing pages as sources, through the real binary: pages in six
//! of the languages' real-world shapes (fixtures written for these tests,
//! served on 127.0.0.1) read with their selectors, links made absolute,
//! dates in each language, pagination never followed, encodings, a
//! redesign reported as a failure, hostile pages, `check` pointing at a
//! bad selector, and `try-source`.

use std::path::PathBuf;

use crate::support::{Reply, Server, fixture, stdout, thbwatch, write_config};
use serde_json::Value;

const RULES: &str = r#"
[tags.trafficking]
terms = ["prekyb* žmonėmis", "cilvēku tirdzniecīb*", "handl* ludźmi", "ihmiskaup*", "торговл* людьми", "Menschenhandel"]
"#;

/// (id, path, fixture, the source's [html] table)
const SOURCES: &[(&str, &str, &str, &str)] = &[
    (
        "lt-prosecutor",
        "/lt/naujienos",
        "lt-prosecutor.html",
        "item = \"li.news-item\"\ntitle = \"h3 a\"\nlink = \"h3 a\"\ndate = \"span.date\"\nsummary = \"p.lead\"",
    ),
    (
        "lv-interior",
        "/lv/jaunumi",
        "lv-interior.html",
        "item = \"div.news-card\"\ntitle = \"a.title\"\nlink = \"a.title\"\ndate = \".date\"\nsummary = \"p.summary\"",
    ),
    (
        "pl-police",
        "/pl/aktualnosci",
        "pl-police.html",
        "item = \"article.news\"\ntitle = \"h2\"\nlink = \"h2 a\"\ndate = \"p.data\"\nsummary = \"p.lead\"",
    ),
    (
        "fi-ministry",
        "/fi/tiedotteet",
        "fi-ministry.html",
        "item = \"tr.release\"\ntitle = \"td a\"\nlink = \"td a\"\ndate = \"td.pvm\"",
    ),
    (
        "ru-news",
        "/ru/news",
        "ru-news.html",
        "item = \"div.news-item\"\ntitle = \"a.news-title\"\nlink = \"a.news-title\"\ndate = \".news-date\"\nsummary = \".news-anons\"",
    ),
    (
        "de-bka",
        "/de/presse",
        "de-bka.html",
        "item = \"div.teaser\"\ntitle = \".teaser-title\"\nlink = \".teaser-title a\"\ndate = \"time\"\nsummary = \"p\"",
    ),
];

struct Setup {
    server: Server,
    _dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup(extra_poll: &str) -> Setup {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("[storage]\npath = \"thb.db\"\n[poll]\nhost_interval = \"0s\"\n{extra_poll}\n");
    for (id, path, name, html) in SOURCES {
        server.set(
            path,
            Reply::feed(fixture(&format!("listings/{name}"))).with_content_type("text/html"),
        );
        text.push_str(&format!(
            "[sources.{id}]\nurl = \"{}\"\nkind = \"html\"\n[sources.{id}.html]\n{html}\n",
            server.url(path)
        ));
    }
    text.push_str(RULES);
    let config = write_config(dir.path(), &text);
    Setup {
        server,
        _dir: dir,
        config,
    }
}

/// Every stored item, as `export --all --json` shows it.
fn exported(config: &std::path::Path) -> Vec<Value> {
    let output = thbwatch(config, &["export", "--all", "--json"]);
    assert!(output.status.success(), "{output:?}");
    let feed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    feed["items"].as_array().unwrap().clone()
}

fn item<'a>(items: &'a [Value], title: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["title"] == title)
        .unwrap_or_else(|| panic!("no item {title:?} in {items:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_pages_in_six_languages_become_items() {
    let s = setup("").await;
    let output = thbwatch(&s.config, &["poll"]);
    let lines = stdout(&output);
    assert!(
        output.status.success(),
        "{lines}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (id, ..) in SOURCES {
        assert!(lines.contains(&format!("{id}: ok")), "{lines}");
    }
    assert!(
        lines.contains("skipped: 1 item with a javascript:"),
        "the Latvian page's popup link is left out, and said so: {lines}"
    );
    let items = exported(&s.config);
    let base = format!("http://{}", s.server.addr);
    // (title, link, date published or none, tagged)
    let expected: &[(&str, String, Option<&str>, bool)] = &[
        (
            "Teismui perduota prekyba žmonėmis kaltinamų asmenų byla",
            format!("{base}/naujienos/prekyba-zmonemis-byla"),
            Some("2026-11-12T00:00:00Z"),
            true,
        ),
        (
            "Pradėtas ikiteisminis tyrimas dėl kyšininkavimo",
            format!("{base}/lt/naujienos/korupcija"),
            Some("2026-11-10T00:00:00Z"),
            false,
        ),
        (
            "Prokuratūros metų ataskaita",
            "https://www.prokuraturos.example/naujienos/3?utm_source=list".to_string(),
            None,
            false,
        ),
        (
            "Ministrija aicina ziņot par cilvēku tirdzniecību",
            format!("{base}/lv/jaunums/cilveku-tirdznieciba"),
            Some("2026-11-12T00:00:00Z"),
            true,
        ),
        (
            "Robežsardze pastiprina kontroli",
            format!("{base}/lv/jaunums/robeza"),
            Some("2026-11-10T00:00:00Z"),
            false,
        ),
        (
            "Rozbita grupa zajmująca się handlem ludźmi",
            "https://policja.example/kgp/aktualnosci/12345,Rozbita-grupa.html".to_string(),
            Some("2026-11-12T00:00:00Z"),
            true,
        ),
        (
            "Ślubowanie nowych policjantów",
            "https://policja.example/kgp/aktualnosci/12343,Nowi-policjanci.html".to_string(),
            Some("2026-11-07T00:00:00Z"),
            false,
        ),
        (
            "Ihmiskaupan uhrien auttamista vahvistetaan",
            format!("{base}/-/ihmiskauppa"),
            Some("2026-11-12T00:00:00Z"),
            true,
        ),
        (
            "Rajavalvonta tehostuu itärajalla",
            format!("{base}/-/rajat"),
            Some("2026-11-10T00:00:00Z"),
            false,
        ),
        (
            "Задержаны подозреваемые в торговле людьми",
            format!("{base}/news/2026/11/12/torgovlya"),
            Some("2026-11-12T00:00:00Z"),
            true,
        ),
        (
            "Итоги профилактического мероприятия на дорогах",
            format!("{base}/news/2026/11/11/dtp"),
            Some("2026-11-11T09:15:00Z"),
            false,
        ),
        (
            "Bundeslagebild Menschenhandel veröffentlicht",
            format!("{base}/SharedDocs/Pressemitteilungen/2026/pm261112.html"),
            Some("2026-11-12T09:00:00Z"),
            true,
        ),
        (
            "Festnahmen nach Cyberangriff",
            format!("{base}/SharedDocs/Pressemitteilungen/2026/pm261110.html"),
            Some("2026-11-10T00:00:00Z"),
            false,
        ),
    ];
    for (title, link, published, tagged) in expected {
        let found = item(&items, title);
        assert_eq!(found["url"], link.as_str(), "{title}");
        assert_eq!(found["date_published"].as_str(), *published, "{title}");
        let tags = found["tags"].as_array().unwrap();
        assert_eq!(!tags.is_empty(), *tagged, "{title}: {tags:?}");
    }
    // Three items on each page but the Latvian one (a javascript: link)
    // and the German one (two teasers).
    assert_eq!(items.len(), 16, "{items:#?}");
    let summary = item(&items, "Задержаны подозреваемые в торговле людьми")["summary"]
        .as_str()
        .unwrap();
    assert!(
        summary.starts_with("Операция проведена совместно с пограничниками."),
        "{summary}"
    );
    // No listing's pagination, "next" link or script was followed.
    for (_, path, ..) in SOURCES {
        assert_eq!(s.server.requests(path).len(), 1, "{path}");
    }
    for path in ["/naujienos", "/tiedotteet", "/news", "/fake"] {
        assert!(s.server.requests(path).is_empty(), "{path} was requested");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redesign_that_empties_the_selectors_fails_the_source() {
    let s = setup("").await;
    assert!(thbwatch(&s.config, &["poll", "lt-prosecutor"]).status.success());
    let redesigned = r#"<!DOCTYPE html><html><body><div class="cards">
        <div class="card"><a class="card__link" href="/n/1"><span>Nauja naujiena</span></a></div>
        </div></body></html>"#;
    s.server
        .set("/lt/naujienos", Reply::feed(redesigned).with_content_type("text/html"));
    let output = thbwatch(&s.config, &["poll", "lt-prosecutor"]);
    let line = stdout(&output);
    assert!(!output.status.success(), "{line}");
    assert!(
        line.contains("the item selector \"li.news-item\" matched nothing on the page"),
        "{line}"
    );
    let sources: Value = serde_json::from_str(&stdout(&thbwatch(&s.config, &["sources", "--json"]))).unwrap();
    let source = crate::support::source_by_id(&sources, "lt-prosecutor");
    assert_eq!(source["state"], "failing", "{source:#}");
    assert!(
        source["last_error"].as_str().unwrap().contains("redesigned"),
        "{source:#}"
    );
    // Items whose titles vanished are not items either.
    let headless = r#"<ul><li class="news-item"><h3>Be nuorodos</h3></li></ul>"#;
    s.server
        .set("/lt/naujienos", Reply::feed(headless).with_content_type("text/html"));
    let line = stdout(&thbwatch(&s.config, &["poll", "--force", "lt-prosecutor"]));
    assert!(line.contains("matched 1 element(s), but none gave an item"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_pages_end_in_a_clear_error_or_a_clean_partial_result() {
    let s = setup("max_body_bytes = 262144").await;
    // Over the size cap.
    let huge = format!(
        "<html><body>{}</body></html>",
        "<li class=\"news-item\"><h3><a href=\"/x\">x</a></h3></li>".repeat(10_000)
    );
    s.server
        .set("/lt/naujienos", Reply::feed(huge).with_content_type("text/html"));
    let line = stdout(&thbwatch(&s.config, &["poll", "lt-prosecutor"]));
    assert!(line.contains("response larger than 262144 bytes"), "{line}");
    // Scripts that write items, javascript: and data: links, and markup
    // nested deeper than a browser reads (kept up to there).
    let mut nested = String::from("<html><body><ul>");
    nested.push_str("<li class=\"news-item\"><h3><a href=\"/ok\">Tikra naujiena</a></h3>");
    nested.push_str(
        "<script>document.write('<li class=\"news-item\"><h3><a href=\"/evil\">Scenarijus</a></h3></li>')</script>",
    );
    nested.push_str("<li class=\"news-item\"><h3><a href=\"javascript:void(0)\">Spustelėkite</a></h3></li>");
    nested.push_str("<li class=\"news-item\"><h3><a href=\"data:text/html,hi\">Duomenys</a></h3></li>");
    nested.push_str("<li class=\"news-item\"><h3><a href=\"/deep\">Gili naujiena</a></h3>");
    nested.push_str(&"<div><span>".repeat(20_000));
    nested.push_str("<li class=\"news-item\"><h3><a href=\"/below\">Per gili</a></h3></li>");
    nested.push_str("</ul></body></html>");
    s.server
        .set("/lt/naujienos", Reply::feed(nested).with_content_type("text/html"));
    let output = thbwatch(&s.config, &["poll", "--force", "lt-prosecutor"]);
    let line = stdout(&output);
    assert!(output.status.success(), "{line}");
    assert!(line.contains("skipped: 2 items with a javascript:"), "{line}");
    assert!(
        line.contains("markup nested deeper than 512 elements was not read"),
        "{line}"
    );
    let items = exported(&s.config);
    let titles: Vec<&str> = items.iter().filter_map(|i| i["title"].as_str()).collect();
    assert!(titles.contains(&"Tikra naujiena"), "{titles:?}");
    assert!(titles.contains(&"Gili naujiena"), "{titles:?}");
    for absent in ["Scenarijus", "Spustelėkite", "Duomenys", "Per gili"] {
        assert!(!titles.contains(&absent), "{absent} stored: {titles:?}");
    }
}

#[test]
fn check_points_at_a_bad_selector_and_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[sources.lt]\nurl = \"https://example.lt/naujienos\"\nkind = \"html\"\n\
         [sources.lt.html]\nitem = \"article..news-item\"\nlink = \"h2 a\"\ndate_format = \"%Y.%m\"\n\
         [sources.feed]\nurl = \"https://example.lt/rss\"\nfull_text_selector = \"div.body\"\n\
         [sources.odd]\nurl = \"https://example.lt/odd\"\nkind = \"page\"\n",
    );
    let output = thbwatch(&config, &["check"]);
    let text = format!("{}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{text}");
    for expected in [
        "config.toml:5:17: sources.lt.html.item: \"article..news-item\" is not a valid CSS selector",
        "config.toml:4:1: sources.lt.html.title: missing: the CSS selector of the title",
        "config.toml:7:15: sources.lt.html.date_format: \"%Y.%m\" needs a day, a month and a year",
        "config.toml:10:22: sources.feed.full_text_selector: is only used with full_text = true",
        "config.toml:13:8: sources.odd.kind: \"page\" is not a source kind",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn try_source_prints_what_it_would_store_and_stores_nothing() {
    let s = setup("").await;
    let output = thbwatch(&s.config, &["try-source", "pl-police"]);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "sources.pl-police: 3 item(s) would be stored",
        "1. Rozbita grupa zajmująca się handlem ludźmi",
        "   link: https://policja.example/kgp/aktualnosci/12345,Rozbita-grupa.html",
        "   date: 2026-11-12T00:00:00Z",
        "   summary: Zatrzymano pięć osób.",
        "   tags: trafficking (\"handlem ludźmi\" in title)",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert!(exported(&s.config).is_empty(), "try-source stored something");
    let unknown = thbwatch(&s.config, &["try-source", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no source with id \"nope\""));
}
