//! Group commit: polls that reach the database thread close together are
//! written in one transaction, each inside its own savepoint. A poll that
//! fails is rolled back to its savepoint alone; the others commit. Nothing
//! is answered before the commit, so no poll is acknowledged, notified or
//! served before it is durable. Sharing a commit lets consecutive polls
//! share the pages they dirty (the time-ordered index, the outbox, the
//! sources table) instead of writing each one to the log again. The
//! group's search rows are written once, after its last poll and before
//! the commit, from the texts in memory (the index holds no copy of them,
//! migration 14): FTS5 would otherwise write a segment at every
//! savepoint.
//!
//! A group is bounded: at most [`MAX_POLLS`] polls or [`MAX_ITEMS`] items,
//! and its first poll waits at most [`HOLD`] for others, and only while
//! other polls are being parsed (see [`Expected`]): a poll alone, or a
//! caller that awaits each ingest before the next, is never held.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::ingest::{IngestReport, PollOutcome, PollRecord, ToIndex};
use super::{Error, Message};

/// The longest a poll waits for others to share its commit.
pub(crate) const HOLD: Duration = Duration::from_millis(40);
/// Polls in one transaction at most.
pub(crate) const MAX_POLLS: usize = 64;
/// Items in one transaction at most (the log it writes stays small).
pub(crate) const MAX_ITEMS: usize = 5_000;

/// One poll waiting to be written, and where its outcome goes.
pub(super) struct Pending {
    pub record: Box<PollRecord>,
    pub reply: oneshot::Sender<Result<IngestReport, Error>>,
}

impl Pending {
    fn items(&self) -> usize {
        match &self.record.outcome {
            PollOutcome::Fetched { items, .. } => items.len(),
            _ => 0,
        }
    }
}

/// How many polls are being parsed and will soon be written: while there
/// are some, a group waits (up to [`HOLD`]) for them.
#[derive(Clone, Debug, Default)]
pub(super) struct Coming(Arc<AtomicUsize>);

impl Coming {
    pub(crate) fn expect(&self) -> Expected {
        self.0.fetch_add(1, Ordering::AcqRel);
        Expected(Arc::clone(&self.0))
    }

    fn any(&self) -> bool {
        self.0.load(Ordering::Acquire) > 0
    }
}

/// A poll on its way to the database (its body fetched, being parsed):
/// a group being written may wait for it. Dropped when it is handed to
/// the database thread, or given up.
#[derive(Debug)]
pub struct Expected(Arc<AtomicUsize>);

impl Drop for Expected {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Writes `first` and the polls queued behind it (see the module's
/// comment), commits, then answers each. Returns a message taken from the
/// queue that is not a poll: it runs after this commit, in order.
pub(super) fn write(
    conn: &mut Connection,
    first: Pending,
    queue: &mpsc::Receiver<Message>,
    coming: &Coming,
) -> Option<Message> {
    let started = Instant::now();
    let mut written: Vec<(Pending, Result<IngestReport, Error>)> = Vec::new();
    let mut to_index: Vec<ToIndex> = Vec::new();
    let mut next = None;
    let mut items = 0;
    if let Err(e) = conn.prepare_cached("BEGIN").and_then(|mut begin| begin.execute([])) {
        let _ = first.reply.send(Err(e.into()));
        return None;
    }
    let mut pending = Some(first);
    while let Some(poll) = pending.take() {
        items += poll.items();
        let (result, rows) = match one(conn, &poll.record) {
            Ok((report, rows)) => (Ok(report), rows),
            Err(e) => (Err(e), ToIndex::new()),
        };
        let lost = result.is_err() && conn.is_autocommit();
        written.push((poll, result));
        to_index.push(rows);
        if lost {
            // SQLite rolled the whole transaction back (a full disk, an
            // I/O error): the polls written before it are gone too.
            return fail_all(written, None, next);
        }
        if written.len() >= MAX_POLLS || items >= MAX_ITEMS {
            break;
        }
        match take(queue, coming, started) {
            Some(Message::Ingest(poll)) => pending = Some(poll),
            other => next = other,
        }
    }
    let texts = written
        .iter()
        .zip(&to_index)
        .flat_map(|((poll, _), rows)| search_texts(&poll.record, rows));
    if let Err(e) = index_and_commit(conn, texts) {
        let _ = conn.execute_batch("ROLLBACK");
        return fail_all(written, Some(e), next);
    }
    for (poll, result) in written {
        let _ = poll.reply.send(result);
    }
    next
}

/// The rows a poll wrote and the search texts to index them by (none for
/// a poll rolled back to its savepoint).
fn search_texts<'a>(record: &'a PollRecord, rows: &'a ToIndex) -> impl Iterator<Item = (i64, &'a str)> + 'a {
    let items = match &record.outcome {
        PollOutcome::Fetched { items, .. } => items.as_slice(),
        _ => &[],
    };
    rows.iter()
        .filter_map(move |&(row, index)| Some((row, items.get(index)?.search_text.as_str())))
}

/// Indexes the items the group stored or edited, after its last poll (so
/// FTS5 writes one segment for the group, not one per savepoint), and
/// commits.
fn index_and_commit<'a>(conn: &Connection, texts: impl Iterator<Item = (i64, &'a str)>) -> Result<(), Error> {
    let mut index = conn.prepare_cached("INSERT INTO items_search (rowid, search_text) VALUES (?1, ?2)")?;
    for (row, text) in texts {
        index.execute(rusqlite::params![row, text])?;
    }
    conn.prepare_cached("COMMIT")?.execute([])?;
    Ok(())
}

/// The next poll to add to the group, if one is queued, or coming before
/// the hold is over; any other message ends the group.
fn take(queue: &mpsc::Receiver<Message>, coming: &Coming, started: Instant) -> Option<Message> {
    match queue.try_recv() {
        Ok(message) => return Some(message),
        Err(mpsc::TryRecvError::Disconnected) => return None,
        Err(mpsc::TryRecvError::Empty) => {}
    }
    // Waits in short steps, so that a group stops waiting as soon as no
    // poll is on its way any more.
    const STEP: Duration = Duration::from_millis(2);
    while coming.any() {
        let left = HOLD.saturating_sub(started.elapsed());
        if left.is_zero() {
            return None;
        }
        match queue.recv_timeout(left.min(STEP)) {
            Ok(message) => return Some(message),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    None
}

/// One poll inside its savepoint: released when written, rolled back
/// alone when not (a bug that panics included). Should even that fail,
/// the whole transaction is rolled back, which the caller sees.
fn one(conn: &Connection, record: &PollRecord) -> Result<(IngestReport, ToIndex), Error> {
    // Prepared once: parsing these per poll cost more than the B-tree
    // work of a small poll.
    conn.prepare_cached("SAVEPOINT poll")?.execute([])?;
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| super::ingest::write(conn, record)))
        .unwrap_or_else(|_| Err(Error::Sqlite("writing this poll failed (a bug: it panicked)".into())))
        .and_then(|written| Ok(conn.prepare_cached("RELEASE poll")?.execute([]).map(|_| written)?));
    if written.is_err() && !conn.is_autocommit() && conn.execute_batch("ROLLBACK TO poll; RELEASE poll").is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    written
}

/// Answers every poll of a group that could not be committed: none of
/// them is stored (each will be fetched again in full). Each gets the
/// error that undid them all (for health, of the same kind), unless it
/// failed on its own.
fn fail_all(
    written: Vec<(Pending, Result<IngestReport, Error>)>,
    commit_error: Option<Error>,
    next: Option<Message>,
) -> Option<Message> {
    let cause = match commit_error {
        Some(e) => e,
        None => match written.iter().rev().find_map(|(_, r)| r.as_ref().err()) {
            Some(e) => copy(e),
            None => Error::Sqlite("the transaction was rolled back".into()),
        },
    };
    for (poll, result) in written {
        let error = match result {
            Err(e) => e,
            Ok(_) => copy(&cause),
        };
        let _ = poll.reply.send(Err(error));
    }
    next
}

/// The same error again (SQLite's code kept, so that health tells a full
/// disk from a damaged file).
fn copy(e: &Error) -> Error {
    match e {
        Error::Sqlite(source) => match source.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(code, message)) => {
                rusqlite::Error::SqliteFailure(*code, message.clone()).into()
            }
            _ => Error::Sqlite(source.to_string().into()),
        },
        Error::Closed => Error::Closed,
        other => Error::Sqlite(other.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fetched;
    use super::super::{PollRecord, Store};
    use crate::model::{Item, TaggedItem};

    fn record(source: &str, keys: &[&str]) -> PollRecord {
        let items = keys
            .iter()
            .map(|key| TaggedItem {
                item: Item {
                    key: format!("guid:{key}"),
                    title: format!("Item {key}"),
                    content_hash: key.to_string(),
                    ..Item::default()
                },
                matches: Vec::new(),
                cancelled: Vec::new(),
                search_text: format!("item {key}"),
            })
            .collect();
        fetched(source, items)
    }

    /// Rows of `source`: its items, and whether its validators were stored.
    fn stored(path: &std::path::Path, source: &str) -> (i64, bool) {
        let conn = rusqlite::Connection::open(path).unwrap();
        let items = conn
            .query_row("SELECT count(*) FROM items WHERE source_id = ?1", [source], |r| {
                r.get(0)
            })
            .unwrap();
        let etag: Option<String> = conn
            .query_row("SELECT etag FROM sources WHERE id = ?1", [source], |r| r.get(0))
            .unwrap_or(None);
        (items, etag.is_some())
    }

    /// The items the search index finds for `word`, by key; fails unless
    /// the index is sound (FTS5's own check) and holds one entry per item.
    fn found(path: &std::path::Path, word: &str) -> Vec<String> {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch("INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)")
            .unwrap();
        let unindexed: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM items) - (SELECT count(*) FROM items_search_docsize
                                                         WHERE id IN (SELECT id FROM items))",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let entries: i64 = conn
            .query_row("SELECT count(*) FROM items_search_docsize", [], |r| r.get(0))
            .unwrap();
        let items: i64 = conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0)).unwrap();
        assert_eq!((unindexed, entries), (0, items), "one index entry per item");
        let mut keys: Vec<String> = conn
            .prepare("SELECT key FROM items WHERE id IN (SELECT rowid FROM items_search WHERE items_search MATCH ?1)")
            .unwrap()
            .query_map([word], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        keys.sort();
        keys
    }

    #[tokio::test]
    async fn a_failing_poll_is_rolled_back_alone_and_the_rest_of_its_group_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("group.db");
        let store = Store::open(&path).await.unwrap();
        // An item SQLite refuses, as a full disk or a bug would refuse it,
        // in the middle of the second poll.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER poison BEFORE INSERT ON items WHEN NEW.key = 'guid:poison'
                 BEGIN SELECT RAISE(ABORT, 'poisoned item'); END;",
            )
            .unwrap();
        // The database thread is held busy while the three polls queue up,
        // so that they are written as one group.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let busy = store.call(move |_| {
            let _ = held.recv();
            Ok(())
        });
        let polls = [
            record("first", &["a", "b"]),
            record("second", &["c", "poison", "d"]),
            record("third", &["e"]),
        ];
        let ingests = futures_join(&store, polls);
        let released = async {
            tokio::task::yield_now().await;
            release.send(()).unwrap();
        };
        let (_, results, ()) = tokio::join!(busy, ingests, released);
        assert_eq!(results[0].as_ref().unwrap().new, 2);
        let error = results[1].as_ref().unwrap_err().to_string();
        assert!(error.contains("poisoned item"), "{error}");
        assert_eq!(results[2].as_ref().unwrap().new, 1);
        assert_eq!(stored(&path, "first"), (2, true));
        assert_eq!(
            stored(&path, "second"),
            (0, false),
            "nothing of the failed poll is left"
        );
        assert_eq!(stored(&path, "third"), (1, true));
        // Search finds every item of the polls committed, none of the
        // one rolled back.
        assert_eq!(found(&path, "item"), ["guid:a", "guid:b", "guid:e"]);
        for key in ["c", "d", "poison"] {
            assert!(found(&path, key).is_empty(), "{key} was rolled back");
        }
    }

    /// An item edited in a group (its search text changed) is found by its
    /// new words only, whether stored before the group or edited beside
    /// new items of other polls; a deleted item leaves the index.
    #[tokio::test]
    async fn a_group_indexes_edits_and_deletions_keep_the_index_in_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edits.db");
        let store = Store::open(&path).await.unwrap();
        store.ingest(record("first", &["a", "b"])).await.unwrap();
        let mut edited = record("first", &["a", "b"]);
        if let super::PollOutcome::Fetched { items, .. } = &mut edited.outcome {
            items[0].item.content_hash = "a, edited".into();
            items[0].search_text = "edited words".into();
        }
        // Held busy, so that the edit and a new poll share one group.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let busy = store.call(move |_| {
            let _ = held.recv();
            Ok(())
        });
        let polls = [edited, record("second", &["c"]), record("third", &[])];
        let ingests = futures_join(&store, polls);
        let released = async {
            tokio::task::yield_now().await;
            release.send(()).unwrap();
        };
        let (_, results, ()) = tokio::join!(busy, ingests, released);
        assert_eq!(results[0].as_ref().unwrap().updated, 1);
        assert_eq!(results[1].as_ref().unwrap().new, 1);
        store.close().await;
        assert_eq!(found(&path, "edited"), ["guid:a"]);
        assert_eq!(found(&path, "item"), ["guid:b", "guid:c"]);
        assert!(found(&path, "a").is_empty(), "the old words are gone");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute("DELETE FROM items WHERE key = 'guid:b'", [])
            .unwrap();
        assert_eq!(found(&path, "item"), ["guid:c"]);
    }

    async fn futures_join(store: &Store, polls: [PollRecord; 3]) -> Vec<Result<super::IngestReport, super::Error>> {
        let [a, b, c] = polls;
        let (a, b, c) = tokio::join!(store.ingest(a), store.ingest(b), store.ingest(c));
        vec![a, b, c]
    }

    #[tokio::test]
    async fn a_group_waits_for_a_poll_announced_as_coming() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hold.db")).await.unwrap();
        // A poll announced that never comes: the one written waits for it
        // (the hold, which bounds the wait, is what ends it here).
        let expected = store.expect_poll();
        let started = std::time::Instant::now();
        store.ingest(record("held", &["b"])).await.unwrap();
        assert!(
            started.elapsed() >= super::HOLD,
            "answered after {:?}",
            started.elapsed()
        );
        drop(expected);
    }
}
