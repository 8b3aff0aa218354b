//! Parsing as a liberal reader does: well-formed feeds of every format,
//! and the breakages publishers' feeds show, each read with the right
//! titles and links, its repairs counted, nothing invented.

use super::{Error, parse};
use crate::model::{FeedFormat, RawFeed, Repair};

const BASE: &str = "https://example.org/feed/";

fn url(text: &str) -> url::Url {
    url::Url::parse(text).unwrap()
}

fn parsed(document: &[u8]) -> Result<RawFeed, Error> {
    parse(document, None, &url(BASE))
}

fn read(document: &str) -> RawFeed {
    parsed(document.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{document}"))
}

fn titles(feed: &RawFeed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().map(|t| t.body.clone()).unwrap_or_default())
        .collect()
}

fn links(feed: &RawFeed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.links.first().cloned().unwrap_or_default())
        .collect()
}

fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Police</title>\
         <link>https://police.example/</link>{items}</channel></rss>"
    )
}

fn item(n: u32, title: &str) -> String {
    format!(
        "<item><title>{title}</title><link>https://police.example/{n}</link>\
         <pubDate>Mon, 0{n} Jun 2026 10:00:00 GMT</pubDate></item>"
    )
}

#[test]
fn a_bare_ampersand_costs_nothing() {
    let feed = read(&rss(
        &(item(1, "Police & border guard arrest traffickers") + &item(2, "R&D"))
    ));
    assert_eq!(titles(&feed), ["Police & border guard arrest traffickers", "R&D"]);
    assert_eq!(feed.repairs.count(Repair::BareAmpersand), 2);
    assert_eq!(feed.repairs.warning().as_deref(), Some("repaired: bare ampersand (2)"));
}

#[test]
fn a_truncated_document_keeps_its_complete_entries() {
    let whole = rss(&(item(1, "Human trafficking ring dismantled") + &item(2, "Second")));
    let cut = &whole[..whole.find("Second").unwrap() + 3];
    let feed = read(cut);
    assert_eq!(titles(&feed), ["Human trafficking ring dismantled"]);
    assert_eq!(links(&feed), ["https://police.example/1"]);
    assert!(feed.repairs.truncated);
    assert_eq!(
        feed.repairs.warning().as_deref(),
        Some("truncated: 1 incomplete entry dropped")
    );
    // Cut inside the only entry: nothing to read, and it says why.
    let only = rss(&item(1, "Only"));
    let error = parsed(&only.as_bytes()[..only.find("Only").unwrap()]).unwrap_err();
    assert!(error.to_string().contains("ends inside its only entry"), "{error}");
}

#[test]
fn an_unclosed_paragraph_in_a_description_stays_its_html() {
    let items = "<item><title>One</title><link>https://police.example/1</link>\
                 <description><p>Arrested <b>two</b> suspects</description></item>"
        .to_string()
        + &item(2, "Two");
    let feed = read(&rss(&items));
    assert_eq!(titles(&feed), ["One", "Two"]);
    let summary = feed.entries[0].summary.as_ref().unwrap();
    assert!(summary.is_html);
    assert_eq!(summary.body, "<p>Arrested <b>two</b> suspects");
    assert_eq!(feed.repairs.count(Repair::UnclosedElement), 1);
}

#[test]
fn html_entities_control_characters_and_blank_lines_before_the_declaration() {
    let document = format!(
        "\n\n   {}",
        rss(&(item(1, "Caf&eacute; &mdash; m&#X41;rket") + &item(2, "Before\u{1}after")))
    );
    let feed = read(&document);
    assert_eq!(titles(&feed), ["Café — mArket", "Beforeafter"]);
}

#[test]
fn rss_0_91_with_netscapes_doctype_has_its_html_entities() {
    let document = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \
        \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n<rss version=\"0.91\"><channel><title>T</title>\
        <item><title>Caf&eacute;</title><link>https://x.example/1</link></item></channel></rss>";
    let feed = read(document);
    assert_eq!(titles(&feed), ["Café"]);
    assert!(feed.repairs.is_empty(), "{:?}", feed.repairs);
}

#[test]
fn a_less_than_sign_in_text_is_text() {
    let feed = read(&rss(&(item(1, "1 < 2 and 3 <4") + &item(2, "ok"))));
    assert_eq!(titles(&feed), ["1 < 2 and 3 <4", "ok"]);
    assert!(feed.repairs.count(Repair::LessThan) >= 1);
}

#[test]
fn misnested_tags_drop_only_the_entry_whose_title_they_damage() {
    let items = "<item><title>Damaged<link>https://police.example/0</link></item>".to_string()
        + &item(1, "Kept")
        + "<item><title>Also kept</title><link>https://police.example/2</link>\
           <description>a <b><i>b</b></i></description></item>";
    let feed = read(&rss(&items));
    assert_eq!(titles(&feed), ["Kept", "Also kept"]);
    assert_eq!(feed.repairs.damaged_entries, 1);
    let warning = feed.repairs.warning().unwrap();
    assert!(
        warning.contains("dropped: 1 entry whose title or link was damaged"),
        "{warning}"
    );
}

#[test]
fn a_link_with_markup_inside_drops_its_entry_not_the_feed() {
    let items = "<item><title>Bad link</title><link>https://police.example/<b>1</b></link></item>".to_string()
        + &item(2, "Good");
    let feed = read(&rss(&items));
    assert_eq!(titles(&feed), ["Good"]);
    assert_eq!(links(&feed), ["https://police.example/2"]);
}

#[test]
fn a_second_root_garbage_after_it_and_a_missing_channel_end() {
    let two_roots = rss(&item(1, "First")) + &rss(&item(2, "Second"));
    let feed = read(&two_roots);
    assert_eq!(titles(&feed), ["First"]);
    assert_eq!(feed.repairs.count(Repair::OutsideRoot), 1);
    let garbage = rss(&item(1, "First")) + "<?php } ?>\nWarning: headers already sent";
    assert_eq!(titles(&read(&garbage)), ["First"]);
    let no_channel_end = rss(&item(1, "First")).replace("</channel>", "");
    let feed = read(&no_channel_end);
    assert_eq!(titles(&feed), ["First"]);
    assert_eq!(feed.repairs.count(Repair::UnclosedElement), 1);
}

#[test]
fn text_before_the_root_is_dropped() {
    let document = format!(
        "<br />\n<b>Warning</b>: Undefined variable in /var/www/feed.php\n{}",
        rss(&item(1, "First"))
    );
    let feed = read(&document);
    assert_eq!(titles(&feed), ["First"]);
    assert_eq!(feed.repairs.count(Repair::OutsideRoot), 1);
}

#[test]
fn dtd_entities_are_never_expanded() {
    let document = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY boom \"BOOM BOOM\">]>\
        <rss version=\"2.0\"><channel><item><title>&boom; & co</title><link>https://x.example/1</link></item></channel></rss>";
    let feed = read(document);
    assert_eq!(titles(&feed), ["&boom; & co"]);
}

#[test]
fn atom_0_3_is_read_as_atom_1_0() {
    let document = r#"<?xml version="1.0"?>
        <feed version="0.3" xmlns="http://purl.org/atom/ns#">
          <title>Ministry</title>
          <link rel="alternate" type="text/html" href="https://ministry.example/"/>
          <entry>
            <title type="text/html" mode="escaped">Trafficking &lt;b&gt;ring&lt;/b&gt;</title>
            <link rel="alternate" type="text/html" href="https://ministry.example/1"/>
            <id>tag:ministry.example,2004:1</id>
            <issued>2004-01-01T19:48:21Z</issued>
            <modified>2004-01-02T19:48:21Z</modified>
            <content type="text/html" mode="base64">PHA+SGVsbG88L3A+</content>
          </entry>
          <entry>
            <title mode="base64">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title>
            <created>2003-12-31T10:14:55Z</created>
          </entry>
        </feed>"#;
    let feed = read(document);
    assert_eq!(feed.meta.title.as_deref(), Some("Ministry"));
    assert_eq!(feed.meta.site_link.as_deref(), Some("https://ministry.example/"));
    assert_eq!(feed.meta.format, Some(FeedFormat::Atom));
    let first = &feed.entries[0];
    assert_eq!(first.title.as_ref().unwrap().body, "Trafficking <b>ring</b>");
    assert!(first.title.as_ref().unwrap().is_html);
    assert_eq!(first.links, ["https://ministry.example/1"]);
    assert_eq!(first.guid.as_deref(), Some("tag:ministry.example,2004:1"));
    assert_eq!(first.published.unwrap().to_rfc3339(), "2004-01-01T19:48:21+00:00");
    assert_eq!(first.updated.unwrap().to_rfc3339(), "2004-01-02T19:48:21+00:00");
    assert_eq!(first.content.as_ref().unwrap().body, "<p>Hello</p>");
    let second = &feed.entries[1];
    assert_eq!(second.title.as_ref().unwrap().body, "Example <b>Atom</b>");
    assert!(!second.title.as_ref().unwrap().is_html);
    assert_eq!(second.published.unwrap().to_rfc3339(), "2003-12-31T10:14:55+00:00");
    assert!(feed.repairs.is_empty(), "{:?}", feed.repairs);
}

#[test]
fn every_rss_dialect_is_read() {
    let item = "<item><title>Item title</title><link>https://x.example/1</link></item>";
    let cases = [
        format!("<rss><channel><title>No version</title>{item}</channel></rss>"),
        format!("<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\"><channel>{item}</channel></rss>"),
        "<rss version=\"2.0\" xmlns:u=\"http://backend.userland.com/rss2\"><u:channel><u:item><u:title>Item title</u:title><u:link>https://x.example/1</u:link></u:item></u:channel></rss>".to_string(),
        format!("<rss version=\"0.91\"><channel>{item}</channel></rss>"),
        format!("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>T</title></channel>{item}</rdf:RDF>"),
        format!("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"x\"><title>T</title></channel>{item}</rdf:RDF>"),
        "<CHANNEL HREF=\"https://x.example/\"><TITLE>T</TITLE><ITEM HREF=\"https://x.example/1\" LASTMOD=\"2004-04-06T23:05:43-05:00\"><TITLE>Item title</TITLE></ITEM></CHANNEL>".to_string(),
    ];
    for document in &cases {
        let feed = read(document);
        assert_eq!(titles(&feed), ["Item title"], "{document}");
        assert_eq!(links(&feed), ["https://x.example/1"], "{document}");
        assert!(feed.repairs.is_empty(), "{document}: {:?}", feed.repairs);
    }
}

#[test]
fn rss_1_0_items_without_a_link_are_kept_by_their_uri() {
    let document = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
        xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel rdf:about="https://x.example/rss"><title>T</title><link>https://x.example/</link></channel>
        <item rdf:about="https://x.example/1"><title>Linked</title><link>https://x.example/1</link></item>
        <item rdf:about="urn:x:2"><title>Unlinked</title><dc:date>2026-06-01T10:00:00Z</dc:date></item>
        </rdf:RDF>"#;
    let feed = read(document);
    assert_eq!(feed.meta.format, Some(FeedFormat::Rdf));
    assert_eq!(titles(&feed), ["Linked", "Unlinked"]);
    assert_eq!(feed.entries[1].guid.as_deref(), Some("urn:x:2"));
    assert!(feed.entries[1].links.is_empty());
    assert!(feed.entries[1].published.is_some());
}

#[test]
fn extension_elements_stand_in_for_a_missing_title_link_or_date() {
    let document = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
        xmlns:dcterms="http://purl.org/dc/terms/" xmlns:media="http://search.yahoo.com/mrss/">
        <channel>
        <item><dc:title>Dublin Core title</dc:title><guid>https://x.example/permalink</guid>
              <dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued><dcterms:modified>2004-01-01T10:14:55Z</dcterms:modified></item>
        <item><media:title>Media title</media:title><guid isPermaLink="false">https://x.example/not-a-link</guid></item>
        <item><title>Own title</title><dc:title>Not used</dc:title><link>https://x.example/own</link>
              <guid>https://x.example/guid</guid></item>
        </channel></rss>"#;
    let feed = read(document);
    assert_eq!(titles(&feed), ["Dublin Core title", "Media title", "Own title"]);
    assert_eq!(
        links(&feed),
        ["https://x.example/permalink", "", "https://x.example/own"]
    );
    assert_eq!(
        feed.entries[0].published.unwrap().to_rfc3339(),
        "2003-12-31T10:14:55+00:00"
    );
    assert_eq!(
        feed.entries[0].updated.unwrap().to_rfc3339(),
        "2004-01-01T10:14:55+00:00"
    );
    assert!(feed.repairs.is_empty());
}

#[test]
fn an_element_nobody_reads_costs_that_element_only() {
    let document = r#"<feed xmlns="http://www.w3.org/2005/Atom">
        <entry><title type="application/x-unknown">@@@not base64@@@</title><id>1</id>
               <link href="https://x.example/1"/><summary type="TEXT">kept</summary>
               <content type="image/png">iVBORw0KGgo=</content></entry>
        <entry><title type="">evil</title><id>2</id><link rel="alternate">https://x.example/2</link>
               <content src="https://x.example/2.html" type="html"> </content></entry>
        </feed>"#;
    let feed = read(document);
    assert_eq!(feed.entries.len(), 2);
    assert!(feed.entries[0].title.is_none());
    assert_eq!(feed.entries[0].summary.as_ref().unwrap().body, "kept");
    assert!(feed.entries[0].content.is_none());
    assert_eq!(titles(&feed)[1], "evil");
    assert_eq!(links(&feed)[1], "https://x.example/2");
    assert_eq!(feed.repairs.count(Repair::UnreadableElement), 2);
}

#[test]
fn a_document_whose_entries_cannot_be_read_is_an_error_with_its_reason() {
    let nested = format!(
        "<rss version=\"2.0\" xmlns:x=\"urn:x\"><channel>{}</channel></rss>",
        "<x:x>".repeat(2_000)
    );
    let error = parsed(nested.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("nested deeper than"), "{error}");
    let error = parsed(b"<opml><body/></opml>").unwrap_err();
    assert!(error.to_string().contains("the first element is <opml>"), "{error}");
    let misplaced = "<rss version=\"2.0\" xmlns:x=\"urn:x\"><channel><x:list><item><title>T</title></item></x:list></channel></rss>";
    let error = parsed(misplaced.as_bytes()).unwrap_err();
    assert!(
        error.to_string().contains("1 <item> or <entry> elements, but none"),
        "{error}"
    );
    let damaged = rss("<item><title>Open<link>https://x.example/1</link></item>");
    let error = parsed(damaged.as_bytes()).unwrap_err();
    assert!(matches!(error, Error::Unreadable(_)));
    assert!(error.to_string().contains("its only entry damaged"), "{error}");
}

#[test]
fn a_json_feed_with_an_old_version_url_is_read() {
    let json = br#"{"version":"http://jsonfeed.org/version/1","title":"J",
        "items":[{"id":"1","url":"https://example.org/1","title":"hello"}]}"#;
    assert_eq!(parsed(json).unwrap().entries.len(), 1);
}

#[test]
fn entries_without_guid_get_no_invented_id() {
    let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
        <link>https://example.org/</link>
        <item><title>A</title><link>/news/a</link></item>
        <item><guid isPermaLink="false">https://example.org/?p=7</guid><title>B</title></item>
        </channel></rss>"#;
    let feed = parse(rss, None, &url("https://example.org/feed/")).unwrap();
    assert_eq!(feed.meta.title.as_deref(), Some("T"));
    assert_eq!(feed.meta.format, Some(FeedFormat::Rss));
    assert_eq!(feed.meta.id, None, "RSS has no feed id");
    assert_eq!(feed.entries[0].guid, None);
    assert_eq!(feed.entries[0].links, ["/news/a"], "resolved later, against the base");
    assert_eq!(feed.entries[1].guid.as_deref(), Some("https://example.org/?p=7"));
}

#[test]
fn html_and_garbage_are_errors() {
    let at = url("https://x/");
    assert!(parse(b"<html><body>Service unavailable</body></html>", None, &at).is_err());
    assert!(parse(b"\x00\x01garbage", None, &at).is_err());
    assert!(parse(b"", None, &at).is_err());
}

#[test]
fn reads_atom_and_json_feed() {
    let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
        <updated>2026-01-01T00:00:00Z</updated>
        <entry><id>urn:e1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt;</title>
        <link rel="alternate" href="https://example.org/e1"/><updated>2026-01-01T00:00:00Z</updated></entry></feed>"#;
    let feed = parse(atom, None, &url("https://example.org/atom")).unwrap();
    assert_eq!(feed.meta.id.as_deref(), Some("urn:a"));
    assert_eq!(feed.meta.format, Some(FeedFormat::Atom));
    let e = &feed.entries[0];
    assert_eq!(e.guid.as_deref(), Some("urn:e1"));
    assert!(e.title.as_ref().unwrap().is_html);
    let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
        "items":[{"id":"1","url":"https://example.org/1","content_text":"hello"}]}"#;
    let feed = parse(json, None, &url("https://example.org/f.json")).unwrap();
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.meta.format, Some(FeedFormat::Json));
}

/// What relative entry links resolve against, and what the site is,
/// for documents fetched from a CDN host that is not the publisher's.
#[test]
fn relative_links_resolve_against_xml_base_then_the_site_then_self_then_the_fetch_address() {
    let cdn = url("https://cdn.example/feeds/news.xml");
    let cases = [
        (
            "RSS channel link",
            r#"<rss version="2.0"><channel><title>T</title><link>https://www.iem.gov.lv/lv</link>
               <item><title>A</title><link>/lv/jaunums/1</link></item></channel></rss>"#,
            "https://www.iem.gov.lv/lv/jaunums/1",
            Some("https://www.iem.gov.lv/lv"),
        ),
        (
            "RSS relative channel link, atom:link self",
            r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>/</link>
               <atom:link rel="self" type="application/rss+xml" href="https://site.example/rss"/>
               <item><title>A</title><link>news/1</link></item></channel></rss>"#,
            "https://site.example/news/1",
            Some("https://site.example/"),
        ),
        (
            "RSS without channel link: self",
            r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
               <atom:link rel="self" href="https://site.example/feeds/rss"/>
               <item><title>A</title><link>1.html</link></item></channel></rss>"#,
            "https://site.example/feeds/1.html",
            None,
        ),
        (
            "nothing but the fetch address",
            r#"<rss version="2.0"><channel><title>T</title><link>javascript:alert(1)</link>
               <item><title>A</title><link>/news/1</link></item></channel></rss>"#,
            "https://cdn.example/news/1",
            None,
        ),
        (
            "Atom alternate link",
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
               <link rel="self" href="https://site.example/atom"/>
               <link rel="alternate" type="text/html" href="https://www.site.example/lt/"/>
               <entry><id>urn:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated><link href="naujienos/1"/></entry></feed>"#,
            "https://www.site.example/lt/naujienos/1",
            Some("https://www.site.example/lt/"),
        ),
        (
            "Atom absolute xml:base on the entry",
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
               <link rel="alternate" href="https://site.example/"/>
               <entry xml:base="https://other.example/a/"><id>urn:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated><link href="b"/></entry></feed>"#,
            "https://other.example/a/b",
            Some("https://site.example/"),
        ),
        (
            "Atom relative xml:base on the root",
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/de/presse/"><title>T</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
               <link rel="alternate" href="https://www.bmi.example/"/>
               <entry><id>urn:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated><link href="meldung-1.html"/></entry></feed>"#,
            "https://www.bmi.example/de/presse/meldung-1.html",
            Some("https://www.bmi.example/"),
        ),
        (
            "RSS xml:base on the item",
            r#"<rss version="2.0"><channel><title>T</title><link>https://site.example/</link>
               <item xml:base="https://site.example/en/"><title>A</title><link>news/1</link></item></channel></rss>"#,
            "https://site.example/en/news/1",
            Some("https://site.example/"),
        ),
        (
            "JSON Feed home_page_url",
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://site.example/et/",
                "feed_url":"https://site.example/feed.json","items":[{"id":"1","url":"uudised/1","content_text":"x"}]}"#,
            "https://site.example/et/uudised/1",
            Some("https://site.example/et/"),
        ),
    ];
    for (name, document, link, site) in cases {
        let feed = parse(document.as_bytes(), None, &cdn).unwrap_or_else(|e| panic!("{name}: {e}"));
        let resolved = feed.base.join(&feed.entries[0].links[0]).unwrap();
        assert_eq!(resolved.as_str(), link, "{name}");
        assert_eq!(feed.meta.site_link.as_deref(), site, "{name}");
    }
}
