//! Re-tagging what is stored, so a rule change reaches history: items are
//! read in pages by id, tagged by the caller (off the database thread),
//! and each page's new matches written in one transaction.

use rusqlite::{OptionalExtension, params};

use super::{Error, Store};
use crate::model::{Cancelled, Item, Match};

/// A stored item with what the rules look at.
#[derive(Clone, Debug)]
pub(crate) struct StoredItem {
    pub id: i64,
    pub item: Item,
    /// The article fetched for it (`full_text` sources), read by the
    /// rules too.
    pub article: Option<String>,
}

/// New matches for a stored item, computed from the content with this hash.
#[derive(Clone, Debug)]
pub(crate) struct Retagged {
    pub id: i64,
    pub content_hash: String,
    pub matches: Vec<Match>,
    pub cancelled: Vec<Cancelled>,
}

impl Store {
    /// Up to `limit` items with ids above `after`, by id.
    pub(crate) async fn items_after(&self, after: i64, limit: usize) -> Result<Vec<StoredItem>, Error> {
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT i.id, i.title, i.summary, i.content, i.categories, i.language, i.content_hash, t.text
                 FROM items i LEFT JOIN item_texts t ON t.item_id = i.id AND t.state = 'fetched'
                 WHERE i.id > ?1 ORDER BY i.id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after, limit as i64], |row| {
                let categories: String = row.get(4)?;
                Ok(StoredItem {
                    id: row.get(0)?,
                    item: Item {
                        title: row.get(1)?,
                        summary: row.get(2)?,
                        content: row.get(3)?,
                        categories: categories.lines().map(str::to_string).collect(),
                        language: row.get(5)?,
                        content_hash: row.get(6)?,
                        ..Item::default()
                    },
                    article: row.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Replaces the matches of each item, all in one transaction, unless
    /// a poll changed the item since it was read (its own matches are
    /// then newer) or they are the same. Returns how many were replaced.
    pub(crate) async fn replace_matches(&self, batch: Vec<Retagged>) -> Result<usize, Error> {
        let replaced = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let mut replaced = 0;
                for item in &batch {
                    let current: Option<String> = tx
                        .query_row("SELECT content_hash FROM items WHERE id = ?1", [item.id], |r| r.get(0))
                        .optional()?;
                    if current.as_deref() == Some(item.content_hash.as_str())
                        && !same_matches(&tx, item.id, &item.matches, &item.cancelled)?
                    {
                        super::ingest::replace_matches(&tx, item.id, &item.matches, &item.cancelled)?;
                        replaced += 1;
                    }
                }
                if replaced > 0 {
                    super::documents::mark_changed(&tx, chrono::Utc::now())?;
                }
                tx.commit()?;
                Ok(replaced)
            })
            .await?;
        if replaced > 0 {
            self.bump_generation();
        }
        Ok(replaced)
    }

    /// How many items carry at least one tag.
    pub(crate) async fn tagged_count(&self) -> Result<u64, Error> {
        self.call(|conn| Ok(conn.query_row("SELECT count(DISTINCT item_id) FROM item_tags", [], |r| r.get(0))?))
            .await
    }
}

/// Whether an item's stored matches are these (as storing them would
/// leave them: the first per tag, term and field).
fn same_matches(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    matches: &[Match],
    cancelled: &[Cancelled],
) -> Result<bool, Error> {
    type Row = (String, String, String, Option<String>, String, String);
    let mut wanted: Vec<Row> = Vec::with_capacity(matches.len());
    for m in matches {
        let row = (
            m.tag.clone(),
            m.term.clone(),
            m.field.as_str().to_string(),
            m.end_field.map(|f| f.as_str().to_string()),
            m.text.clone(),
            m.snippet.clone(),
        );
        if !wanted.iter().any(|w| (&w.0, &w.1, &w.2) == (&row.0, &row.1, &row.2)) {
            wanted.push(row);
        }
    }
    wanted.sort();
    let mut stored: Vec<Row> = tx
        .prepare_cached("SELECT tag, term, field, end_field, text, snippet FROM item_matches WHERE item_id = ?1")?
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<Result<_, _>>()?;
    stored.sort();
    Ok(stored == wanted && same_cancellations(tx, id, cancelled)?)
}

/// Whether an item's stored cancelled tags are already these (one per tag).
fn same_cancellations(tx: &rusqlite::Transaction<'_>, id: i64, cancelled: &[Cancelled]) -> Result<bool, Error> {
    type Row = (String, String, String, String, String, String, String);
    let mut wanted: Vec<Row> = Vec::with_capacity(cancelled.len());
    for c in cancelled {
        if !wanted.iter().any(|w| w.0 == c.tag) {
            wanted.push((
                c.tag.clone(),
                c.term.clone(),
                c.field.as_str().to_string(),
                c.text.clone(),
                c.context.clone(),
                c.context_field.as_str().to_string(),
                c.context_text.clone(),
            ));
        }
    }
    wanted.sort();
    let stored: Vec<Row> = tx
        .prepare_cached(
            "SELECT tag, term, field, text, context, context_field, context_text FROM item_cancellations
             WHERE item_id = ?1 ORDER BY tag",
        )?
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(stored == wanted)
}
