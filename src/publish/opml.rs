//! OPML 2.0 listing the configured sources, for people who want to
//! subscribe to the originals in their own reader.

use super::escape;

pub(crate) const OPML_CONTENT_TYPE: &str = "text/x-opml; charset=utf-8";

/// One source as the OPML lists it.
pub(crate) struct OpmlSource<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub language: Option<&'a str>,
}

pub(crate) fn opml(title: &str, sources: &[OpmlSource<'_>]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n  <head>\n");
    out.push_str(&format!("    <title>{}</title>\n  </head>\n  <body>\n", escape(title)));
    for s in sources {
        let language = s
            .language
            .map(|l| format!(" language=\"{}\"", escape(l)))
            .unwrap_or_default();
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"{language}/>\n",
            escape(s.title),
            escape(s.url)
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}
