//! Which notification channels a poll's new items are queued for, in the
//! ingest's transaction, and which of them wait for their articles
//! (`full_text` sources): those are queued for every channel their tags
//! may yet reach, and the delivery decides on the tags they then have.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::Error;
use super::ingest::{entry_id, timestamp};
use crate::model::{Route, SourceId, TaggedItem};

/// How a `full_text` source's new items wait for their articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFetch {
    /// How long a new item's notification waits for its article (zero:
    /// it goes out with the feed's tags at once).
    pub wait: std::time::Duration,
}

/// On a source's first poll, only this many of its newest items have
/// their articles fetched: the rest is history.
pub const FIRST_POLL_ARTICLES: usize = 20;

/// Where a poll's new items may be announced.
pub(super) struct Outbox<'a> {
    pub routes: &'a [Route],
    pub baseline: bool,
    pub source: &'a SourceId,
    /// New items with a link wait for their articles before they are queued.
    pub full_text: bool,
}

impl Outbox<'_> {
    /// One row per channel that wants this new item, in this transaction.
    /// An item `awaiting` its article until then is queued for every
    /// channel its tags may yet reach; the delivery decides on the tags
    /// it then has.
    pub(super) fn queue(
        &self,
        tx: &Connection,
        row_id: i64,
        tagged: &TaggedItem,
        now: DateTime<Utc>,
        awaiting: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        let routes = self.routes.iter().filter(|r| r.backlog || !self.baseline);
        let language = tagged.item.language.as_deref();
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox (channel, item_id, idempotency_key, created_at, next_attempt_at,
                                           awaiting_text_until)
             SELECT ?1, ?2, ?3, ?4, ?4, ?5",
        )?;
        let wanted = |r: &&Route| match awaiting {
            Some(_) => r.may_want(self.source, language),
            None => r.wants(&tagged.matches, self.source, language),
        };
        for route in routes.filter(wanted) {
            let entry_id = entry_id(self.source.as_str(), &tagged.item.key);
            let key = crate::model::name_urn(&["thbwatch notification", &route.channel, &entry_id]);
            insert.execute(params![
                route.channel,
                row_id,
                key,
                timestamp(now),
                awaiting.map(timestamp)
            ])?;
        }
        Ok(())
    }
}

/// The new items of a `full_text` source: each one's article is wanted
/// (on the source's first poll, only the newest
/// [`FIRST_POLL_ARTICLES`]), and its notification waits for it; the
/// others are queued as they are.
pub(super) fn want_articles(
    tx: &Connection,
    outbox: &Outbox<'_>,
    mut awaiting: Vec<(i64, &TaggedItem)>,
    fetch: TextFetch,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut rest = Vec::new();
    if outbox.baseline && awaiting.len() > FIRST_POLL_ARTICLES {
        // Newest first; undated items count as new (the poll dates them).
        awaiting.sort_by_key(|(_, t)| std::cmp::Reverse(t.item.published.or(t.item.updated).unwrap_or(now)));
        rest = awaiting.split_off(FIRST_POLL_ARTICLES);
    }
    let until = chrono::Duration::from_std(fetch.wait)
        .ok()
        .filter(|wait| !wait.is_zero())
        .and_then(|wait| now.checked_add_signed(wait));
    for (row, tagged) in awaiting {
        if let Some(link) = &tagged.item.link {
            super::texts::want(tx, row, outbox.source.as_str(), link, now)?;
        }
        outbox.queue(tx, row, tagged, now, until)?;
    }
    for (row, tagged) in rest {
        outbox.queue(tx, row, tagged, now, None)?;
    }
    Ok(())
}
