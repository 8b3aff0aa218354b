//! Keeping the database healthy for years: retention (pruning old items,
//! leaving tombstones), SQLite's own upkeep, online backups, and the
//! figures `/metrics` shows.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::ingest::timestamp;
use super::{Error, Store};
use crate::metrics::StoreFigures;

/// What a prune removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub untagged: usize,
    pub tagged: usize,
}

/// The articles whose tags count for an item: itself and its copies.
const TAGGED: &str = "EXISTS (SELECT 1 FROM item_tags t WHERE t.item_id = i.id
                              OR t.item_id IN (SELECT d.id FROM items d WHERE d.duplicate_of = i.id))";

impl Store {
    /// Deletes articles (with their cross-source copies) first seen before
    /// the cut-offs, untagged and tagged separately (`None`: keep), except
    /// tagged ones whose notifications are still pending. Each deleted
    /// item leaves a tombstone. Then lets SQLite tidy up.
    pub async fn prune(
        &self,
        untagged_before: Option<DateTime<Utc>>,
        tagged_before: Option<DateTime<Utc>>,
    ) -> Result<Pruned, Error> {
        let pruned = self
            .call(move |conn| {
                let tx = conn.transaction()?;
                let mut pruned = Pruned::default();
                if let Some(before) = untagged_before {
                    pruned.untagged = prune_where(&tx, &format!("NOT {TAGGED}"), before)?;
                }
                if let Some(before) = tagged_before {
                    let pending = "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.item_id = i.id AND o.state = 'pending')";
                    pruned.tagged = prune_where(&tx, &format!("{TAGGED} AND {pending}"), before)?;
                }
                tx.commit()?;
                conn.execute_batch("PRAGMA optimize; PRAGMA incremental_vacuum;")?;
                Ok(pruned)
            })
            .await?;
        if pruned.untagged + pruned.tagged > 0 {
            self.bump_generation();
        }
        Ok(pruned)
    }

    /// A consistent copy of the database at `target` (which must not
    /// exist), taken with SQLite's online backup while others keep writing.
    pub async fn backup(&self, target: &Path) -> Result<(), Error> {
        let target = target.to_path_buf();
        self.call(move |conn| backup_to(conn, &target)).await
    }

    /// The store's own figures for `/metrics`.
    pub async fn figures(&self) -> Result<StoreFigures, Error> {
        self.call(|conn| {
            let pairs = |sql: &str| -> Result<Vec<(String, u64)>, Error> {
                let mut stmt = conn.prepare_cached(sql)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            };
            let mut last = conn.prepare_cached(
                "SELECT id, CAST(strftime('%s', last_success_at) AS INTEGER) FROM sources
                 WHERE last_success_at IS NOT NULL ORDER BY id",
            )?;
            let last_success = last
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(StoreFigures {
                tagged_by_tag: pairs(
                    "SELECT t.tag, count(DISTINCT coalesce(i.duplicate_of, i.id)) FROM item_tags t
                     JOIN items i ON i.id = t.item_id GROUP BY t.tag ORDER BY t.tag",
                )?,
                pending_by_channel: pairs(
                    "SELECT channel, count(*) FROM outbox WHERE state = 'pending' GROUP BY channel ORDER BY channel",
                )?,
                last_success,
                items: conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?,
            })
        })
        .await
    }
}

/// Deletes the articles matching `condition` first seen before `before`,
/// copies included, leaving tombstones. Returns how many rows went.
fn prune_where(tx: &rusqlite::Transaction<'_>, condition: &str, before: DateTime<Utc>) -> Result<usize, Error> {
    let originals =
        format!("SELECT i.id FROM items i WHERE i.duplicate_of IS NULL AND i.first_seen < ?1 AND {condition}");
    let doomed = format!("SELECT id FROM items WHERE id IN ({originals}) OR duplicate_of IN ({originals})");
    tx.execute(
        &format!("INSERT OR IGNORE INTO tombstones (source_id, key, pruned_at) SELECT source_id, key, ?2 FROM items WHERE id IN ({doomed})"),
        params![timestamp(before), timestamp(Utc::now())],
    )?;
    // Copies first: they point at their originals.
    tx.execute(
        &format!("DELETE FROM items WHERE duplicate_of IN ({originals})"),
        params![timestamp(before)],
    )?;
    let deleted = tx.execute(
        &format!("DELETE FROM items WHERE id IN ({originals})"),
        params![timestamp(before)],
    )?;
    Ok(deleted)
}

fn backup_to(conn: &rusqlite::Connection, target: &PathBuf) -> Result<(), Error> {
    if target.exists() {
        return Err(Error::Open {
            path: target.clone(),
            message: "exists already: give a new file name".into(),
        });
    }
    let mut copy = rusqlite::Connection::open(target)?;
    {
        let backup = rusqlite::backup::Backup::new(conn, &mut copy)?;
        // Copy in steps, so writers are not held off for the whole copy.
        backup.run_to_completion(256, std::time::Duration::from_millis(10), None)?;
    }
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::Open {
            path: target.clone(),
            message: format!("the copy fails its integrity check: {check}"),
        });
    }
    Ok(())
}
