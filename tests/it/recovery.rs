//! Ill-formed feeds and old formats polled by the real daemon from a real
//! HTTP server, as publishers' CMSs serve them: every item that can be
//! read is stored with its right title, link and tags; nothing is
//! invented; the source stays `ok` with a warning saying what was
//! mended, in `sources --json`, `/sources.json`, `/metrics` and
//! `thbwatch poll`; the stored items are marked as repaired.

use std::collections::BTreeSet;

use crate::support::daemon::wait_until_polled;
use crate::support::service::Service;
use crate::support::{Reply, Server, TAGS, source_by_id, stdout, thbwatch, write_config};

const TAGGED: &str = "Border guard arrests three human trafficking suspects";
const SECOND: &str = "Annual report on migration published";
const SITE: &str = "https://police.example/";

/// One publisher's broken feed and what reading it must give.
struct Case {
    id: &'static str,
    body: String,
    /// The titles stored, in any order.
    titles: Vec<String>,
    /// What the warning says (a part of it); `None`: no warning at all.
    warning: Option<&'static str>,
}

fn link(id: &str, n: u32) -> String {
    format!("https://police.example/{id}/{n}")
}

/// An RSS 2.0 item as a CMS writes it; `title` and `extra` go in raw.
fn item(id: &str, n: u32, title: &str, extra: &str) -> String {
    format!(
        "<item><title>{title}</title><link>{}</link><guid>{}</guid>\
         <pubDate>Mon, 0{n} Jun 2026 10:00:00 GMT</pubDate>{extra}</item>\n",
        link(id, n),
        link(id, n)
    )
}

fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Police</title>\
         <link>{SITE}</link>\n{items}</channel></rss>\n"
    )
}

fn both(id: &str) -> String {
    item(id, 1, TAGGED, "") + &item(id, 2, SECOND, "")
}

fn case(id: &'static str, body: String, titles: &[&str], warning: Option<&'static str>) -> Case {
    Case {
        id,
        body,
        titles: titles.iter().map(|t| t.to_string()).collect(),
        warning,
    }
}

/// The breakages of the table and those found in the corpora.
fn breakages() -> Vec<Case> {
    let whole = rss(&both("truncated"));
    let truncated = whole[..whole.find(SECOND).unwrap() + 10].to_string();
    vec![
        case(
            "bare-ampersand",
            rss(&(item(
                "bare-ampersand",
                1,
                "Police & border guard: three human trafficking suspects held",
                "",
            ) + &item("bare-ampersand", 2, SECOND, ""))),
            &["Police & border guard: three human trafficking suspects held", SECOND],
            Some("repaired: bare ampersand (1)"),
        ),
        case(
            "truncated",
            truncated,
            &[TAGGED],
            Some("truncated: 1 incomplete entry dropped"),
        ),
        case(
            "unclosed-paragraph",
            rss(&(item(
                "unclosed-paragraph",
                1,
                TAGGED,
                "<description><p>Three suspects were held at the border.</description>",
            ) + &item("unclosed-paragraph", 2, SECOND, ""))),
            &[TAGGED, SECOND],
            Some("repaired: element left open (1)"),
        ),
        case(
            "html-entities",
            rss(&(item(
                "html-entities",
                1,
                "Border guard &mdash; three human trafficking suspects held in Tall&iacute;nn",
                "",
            ) + &item("html-entities", 2, SECOND, ""))),
            &[
                "Border guard — three human trafficking suspects held in Tallínn",
                SECOND,
            ],
            Some("repaired: HTML entity (2)"),
        ),
        case(
            "control-characters",
            rss(&(item(
                "control-characters",
                1,
                "Border guard arrests three\u{1} human trafficking suspects",
                "",
            ) + &item("control-characters", 2, SECOND, ""))),
            &[TAGGED, SECOND],
            Some("repaired: character XML forbids (1)"),
        ),
        case(
            "blank-lines",
            format!("\n\n\n{}", rss(&both("blank-lines"))),
            &[TAGGED, SECOND],
            None,
        ),
        case(
            "misnested",
            rss(&(format!(
                "<item><title>Damaged title<link>{}</link></item>\n",
                link("misnested", 3)
            ) + &both("misnested"))),
            &[TAGGED, SECOND],
            Some("dropped: 1 entry whose title or link was damaged"),
        ),
        case(
            "less-than",
            rss(&(item("less-than", 1, TAGGED, "") + &item("less-than", 2, "Waiting times < 3 days", ""))),
            &[TAGGED, "Waiting times < 3 days"],
            Some("repaired: unescaped < (1)"),
        ),
        case(
            "second-root",
            rss(&both("second-root")) + &rss(&item("second-root", 3, "From a second root", "")),
            &[TAGGED, SECOND],
            Some("repaired: content outside the root element (1)"),
        ),
        case(
            "garbage-after-root",
            rss(&both("garbage-after-root"))
                + "<br />\n<b>Warning</b>: Cannot modify header information in /var/www/rss.php",
            &[TAGGED, SECOND],
            Some("repaired: content outside the root element (1)"),
        ),
        case(
            "missing-channel-end",
            rss(&both("missing-channel-end")).replace("</channel>", ""),
            &[TAGGED, SECOND],
            Some("repaired: element left open (1)"),
        ),
    ]
}

/// Old formats and dialects, well-formed: read whole, with no warning.
fn formats() -> Vec<Case> {
    let id = "atom-0-3";
    let atom03 = format!(
        "<?xml version=\"1.0\"?>\n<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>Police</title>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{SITE}\"/>\
         <entry><title>{TAGGED}</title><link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\
         <id>{}</id><issued>2026-06-01T10:00:00Z</issued><modified>2026-06-01T10:00:00Z</modified></entry>\
         <entry><title type=\"text/html\" mode=\"escaped\">&lt;b&gt;{SECOND}&lt;/b&gt;</title>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/><id>{}</id><issued>2026-06-02T10:00:00Z</issued></entry></feed>",
        link(id, 1),
        link(id, 1),
        link(id, 2),
        link(id, 2)
    );
    let rdf_item = |n: u32, title: &str, with_link: bool| {
        let url = link("rdf-without-links", n);
        let link = if with_link {
            format!("<link>{url}</link>")
        } else {
            String::new()
        };
        format!(
            "<item rdf:about=\"{url}\"><title>{title}</title>{link}<dc:date>2026-06-0{n}T10:00:00Z</dc:date></item>"
        )
    };
    let rdf = format!(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel rdf:about=\"{SITE}rss\"><title>Police</title>\
         <link>{SITE}</link></channel>{}{}</rdf:RDF>",
        rdf_item(1, TAGGED, true),
        rdf_item(2, SECOND, false)
    );
    let cdf = format!(
        "<CHANNEL HREF=\"{SITE}\"><TITLE>Police</TITLE><ITEM HREF=\"{}\" LASTMOD=\"2026-06-01T10:00:00Z\">\
         <TITLE>{TAGGED}</TITLE></ITEM><ITEM HREF=\"{}\"><TITLE>{SECOND}</TITLE></ITEM></CHANNEL>",
        link("cdf", 1),
        link("cdf", 2)
    );
    vec![
        case("atom-0-3", atom03, &[TAGGED, SECOND], None),
        case(
            "rss-without-version",
            rss(&both("rss-without-version")).replace("<rss version=\"2.0\">", "<rss>"),
            &[TAGGED, SECOND],
            None,
        ),
        case(
            "rss-in-a-namespace",
            rss(&both("rss-in-a-namespace")).replace(
                "<rss version=\"2.0\">",
                "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\">",
            ),
            &[TAGGED, SECOND],
            None,
        ),
        case("rdf-without-links", rdf, &[TAGGED, SECOND], None),
        case("cdf", cdf, &[TAGGED, SECOND], None),
    ]
}

fn config(dir: &std::path::Path, server: &Server, cases: &[Case]) -> std::path::PathBuf {
    let mut text = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n",
    );
    for case in cases {
        text.push_str(&format!(
            "[sources.{}]\nurl = \"{}\"\n",
            case.id,
            server.url(&format!("/{}", case.id))
        ));
    }
    text.push_str(TAGS);
    write_config(dir, &text)
}

/// Every link and title a document holds: what its items may show.
fn written_links(case: &Case) -> BTreeSet<String> {
    let mut links: BTreeSet<String> = (1..=3).map(|n| link(case.id, n)).collect();
    links.insert(SITE.to_string());
    links
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_feeds_and_old_formats_are_read_with_a_warning_and_nothing_invented() {
    let server = Server::start().await;
    let cases: Vec<Case> = breakages().into_iter().chain(formats()).collect();
    for case in &cases {
        server.set(&format!("/{}", case.id), Reply::feed(case.body.clone()));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server, &cases);
    let daemon = Service::start(&config).await;
    let addr = daemon.addr.clone();
    let live = wait_until_polled(&addr, cases.len()).await;
    let metrics = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let listed: serde_json::Value = serde_json::from_str(&stdout(&thbwatch(&config, &["sources", "--json"]))).unwrap();
    for case in &cases {
        let source = source_by_id(&listed, case.id);
        assert_eq!(source["state"], "ok", "{}: {source:#}", case.id);
        assert_eq!(
            source["warning"],
            source_by_id(&live, case.id)["warning"],
            "{}",
            case.id
        );
        match case.warning {
            Some(expected) => {
                let warning = source["warning"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: no warning", case.id));
                assert!(
                    warning.contains(expected),
                    "{}: {warning:?} lacks {expected:?}",
                    case.id
                );
                let line = format!(
                    "thbwatch_source_repaired{{source=\"{}\",warning=\"{warning}\"}} 1",
                    case.id
                );
                assert!(metrics.lines().any(|l| l == line), "{line} not in\n{metrics}");
            }
            None => assert!(source["warning"].is_null(), "{}: {source:#}", case.id),
        }
        check_items(&config, case);
    }
    daemon.stop().await;
    check_repaired_marks(&dir.path().join("thb.db"), &cases);

    // A one-off poll says it too.
    let polled = stdout(&thbwatch(&config, &["poll", "bare-ampersand", "--force"]));
    assert!(
        polled.trim_end().ends_with("; repaired: bare ampersand (1)"),
        "{polled}"
    );
}

/// The source's items as its published feed shows them: the right titles,
/// only links the document holds, the trafficking item tagged.
fn check_items(config: &std::path::Path, case: &Case) {
    let exported = thbwatch(config, &["export", "--source", case.id, "--json"]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let feed: serde_json::Value = serde_json::from_str(&stdout(&exported)).unwrap();
    let items = feed["items"].as_array().unwrap();
    let titles: BTreeSet<String> = items.iter().map(|i| i["title"].as_str().unwrap().to_string()).collect();
    let expected: BTreeSet<String> = case.titles.iter().cloned().collect();
    assert_eq!(titles, expected, "{}", case.id);
    let allowed = written_links(case);
    for item in items {
        if let Some(url) = item["url"].as_str() {
            assert!(allowed.contains(url), "{}: invented link {url}", case.id);
        }
        let tagged = item["title"].as_str().unwrap().contains("human trafficking");
        let tags = item["tags"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(tags > 0, tagged, "{}: {item:#}", case.id);
    }
}

/// Items stored from a repaired document carry the mark; others do not.
fn check_repaired_marks(db: &std::path::Path, cases: &[Case]) {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    for case in cases {
        let (items, repaired): (i64, i64) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(repaired), 0) FROM items WHERE source_id = ?1",
                [case.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(items as usize, case.titles.len(), "{}", case.id);
        let expected = if case.warning.is_some() { items } else { 0 };
        assert_eq!(repaired, expected, "{}", case.id);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_whose_only_entry_is_cut_off_fails_with_its_reason() {
    let server = Server::start().await;
    let whole = rss(&item("cut", 1, TAGGED, ""));
    let cut = whole[..whole.find("human").unwrap()].to_string();
    let cases = [case("cut", cut, &[], None)];
    server.set("/cut", Reply::feed(cases[0].body.clone()));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server, &cases);
    let polled = thbwatch(&config, &["poll"]);
    assert_eq!(polled.status.code(), Some(1));
    let line = stdout(&polled);
    assert!(
        line.contains("cut: error: not a readable feed: the document ends inside its only entry (truncated)"),
        "{line}"
    );
}
