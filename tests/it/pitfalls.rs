//! Realistic ministry and police feeds with every pitfall at once
//! (`tests/fixtures/pitfalls`), served from 127.0.0.1 (a host that is none
//! of the publishers' sites), polled by the real daemon with the default
//! rules of `config.toml`: each article once, each in its newest version
//! and with its tags, each link on its publisher's site.

use crate::support::daemon::wait_until_polled;
use crate::support::service::Service;
use crate::support::{Reply, Server, fixture, write_config};

const FEEDS: &[&str] = &[
    "lv-iem.xml",
    "lv-vp.xml",
    "lt-vrm.atom",
    "ee-politsei.xml",
    "fi-poliisi.atom",
    "de-bmi.xml",
    "pl-mswia.atom",
    "cbss.xml",
    "se-polisen.xml",
];

/// The `[tags.*]` tables of the repository's `config.toml`.
fn default_rules() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("\n[tags.").expect("tag rules in config.toml");
    text[start..].to_string()
}

/// One entry of a published document.
#[derive(Debug)]
struct Shown {
    title: String,
    /// Its alternate link.
    link: String,
    /// The links of the copies other sources published.
    via: Vec<String>,
    tags: Vec<String>,
}

fn entries(xml: &str) -> Vec<Shown> {
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    feed.entries
        .into_iter()
        .map(|e| {
            let links = |rel: &str| -> Vec<String> {
                let with_rel = e.links.iter().filter(|l| l.rel.as_deref() == Some(rel));
                with_rel.map(|l| l.href.clone()).collect()
            };
            Shown {
                link: links("alternate").concat(),
                via: links("via"),
                title: e.title.clone().unwrap().content,
                tags: e.categories.iter().map(|c| c.term.clone()).collect(),
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_article_once_newest_version_tagged_and_linked_to_its_publisher() {
    let cdn = Server::start().await;
    let mut sources = String::new();
    for name in FEEDS {
        let reply = Reply::feed(fixture(&format!("pitfalls/{name}")));
        let reply = match name.ends_with(".atom") {
            true => reply.with_content_type("application/atom+xml"),
            false => reply,
        };
        cdn.set(&format!("/feeds/{name}"), reply);
        let id = name.split('.').next().unwrap();
        sources.push_str(&format!(
            "[sources.{id}]\nurl = \"{}\"\n",
            cdn.url(&format!("/feeds/{name}"))
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
             [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n[feed]\nmax_entries = 1000\n\
             {sources}{}",
            default_rules()
        ),
    );
    let daemon = Service::start(&config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, FEEDS.len()).await;
    let get = |path: &str| {
        let url = format!("http://{addr}{path}");
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let all = entries(&get("/all.atom").await);
    let tagged = entries(&get("/feed.atom").await);
    eprintln!("{} unique articles, {} tagged", all.len(), tagged.len());
    assert_eq!((all.len(), tagged.len()), (26, 16), "{all:#?}");

    // Nothing links to the host the feeds came from.
    let cdn_host = cdn.addr.to_string();
    let links = all.iter().flat_map(|e| e.via.iter().chain([&e.link]));
    assert!(links.clone().all(|link| !link.contains(&cdn_host)), "{all:#?}");
    // The newest versions, with their tags and their publishers' links. An
    // article another source republished shows under the copy stored
    // first: then the publisher's link is among its via links.
    for (title, link, tag) in [
        (
            "Valsts robežsardze aizturējusi trīs cilvēku tirdzniecībā aizdomās turētās personas",
            "https://www.iem.gov.lv/lv/jaunums/robezsardze-aiztur-tris-personas",
            "trafficking",
        ),
        (
            "Policija tiria prekybos žmonėmis bylą Kaune",
            "https://vrm.lrv.lt/lt/naujienos/policija-tiria-byla-kaune",
            "trafficking",
        ),
        (
            "Kohus mõistis inimkaubanduses süüdi kaks meest",
            "https://www.politsei.ee/et/uudised/kohus-moistis-inimkaubanduses-suudi-kaks-meest",
            "trafficking",
        ),
        (
            "Razzia gegen Schleuser: zwölf Festnahmen in drei Ländern",
            "https://www.bmi.bund.de/SharedDocs/pressemitteilungen/DE/2026/11/razzia-schleuser.html",
            "smuggling",
        ),
        (
            "Ihmiskaupan uhrien auttamisjärjestelmään ennätysmäärä asiakkaita",
            "https://poliisi.fi/ajankohtaista/tiedote/auttamisjarjestelma",
            "trafficking",
        ),
        (
            "Raport o przeciwdziałaniu handlowi ludźmi w 2025 roku",
            "https://www.gov.pl/web/mswia/raport-handel-ludzmi-2025",
            "trafficking",
        ),
        (
            "Darba devēji aicināti ziņot par piespiedu darba pazīmēm",
            "https://www.iem.gov.lv/lv/jaunums/darba-deveji-aicinati-zinot",
            "forced-labour",
        ),
    ] {
        let shown = all
            .iter()
            .find(|e| e.title == title || e.via.iter().any(|v| v == link))
            .unwrap_or_else(|| panic!("{title} is not shown: {all:#?}"));
        if shown.title == title {
            assert_eq!(shown.link, link, "{title}");
        }
        assert!(shown.tags.contains(&tag.to_string()), "{title}: {shown:?}");
    }
    for older in [
        "Valsts robežsardze aiztur trīs personas pie Latvijas–Baltkrievijas robežas",
        "Policija tiria sukčiavimo bylą Kaune",
        "Kohus mõistis süüdi kaks meest",
        "Durchsuchungen in drei Ländern",
    ] {
        assert!(all.iter().all(|e| e.title != older), "{older} is an older version");
    }
    daemon.stop().await;
}
