//! The floor: what the required crates cost alone, doing the least the
//! product must do with a feed. feed-rs parses each document on every
//! core, and one writer thread stores each entry with rusqlite as plainly
//! as it can: a row of (key, source, published, title, link, summary) in
//! an `items` table whose key is unique, in WAL mode with
//! `synchronous=NORMAL`, one transaction per [`POLLS_PER_COMMIT`] polls as
//! our writer groups them; and optionally a contentless FTS5 index of
//! title and summary under FTS5's cheapest built-in tokenizer, `ascii`.
//! No dedupe, normalising, language detection or tagging: the load test
//! prints this beside the real in-process ingest, and `profile_ingest
//! floor` counts its instructions, so that the budgets can be judged
//! against what cannot be cut.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::{Connection, params};

/// Polls written in one transaction: our writer groups up to 64 polls
/// (store/group.rs) and a first cycle's groups hold about 50.
pub(crate) const POLLS_PER_COMMIT: usize = 50;

/// What the floor stores besides the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Floor {
    /// The items table alone (its unique key's index included).
    Rows,
    /// The rows and a contentless FTS5 index of title and summary.
    RowsAndSearch,
}

/// One entry as the floor stores it, moved out of feed-rs's tree on the
/// worker that parsed it (nothing copied).
struct Row {
    key: String,
    published: Option<i64>,
    title: Option<String>,
    link: Option<String>,
    summary: Option<String>,
}

/// The items table with its unique key, in both forms of the floor.
const ITEMS_TABLE: &str = "CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    source INTEGER NOT NULL,
    published INTEGER,
    title TEXT,
    link TEXT,
    summary TEXT
);";

/// The search index, when asked for. `contentless_delete` because the
/// product must delete items (retention) and a contentless index cannot
/// otherwise forget a row whose text it no longer has.
const SEARCH_INDEX: &str = "CREATE VIRTUAL TABLE items_search USING fts5(
    title, summary, content = '', contentless_delete = 1, tokenize = 'ascii'
);";

/// Parses `documents` (source `i` is document `i`) on `workers` threads
/// and stores every entry in a new database at `database` on one writer
/// thread. Returns the entries stored once the last transaction has
/// committed, and the open connection: closing it (its last checkpoint)
/// is the caller's, so that it can time the ingest with or without it.
pub(crate) fn ingest(documents: &[String], database: &Path, floor: Floor, workers: usize) -> (usize, Connection) {
    let conn = Connection::open(database).expect("the floor's database opens");
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(ITEMS_TABLE).expect("the floor's items table");
    if floor == Floor::RowsAndSearch {
        conn.execute_batch(SEARCH_INDEX).expect("the floor's search index");
    }
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<Row>)>(workers * 2);
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let tx = tx.clone();
            scope.spawn(move || {
                for source in (worker..documents.len()).step_by(workers) {
                    let feed =
                        feed_rs::parser::parse(documents[source].as_bytes()).expect("feed-rs parses the document");
                    let rows = feed
                        .entries
                        .into_iter()
                        .map(|entry| Row {
                            key: entry.id,
                            published: entry.published.map(|at| at.timestamp()),
                            title: entry.title.map(|t| t.content),
                            link: entry.links.into_iter().next().map(|l| l.href),
                            summary: entry.summary.map(|t| t.content),
                        })
                        .collect();
                    tx.send((source, rows)).unwrap();
                }
            });
        }
        drop(tx);
        let stored = write(&conn, &rx, floor);
        (stored, conn)
    })
}

/// The writer: each poll's rows (and index entries) as they come, a
/// commit every [`POLLS_PER_COMMIT`] polls and after the last.
fn write(conn: &Connection, polls: &mpsc::Receiver<(usize, Vec<Row>)>, floor: Floor) -> usize {
    let mut insert = conn
        .prepare("INSERT INTO items (key, source, published, title, link, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .unwrap();
    let mut index = match floor {
        Floor::Rows => None,
        Floor::RowsAndSearch => Some(
            conn.prepare("INSERT INTO items_search (rowid, title, summary) VALUES (?1, ?2, ?3)")
                .unwrap(),
        ),
    };
    let (mut stored, mut in_transaction) = (0, 0);
    for (source, rows) in polls {
        if in_transaction == 0 {
            conn.execute_batch("BEGIN").unwrap();
        }
        for row in &rows {
            insert
                .execute(params![
                    row.key,
                    source as i64,
                    row.published,
                    row.title,
                    row.link,
                    row.summary
                ])
                .unwrap();
            if let Some(index) = index.as_mut() {
                index
                    .execute(params![conn.last_insert_rowid(), row.title, row.summary])
                    .unwrap();
            }
        }
        stored += rows.len();
        in_transaction += 1;
        if in_transaction == POLLS_PER_COMMIT {
            conn.execute_batch("COMMIT").unwrap();
            in_transaction = 0;
        }
    }
    if in_transaction > 0 {
        conn.execute_batch("COMMIT").unwrap();
    }
    stored
}
