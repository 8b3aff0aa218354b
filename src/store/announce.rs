//! A poll's new items queued for their notification channels, in the
//! ingest's transaction, and which of them wait for their articles
//! (`full_text` sources): those are queued for every channel their tags
//! may yet reach, and the delivery decides on the tags they then have.
//! Which channels want an item is decided before the write (by
//! `notify`); here only what the transaction knows is applied: whether
//! the item is new, and whether this is its source's first poll.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::Error;
use super::ingest::{entry_id, timestamp};
use crate::model::{SourceId, TaggedItem};

/// How a `full_text` source's new items wait for their articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFetch {
    /// How long a new item's notification waits for its article (zero:
    /// it goes out with the feed's tags at once).
    pub wait: std::time::Duration,
}

/// An item of a poll and the channels it goes to if it is new.
pub(super) type New<'a> = (&'a TaggedItem, &'a Recipients);

/// On a source's first poll, only this many of its newest items have
/// their articles fetched: the rest is history.
pub const FIRST_POLL_ARTICLES: usize = 20;

/// The channels one item of a poll goes to if it is new, decided before
/// the write (one per item, in the items' order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipients {
    /// The channels its tags reach now.
    pub now: Vec<Recipient>,
    /// For an item that waits for its article: every channel it may
    /// reach once the article is in (the delivery decides then).
    pub later: Vec<Recipient>,
}

/// One channel an item goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub channel: String,
    /// The channel also takes what a new source's first poll finds.
    pub backlog: bool,
}

/// Where a poll's new items may be announced.
pub(super) struct Outbox<'a> {
    /// A source's first poll: only channels that take the backlog.
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
        (tagged, recipients): New<'_>,
        now: DateTime<Utc>,
        awaiting: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        let recipients = match awaiting {
            Some(_) => &recipients.later,
            None => &recipients.now,
        };
        let mut wanted = recipients.iter().filter(|r| r.backlog || !self.baseline).peekable();
        if wanted.peek().is_none() {
            return Ok(());
        }
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox (channel, item_id, idempotency_key, created_at, next_attempt_at,
                                           awaiting_text_until)
             SELECT ?1, ?2, ?3, ?4, ?4, ?5",
        )?;
        for recipient in wanted {
            let entry_id = entry_id(self.source.as_str(), &tagged.item.key);
            let key = crate::model::name_urn(&["thbwatch notification", &recipient.channel, &entry_id]);
            insert.execute(params![
                recipient.channel,
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
    mut awaiting: Vec<(i64, New<'_>)>,
    fetch: TextFetch,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut rest = Vec::new();
    if outbox.baseline && awaiting.len() > FIRST_POLL_ARTICLES {
        // Newest first; undated items count as new (the poll dates them).
        awaiting.sort_by_key(|(_, (t, _))| std::cmp::Reverse(t.item.published.or(t.item.updated).unwrap_or(now)));
        rest = awaiting.split_off(FIRST_POLL_ARTICLES);
    }
    let until = chrono::Duration::from_std(fetch.wait)
        .ok()
        .filter(|wait| !wait.is_zero())
        .and_then(|wait| now.checked_add_signed(wait));
    for (row, new) in awaiting {
        if let Some(link) = &new.0.item.link {
            super::texts::want(tx, row, outbox.source.as_str(), link, now)?;
        }
        outbox.queue(tx, row, new, now, until)?;
    }
    for (row, new) in rest {
        outbox.queue(tx, row, new, now, None)?;
    }
    Ok(())
}
