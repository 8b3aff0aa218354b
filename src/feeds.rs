//! The published feeds: which entries each one shows, its id and self
//! link, rendered through [`crate::publish`]. Shared by the HTTP server
//! and `thbwatch export`, so both give the same document.

use url::Url;

use crate::model::{SourceId, name_urn};
use crate::publish::{self, FeedInfo};
use crate::store::{self, EntryQuery, Store};

/// What the published feeds need from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub title: String,
    pub max_entries: usize,
    pub base_url: Option<Url>,
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

impl Feed {
    /// The path the server serves this feed at.
    pub fn path(&self) -> String {
        match self {
            Feed::Tagged => "feed.atom".to_string(),
            Feed::All => "all.atom".to_string(),
            Feed::Tag(tag) => format!("tags/{tag}.atom"),
            Feed::Source(id) => format!("sources/{id}.atom"),
        }
    }

    fn title(&self, base: &str) -> String {
        match self {
            Feed::Tagged => base.to_string(),
            Feed::All => format!("{base} (all items)"),
            Feed::Tag(tag) => format!("{base}: {tag}"),
            Feed::Source(id) => format!("{base}: source {id}"),
        }
    }

    fn query(&self, limit: usize) -> EntryQuery {
        let mut query = EntryQuery {
            limit,
            ..EntryQuery::default()
        };
        match self {
            Feed::Tagged => query.tagged_only = true,
            Feed::All => {}
            Feed::Tag(tag) => query.tag = Some(tag.clone()),
            Feed::Source(id) => query.source = Some(id.clone()),
        }
        query
    }
}

/// Reads the feed's entries and renders its Atom document.
pub async fn render(store: &Store, settings: &Settings, feed: &Feed) -> Result<String, store::Error> {
    let entries = store.entries(feed.query(settings.max_entries)).await?;
    let path = feed.path();
    let self_url = settings
        .base_url
        .as_ref()
        .and_then(|base| base.join(&path).ok())
        .map(String::from);
    let info = FeedInfo {
        title: &feed.title(&settings.title),
        // With a public address the feed is known by its URL; without one,
        // by a name that stays the same as long as its path does.
        id: self_url.clone().unwrap_or_else(|| name_urn(&["thbwatch feed", &path])),
        self_url,
    };
    Ok(publish::atom(&info, &entries))
}
