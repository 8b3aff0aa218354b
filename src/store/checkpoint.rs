//! WAL checkpoints on their own connection and thread. Copying the log
//! into the database and syncing it to disk is the slowest part of a
//! write; done by the writer (SQLite's automatic checkpoints), every ingest
//! that happens to cross the threshold waits for it. Here the writer only
//! appends to the log, and this thread folds it back in the meantime.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// A checkpoint runs once the log holds this much...
const WAL_BYTES: u64 = 64 * 1024 * 1024;
/// ...or once the database has been quiet this long after a write.
const QUIET: Duration = Duration::from_secs(1);

/// Tells the checkpointer that something may have been written.
pub struct Nudge(mpsc::Sender<()>);

impl Nudge {
    pub fn wrote(&self) {
        let _ = self.0.send(());
    }
}

/// Starts the checkpoint thread for the database at `path` (already open
/// and in WAL mode). It ends, after a last checkpoint, when the [`Nudge`]
/// is dropped.
pub fn start(path: &Path) -> std::io::Result<Nudge> {
    let (tx, rx) = mpsc::channel();
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("thbwatch-checkpoint".into())
        .spawn(move || run(&path, rx))?;
    Ok(Nudge(tx))
}

fn run(path: &PathBuf, nudges: mpsc::Receiver<()>) {
    let conn = match Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(conn) => conn,
        Err(e) => {
            // The writer keeps working; the log only grows until restart,
            // when SQLite folds it back on opening.
            tracing::error!(error = %e, "cannot open the database for checkpoints");
            return;
        }
    };
    let _ = conn.busy_timeout(Duration::from_secs(5));
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let wal_bytes = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let mut pending = false;
    loop {
        match nudges.recv_timeout(QUIET) {
            Ok(()) => {
                pending = true;
                if wal_bytes() >= WAL_BYTES {
                    checkpoint(&conn, "PASSIVE");
                    pending = false;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if pending {
                    checkpoint(&conn, "PASSIVE");
                    pending = false;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // The writer has closed: fold everything back and empty the log.
    checkpoint(&conn, "TRUNCATE");
}

/// A checkpoint that never blocks the writer (PASSIVE) or, at the end,
/// one that empties the log (TRUNCATE).
fn checkpoint(conn: &Connection, mode: &str) {
    let result = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match result {
        Ok((_busy, log, done)) => tracing::trace!(log, done, mode, "checkpoint"),
        Err(e) => tracing::warn!(error = %e, mode, "checkpoint failed; the next one will retry"),
    }
}
