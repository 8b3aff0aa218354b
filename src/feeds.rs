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
    /// `/search.atom`: every item, as the filters narrow it (the search
    /// page's feed).
    Search,
}

/// The document format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Atom,
    /// JSON Feed 1.1.
    Json,
    /// The page people read in a browser.
    Html,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Json => "json",
            Format::Html => "html",
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
    /// `?q=text`: items whose title or summary match the search
    /// ([`crate::search`]).
    pub q: Option<String>,
    /// `?tag=trafficking`: items with this tag.
    pub tag: Option<String>,
    /// `?source=lv`: items of this source.
    pub source: Option<String>,
    /// `?from=2026-01-01`: items dated on or after this day (UTC).
    pub from: Option<String>,
    /// `?to=2026-12-31`: items dated on or before this day (UTC).
    pub to: Option<String>,
    /// `?before=CURSOR`: the page after the one that ended there.
    pub before: Option<String>,
}

impl Filters {
    /// Reads the known parameters; others are ignored, empty ones too.
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Filters {
        let mut filters = Filters::default();
        for (key, value) in pairs {
            let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key {
                "lang" => filters.lang = value.map(|v| crate::lang::primary(&v)),
                "country" => filters.country = value.map(|v| v.to_ascii_lowercase()),
                "q" => filters.q = value,
                "tag" => filters.tag = value,
                "source" => filters.source = value,
                "from" => filters.from = value,
                "to" => filters.to = value,
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
            ("tag", &self.tag),
            ("source", &self.source),
            ("from", &self.from),
            ("to", &self.to),
            ("before", &before.cloned()),
        ] {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        let query = query.finish();
        if query.is_empty() { query } else { format!("?{query}") }
    }

    /// Whether any filter narrows the feed (the page is then no longer
    /// the whole feed).
    pub(crate) fn narrowing(&self) -> bool {
        [
            &self.lang,
            &self.country,
            &self.q,
            &self.tag,
            &self.source,
            &self.from,
            &self.to,
        ]
        .iter()
        .any(|f| f.is_some())
    }

    /// The search, when there is one; the error says what is wrong.
    pub(crate) fn search(&self) -> Result<Option<crate::search::Search>, FilterError> {
        match &self.q {
            None => Ok(None),
            Some(q) => crate::search::parse(q)
                .map(Some)
                .map_err(|source| FilterError::Search { q: q.clone(), source }),
        }
    }

    /// The date range as store times (`to` is inclusive: up to the next
    /// day); the error names the bad parameter.
    pub(crate) fn dates(&self) -> Result<(Option<String>, Option<String>), FilterError> {
        let day = |name: &'static str, value: &Option<String>, next: bool| {
            let Some(value) = value else { return Ok(None) };
            let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|source| FilterError::Date {
                name,
                value: value.clone(),
                source,
            })?;
            let date = if next { date.succ_opt().unwrap_or(date) } else { date };
            Ok(Some(format!("{date}T00:00:00Z")))
        };
        Ok((day("from", &self.from, false)?, day("to", &self.to, true)?))
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
    pub(crate) fn parse(path: &str, filters: Filters) -> Option<Request> {
        let (stem, format) = match path.rsplit_once('.') {
            Some((stem, "atom")) => (stem, Format::Atom),
            Some((stem, "json")) => (stem, Format::Json),
            Some((stem, "html")) => (stem, Format::Html),
            // The search page's short address.
            None if path == "search" => (path, Format::Html),
            _ => return None,
        };
        let feed = match stem.split_once('/') {
            None if stem == "feed" => Feed::Tagged,
            None if stem == "all" => Feed::All,
            None if stem == "search" => Feed::Search,
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
    pub(crate) fn path(&self) -> String {
        let stem = match &self.feed {
            Feed::Tagged => "feed".to_string(),
            Feed::All => "all".to_string(),
            Feed::Tag(tag) => format!("tags/{tag}"),
            Feed::Source(id) => format!("sources/{id}"),
            Feed::Search => "search".to_string(),
        };
        format!("{stem}.{}", self.format.extension())
    }

    /// This request in another format (the same feed and filters).
    pub(crate) fn with_format(&self, format: Format) -> Request {
        Request { format, ..self.clone() }
    }

    /// The path and query: what a cached copy is known by.
    pub(crate) fn key(&self) -> String {
        format!("{}{}", self.path(), self.filters.query_string(true))
    }

    fn title(&self, base: &str, settings: &Settings) -> String {
        let mut title = match &self.feed {
            Feed::Tagged => base.to_string(),
            Feed::All => format!("{base} (all items)"),
            Feed::Search => format!("{base}: search"),
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
        for (what, value) in [
            ("language", &f.lang),
            ("country", &f.country),
            ("search", &f.q),
            ("tag", &f.tag),
            ("source", &f.source),
            ("from", &f.from),
            ("to", &f.to),
        ] {
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
            // Checked before rendering ([`check`]): an invalid one is a 400.
            search: f.search().ok().flatten().map(|s| s.fts()),
            before: f.before.clone(),
            ..EntryQuery::default()
        };
        if let Ok((since, until)) = f.dates() {
            (query.since, query.until) = (since, until);
        }
        query.tag = f.tag.clone();
        query.source = f.source.as_deref().map(SourceId::new);
        if let Some(country) = &f.country {
            let ids = settings
                .sources
                .iter()
                .filter(|s| s.country.as_deref() == Some(country.as_str()));
            query.sources_in = Some(ids.map(|s| s.id.clone()).collect());
        }
        match &self.feed {
            Feed::Tagged => query.tagged_only = true,
            Feed::All | Feed::Search => {}
            // A tag's or source's feed narrowed to another tag or source
            // holds nothing: the SQL gets both conditions.
            Feed::Tag(tag) => {
                if query.tag.as_ref().is_some_and(|t| t != tag) {
                    query.sources_in = Some(Vec::new());
                }
                query.tag = Some(tag.clone());
            }
            Feed::Source(id) => {
                if query.source.as_ref().is_some_and(|s| s != id) {
                    query.sources_in = Some(Vec::new());
                }
                query.source = Some(id.clone());
            }
        }
        query
    }
}

/// A tag or source that a feed names and the configuration does not
/// have; the message lists what it has.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unknown {
    #[error("no tag named {tag:?} (configured: {configured})")]
    Tag { tag: String, configured: String },
    #[error("no source with id {id:?} (configured: {configured})")]
    Source { id: String, configured: String },
}

/// A filter of a request that cannot be run; the message names it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FilterError {
    #[error("tag={tag:?}: {source}")]
    Tag { tag: String, source: Unknown },
    #[error("source={id:?}: {source}")]
    Source { id: String, source: Unknown },
    #[error("q={q:?} {source}")]
    Search { q: String, source: crate::search::Invalid },
    #[error("{name}={value:?} is not a date like 2026-11-27")]
    Date {
        name: &'static str,
        value: String,
        source: chrono::ParseError,
    },
}

/// Whether the configuration has the tag or source a feed names; the
/// error explains what exists.
pub(crate) fn check(settings: &Settings, feed: &Feed) -> Result<(), Unknown> {
    let names = |names: Vec<&str>| {
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    match feed {
        Feed::Tag(tag) if !settings.tags.iter().any(|t| &t.name == tag) => Err(Unknown::Tag {
            tag: tag.clone(),
            configured: names(settings.tags.iter().map(|t| t.name.as_str()).collect()),
        }),
        Feed::Source(id) if !settings.sources.iter().any(|s| &s.id == id) => Err(Unknown::Source {
            id: id.as_str().to_string(),
            configured: names(settings.sources.iter().map(|s| s.id.as_str()).collect()),
        }),
        _ => Ok(()),
    }
}

/// Whether a request's filters can be run: a known tag and source, a
/// search that parses, dates; the error says what is wrong.
pub(crate) fn check_filters(settings: &Settings, filters: &Filters) -> Result<(), FilterError> {
    if let Some(tag) = &filters.tag {
        check(settings, &Feed::Tag(tag.clone())).map_err(|source| FilterError::Tag {
            tag: tag.clone(),
            source,
        })?;
    }
    if let Some(id) = &filters.source {
        check(settings, &Feed::Source(SourceId::new(id.as_str())))
            .map_err(|source| FilterError::Source { id: id.clone(), source })?;
    }
    filters.search()?;
    filters.dates()?;
    Ok(())
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Store(#[from] store::Error),
    /// Rendering (off the runtime) panicked: a bug.
    #[error("rendering failed: {0}")]
    Crashed(#[source] tokio::task::JoinError),
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
) -> Result<Document, RenderError> {
    let mut entries = store.entries(request.query(settings)).await?;
    let more = entries.len() > settings.max_entries;
    entries.truncate(settings.max_entries);
    // Only a document without entries shows the store's last change.
    let store_changed = match entries.iter().map(|e| e.updated).max() {
        Some(newest) => newest,
        None => store.last_change().await?,
    };
    let last = more.then(|| entries.last()).flatten();
    if request.format == Format::Html {
        let page = html_parts(settings, request, origin, last);
        let settings = settings.clone();
        let render = move || Document {
            body: page.render(&settings, &entries),
            content_type: publish::HTML_CONTENT_TYPE,
        };
        return tokio::task::spawn_blocking(render).await.map_err(RenderError::Crashed);
    }
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
            Format::Json | Format::Html => Document {
                body: publish::json_feed(&info, &entries),
                content_type: publish::JSON_FEED_CONTENT_TYPE,
            },
        }
    };
    tokio::task::spawn_blocking(render).await.map_err(RenderError::Crashed)
}

/// Where the site's paths start: `[server] base_url`, else the address
/// the request came to, else "/".
pub(crate) fn prefix(settings: &Settings, origin: Option<&Url>) -> String {
    settings
        .base_url
        .as_ref()
        .or(origin)
        .map_or_else(|| "/".to_string(), Url::to_string)
}

/// The languages the search form offers: thbwatch's twelve and any other
/// a source is configured with.
fn languages(settings: &Settings) -> Vec<String> {
    let mut out: Vec<String> = ["da", "de", "en", "et", "fi", "is", "lt", "lv", "no", "pl", "ru", "sv"]
        .iter()
        .map(|l| l.to_string())
        .collect();
    for language in settings.sources.iter().filter_map(|s| s.language.as_deref()) {
        let primary = crate::lang::primary(language);
        if !out.contains(&primary) {
            out.push(primary);
        }
    }
    out.sort();
    out
}

/// What a feed's page shows besides its entries.
struct HtmlParts {
    title: String,
    prefix: String,
    atom_url: String,
    json_url: String,
    next_url: Option<String>,
    first_url: Option<String>,
    search: Option<crate::search::Search>,
    form: Option<publish::pages::SearchForm>,
    searched: bool,
}

impl HtmlParts {
    fn render(&self, settings: &Settings, entries: &[Entry]) -> String {
        publish::pages::list_page(&publish::pages::ListPage {
            site_title: &settings.title,
            title: &self.title,
            prefix: &self.prefix,
            atom_url: self.atom_url.clone(),
            json_url: self.json_url.clone(),
            next_url: self.next_url.clone(),
            first_url: self.first_url.clone(),
            entries,
            tags: &settings.tags,
            search: self.search.as_ref(),
            form: self.form.clone(),
            searched: self.searched,
        })
    }
}

/// A feed page's title, links and form.
fn html_parts(settings: &Settings, request: &Request, origin: Option<&Url>, last: Option<&Entry>) -> HtmlParts {
    let prefix = prefix(settings, origin);
    let f = &request.filters;
    let without_before = f.query_string(false);
    let address = |format: Format| format!("{prefix}{}{without_before}", request.with_format(format).path());
    let html_path = match request.feed {
        // The search page's short address.
        Feed::Search => "search".to_string(),
        _ => request.path(),
    };
    let next_url = last.map(|entry| {
        let mut next = f.clone();
        next.before = Some(entry.cursor.clone());
        format!("{prefix}{html_path}{}", next.query_string(true))
    });
    let first_url = f
        .before
        .as_ref()
        .map(|_| format!("{prefix}{html_path}{without_before}"));
    let mut title = match &request.feed {
        Feed::Tagged => "Tagged items".to_string(),
        Feed::All => "All items".to_string(),
        Feed::Search => "Search".to_string(),
        Feed::Tag(tag) => format!("Tag: {}", publish::pages::label(&settings.tags, tag)),
        Feed::Source(id) => {
            let name = settings.sources.iter().find(|s| &s.id == id).map(|s| s.title.clone());
            format!("Source: {}", name.unwrap_or_else(|| id.to_string()))
        }
    };
    let mut narrowed = Vec::new();
    if let Some(q) = &f.q {
        narrowed.push(format!("“{q}”"));
    }
    if let Some(tag) = &f.tag {
        narrowed.push(format!("tag {}", publish::pages::label(&settings.tags, tag)));
    }
    for (what, value) in [
        ("source", &f.source),
        ("language", &f.lang),
        ("country", &f.country),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if let Some(value) = value {
            narrowed.push(format!("{what} {value}"));
        }
    }
    if !narrowed.is_empty() {
        title.push_str(&format!(" ({})", narrowed.join(", ")));
    }
    let form = (request.feed == Feed::Search).then(|| {
        let mut countries: Vec<String> = settings.sources.iter().filter_map(|s| s.country.clone()).collect();
        countries.sort();
        countries.dedup();
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        publish::pages::SearchForm {
            q: value(&f.q),
            tag: value(&f.tag),
            source: value(&f.source),
            country: value(&f.country),
            lang: value(&f.lang),
            from: value(&f.from),
            to: value(&f.to),
            tags: settings
                .tags
                .iter()
                .map(|t| (t.name.clone(), t.label.clone().unwrap_or_else(|| t.name.clone())))
                .collect(),
            sources: settings
                .sources
                .iter()
                .map(|s| (s.id.to_string(), s.title.clone()))
                .collect(),
            countries,
            languages: languages(settings),
        }
    });
    HtmlParts {
        title,
        atom_url: address(Format::Atom),
        json_url: address(Format::Json),
        next_url,
        first_url,
        search: f.search().ok().flatten(),
        form,
        searched: f.narrowing(),
        prefix,
    }
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
        tags: &[],
        tag_scheme: at("tags/").unwrap_or_else(|| publish::TAG_SCHEME.to_string()),
        store_changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_tag_or_source_names_those_configured() {
        let settings = Settings {
            title: "t".into(),
            max_entries: 10,
            base_url: None,
            tags: ["trafficking", "smuggling"]
                .map(|name| TagInfo {
                    name: name.into(),
                    label: None,
                })
                .into(),
            sources: Vec::new(),
        };
        let unknown = check(&settings, &Feed::Tag("nope".into())).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "no tag named \"nope\" (configured: trafficking, smuggling)"
        );
        let unknown = check(&settings, &Feed::Source(SourceId::new("b"))).unwrap_err();
        assert_eq!(unknown.to_string(), "no source with id \"b\" (configured: none)");
        assert_eq!(check(&settings, &Feed::Tag("smuggling".into())), Ok(()));
    }

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
