//! Read-only connections for everything that only reads (the feeds,
//! searches, the page, health and metrics), each on its own thread and
//! sharing one queue. In WAL mode a reader never waits for a writer, so a
//! write that is slow or blocked (another process holding the write lock)
//! never stalls `/healthz` or a feed. They must not write: the connections
//! are opened read-only and `query_only`.

use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::Error;

/// How many readers: enough for the concurrent renders, a search, health
/// and metrics at once; each holds a page cache of at most 2 MB.
pub(crate) const READERS: usize = 4;

/// How long a reader waits for a lock: in WAL mode only a recovery or a
/// checkpoint that restarts the log makes it wait, and briefly.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

enum Message {
    Run(ReadJob),
    /// One reader closes its connection, then answers.
    Close(oneshot::Sender<()>),
}

/// The readers' queue; clones share the threads.
#[derive(Clone)]
pub(super) struct Readers {
    jobs: std_mpsc::Sender<Message>,
}

impl Readers {
    /// Opens [`READERS`] read-only connections to the database at `path`
    /// (already created and migrated by the writer) on their threads.
    pub(super) fn open(path: &Path) -> Result<Readers, Error> {
        let (jobs, queue) = std_mpsc::channel::<Message>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..READERS {
            let conn = connect(path)?;
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("thbwatch-read-{n}"))
                .spawn(move || serve(&conn, &queue))
                .map_err(|e| Error::Open {
                    path: path.to_path_buf(),
                    message: format!("cannot start a reading thread: {e}"),
                })?;
        }
        Ok(Readers { jobs })
    }

    /// Runs `f` on a free reader and returns its result.
    pub(super) async fn call<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.jobs.send(Message::Run(job)).map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Closes every reader once the jobs already sent are done.
    pub(super) async fn close(&self) {
        let mut replies = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let (tx, rx) = oneshot::channel();
            if self.jobs.send(Message::Close(tx)).is_ok() {
                replies.push(rx);
            }
        }
        for reply in replies {
            let _ = reply.await;
        }
    }
}

fn connect(path: &Path) -> Result<Connection, Error> {
    let open = || -> rusqlite::Result<Connection> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    };
    open().map_err(|e| Error::Open {
        path: path.to_path_buf(),
        message: format!("cannot open a read-only connection: {e}"),
    })
}

/// One reader: takes the next job from the shared queue until the queue
/// is gone or it is told to close. A panicking job (a bug) fails its own
/// caller only.
fn serve(conn: &Connection, queue: &Mutex<std_mpsc::Receiver<Message>>) {
    loop {
        // The lock is held only while waiting for a message: a reader
        // running a job leaves the queue to the others.
        let message = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match message {
            Ok(Message::Run(job)) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn)));
            }
            Ok(Message::Close(reply)) => {
                let _ = reply.send(());
                return;
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader answers while another connection holds the write lock, and
    /// sees what was committed; it cannot write.
    #[tokio::test]
    async fn readers_do_not_wait_for_a_held_write_lock_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let readers = Readers::open(&path).unwrap();
        writer
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (2);")
            .unwrap();
        let count = readers
            .call(|conn| Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))?))
            .await
            .unwrap();
        assert_eq!(count, 1, "the uncommitted row is not seen, and nothing waited");
        writer.execute_batch("COMMIT").unwrap();
        let count = readers
            .call(|conn| Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))?))
            .await
            .unwrap();
        assert_eq!(count, 2);
        let write = readers
            .call(|conn| Ok(conn.execute("INSERT INTO t VALUES (3)", [])?))
            .await;
        assert!(write.is_err(), "a reader cannot write");
        readers.close().await;
        assert!(matches!(readers.call(|_| Ok(())).await, Err(Error::Closed)));
    }
}
