//! Opening the database: pragmas, and numbered migrations applied in order
//! by `PRAGMA user_version`.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// Each entry is applied once, in order; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_source_health.sql"),
    include_str!("migrations/003_match_explanations.sql"),
    include_str!("migrations/004_feed_queries.sql"),
    include_str!("migrations/005_outbox.sql"),
    include_str!("migrations/006_retention.sql"),
    include_str!("migrations/007_entry_ids_unindexed.sql"),
    include_str!("migrations/008_versions_and_sources.sql"),
    include_str!("migrations/009_repaired_documents.sql"),
    include_str!("migrations/010_rule_language.sql"),
    include_str!("migrations/011_search_index.sql"),
    include_str!("migrations/012_article_texts.sql"),
    include_str!("migrations/013_search_per_group.sql"),
    include_str!("migrations/014_search_contentless.sql"),
    include_str!("migrations/015_search_ascii.sql"),
];

/// Why a database cannot be used by this version, whatever is retried: a
/// person has to act (restore a backup, run the right version, point
/// `[storage] path` at the right file).
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    #[error(
        "is damaged ({0}): restore a backup (`thbwatch backup` makes them), \
         or move the file aside to start an empty database"
    )]
    Damaged(String),
    #[error(
        "is not a thbwatch database ({0}): point [storage] path at thbwatch's database file, \
         or move this file aside to start an empty one"
    )]
    Foreign(String),
    #[error(
        "has schema version {found}, which this thbwatch did not write (it knows 1 to {known}): \
         if a newer thbwatch wrote it, run that version; otherwise it is not a thbwatch database \
         or its header was altered: restore a backup, or point [storage] path at the right file"
    )]
    Version { found: i64, known: usize },
}

/// Why opening failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    #[error(transparent)]
    Unusable(#[from] Unusable),
    #[error("{0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("migration {n} failed: {source}")]
    Migration {
        n: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error("migration {n} failed: it would leave rows pointing at nothing in {tables}; nothing was changed")]
    Dangling { n: usize, tables: String },
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> OpenError {
        damage(&e).map_or(OpenError::Sqlite(e), OpenError::Unusable)
    }
}

/// An error that says the file is damaged, or not a database at all.
fn damage(e: &rusqlite::Error) -> Option<Unusable> {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => Some(Unusable::Damaged(e.to_string())),
        Some(rusqlite::ErrorCode::NotADatabase) => Some(Unusable::Foreign(format!("SQLite: {e}"))),
        _ => None,
    }
}

/// thbwatch never sets `PRAGMA application_id`: another program's mark.
const NO_APPLICATION_ID: i64 = 0;

pub(crate) fn open(path: &Path) -> Result<Connection, OpenError> {
    let mut conn = Connection::open(path)?;
    // Checked before anything is written: another program's file (or a
    // damaged one) is left as it was found.
    let current = version(&conn)?;
    configure(&mut conn)?;
    migrate(&mut conn, current)?;
    // Each poll of a group commit has its savepoint, whose journal SQLite
    // spills to a temporary file past 64 KiB: a file created, written and
    // deleted for every poll. In memory it holds what one poll changes.
    // (Set after the migrations, whose index builds may sort a lot.)
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// The schema version, once the file is known to be thbwatch's.
fn version(conn: &Connection) -> Result<usize, OpenError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let application: i64 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if application != NO_APPLICATION_ID {
        return Err(Unusable::Foreign(format!("another program marked it with application id {application}")).into());
    }
    let known = MIGRATIONS.len();
    let Some(current) = usize::try_from(found).ok().filter(|v| *v <= known) else {
        return Err(Unusable::Version { found, known }.into());
    };
    if current == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(Unusable::Foreign(format!(
                "it holds {tables} tables or indexes but no thbwatch schema version"
            ))
            .into());
        }
    }
    Ok(current)
}

/// What `?q=` searches for a stored title and HTML summary.
fn search_text(title: &str, summary: Option<&str>) -> String {
    let summary = summary.map(crate::normalize::html_to_text);
    crate::normalize::search_text(title, summary.as_deref())
}

/// Stored items without search text get it, within a migration's
/// transaction.
fn fill_search_text(tx: &rusqlite::Transaction<'_>) -> Result<(), rusqlite::Error> {
    let mut read = tx.prepare("SELECT id, title, summary FROM items WHERE search_text = ''")?;
    let rows: Vec<(i64, String, Option<String>)> = read
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut write = tx.prepare("UPDATE items SET search_text = ?2 WHERE id = ?1")?;
    for (id, title, summary) in rows {
        write.execute(rusqlite::params![id, search_text(&title, summary.as_deref())])?;
    }
    Ok(())
}

fn configure(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Every statement of an ingest, the feed queries and retag stay
    // prepared: parsing SQL per item was a tenth of the ingest's time.
    conn.set_prepared_statement_cache_capacity(64);
    // Space freed by pruning can be returned to the file system
    // (incremental vacuum); this only takes on a new, empty database.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Checkpoints run on their own thread (checkpoint.rs), not in the
    // middle of an ingest.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "journal_size_limit", super::checkpoint::JOURNAL_SIZE_LIMIT)?;
    conn.pragma_update(None, "foreign_keys", "ON")
}

/// Applies the migrations after `current`, each in its own transaction.
/// Foreign keys are off meanwhile (a migration may rebuild a table, and
/// dropping the old one must not cascade to the rows pointing at it);
/// a migration that would leave rows pointing at nothing is rolled back.
fn migrate(conn: &mut Connection, current: usize) -> Result<(), OpenError> {
    if current >= MIGRATIONS.len() {
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = MIGRATIONS
        .iter()
        .enumerate()
        .skip(current)
        .try_for_each(|(index, sql)| apply(conn, index + 1, sql));
    let restored = conn.pragma_update(None, "foreign_keys", "ON");
    result?;
    Ok(restored?)
}

/// Migration `n`, in one transaction.
fn apply(conn: &mut Connection, n: usize, sql: &str) -> Result<(), OpenError> {
    let failed = |source: rusqlite::Error| match damage(&source) {
        Some(unusable) => OpenError::Unusable(unusable),
        None => OpenError::Migration { n, source },
    };
    let tx = conn.transaction().map_err(failed)?;
    // Rows a hand edit may have left dangling are not this migration's.
    let before = dangling(&tx).map_err(failed)?;
    tx.execute_batch(sql).map_err(failed)?;
    // Items stored before text search existed get their search text when
    // it arrives (4); once more with the rebuild (7), for a database whose
    // earlier binary stopped between the two steps it then took; and
    // rows left without it (inserted by hand) once the index exists (11),
    // while the column still does (migration 14 drops it).
    if n == 4 || n == 7 || n == 11 {
        fill_search_text(&tx).map_err(failed)?;
    }
    let after = dangling(&tx).map_err(failed)?;
    let new: Vec<String> = after
        .iter()
        .filter(|(table, count)| before.iter().find(|(t, _)| t == table).map_or(0, |(_, c)| *c) < *count)
        .map(|(table, count)| format!("{table} ({count} rows)"))
        .collect();
    if !new.is_empty() {
        return Err(OpenError::Dangling {
            n,
            tables: new.join(", "),
        });
    }
    tx.pragma_update(None, "user_version", n).map_err(failed)?;
    tx.commit().map_err(failed)
}

/// Rows whose foreign keys point at nothing, counted per table.
fn dangling(tx: &rusqlite::Transaction<'_>) -> Result<Vec<(String, i64)>, rusqlite::Error> {
    tx.prepare("SELECT \"table\", count(*) FROM pragma_foreign_key_check GROUP BY \"table\"")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows each search query finds, in rowid order: what a migration
    /// of the search index must leave as it was.
    fn rowids_found(conn: &Connection, queries: &[&str]) -> Vec<Vec<i64>> {
        queries
            .iter()
            .map(|q| {
                conn.prepare("SELECT rowid FROM items_search WHERE items_search MATCH ?1 ORDER BY rowid")
                    .unwrap()
                    .query_map([q], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn migrations_apply_once_and_reopen_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open(&path).unwrap();
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len());
        // Savepoint journals stay in memory (2: MEMORY).
        let temp_store: i64 = conn.pragma_query_value(None, "temp_store", |r| r.get(0)).unwrap();
        assert_eq!(temp_store, 2);
        drop(conn);
        open(&path).unwrap();
    }

    /// Migration 7 rebuilds the items table: every row, match and pending
    /// notification survives, foreign keys still hold and still cascade,
    /// and entry ids are no longer indexed.
    #[test]
    fn rebuilding_items_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..6] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 6).unwrap();
            conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute_batch(
                "INSERT INTO sources (id, url) VALUES ('a', 'https://a.example/feed'), ('b', 'https://b.example/feed');
                 INSERT INTO items (id, source_id, key, entry_id, link, canonical_link, title, summary, updated,
                                    sort_time, first_seen, content_hash, dated_by_poll, categories, search_text)
                     VALUES (1, 'a', 'guid:1', 'urn:uuid:1', 'https://a.example/1', 'https://a.example/1', 'First',
                             '<p>one</p>', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z',
                             'h1', 1, 'News', 'first one'),
                            (2, 'b', 'guid:2', 'urn:uuid:2', 'https://a.example/1', 'https://a.example/1', 'Copy',
                             NULL, '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z',
                             'h2', 0, '', 'copy');
                 UPDATE items SET duplicate_of = 1 WHERE id = 2;
                 INSERT INTO item_tags (item_id, tag, term, field) VALUES (1, 'trafficking', 'traffick*', 'title');
                 -- Left dangling by a hand edit (foreign keys are off in the
                 -- sqlite3 shell): not the migration's to refuse.
                 INSERT INTO item_tags (item_id, tag, term, field) VALUES (99, 'smuggling', 'smuggl*', 'title');
                 INSERT INTO item_matches (item_id, tag, term, field, text, snippet)
                     VALUES (1, 'trafficking', 'traffick*', 'title', 'trafficking', 'First');
                 INSERT INTO outbox (channel, item_id, idempotency_key, created_at, next_attempt_at)
                     VALUES ('ops', 1, 'k1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let conn = open(&path).unwrap();
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len());
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM items"), 2);
        assert_eq!(count("SELECT count(*) FROM item_tags"), 2);
        assert_eq!(count("SELECT count(*) FROM item_matches"), 1);
        assert_eq!(count("SELECT count(*) FROM outbox"), 1);
        let row: (String, String, Option<i64>, i64, String) = conn
            .query_row(
                "SELECT entry_id, summary, duplicate_of, dated_by_poll, categories FROM items WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(row, ("urn:uuid:1".into(), "<p>one</p>".into(), None, 1, "News".into()));
        // Migration 14: the search text lives in the index alone.
        let search = |word: &str| {
            count(&format!(
                "SELECT rowid FROM items_search WHERE items_search MATCH '{word}'"
            ))
        };
        assert_eq!((search("first"), search("copy")), (1, 2));
        assert_eq!(count("SELECT duplicate_of FROM items WHERE id = 2"), 1);
        // The index is gone; the others are back (but for the language
        // index, which migration 13 drops).
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            indexes,
            [
                "items_canonical_link",
                "items_duplicate_of",
                "items_first_seen",
                "items_sort",
                "sqlite_autoindex_items_1"
            ]
        );
        // Migration 10: a match stored before it lies within one field, and
        // cancellations go with their item.
        assert_eq!(count("SELECT count(*) FROM item_matches WHERE end_field IS NULL"), 1);
        conn.execute(
            "INSERT INTO item_cancellations (item_id, tag, term, field, text, context, context_field, context_text)
             VALUES (1, 'forced-labour', 'forced labo*', 'title', 'Forced labour', 'gulag*', 'summary', 'Gulag')",
            [],
        )
        .unwrap();
        // Foreign keys are on again, point at the new table, and cascade.
        assert!(
            conn.execute(
                "INSERT INTO item_tags (item_id, tag, term, field) VALUES (99, 't', 't', 'title')",
                []
            )
            .is_err()
        );
        conn.execute("DELETE FROM items WHERE id = 2", []).unwrap();
        conn.execute("DELETE FROM items WHERE id = 1", []).unwrap();
        assert_eq!(count("SELECT count(*) FROM item_tags WHERE item_id = 1"), 0);
        assert_eq!(count("SELECT count(*) FROM item_cancellations"), 0);
        assert_eq!(count("SELECT count(*) FROM outbox"), 0);
    }

    /// Migration 14 moves the search text from the items into a
    /// contentless index: every item stays, every query finds the same
    /// items as before, and deletions still leave the index.
    #[test]
    fn the_contentless_index_finds_what_the_old_one_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let queries = [
            "policija",
            "prekyba zmonemis",
            "\"human trafficking\"",
            "traff*",
            "policija NOT edited",
            "search_text:border",
        ];
        let found = |conn: &Connection| rowids_found(conn, &queries);
        let before = {
            // A database of version 13, as the last release left it.
            let conn = Connection::open(dir.path().join("13.db")).unwrap();
            for sql in &MIGRATIONS[..13] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 13).unwrap();
            conn.execute_batch("INSERT INTO sources (id, url) VALUES ('a', 'https://a.example/feed')")
                .unwrap();
            let texts = [
                "prekyba zmonemis vilniuje policija",
                "human trafficking at the border",
                "trafficking trafficked traffic",
                "policija at the border: human trafficking",
                "nothing here",
            ];
            for (n, text) in texts.iter().enumerate() {
                conn.execute(
                    "INSERT INTO items (source_id, key, entry_id, title, updated, sort_time, first_seen, content_hash,
                                        search_text)
                     VALUES ('a', ?1, ?1, ?1, 't', 't', 't', ?1, ?2)",
                    rusqlite::params![format!("k{n}"), text],
                )
                .unwrap();
            }
            conn.execute("UPDATE items SET search_text = 'policija edited' WHERE key = 'k1'", [])
                .unwrap();
            conn.execute("DELETE FROM items WHERE key = 'k4'", []).unwrap();
            found(&conn)
        };
        std::fs::rename(dir.path().join("13.db"), &path).unwrap();
        let conn = open(&path).unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM items"), 4);
        assert_eq!(
            count("SELECT count(*) FROM pragma_table_info('items') WHERE name = 'search_text'"),
            0
        );
        assert_eq!(found(&conn), before);
        assert!(before.iter().all(|hits| !hits.is_empty()), "{before:?}");
        conn.execute_batch("INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)")
            .unwrap();
        conn.execute("DELETE FROM items WHERE key = 'k0'", []).unwrap();
        assert_eq!(
            count("SELECT count(*) FROM items_search WHERE items_search MATCH 'zmonemis'"),
            0
        );
        assert_eq!(count("SELECT count(*) FROM items_search_docsize"), 3);
        conn.execute_batch("INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)")
            .unwrap();
    }

    /// Migration 15 rebuilds the index under the `ascii` tokenizer from
    /// its own words: every query finds the same items as before, empty
    /// and deleted entries included, and the index stays sound.
    #[test]
    fn the_ascii_index_finds_what_the_unicode61_one_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let queries = [
            "policija",
            "\"prekyba zmonemis\"",
            "\"human trafficking\"",
            "traff*",
            "\"human traff\"*",
            "policija NOT border",
            "(trafficking) NOT \"the border\"",
            "search_text:border",
            "{search_text}: \"at the\"",
            "торговля",
            "люд*",
            "\"1 2\"",
        ];
        let found = |conn: &Connection| rowids_found(conn, &queries);
        // Folded, as the writer indexes them; "½" folds to "1⁄2", which
        // unicode61 indexed as two words and keeps so.
        let texts = [
            "Prekyba žmonėmis Vilniuje, policija",
            "Human trafficking at the border",
            "trafficking trafficked traffic",
            "Policija at the border: human trafficking",
            "Торговля людьми в Петербурге",
            "",
            "Half: ½ of the border",
            "deleted trafficking policija",
        ];
        let (before, vocabulary) = {
            // A database of version 14, as the last release left it.
            let conn = Connection::open(dir.path().join("14.db")).unwrap();
            for sql in &MIGRATIONS[..14] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 14).unwrap();
            conn.execute_batch("INSERT INTO sources (id, url) VALUES ('a', 'https://a.example/feed')")
                .unwrap();
            for (n, text) in texts.iter().enumerate() {
                conn.execute(
                    "INSERT INTO items (source_id, key, entry_id, title, updated, sort_time, first_seen, content_hash)
                     VALUES ('a', ?1, ?1, ?1, 't', 't', 't', ?1)",
                    [format!("k{n}")],
                )
                .unwrap();
                let folded = crate::fold::fold(text);
                conn.execute(
                    "INSERT INTO items_search (rowid, search_text) VALUES (last_insert_rowid(), ?1)",
                    [folded],
                )
                .unwrap();
            }
            // Retention leaves a tombstone in the index, not a hole.
            conn.execute("DELETE FROM items WHERE key = 'k7'", []).unwrap();
            let vocabulary: Vec<(String, i64)> = {
                conn.execute_batch("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, items_search, row)")
                    .unwrap();
                conn.prepare("SELECT term, cnt FROM temp.v ORDER BY term")
                    .unwrap()
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            (found(&conn), vocabulary)
        };
        assert!(before.iter().all(|hits| !hits.is_empty()), "{before:?}");
        std::fs::rename(dir.path().join("14.db"), &path).unwrap();
        let conn = open(&path).unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let sql: String = conn
            .query_row("SELECT sql FROM sqlite_master WHERE name = 'items_search'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(sql.contains("tokenize = 'ascii'"), "{sql}");
        assert_eq!(found(&conn), before);
        conn.execute_batch("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, items_search, row)")
            .unwrap();
        let after: Vec<(String, i64)> = conn
            .prepare("SELECT term, cnt FROM temp.v ORDER BY term")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(after, vocabulary);
        // Every item keeps its entry (the empty one too), and only those.
        assert_eq!(count("SELECT count(*) FROM items_search_docsize"), 7);
        assert_eq!(
            count("SELECT count(*) FROM items_search_docsize WHERE id IN (SELECT id FROM items)"),
            7
        );
        conn.execute_batch("INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)")
            .unwrap();
        // Deleting an item still leaves the index, and new text is found.
        conn.execute("DELETE FROM items WHERE key = 'k0'", []).unwrap();
        assert_eq!(
            count("SELECT count(*) FROM items_search WHERE items_search MATCH 'zmonemis'"),
            0
        );
        conn.execute(
            "INSERT INTO items_search (rowid, search_text) VALUES (100, ?1)",
            [crate::fold::fold("Prekyba žmonėmis")],
        )
        .unwrap();
        assert_eq!(
            count("SELECT rowid FROM items_search WHERE items_search MATCH '\"prekyba zmonemis\"'"),
            100
        );
        conn.execute_batch("INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)")
            .unwrap();
    }

    /// The words of each text under `tokenize`, by FTS5 itself.
    fn tokenised(tokenize: &str, texts: &[String]) -> Vec<Vec<String>> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE t USING fts5(text, tokenize = '{tokenize}');
             CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);"
        ))
        .unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        let mut insert = tx.prepare("INSERT INTO t (rowid, text) VALUES (?1, ?2)").unwrap();
        for (n, text) in texts.iter().enumerate() {
            insert.execute(rusqlite::params![n as i64, text]).unwrap();
        }
        drop(insert);
        tx.commit().unwrap();
        let mut words = vec![Vec::new(); texts.len()];
        let mut read = conn.prepare("SELECT doc, term FROM v ORDER BY doc, offset").unwrap();
        let rows = read
            .query_map([], |r| Ok((r.get::<_, usize>(0)?, r.get::<_, String>(1)?)))
            .unwrap();
        for row in rows {
            let (doc, term) = row.unwrap();
            words[doc].push(term);
        }
        words
    }

    /// Migration 15's premise: over what fold writes (what the index and
    /// the queries hold), `ascii` finds unicode61's words. Every BMP
    /// character between two letters, and every labelled text and rule
    /// term, through fold and both tokenizers: the only characters whose
    /// words differ are those named here (fold keeps a non-letter inside
    /// the word, or unicode61 does not count the letter as one).
    #[test]
    fn ascii_finds_unicode61s_words_in_folded_text() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<(String, String)> = (0..0x1_0000u32)
            .filter_map(char::from_u32)
            .map(|c| (format!("U+{:04X}", c as u32), crate::fold::fold(&format!("x{c}y"))))
            .collect();
        let mut labelled = vec![
            root.join("vocabulary/tuning-wordings.tsv"),
            root.join("vocabulary/thb-terms.toml"),
        ];
        for entry in std::fs::read_dir(root.join("tests/fixtures/eval")).unwrap() {
            labelled.push(entry.unwrap().path());
        }
        let characters = texts.len();
        for file in &labelled {
            for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
                texts.push((format!("{}:{}", file.display(), n + 1), crate::fold::fold(line)));
            }
        }
        assert!(texts.len() > characters + 20_000, "{}", texts.len());
        let folded: Vec<String> = texts.iter().map(|(_, t)| t.clone()).collect();
        let unicode61 = tokenised("unicode61 remove_diacritics 0", &folded);
        let ascii = tokenised("ascii", &folded);
        let differing: Vec<&str> = texts
            .iter()
            .zip(unicode61.iter().zip(&ascii))
            .filter(|(_, (u, a))| u != a)
            .map(|((what, _), _)| what.as_str())
            .collect();
        // Vulgar fractions ("½" folds to "1⁄2"), "Ŀ ŀ" ("l·"), Tai Lue
        // vowel signs and tone marks, two Vedic signs.
        let expected: Vec<String> = [
            0xBC..=0xBE,
            0x13F..=0x140,
            0x19B0..=0x19C0,
            0x19C8..=0x19C9,
            0x1CF2..=0x1CF3,
        ]
        .into_iter()
        .chain([0x2150..=0x215F, 0x2189..=0x2189])
        .flatten()
        .map(|cp: u32| format!("U+{cp:04X}"))
        .collect();
        assert_eq!(differing, expected);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let message = open(&path).unwrap_err().to_string();
        assert!(message.contains("schema version 99"), "{message}");
        assert!(
            message.contains("if a newer thbwatch wrote it, run that version"),
            "{message}"
        );
    }

    /// A negative or garbage version, another program's database and a
    /// file that is no database at all: each refused with what to do, and
    /// left as it was.
    #[test]
    fn foreign_and_garbage_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let negative = dir.path().join("negative.db");
        Connection::open(&negative)
            .unwrap()
            .pragma_update(None, "user_version", -1)
            .unwrap();
        let message = open(&negative).unwrap_err().to_string();
        assert!(message.contains("schema version -1"), "{message}");
        assert!(message.contains("restore a backup"), "{message}");

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE notes (body TEXT)")
            .unwrap();
        let error = open(&other).unwrap_err();
        assert!(matches!(error, OpenError::Unusable(Unusable::Foreign(_))), "{error}");
        let journal: String = Connection::open(&other)
            .unwrap()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "delete", "another program's file is not switched to WAL");

        let marked = dir.path().join("marked.db");
        Connection::open(&marked)
            .unwrap()
            .pragma_update(None, "application_id", 0x4d50_4258)
            .unwrap();
        assert!(matches!(open(&marked), Err(OpenError::Unusable(Unusable::Foreign(_)))));

        let text = dir.path().join("text.db");
        std::fs::write(
            &text,
            "this is a text file, not a database at all, padded to be long enough to have a header .....",
        )
        .unwrap();
        let message = open(&text).unwrap_err().to_string();
        assert!(message.contains("is not a thbwatch database"), "{message}");
    }
}
