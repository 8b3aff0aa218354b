//! The only place with rusqlite and SQL. The one writing connection lives
//! on its own thread; async callers send it closures and await the answer,
//! so no SQLite call ever blocks the runtime. Reads for serving, health and
//! metrics go to a few read-only connections ([`read`]), so they never
//! queue behind a write.

mod announce;
mod checkpoint;
mod documents;
mod group;
mod ingest;
mod integrity;
mod maintenance;
mod outbox;
mod pages;
mod query;
mod read;
mod relink;
mod retag;
mod schema;
mod status;
#[cfg(test)]
mod test_support;
mod texts;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

pub(crate) use documents::DocumentDate;
pub use ingest::{
    FIRST_POLL_ARTICLES, IngestReport, PollOutcome, PollRecord, PollState, Recipient, Recipients, TextFetch,
};
pub(crate) use integrity::Verdict;
pub(crate) use maintenance::Pruned;
pub(crate) use outbox::Delivery;
pub(crate) use pages::{ItemStory, PollEntry, SourceActivity};
pub use query::{EntryQuery, SourceHealth, parse_cursor};
pub(crate) use retag::Retagged;
pub(crate) use schema::Unusable;
pub(crate) use status::{Check, Condition, Failure};
pub(crate) use texts::DueText;

/// What went wrong with the database. rusqlite's error stays inside.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open database {}: {message}", path.display())]
    Open { path: PathBuf, message: String },
    /// Retrying cannot help: a person must act (the message says how).
    #[error("database {} {reason}", path.display())]
    Unusable {
        path: PathBuf,
        #[source]
        reason: Unusable,
    },
    #[error("database: {0}")]
    Sqlite(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the database thread has stopped")]
    Closed,
}

impl Error {
    /// What kind of database trouble this is; `None` for a closed store.
    pub(crate) fn failure(&self) -> Option<Failure> {
        match self {
            Error::Sqlite(source) => Some(
                source
                    .downcast_ref::<rusqlite::Error>()
                    .map_or(Failure::Other, Failure::of_sqlite),
            ),
            Error::Unusable {
                reason: Unusable::Damaged(_),
                ..
            } => Some(Failure::Damaged),
            Error::Unusable { .. } => Some(Failure::Other),
            Error::Open { .. } => Some(Failure::Io),
            Error::Closed => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Sqlite(Box::new(e))
    }
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The database thread's loop: runs until every [`Store`] handle is gone
/// or one closes it. A panicking job (a bug) fails its own caller, not
/// the whole store: its reply channel drops, and any open transaction
/// rolls back.
fn run_writer(
    mut conn: Connection,
    queue: &std_mpsc::Receiver<Message>,
    coming: &group::Coming,
    checkpoints: Option<checkpoint::Checkpointer>,
) {
    let mut closed_by = None;
    let mut next = None;
    loop {
        let Some(message) = next.take().or_else(|| queue.recv().ok()) else {
            break;
        };
        let before = conn.total_changes();
        match message {
            Message::Run(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)));
            }
            Message::Ingest(first) => next = group::write(&mut conn, first, queue, coming),
            Message::Close(reply) => {
                closed_by = Some(reply);
                break;
            }
        }
        // Only writes grow the log.
        if let Some(checkpoints) = checkpoints.as_ref().filter(|_| conn.total_changes() != before) {
            checkpoints.wrote();
        }
    }
    // Closed first, so the last checkpoint sees every write.
    drop(conn);
    if let Some(checkpoints) = checkpoints {
        checkpoints.finish();
    }
    if let Some(reply) = closed_by {
        let _ = reply.send(());
    }
}

/// What the database thread is asked to do.
enum Message {
    Run(Job),
    /// Write a poll's outcome (in a group commit with others).
    Ingest(group::Pending),
    /// Close the database (after its last checkpoint), then answer.
    Close(oneshot::Sender<()>),
}

/// A handle to the database thread; clones share the one connection.
/// The thread ends (closing the database) when the last handle is dropped,
/// or at [`Store::close`].
#[derive(Clone)]
pub struct Store {
    jobs: std_mpsc::Sender<Message>,
    readers: read::Readers,
    /// Bumped whenever what the feeds show may have changed, so rendered
    /// documents are cached until then.
    generation: Arc<AtomicU64>,
    /// Whether writes work and the database is sound (for health checks).
    status: Arc<status::Status>,
    path: Arc<PathBuf>,
    /// Polls being parsed, that a group commit may wait for.
    coming: group::Coming,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("generation", &self.generation()).finish()
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<Store, Error> {
        let (jobs, queue) = std_mpsc::channel::<Message>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let owned_path = path.to_path_buf();
        let coming = group::Coming::default();
        let writer_coming = coming.clone();
        std::thread::Builder::new()
            .name("thbwatch-store".into())
            .spawn(move || match schema::open(&owned_path) {
                Ok(conn) => {
                    let checkpoints = match checkpoint::start(&owned_path) {
                        Ok(checkpointer) => Some(checkpointer),
                        Err(e) => {
                            // Slower ingests, nothing worse: SQLite's own
                            // checkpoints come back.
                            tracing::warn!(error = %e, "no checkpoint thread; the writer checkpoints itself");
                            let _ = conn.pragma_update(None, "wal_autocheckpoint", 1000);
                            None
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    run_writer(conn, &queue, &writer_coming, checkpoints);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|e| Error::Open {
                path: path.to_path_buf(),
                message: format!("cannot start the database thread: {e}"),
            })?;
        ready_rx.await.map_err(|_| Error::Closed)?.map_err(|e| match e {
            schema::OpenError::Unusable(reason) => Error::Unusable {
                path: path.to_path_buf(),
                reason,
            },
            other => Error::Open {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
        // After the writer: the database exists, in WAL mode and migrated.
        let readers = read::Readers::open(path)?;
        Ok(Store {
            jobs,
            readers,
            generation: Arc::default(),
            status: Arc::default(),
            path: Arc::new(path.to_path_buf()),
            coming,
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether writes work and the database is sound, now.
    pub(crate) fn condition(&self) -> Condition {
        self.status.condition()
    }

    /// Follows the condition as it changes.
    pub(crate) fn watch_condition(&self) -> tokio::sync::watch::Receiver<Condition> {
        self.status.subscribe()
    }

    /// Database errors so far, per kind (for `/metrics`).
    pub(crate) fn error_counts(&self) -> Vec<(&'static str, u64)> {
        self.status.error_counts()
    }

    /// The current generation of what the feeds show.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks what the feeds show as changed.
    pub(crate) fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// SQLite's `data_version`: it changes when another connection (another
    /// thbwatch process: `poll`, `retag`) commits to the database.
    pub(crate) async fn data_version(&self) -> Result<i64, Error> {
        self.call(|conn| Ok(conn.pragma_query_value(None, "data_version", |r| r.get(0))?))
            .await
    }

    /// Runs `f` on the database thread and returns its result.
    async fn call<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.jobs.send(Message::Run(job)).map_err(|_| Error::Closed)?;
        let result = rx.await.map_err(|_| Error::Closed)?;
        if let Err(e) = &result {
            self.status.failed(e);
        }
        result
    }

    /// [`Store::call`] for a write: its outcome tells whether writes work.
    async fn write<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, Error> + Send + 'static,
    {
        let result = self.call(f).await;
        self.status.wrote(result.as_ref().map(|_| ()));
        result
    }

    /// Tries a small write transaction (the schema version rewritten with
    /// its own value): while writes are failing, this says when they work
    /// again even if nothing else needs writing.
    pub(crate) async fn probe_write(&self) -> Result<(), Error> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Runs `f` on the database thread without waiting for it (nor
    /// hearing whether it ran: it reports its own errors).
    fn send<F>(&self, f: F)
    where
        F: FnOnce(&mut Connection) + Send + 'static,
    {
        let _ = self.jobs.send(Message::Run(Box::new(f)));
    }

    /// Runs `f` on a read-only connection: it never waits for a write.
    /// Its failures count like the writer's (a damaged page shows here
    /// first, as often as not).
    async fn read<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, Error> + Send + 'static,
    {
        let result = self.readers.call(f).await;
        if let Err(e) = &result {
            self.status.failed(e);
        }
        result
    }

    /// Closes the database once the jobs already sent are done, and waits
    /// for the last checkpoint, so the log is empty when the process
    /// exits. Every handle answers [`Error::Closed`] afterwards.
    pub async fn close(&self) {
        self.status.interrupt_check();
        // The readers first: the last checkpoint then has the file to itself.
        self.readers.close().await;
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Message::Close(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// Folds the write-ahead log into the database now and empties it,
    /// waiting for the writer's turn (benchmarks count this cost in).
    pub async fn checkpoint(&self) -> Result<(), Error> {
        self.call(|conn| {
            let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            if busy != 0 {
                return Err(Error::Sqlite(
                    "the checkpoint could not finish: the database stayed busy".into(),
                ));
            }
            Ok(())
        })
        .await
    }

    /// Answers when the database can be read (for `/healthz`), whatever
    /// the writer is doing.
    pub(crate) async fn ping(&self) -> Result<(), Error> {
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?)).await
    }
}
