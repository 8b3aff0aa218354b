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
            .write(move |conn| {
                // Immediate: the write lock is taken (waiting for it if
                // another process holds it) before the items are chosen.
                // A deferred transaction that read first could not take
                // it after another process's commit, and would fail.
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let mut pruned = Pruned::default();
                // Never an item with a notification still to send.
                let pending = "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.item_id = i.id AND o.state = 'pending')";
                if let Some(before) = untagged_before {
                    pruned.untagged = prune_where(&tx, &format!("NOT {TAGGED} AND {pending}"), before)?;
                }
                if let Some(before) = tagged_before {
                    pruned.tagged = prune_where(&tx, &format!("{TAGGED} AND {pending}"), before)?;
                }
                if pruned.untagged + pruned.tagged > 0 {
                    super::documents::mark_changed(&tx, Utc::now())?;
                }
                tx.commit()?;
                conn.execute_batch("PRAGMA optimize")?;
                // Each step of incremental_vacuum frees a page: step to the end.
                let mut vacuum = conn.prepare("PRAGMA incremental_vacuum")?;
                let mut rows = vacuum.query([])?;
                while rows.next()?.is_some() {}
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
    pub(crate) async fn backup(&self, target: &Path) -> Result<(), Error> {
        let target = target.to_path_buf();
        self.call(move |conn| backup_to(conn, &target)).await
    }

    /// The store's own figures for `/metrics`.
    pub(crate) async fn figures(&self) -> Result<StoreFigures, Error> {
        self.read(|conn| {
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
                warnings: conn
                    .prepare_cached("SELECT id, last_warning FROM sources WHERE last_warning IS NOT NULL ORDER BY id")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?,
                items: conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?,
                available: true,
                ..StoreFigures::default()
            })
        })
        .await
    }
}

/// Deletes the articles matching `condition` first seen before `before`,
/// copies included, leaving tombstones. Returns how many rows went.
fn prune_where(tx: &rusqlite::Transaction<'_>, condition: &str, before: DateTime<Utc>) -> Result<usize, Error> {
    // The articles are chosen once, before anything is deleted (deleting a
    // copy would change whether its original counts as tagged).
    tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY); DELETE FROM doomed;")?;
    let chosen = tx.execute(
        &format!(
            "INSERT INTO doomed (id) SELECT i.id FROM items i
             WHERE i.duplicate_of IS NULL AND i.first_seen < ?1 AND {condition}"
        ),
        params![timestamp(before)],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO tombstones (source_id, key, pruned_at)
         SELECT source_id, key, ?1 FROM items
         WHERE id IN (SELECT id FROM doomed) OR duplicate_of IN (SELECT id FROM doomed)",
        params![timestamp(Utc::now())],
    )?;
    // Copies first: they point at their originals.
    tx.execute("DELETE FROM items WHERE duplicate_of IN (SELECT id FROM doomed)", [])?;
    tx.execute("DELETE FROM items WHERE id IN (SELECT id FROM doomed)", [])?;
    tx.execute("DELETE FROM doomed", [])?;
    Ok(chosen)
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
        // All pages in one step: in WAL mode that does not hold writers
        // off, and a stepped copy would restart whenever another process
        // commits. Busy means a writer holds a lock for a moment: wait.
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {}
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
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
