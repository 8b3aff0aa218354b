//! The recovery on the breakages feeds show in the wild.

use super::recover;
use crate::model::Repair;

fn recovered(input: &str) -> super::Recovered {
    recover(input).unwrap_or_else(|e| panic!("{e}: {input}"))
}

#[test]
fn a_bare_ampersand_is_escaped() {
    let r =
        recovered("<rss version=\"2.0\"><channel><item><title>Police & border guard</title></item></channel></rss>");
    assert!(
        r.document.contains("<title>Police &amp; border guard</title>"),
        "{}",
        r.document
    );
    assert_eq!(r.repairs.count(Repair::BareAmpersand), 1);
    assert_eq!(r.entries, 1);
}

#[test]
fn an_end_tag_closes_what_its_element_left_open() {
    let r = recovered("<rss version=\"2.0\"><channel><item><title>T</title></item></rss>");
    assert!(
        r.document.ends_with("<item><title>T</title></item></channel></rss>"),
        "{}",
        r.document
    );
    assert_eq!(r.repairs.count(Repair::UnclosedElement), 1);
    let r = recovered(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>T</title><content type=\"xhtml\">\
         <div xmlns=\"http://www.w3.org/1999/xhtml\"><b><i>x</b></i></div></content></entry></feed>",
    );
    assert!(r.document.contains("<b><i>x</i></b></div>"), "{}", r.document);
    assert_eq!(r.repairs.count(Repair::UnclosedElement), 1);
    assert_eq!(r.repairs.count(Repair::StrayEndTag), 1);
}

#[test]
fn namespaces_the_output_root_no_longer_declares_are_declared_where_used() {
    let r = recovered(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">\
         <channel xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><title>T</title><dc:creator>me</dc:creator></channel>\
         <item rdf:about=\"urn:1\"><title>I</title></item></rdf:RDF>",
    );
    assert!(
        r.document
            .contains("<dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">me</dc:creator>"),
        "{}",
        r.document
    );
    assert!(r.document.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><channel><title>T</title>"
    ));
    assert!(
        r.document
            .contains("<item><title>I</title><guid isPermaLink=\"false\">urn:1</guid></item>")
    );
}

#[test]
fn output_stays_bounded() {
    let ampersands = format!("<rss><channel><title>{}</title></channel></rss>", "&".repeat(1 << 20));
    assert!(matches!(recover(&ampersands), Err(super::Error::TooDamaged)));
}
