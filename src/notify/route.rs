//! Which channels a poll's items go to: each channel's filters (tags,
//! sources, languages, backlog) applied to each item before the poll is
//! written, so the ingest only writes what was decided here, as plain
//! data, in the transaction that stores the items.

use crate::config::Channel;
use crate::model::{Match, SourceId, TaggedItem};
use crate::store::{Recipient, Recipients};

/// Which new items a notification channel is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub channel: String,
    /// Any of these tags (empty: any tag at all).
    pub tags: Vec<String>,
    /// Only these sources (empty: all).
    pub sources: Vec<SourceId>,
    /// Only these languages, primary subtags (empty: all).
    pub languages: Vec<String>,
    /// Also what a new source's first poll finds.
    pub backlog: bool,
}

/// What a channel takes from the polls.
pub(crate) fn route(channel: &Channel) -> Route {
    Route {
        channel: channel.name.clone(),
        tags: channel.tags.clone(),
        sources: channel.sources.clone(),
        languages: channel.languages.clone(),
        backlog: channel.notify_backlog,
    }
}

impl Route {
    /// Whether an item with these matches, from this source, in this
    /// language, goes to the channel. Untagged items never do.
    pub(crate) fn wants(&self, matches: &[Match], source: &SourceId, language: Option<&str>) -> bool {
        let tagged = match self.tags.is_empty() {
            true => !matches.is_empty(),
            false => matches.iter().any(|m| self.tags.contains(&m.tag)),
        };
        tagged && self.may_want(source, language)
    }

    /// Whether an item from this source in this language would go to the
    /// channel once tagged (what an item still waiting for its article is
    /// queued on).
    pub(crate) fn may_want(&self, source: &SourceId, language: Option<&str>) -> bool {
        let language_ok =
            self.languages.is_empty() || language.is_some_and(|l| self.languages.contains(&crate::lang::primary(l)));
        (self.sources.is_empty() || self.sources.contains(source)) && language_ok
    }

    fn recipient(&self) -> Recipient {
        Recipient {
            channel: self.channel.clone(),
            backlog: self.backlog,
        }
    }
}

/// Every channel's route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Routes(Vec<Route>);

impl FromIterator<Route> for Routes {
    fn from_iter<I: IntoIterator<Item = Route>>(routes: I) -> Routes {
        Routes(routes.into_iter().collect())
    }
}

impl Routes {
    /// The channels each of a poll's items goes to, in the items' order:
    /// those its tags reach now, and for a `full_text` source (whose new
    /// items wait for their articles) those it may reach once its article
    /// is in. Whether an item is new, and whether the poll is its source's
    /// first, only the ingest knows: it picks from these.
    pub(crate) fn recipients(&self, source: &SourceId, items: &[TaggedItem], full_text: bool) -> Vec<Recipients> {
        if self.0.is_empty() {
            return Vec::new();
        }
        items
            .iter()
            .map(|tagged| {
                let language = tagged.item.language.as_deref();
                let to = |wanted: &dyn Fn(&Route) -> bool| -> Vec<Recipient> {
                    self.0.iter().filter(|r| wanted(r)).map(Route::recipient).collect()
                };
                Recipients {
                    now: to(&|r| r.wants(&tagged.matches, source, language)),
                    later: match full_text {
                        true => to(&|r| r.may_want(source, language)),
                        false => Vec::new(),
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, Item};

    fn route(channel: &str, tags: &[&str], languages: &[&str], backlog: bool) -> Route {
        Route {
            channel: channel.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            sources: Vec::new(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
            backlog,
        }
    }

    fn item(tags: &[&str], language: &str) -> TaggedItem {
        let matches = tags
            .iter()
            .map(|tag| Match {
                tag: tag.to_string(),
                term: "t".into(),
                field: Field::Title,
                end_field: None,
                text: "t".into(),
                snippet: "t".into(),
            })
            .collect();
        let item = Item {
            language: Some(language.into()),
            ..Item::default()
        };
        crate::normalize::tagged(item, matches)
    }

    fn to(channels: &[(&str, bool)]) -> Vec<Recipient> {
        channels
            .iter()
            .map(|(channel, backlog)| Recipient {
                channel: channel.to_string(),
                backlog: *backlog,
            })
            .collect()
    }

    /// Each item gets the channels its tags and language reach; an item
    /// of a `full_text` source also those its article may yet make it reach.
    #[test]
    fn items_go_to_the_channels_their_tags_and_language_reach() {
        let routes: Routes = [
            route("all", &[], &[], true),
            route("forced", &["forced-labour"], &[], false),
            route("latvian", &[], &["lv"], false),
        ]
        .into_iter()
        .collect();
        let source = SourceId::new("iem");
        let items = [
            item(&["trafficking"], "lv-LV"),
            item(&["forced-labour"], "en"),
            item(&[], "lv"),
        ];
        let plain = routes.recipients(&source, &items, false);
        assert_eq!(plain[0].now, to(&[("all", true), ("latvian", false)]));
        assert_eq!(plain[1].now, to(&[("all", true), ("forced", false)]));
        assert_eq!(plain[2].now, to(&[]));
        assert!(plain.iter().all(|r| r.later.is_empty()));
        let articles = routes.recipients(&source, &items, true);
        assert_eq!(
            articles[2].later,
            to(&[("all", true), ("forced", false), ("latvian", false)])
        );
        assert_eq!(articles[1].later, to(&[("all", true), ("forced", false)]));
        assert!(Routes::default().recipients(&source, &items, true).is_empty());
    }
}
