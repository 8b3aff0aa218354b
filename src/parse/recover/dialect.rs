//! Which feed format a document's root says it is, and what its elements
//! mean: namespaces in scope, the RSS family (0.90, 0.91, 1.0/RDF, 2.0 in
//! or out of a namespace, CDF) written out as RSS 2.0, the Atom family
//! (0.3 and 1.0) as Atom 1.0, and the text constructs' types.

pub(super) const ATOM10: &str = "http://www.w3.org/2005/Atom";
pub(super) const ATOM03: &str = "http://purl.org/atom/ns#";
pub(super) const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(super) const DC: &str = "http://purl.org/dc/elements/1.1/";
pub(super) const DCTERMS: &str = "http://purl.org/dc/terms/";
pub(super) const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const MEDIA: [&str; 2] = ["http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss"];
const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Namespaces RSS elements have been published in.
const RSS: [&str; 5] = [
    "http://purl.org/rss/1.0/",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
];

pub(super) fn is_rss_namespace(uri: &str) -> bool {
    RSS.contains(&uri)
}

pub(super) fn is_media_namespace(uri: &str) -> bool {
    MEDIA.contains(&uri)
}

/// The format family a root element starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// RSS 0.9x/1.0/2.0 (`cdf`: Microsoft's Channel Definition Format,
    /// whose upper-case CHANNEL and ITEM map onto RSS).
    Rss { cdf: bool },
    /// Atom 1.0, or 0.3 mapped onto it.
    Atom { v03: bool },
}

/// The family of a root element, if it starts a feed.
pub(super) fn family(local: &str, namespace: Option<&str>) -> Option<Family> {
    match (local, namespace) {
        // Whatever namespace it claims, `<rss>` is RSS.
        ("rss", _) => Some(Family::Rss { cdf: false }),
        ("RDF", Some(RDF)) => Some(Family::Rss { cdf: false }),
        ("feed" | "entry", None | Some(ATOM10)) => Some(Family::Atom { v03: false }),
        ("feed" | "entry", Some(ATOM03)) => Some(Family::Atom { v03: true }),
        (name, None) if name.eq_ignore_ascii_case("channel") => Some(Family::Rss { cdf: true }),
        _ => None,
    }
}

/// Whether feed-rs reads a document with this root as it stands: RSS
/// 0.91, 0.92 or 2.0 out of any namespace, or Atom 1.0. Every other root
/// (RSS 1.0 and 0.90, whose items feed-rs drops without a link; RSS
/// without a version or in a namespace; Atom 0.3; CDF) goes straight to
/// recovery, as does a document whose start cannot be read.
pub(crate) fn read_as_is(document: &[u8]) -> bool {
    let mut reader = quick_xml::reader::Reader::from_reader(document);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(start) | quick_xml::events::Event::Empty(start)) => {
                let name = start.name();
                let attribute = |key: &str| {
                    start
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .map(|a| a.value.into_owned())
                };
                let default_namespace = attribute("xmlns").filter(|ns| !ns.is_empty());
                return match name.as_ref() {
                    "rss" => {
                        let version = attribute("version").unwrap_or_default();
                        default_namespace.is_none() && matches!(version.trim(), "2.0" | "0.91" | "0.92")
                    }
                    "feed" | "entry" => default_namespace.is_none_or(|ns| ns == ATOM10),
                    _ => false,
                };
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Prefix ─▶ namespace bindings in scope, innermost last.
#[derive(Debug, Default)]
pub(super) struct Namespaces {
    bindings: Vec<(Option<String>, String)>,
}

impl Namespaces {
    pub(crate) fn len(&self) -> usize {
        self.bindings.len()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.bindings.truncate(len);
    }

    /// Binds the declarations among an element's attributes.
    pub(crate) fn declare(&mut self, attributes: &[(String, String)]) {
        for (name, value) in attributes {
            if name == "xmlns" {
                self.bindings.push((None, value.clone()));
            } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                self.bindings.push((Some(prefix.to_string()), value.clone()));
            }
        }
    }

    /// The namespace of a prefix (`None`: the default one); `None` when
    /// unbound (or bound to "", which undoes a default namespace).
    pub(crate) fn resolve(&self, prefix: Option<&str>) -> Option<&str> {
        if prefix == Some("xml") {
            return Some(XML);
        }
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| p.as_deref() == prefix)
            .map(|(_, uri)| uri.as_str())
            .filter(|uri| !uri.is_empty())
    }
}

/// `prefix:local` ─▶ (prefix, local).
pub(super) fn split_name(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, name),
    }
}

/// Atom 0.3 names ─▶ their Atom 1.0 successors (`created` has none; it
/// is kept as a date to fall back on).
pub(super) fn atom10_local(local: &str, parent_is_person: bool) -> &str {
    match local {
        "issued" => "published",
        "modified" => "updated",
        "tagline" => "subtitle",
        "copyright" => "rights",
        "url" if parent_is_person => "uri",
        other => other,
    }
}

/// Atom elements whose content is a text construct.
pub(super) fn is_atom_text_construct(local: &str) -> bool {
    matches!(
        local,
        "title" | "subtitle" | "summary" | "content" | "rights" | "tagline" | "copyright" | "info"
    )
}

/// RSS elements that hold other elements; every other RSS element holds
/// text, so markup inside it is the text's own (unescaped HTML).
pub(super) fn is_rss_container(local: &str) -> bool {
    matches!(
        local,
        "rss"
            | "RDF"
            | "channel"
            | "item"
            | "image"
            | "textinput"
            | "textInput"
            | "items"
            | "skipHours"
            | "skipDays"
            | "cloud"
            | "enclosure"
    )
}

/// How an Atom text construct's content is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TextType {
    Text,
    Html,
    Xhtml,
    /// Base64 of a document of this kind (`html`: HTML, else text).
    Base64 {
        html: bool,
    },
}

impl TextType {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            TextType::Text | TextType::Base64 { html: false } => "text",
            TextType::Html | TextType::Base64 { html: true } => "html",
            TextType::Xhtml => "xhtml",
        }
    }
}

/// The type of a text construct from its `type` attribute (and, in Atom
/// 0.3, its `mode`). Media types nobody reads inline are base64 (RFC 4287
/// 4.1.3.3), which is also how feedparser reads them.
pub(super) fn text_type(type_attribute: Option<&str>, mode: Option<&str>, v03: bool) -> TextType {
    let declared = type_attribute.map(|t| t.trim().to_ascii_lowercase());
    let declared = declared.as_deref().unwrap_or(if v03 { "text/plain" } else { "text" });
    let media = declared.split(';').next().unwrap_or("").trim();
    let html = matches!(media, "html" | "text/html");
    let kind = match media {
        "" | "text" | "text/plain" => TextType::Text,
        "html" | "text/html" => TextType::Html,
        "xhtml" | "application/xhtml+xml" => TextType::Xhtml,
        t if t.starts_with("text/") => TextType::Text,
        t if t.ends_with("/xml") || t.ends_with("+xml") => TextType::Xhtml,
        _ => TextType::Base64 { html: false },
    };
    match (v03, mode.map(|m| m.trim().to_ascii_lowercase()).as_deref()) {
        (true, Some("base64")) => TextType::Base64 {
            html: html || kind == TextType::Xhtml,
        },
        (true, Some("escaped")) if kind == TextType::Xhtml => TextType::Html,
        (true, Some("escaped")) => kind,
        // Atom 0.3's default mode: inline markup of the declared type.
        (true, _) if html => TextType::Xhtml,
        _ => kind,
    }
}

/// A media type for `<content src>` (which must not be "text", "html" or
/// "xhtml"), if the declared one can be read as such.
pub(super) fn src_media_type(type_attribute: &str) -> Option<&'static str> {
    match type_attribute.trim().to_ascii_lowercase().as_str() {
        "text" | "text/plain" => Some("text/plain"),
        "html" | "text/html" => Some("text/html"),
        "xhtml" | "application/xhtml+xml" => Some("application/xhtml+xml"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_name_their_family() {
        assert_eq!(family("rss", None), Some(Family::Rss { cdf: false }));
        assert_eq!(
            family("rss", Some("http://backend.userland.com/rss2")),
            Some(Family::Rss { cdf: false })
        );
        assert_eq!(family("RDF", Some(RDF)), Some(Family::Rss { cdf: false }));
        assert_eq!(family("CHANNEL", None), Some(Family::Rss { cdf: true }));
        assert_eq!(family("feed", Some(ATOM03)), Some(Family::Atom { v03: true }));
        assert_eq!(family("feed", Some(ATOM10)), Some(Family::Atom { v03: false }));
        assert_eq!(family("html", None), None);
    }

    #[test]
    fn text_types_of_both_atom_versions() {
        let cases = [
            ((None, None, false), TextType::Text),
            ((Some(""), None, false), TextType::Text),
            ((Some("HTML"), None, false), TextType::Html),
            ((Some("text/plain"), None, false), TextType::Text),
            (
                (Some("application/octet-stream"), None, false),
                TextType::Base64 { html: false },
            ),
            ((Some("application/foo+xml"), None, false), TextType::Xhtml),
            ((None, None, true), TextType::Text),
            ((Some("text/html"), Some("escaped"), true), TextType::Html),
            ((Some("text/html"), None, true), TextType::Xhtml),
            ((Some("application/xhtml+xml"), Some("xml"), true), TextType::Xhtml),
            ((None, Some("base64"), true), TextType::Base64 { html: false }),
            (
                (Some("text/html"), Some("base64"), true),
                TextType::Base64 { html: true },
            ),
        ];
        for ((t, mode, v03), expected) in cases {
            assert_eq!(text_type(t, mode, v03), expected, "{t:?} {mode:?} {v03}");
        }
    }

    #[test]
    fn only_roots_feed_rs_reads_whole_skip_recovery() {
        assert!(read_as_is(
            b"<?xml version='1.0'?>\n<!-- x --><rss version=\"2.0\"><channel/></rss>"
        ));
        assert!(read_as_is(b"<feed xmlns='http://www.w3.org/2005/Atom'/>"));
        assert!(!read_as_is(b"<rss><channel/></rss>"));
        assert!(!read_as_is(
            b"<rss version='2.0' xmlns='http://backend.userland.com/rss2'/>"
        ));
        assert!(!read_as_is(b"<feed version='0.3' xmlns='http://purl.org/atom/ns#'/>"));
        assert!(!read_as_is(
            b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>"
        ));
        assert!(!read_as_is(b"<CHANNEL/>"));
    }

    #[test]
    fn namespaces_resolve_innermost_first() {
        let mut ns = Namespaces::default();
        ns.declare(&[("xmlns".into(), ATOM03.into()), ("xmlns:dc".into(), DC.into())]);
        let outer = ns.len();
        ns.declare(&[("xmlns".into(), "".into())]);
        assert_eq!(ns.resolve(None), None);
        assert_eq!(ns.resolve(Some("dc")), Some(DC));
        ns.truncate(outer);
        assert_eq!(ns.resolve(None), Some(ATOM03));
        assert_eq!(ns.resolve(Some("nope")), None);
    }
}
