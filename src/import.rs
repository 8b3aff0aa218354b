//! OPML (a feed reader's subscriptions) ─▶ `[sources.ID]` tables to paste
//! into `config.toml`. Pure: the caller reads the file and prints.

use std::collections::{HashMap, HashSet};

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// The largest OPML file read: a reader's subscriptions are far smaller.
pub const MAX_OPML_BYTES: u64 = 64 * 1024 * 1024;

/// What an OPML file gave.
#[derive(Debug, Default)]
pub struct Imported {
    /// The tables, ready to paste.
    pub toml: String,
    /// Outlines left out, each with why.
    pub skipped: Vec<Skipped>,
}

/// An outline left out, and why (its address first).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Skipped {
    #[error("{url:?}: not a URL ({source})")]
    NotUrl { url: String, source: url::ParseError },
    #[error("{url:?}: only http and https feeds can be polled")]
    Scheme { url: String },
    #[error("{url:?}: has a user name or password, which would be published")]
    Credentials { url: String },
    #[error("{url:?}: listed twice")]
    Twice { url: String },
}

/// Why an OPML file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not readable OPML: at byte {at}: {source}")]
    Xml { at: u64, source: quick_xml::Error },
    #[error("no feeds in it (no <outline> with an xmlUrl)")]
    Empty,
}

/// Reads every `<outline xmlUrl=…>` (nested folders included).
pub fn opml_to_sources(text: &str) -> Result<Imported, Error> {
    let mut reader = Reader::from_str(text);
    let mut imported = Imported::default();
    let mut ids = Ids::default();
    let mut urls = HashSet::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().into_inner() == "outline" => {
                let attr = |name: &str| -> Option<String> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().into_inner().eq_ignore_ascii_case(name))
                        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                };
                let Some(url) = attr("xmlUrl") else { continue };
                let title = attr("title").or_else(|| attr("text"));
                match table(&url, title.as_deref(), attr("language").as_deref(), &mut ids, &mut urls) {
                    Ok(t) => imported.toml.push_str(&t),
                    Err(why) => imported.skipped.push(why),
                }
            }
            Ok(Event::Eof) => break,
            Err(source) => {
                return Err(Error::Xml {
                    at: reader.error_position(),
                    source,
                });
            }
            Ok(_) => {}
        }
    }
    if imported.toml.is_empty() && imported.skipped.is_empty() {
        return Err(Error::Empty);
    }
    Ok(imported)
}

fn table(
    url: &str,
    title: Option<&str>,
    language: Option<&str>,
    ids: &mut Ids,
    urls: &mut HashSet<String>,
) -> Result<String, Skipped> {
    let parsed = url::Url::parse(url).map_err(|source| Skipped::NotUrl {
        url: url.to_string(),
        source,
    })?;
    let url = || url.to_string();
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Skipped::Scheme { url: url() });
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Skipped::Credentials { url: url() });
    }
    if !urls.insert(parsed.to_string()) {
        return Err(Skipped::Twice { url: url() });
    }
    let id = ids.unique(title.unwrap_or_else(|| parsed.host_str().unwrap_or("feed")));
    let mut out = format!("\n[sources.{id}]\nurl = {}\n", quote(parsed.as_str()));
    if let Some(title) = title {
        out.push_str(&format!("title = {}\n", quote(title)));
    }
    let language = language.filter(|l| {
        (2..=35).contains(&l.len())
            && l.starts_with(|c: char| c.is_ascii_alphabetic())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if let Some(language) = language {
        out.push_str(&format!("language = {}\n", quote(&language.to_ascii_lowercase())));
    }
    Ok(out)
}

/// Source ids handed out so far.
#[derive(Default)]
struct Ids {
    taken: HashSet<String>,
    /// The next number to try after each base id, so many outlines with
    /// one title cost one step each, not a walk past all the others.
    next: HashMap<String, usize>,
}

impl Ids {
    /// A valid source id from a title, unique among those given.
    fn unique(&mut self, title: &str) -> String {
        let base = base_id(title);
        if self.taken.insert(base.clone()) {
            return base;
        }
        let n = self.next.entry(base.clone()).or_insert(2);
        loop {
            let id = format!("{base}-{n}");
            *n += 1;
            // Taken only if another title gave exactly this id.
            if self.taken.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// An id from a title: lower-case ASCII letters, digits and `-`, at most
/// 56 characters (room for a number after it within the 64 allowed).
fn base_id(title: &str) -> String {
    let folded = crate::fold::fold(title);
    let mut base: String = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(56)
        .collect();
    base = base.trim_matches('-').to_string();
    if base.is_empty() {
        base = "feed".to_string();
    }
    base
}

fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_become_source_tables_with_unique_ids() {
        let opml = r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>Reader</title></head><body>
  <outline text="Baltic">
    <outline type="rss" text="Iekšlietu ministrija — Jaunumi" xmlUrl="https://www.iem.gov.lv/lv/rss" language="lv"/>
    <outline type="rss" title="CBSS &amp; friends" text="x" xmlUrl="https://cbss.org/feed/"/>
    <outline type="rss" text="Iekšlietu ministrija — Jaunumi" xmlUrl="https://www.iem.gov.lv/en/rss"/>
  </outline>
  <outline type="rss" text="Gopher" xmlUrl="gopher://old.example/feed"/>
  <outline type="rss" text="Again" xmlUrl="https://cbss.org/feed/"/>
</body></opml>"#;
        let imported = opml_to_sources(opml).unwrap();
        assert!(imported.toml.contains("[sources.ieksietu-ministrija-jaunumi]\nurl = \"https://www.iem.gov.lv/lv/rss\"\ntitle = \"Iekšlietu ministrija — Jaunumi\"\nlanguage = \"lv\"\n")
            || imported.toml.contains("[sources.iekslietu-ministrija-jaunumi]"), "{}", imported.toml);
        assert!(
            imported.toml.contains("[sources.iekslietu-ministrija-jaunumi-2]"),
            "{}",
            imported.toml
        );
        assert!(
            imported
                .toml
                .contains("[sources.cbss-friends]\nurl = \"https://cbss.org/feed/\"\ntitle = \"CBSS & friends\"\n"),
            "{}",
            imported.toml
        );
        assert_eq!(imported.skipped.len(), 2, "{:?}", imported.skipped);
        assert!(matches!(&imported.skipped[0], Skipped::Scheme { .. }));
        assert!(
            imported.skipped[0]
                .to_string()
                .ends_with(": only http and https feeds can be polled")
        );
        assert!(matches!(&imported.skipped[1], Skipped::Twice { .. }));
        assert!(imported.skipped[1].to_string().ends_with(": listed twice"));
        // What it prints is a valid configuration.
        let config = crate::config::Config::parse(&imported.toml, std::path::Path::new("c.toml"));
        assert!(config.is_ok(), "{:?}", config.err());
    }

    /// A hundred thousand outlines with one title (and a title that reads
    /// like one of the numbered ids) all get ids, each its own.
    #[test]
    fn many_outlines_with_one_title_get_distinct_ids() {
        let mut opml = String::from("<opml><body><outline text=\"News 3\" xmlUrl=\"https://n.example/x\"/>");
        for i in 0..100_000 {
            opml.push_str(&format!(
                "<outline text=\"News\" xmlUrl=\"https://feeds{i}.example/rss\"/>"
            ));
        }
        opml.push_str("</body></opml>");
        let imported = opml_to_sources(&opml).unwrap();
        let ids: Vec<&str> = imported
            .toml
            .lines()
            .filter_map(|l| l.strip_prefix("[sources.")?.strip_suffix(']'))
            .collect();
        assert_eq!(ids.len(), 100_001);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 100_001);
        assert_eq!(&ids[..4], ["news-3", "news", "news-2", "news-4"]);
        assert_eq!(ids[100_000], "news-100001");
    }

    #[test]
    fn broken_or_empty_files_are_errors() {
        assert!(matches!(
            opml_to_sources("<opml><body></body></opml>"),
            Err(Error::Empty)
        ));
        assert!(matches!(
            opml_to_sources("<opml><body><outline></body>"),
            Err(Error::Xml { .. })
        ));
    }
}
