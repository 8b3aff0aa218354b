//! Reads for the pages people look at: one item's whole story (the entry,
//! when it was first seen and last changed, where its notifications
//! went), each source's items per week and its recent polls.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::query::{entries_by_id, parse_time};
use super::{Error, Store};
use crate::model::{Entry, SourceId};

/// An item as its page shows it.
#[derive(Clone, Debug)]
pub(crate) struct ItemStory {
    pub entry: Entry,
    /// The row this item is a copy of, when another source published the
    /// article first.
    pub duplicate_of: Option<i64>,
    pub first_seen: DateTime<Utc>,
    /// When a poll last found its text changed (the feed's own date when
    /// it gives one).
    pub last_changed: DateTime<Utc>,
    /// Stored from a document that had to be repaired.
    pub repaired: bool,
    pub notifications: Vec<Notification>,
}

/// Where a notification about the item went.
#[derive(Clone, Debug)]
pub(crate) struct Notification {
    pub channel: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    pub attempts: u32,
    pub created: Option<DateTime<Utc>>,
    pub delivered: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// One stored poll of a source.
#[derive(Clone, Debug)]
pub struct PollEntry {
    pub at: DateTime<Utc>,
    /// `ok`, `not modified`, `error` or `gone`.
    pub status: String,
    pub http_status: Option<u16>,
    /// The error, or what had to be mended in the document.
    pub error: Option<String>,
    pub new_items: u64,
    pub updated: u64,
}

/// What the sources page shows besides each source's health.
#[derive(Clone, Debug, Default)]
pub struct SourceActivity {
    /// Items first seen per week, oldest week first, the current week last.
    pub weekly: HashMap<SourceId, Vec<u64>>,
    /// The latest polls, newest first.
    pub polls: HashMap<SourceId, Vec<PollEntry>>,
}

impl Store {
    /// The item with this row id, if stored.
    pub(crate) async fn item_story(&self, id: i64) -> Result<Option<ItemStory>, Error> {
        self.read(move |conn| {
            let Some((_, entry)) = entries_by_id(conn, &[id])?.into_iter().next() else {
                return Ok(None);
            };
            let (duplicate_of, first_seen, updated, repaired): (Option<i64>, String, String, bool) = conn
                .prepare_cached("SELECT duplicate_of, first_seen, updated, repaired FROM items WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            let mut stmt = conn.prepare_cached(
                "SELECT channel, state, attempts, created_at, delivered_at, last_error FROM outbox
                 WHERE item_id IN (SELECT ?1 UNION ALL SELECT id FROM items WHERE duplicate_of = ?1)
                 ORDER BY channel",
            )?;
            let notifications = stmt
                .query_map([id], |r| {
                    Ok(Notification {
                        channel: r.get(0)?,
                        state: r.get(1)?,
                        attempts: r.get(2)?,
                        created: r.get::<_, Option<String>>(3)?.and_then(|t| parse_time(&t)),
                        delivered: r.get::<_, Option<String>>(4)?.and_then(|t| parse_time(&t)),
                        last_error: r.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(ItemStory {
                entry,
                duplicate_of,
                first_seen: parse_time(&first_seen).unwrap_or_default(),
                last_changed: parse_time(&updated).unwrap_or_default(),
                repaired,
                notifications,
            }))
        })
        .await
    }

    /// Items first seen per source in each of the `weeks` weeks up to
    /// `now` (the last one ending at `now`), and the latest `polls` polls
    /// of each source.
    pub async fn source_activity(
        &self,
        weeks: usize,
        polls: usize,
        now: DateTime<Utc>,
    ) -> Result<SourceActivity, Error> {
        self.read(move |conn| {
            let weeks_i = i64::try_from(weeks).unwrap_or(52);
            let start = now - Duration::weeks(weeks_i);
            let mut stmt = conn.prepare_cached("SELECT source_id, first_seen FROM items WHERE first_seen >= ?1")?;
            let mut activity = SourceActivity::default();
            let rows = stmt.query_map([super::ingest::timestamp(start)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (source, seen) = row?;
                let Some(seen) = parse_time(&seen) else { continue };
                let age = (now - seen).num_seconds().max(0) / (7 * 86_400);
                let Some(index) = usize::try_from(weeks_i - 1 - age).ok().filter(|i| *i < weeks) else {
                    continue;
                };
                activity
                    .weekly
                    .entry(SourceId::new(source))
                    .or_insert_with(|| vec![0; weeks])[index] += 1;
            }
            let mut stmt = conn.prepare_cached(
                "SELECT source_id, at, status, http_status, error, new_items, updated FROM (
                     SELECT *, row_number() OVER (PARTITION BY source_id ORDER BY id DESC) AS n
                     FROM poll_history)
                 WHERE n <= ?1 ORDER BY source_id, id DESC",
            )?;
            let rows = stmt.query_map([i64::try_from(polls).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    PollEntry {
                        at: r.get::<_, String>(1).map(|t| parse_time(&t).unwrap_or_default())?,
                        status: r.get(2)?,
                        http_status: r.get(3)?,
                        error: r.get(4)?,
                        new_items: r.get(5)?,
                        updated: r.get(6)?,
                    },
                ))
            })?;
            for row in rows {
                let (source, entry) = row?;
                activity.polls.entry(SourceId::new(source)).or_default().push(entry);
            }
            Ok(activity)
        })
        .await
    }
}
