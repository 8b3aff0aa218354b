//! WAL checkpoints on their own connection and thread. Copying the log
//! into the database and syncing it to disk is the slowest part of a
//! write; done by the writer (SQLite's automatic checkpoints), every ingest
//! that happens to cross the threshold waits for it. Here the writer only
//! appends to the log, and this thread folds it back in the meantime.
//!
//! The log stays bounded: a checkpoint runs each time it has grown by
//! [`STEP`], and [`QUIET`] after the first write it has not seen; past
//! [`HARD_CAP`] (a long burst of writes the passive checkpoints could not
//! keep up with) one holds the writer for at most [`RESTART_WAIT`] so
//! that the log starts over; and `journal_size_limit` shrinks the file
//! when it does. A checkpoint that another process's reader holds up (a
//! backup, a `sqlite3` shell) is retried after the next [`STEP`], never in
//! a loop.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// A checkpoint runs each time the log has grown this much...
const STEP: u64 = 64 * 1024 * 1024;
/// ...or once the database has been quiet this long after a write.
const QUIET: Duration = Duration::from_secs(1);
/// Past this, the checkpoint waits for the writer and restarts the log.
const HARD_CAP: u64 = 256 * 1024 * 1024;
/// How long that checkpoint may hold the writer waiting for readers.
const RESTART_WAIT: Duration = Duration::from_millis(100);
/// What the log file is cut back to when it starts over.
pub(crate) const JOURNAL_SIZE_LIMIT: i64 = 16 * 1024 * 1024;

/// Tells the checkpointer that something may have been written; the last
/// one out waits for its final checkpoint.
pub(crate) struct Checkpointer {
    nudges: mpsc::SyncSender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    /// Never blocks: nudges not yet seen are one nudge.
    pub(crate) fn wrote(&self) {
        let _ = self.nudges.try_send(());
    }

    /// Stops the thread after a last checkpoint that empties the log. Call
    /// it once the writer's connection is closed.
    pub(crate) fn finish(self) {
        let Checkpointer { nudges, thread } = self;
        drop(nudges);
        let _ = thread.join();
    }
}

/// Why the checkpoint thread could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// Its own connection to the database.
    #[error(transparent)]
    Open(#[from] rusqlite::Error),
    #[error(transparent)]
    Thread(#[from] std::io::Error),
}

/// Starts the checkpoint thread for the database at `path` (already open
/// and in WAL mode). An error means no checkpoints: the writer must then
/// make its own.
pub(crate) fn start(path: &Path) -> Result<Checkpointer, StartError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|conn| {
        // Only RESTART waits (PASSIVE never does), and the writer waits
        // with it: briefly.
        conn.busy_timeout(RESTART_WAIT)?;
        Ok(conn)
    })?;
    let (nudges, rx) = mpsc::sync_channel(1);
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let thread = std::thread::Builder::new()
        .name("thbwatch-checkpoint".into())
        .spawn(move || run(&conn, &wal, rx))?;
    Ok(Checkpointer { nudges, thread })
}

fn run(conn: &Connection, wal: &Path, nudges: mpsc::Receiver<()>) {
    let wal_bytes = || std::fs::metadata(wal).map_or(0, |m| m.len());
    // The log's size at the last checkpoint: it only grows until the
    // writer starts it over, and then it is smaller.
    let mut at_last = 0;
    // When the first write not yet checkpointed was announced.
    let mut pending: Option<Instant> = None;
    loop {
        let wait = pending.map_or(Duration::from_secs(3600), |since| QUIET.saturating_sub(since.elapsed()));
        match nudges.recv_timeout(wait) {
            Ok(()) => {
                pending.get_or_insert_with(Instant::now);
                let size = wal_bytes();
                if size < at_last {
                    at_last = 0;
                }
                if size >= HARD_CAP.max(at_last + STEP) {
                    checkpoint(conn, "RESTART");
                    (at_last, pending) = (wal_bytes(), None);
                } else if size >= at_last + STEP {
                    checkpoint(conn, "PASSIVE");
                    (at_last, pending) = (size, None);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if pending.take().is_some() {
                    checkpoint(conn, "PASSIVE");
                    at_last = wal_bytes();
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // The writer has closed: fold everything back and empty the log.
    checkpoint(conn, "TRUNCATE");
}

/// PASSIVE never blocks the writer; RESTART waits for it to finish its
/// transaction, so the next one starts the log over; TRUNCATE also
/// empties the file.
fn checkpoint(conn: &Connection, mode: &str) {
    let result = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match result {
        Ok((busy, log, done)) => tracing::trace!(busy, log, done, mode, "checkpoint"),
        Err(e) => tracing::warn!(error = %e, mode, "checkpoint failed; the next one will retry"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer logged ends up in the database file, and the log
    /// is emptied when the checkpointer finishes.
    #[test]
    fn the_log_is_folded_back_and_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x TEXT);")
            .unwrap();
        let tx = writer.transaction().unwrap();
        for _ in 0..2_000 {
            tx.execute("INSERT INTO t VALUES (hex(randomblob(500)))", []).unwrap();
        }
        tx.commit().unwrap();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        assert!(std::fs::metadata(&wal).unwrap().len() > 1_000_000);
        let checkpointer = start(&path).unwrap();
        checkpointer.wrote();
        drop(writer);
        checkpointer.finish();
        assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "the log is emptied");
        // Read without the log: everything is in the database file.
        let reader = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let rows: i64 = reader.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 2_000);
    }
}
