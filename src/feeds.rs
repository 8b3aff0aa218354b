//! The published feeds: which entries a request shows (feed, filters,
//! page), its id and links, rendered through [`crate::publish`]. Shared by
//! the HTTP server and `thbwatch export`, so both give the same document.

use url::Url;

use crate::model::{Entry, SourceId, name_urn};
use crate::publish::{self, FeedInfo, TagInfo};
use crate::store::{self, EntryQuery, Store};

/// What the published feeds need from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub title: String,
    pub max_entries: usize,
    pub base_url: Option<Url>,
    pub tags: Vec<TagInfo>,
    pub sources: Vec<SourceInfo>,
}

/// A configured source as the feeds need it.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub id: SourceId,
    pub title: String,
    pub url: String,
    pub country: Option<String>,
    pub language: Option<String>,
}

/// One published feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feed {
    /// `/feed.atom`: tagged items only.
    Tagged,
    /// `/all.atom`: every item.
    All,
    /// Items with one tag.
    Tag(String),
    /// Items of one source.
    Source(SourceId),
}

/// The document format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }
}

/// The optional filters every feed takes, from its query string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// `?lang=lv`: items in this language.
    pub lang: Option<String>,
    /// `?country=lv`: items of sources configured with this country.
    pub country: Option<String>,
    /// `?q=text`: items whose title or summary contains the text.
    pub q: Option<String>,
    /// `?before=CURSOR`: the page after the one that ended there.
    pub before: Option<String>,
}

impl Filters {
    /// Reads the known parameters; others are ignored, empty ones too.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Filters {
        let mut filters = Filters::default();
        for (key, value) in pairs {
            let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key {
                "lang" => filters.lang = value.map(|v| crate::lang::primary(&v)),
                "country" => filters.country = value.map(|v| v.to_ascii_lowercase()),
                "q" => filters.q = value,
                "before" => filters.before = value,
                _ => {}
            }
        }
        filters
    }

    /// The query string in a fixed order (`?lang=…&country=…`), or "".
    fn query_string(&self, with_before: bool) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let before = self.before.as_ref().filter(|_| with_before);
        for (key, value) in [
            ("lang", &self.lang),
            ("country", &self.country),
            ("q", &self.q),
            ("before", &before.cloned()),
        ] {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        let query = query.finish();
        if query.is_empty() { query } else { format!("?{query}") }
    }
}

/// A feed, a format and filters: one requested document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub feed: Feed,
    pub format: Format,
    pub filters: Filters,
}

impl Request {
    /// The request for a path (without its leading `/`), if it names a feed.
    pub fn parse(path: &str, filters: Filters) -> Option<Request> {
        let (stem, format) = match path.rsplit_once('.')? {
            (stem, "atom") => (stem, Format::Atom),
            (stem, "json") => (stem, Format::Json),
            _ => return None,
        };
        let feed = match stem.split_once('/') {
            None if stem == "feed" => Feed::Tagged,
            None if stem == "all" => Feed::All,
            Some(("tags", tag)) if !tag.is_empty() && !tag.contains('/') => Feed::Tag(tag.to_string()),
            Some(("sources", id)) if !id.is_empty() && !id.contains('/') => Feed::Source(SourceId::new(id)),
            _ => return None,
        };
        Some(Request { feed, format, filters })
    }

    pub fn atom(feed: Feed) -> Request {
        Request {
            feed,
            format: Format::Atom,
            filters: Filters::default(),
        }
    }

    /// The path this document is served at, without query.
    pub fn path(&self) -> String {
        let stem = match &self.feed {
            Feed::Tagged => "feed".to_string(),
            Feed::All => "all".to_string(),
            Feed::Tag(tag) => format!("tags/{tag}"),
            Feed::Source(id) => format!("sources/{id}"),
        };
        format!("{stem}.{}", self.format.extension())
    }

    /// The path and query: what a cached copy is known by.
    pub fn key(&self) -> String {
        format!("{}{}", self.path(), self.filters.query_string(true))
    }

    fn title(&self, base: &str, settings: &Settings) -> String {
        let mut title = match &self.feed {
            Feed::Tagged => base.to_string(),
            Feed::All => format!("{base} (all items)"),
            Feed::Tag(tag) => {
                let label = settings
                    .tags
                    .iter()
                    .find(|t| &t.name == tag)
                    .and_then(|t| t.label.clone());
                format!("{base}: {}", label.unwrap_or_else(|| tag.clone()))
            }
            Feed::Source(id) => {
                let name = settings.sources.iter().find(|s| &s.id == id).map(|s| s.title.clone());
                format!("{base}: {}", name.unwrap_or_else(|| id.to_string()))
            }
        };
        let f = &self.filters;
        for (what, value) in [("language", &f.lang), ("country", &f.country), ("search", &f.q)] {
            if let Some(value) = value {
                title.push_str(&format!(" [{what}: {value}]"));
            }
        }
        title
    }

    fn query(&self, settings: &Settings) -> EntryQuery {
        let f = &self.filters;
        let mut query = EntryQuery {
            // One more than a page: whether there is a next page.
            limit: settings.max_entries + 1,
            language: f.lang.clone(),
            search: f
                .q
                .as_deref()
                .map(|q| crate::fold::fold(q).trim().to_string())
                .filter(|q| !q.is_empty()),
            before: f.before.clone(),
            ..EntryQuery::default()
        };
        if let Some(country) = &f.country {
            let ids = settings
                .sources
                .iter()
                .filter(|s| s.country.as_deref() == Some(country.as_str()));
            query.sources_in = Some(ids.map(|s| s.id.clone()).collect());
        }
        match &self.feed {
            Feed::Tagged => query.tagged_only = true,
            Feed::All => {}
            Feed::Tag(tag) => query.tag = Some(tag.clone()),
            Feed::Source(id) => query.source = Some(id.clone()),
        }
        query
    }
}

/// Whether the configuration has the tag or source a feed names; the
/// error explains what exists.
pub fn check(settings: &Settings, feed: &Feed) -> Result<(), String> {
    let names = |names: Vec<&str>| {
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    match feed {
        Feed::Tag(tag) if !settings.tags.iter().any(|t| &t.name == tag) => Err(format!(
            "no tag named {tag:?} (configured: {})",
            names(settings.tags.iter().map(|t| t.name.as_str()).collect())
        )),
        Feed::Source(id) if !settings.sources.iter().any(|s| &s.id == id) => Err(format!(
            "no source with id {:?} (configured: {})",
            id.as_str(),
            names(settings.sources.iter().map(|s| s.id.as_str()).collect())
        )),
        _ => Ok(()),
    }
}

/// A rendered document.
#[derive(Clone, Debug)]
pub struct Document {
    pub body: String,
    pub content_type: &'static str,
}

/// Reads the entries a request shows and renders its document. Links are
/// made absolute against `[server] base_url`, else against `origin` (the
/// address the request came to), else left out.
pub async fn render(
    store: &Store,
    settings: &Settings,
    request: &Request,
    origin: Option<&Url>,
) -> Result<Document, store::Error> {
    let mut entries = store.entries(request.query(settings)).await?;
    let more = entries.len() > settings.max_entries;
    entries.truncate(settings.max_entries);
    // Only a document without entries shows the store's last change.
    let store_changed = match entries.iter().map(|e| e.updated).max() {
        Some(newest) => newest,
        None => store.last_change().await?,
    };
    let last = more.then(|| entries.last()).flatten();
    let info_parts = links(settings, request, origin, last, store_changed);
    let title = request.title(&settings.title, settings);
    let (tags, format) = (settings.tags.clone(), request.format);
    // Sanitising and rendering are CPU work: off the runtime's threads.
    let render = move || {
        let info = FeedInfo {
            title: &title,
            tags: &tags,
            ..info_parts
        };
        match format {
            Format::Atom => Document {
                body: publish::atom(&info, &entries),
                content_type: publish::ATOM_CONTENT_TYPE,
            },
            Format::Json => Document {
                body: publish::json_feed(&info, &entries),
                content_type: publish::JSON_FEED_CONTENT_TYPE,
            },
        }
    };
    tokio::task::spawn_blocking(render)
        .await
        .map_err(|e| store::Error::Sqlite(format!("rendering failed: {e}").into()))
}

/// The id and links of a document; `last` is the last entry shown when
/// there are older ones.
fn links(
    settings: &Settings,
    request: &Request,
    origin: Option<&Url>,
    last: Option<&Entry>,
    store_changed: chrono::DateTime<chrono::Utc>,
) -> FeedInfo<'static> {
    let path = request.path();
    let base = settings.base_url.as_ref().or(origin);
    let at = |path_and_query: &str| base.and_then(|b| b.join(path_and_query).ok()).map(String::from);
    let without_before = request.filters.query_string(false);
    // The feed's identity: its address when the public one is configured,
    // else a name that stays the same as long as its path and filters do.
    // Every page of a feed has the same id.
    let id = match &settings.base_url {
        Some(base_url) => base_url
            .join(&format!("{path}{without_before}"))
            .map(String::from)
            .unwrap_or_default(),
        None => name_urn(&["thbwatch feed", &format!("{path}{without_before}")]),
    };
    let next_url = last.and_then(|entry| {
        let mut next = request.filters.clone();
        next.before = Some(entry.cursor.clone());
        at(&format!("{path}{}", next.query_string(true)))
    });
    FeedInfo {
        title: "",
        id,
        self_url: at(&request.key()),
        first_url: request
            .filters
            .before
            .as_ref()
            .and_then(|_| at(&format!("{path}{without_before}"))),
        next_url,
        home_url: at(""),
        stylesheet: match request.format {
            Format::Atom => Some(at("feed.xsl").unwrap_or_else(|| "/feed.xsl".to_string())),
            Format::Json => None,
        },
        tags: &[],
        tag_scheme: at("tags/").unwrap_or_else(|| publish::TAG_SCHEME.to_string()),
        store_changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_feeds_formats_and_nothing_else() {
        let none = Filters::default;
        assert_eq!(Request::parse("feed.atom", none()).unwrap().feed, Feed::Tagged);
        assert_eq!(Request::parse("all.json", none()).unwrap().format, Format::Json);
        assert_eq!(
            Request::parse("tags/smuggling.atom", none()).unwrap().feed,
            Feed::Tag("smuggling".into())
        );
        assert_eq!(
            Request::parse("sources/lv-interior.json", none()).unwrap().feed,
            Feed::Source(SourceId::new("lv-interior"))
        );
        for bad in [
            "feed.xml",
            "tags/.atom",
            "tags/a/b.atom",
            "other.atom",
            "feed",
            "sources.atom",
        ] {
            assert_eq!(Request::parse(bad, none()), None, "{bad}");
        }
    }

    #[test]
    fn filters_keep_a_fixed_order_in_links() {
        let filters = Filters::from_pairs([("q", "cilvēku"), ("lang", "LV"), ("x", "1"), ("country", "")]);
        assert_eq!(filters.lang.as_deref(), Some("lv"));
        assert_eq!(filters.country, None);
        let request = Request::parse("feed.atom", filters).unwrap();
        assert_eq!(request.key(), "feed.atom?lang=lv&q=cilv%C4%93ku");
    }
}
