//! What the store knows about its own condition, kept in memory by every
//! handle of one process: whether writes are failing (a full disk, a
//! read-only file system, another process holding the write lock),
//! whether the database is damaged, how the integrity check went, errors
//! counted by kind, and polls whose outcome could not be stored. `/readyz`,
//! systemd's `STATUS=`, `/metrics` and the source reports read it; nothing
//! here touches the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::watch;

use super::Error;
use super::query::SourceHealth;

/// What kind of trouble a database error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Failure {
    /// No space left for the database or its log.
    DiskFull,
    /// Corrupt pages, or not a database at all.
    Damaged,
    /// Another connection held a lock longer than the busy timeout.
    Busy,
    /// The file or its folder cannot be written.
    ReadOnly,
    /// The operating system refused a read or a write.
    Io,
    Other,
}

impl Failure {
    pub(crate) const ALL: [Failure; 6] = [
        Failure::DiskFull,
        Failure::Damaged,
        Failure::Busy,
        Failure::ReadOnly,
        Failure::Io,
        Failure::Other,
    ];

    /// The label `/metrics` uses.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Failure::DiskFull => "disk_full",
            Failure::Damaged => "damaged",
            Failure::Busy => "busy",
            Failure::ReadOnly => "read_only",
            Failure::Io => "io",
            Failure::Other => "other",
        }
    }

    fn index(self) -> usize {
        Failure::ALL
            .iter()
            .position(|f| *f == self)
            .unwrap_or(Failure::ALL.len() - 1)
    }

    /// The kind of a SQLite error, by its result code.
    pub(super) fn of_sqlite(e: &rusqlite::Error) -> Failure {
        use rusqlite::ErrorCode as Code;
        match e.sqlite_error_code() {
            Some(Code::DiskFull) => Failure::DiskFull,
            Some(Code::DatabaseCorrupt | Code::NotADatabase) => Failure::Damaged,
            Some(Code::DatabaseBusy | Code::DatabaseLocked) => Failure::Busy,
            Some(Code::ReadOnly) => Failure::ReadOnly,
            Some(Code::SystemIoFailure | Code::CannotOpen | Code::PermissionDenied) => Failure::Io,
            _ => Failure::Other,
        }
    }
}

/// Writes have been failing since `since`; `error` is the latest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WriteFailure {
    pub since: DateTime<Utc>,
    pub error: String,
    pub failure: Failure,
}

/// Where the start-up integrity check (`PRAGMA quick_check`) stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Check {
    /// Not run in this process (one-off commands do not run it).
    #[default]
    NotRun,
    Running,
    Passed,
    /// It could not finish (not damage: the database could not be read
    /// to the end, or the check was interrupted).
    Unfinished(String),
}

/// The store's condition as health checks report it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Condition {
    pub writes_failing: Option<WriteFailure>,
    /// What showed the damage (the integrity check's findings, or an
    /// error reading a page). Stays until the process restarts.
    pub damaged: Option<String>,
    pub check: Check,
}

impl Condition {
    /// The worst problem in one sentence, or `None` when all is well.
    pub(crate) fn problem(&self) -> Option<String> {
        if let Some(damage) = &self.damaged {
            return Some(format!(
                "the database is damaged ({damage}): stop thbwatch and restore a backup"
            ));
        }
        self.writes_failing.as_ref().map(|w| {
            let hint = match w.failure {
                Failure::DiskFull => ": free space on the disk holding the database",
                Failure::ReadOnly | Failure::Io => ": check the database file, its folder and their disk",
                Failure::Busy => ": another process holds the database's write lock",
                _ => "",
            };
            format!(
                "database writes failing since {} ({}){hint}",
                w.since.to_rfc3339_opts(SecondsFormat::Secs, true),
                w.error
            )
        })
    }
}

/// A poll whose outcome could not be written.
#[derive(Clone, Debug)]
struct Unstored {
    url: String,
    at: DateTime<Utc>,
    error: String,
}

/// Shared by every handle of a store.
pub(super) struct Status {
    condition: watch::Sender<Condition>,
    errors: [AtomicU64; Failure::ALL.len()],
    unstored: Mutex<HashMap<String, Unstored>>,
    /// Stops a running integrity check when the store closes.
    check_interrupt: Mutex<Option<rusqlite::InterruptHandle>>,
}

impl std::fmt::Debug for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Status").field("condition", &self.condition()).finish()
    }
}

impl Default for Status {
    fn default() -> Status {
        Status {
            condition: watch::Sender::new(Condition::default()),
            errors: Default::default(),
            unstored: Mutex::default(),
            check_interrupt: Mutex::default(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Held for a map update only, never across an await.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Status {
    pub(crate) fn condition(&self) -> Condition {
        self.condition.borrow().clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Condition> {
        self.condition.subscribe()
    }

    /// Errors counted per kind, for `/metrics`.
    pub(crate) fn error_counts(&self) -> Vec<(&'static str, u64)> {
        Failure::ALL
            .iter()
            .map(|f| (f.as_str(), self.errors[f.index()].load(Ordering::Relaxed)))
            .collect()
    }

    /// Any call to the database failed: counted, and damage remembered.
    pub(crate) fn failed(&self, error: &Error) {
        let Some(failure) = error.failure() else { return };
        self.errors[failure.index()].fetch_add(1, Ordering::Relaxed);
        if failure == Failure::Damaged && self.damaged(error.to_string()) {
            tracing::error!(%error, "the database is damaged: stop thbwatch and restore a backup");
        }
    }

    /// Remembers damage; true if it is news.
    pub(crate) fn damaged(&self, what: String) -> bool {
        self.condition.send_if_modified(|c| {
            if c.damaged.is_some() {
                return false;
            }
            c.damaged = Some(what);
            true
        })
    }

    /// A write transaction committed, or failed.
    pub(crate) fn wrote(&self, outcome: Result<(), &Error>) {
        match outcome {
            Ok(()) => {
                self.condition.send_if_modified(|c| {
                    let was = c.writes_failing.take();
                    if let Some(was) = &was {
                        tracing::info!(since = %was.since, "database writes work again");
                    }
                    was.is_some()
                });
            }
            Err(error) => {
                let Some(failure) = error.failure() else { return };
                self.condition.send_if_modified(|c| {
                    // SQLite's words, without the "database: " prefix the
                    // sentence around them already says.
                    let error = match error {
                        Error::Sqlite(source) => source.to_string(),
                        other => other.to_string(),
                    };
                    match &mut c.writes_failing {
                        Some(w) if w.error == error => false,
                        Some(w) => {
                            w.error = error;
                            w.failure = failure;
                            true
                        }
                        None => {
                            tracing::error!(%error, "database writes are failing; /readyz reports it until they work again");
                            c.writes_failing = Some(WriteFailure {
                                since: Utc::now(),
                                error,
                                failure,
                            });
                            true
                        }
                    }
                });
            }
        }
    }

    pub(crate) fn check(&self, check: Check) {
        self.condition.send_if_modified(|c| {
            let changed = c.check != check;
            c.check = check;
            changed
        });
    }

    pub(crate) fn set_check_interrupt(&self, handle: Option<rusqlite::InterruptHandle>) {
        *lock(&self.check_interrupt) = handle;
    }

    pub(crate) fn interrupt_check(&self) {
        if let Some(handle) = lock(&self.check_interrupt).take() {
            handle.interrupt();
        }
    }

    /// A poll of `source` at `at` could not be stored (`Some(error)`), or
    /// one was (`None`: what is stored is current again).
    pub(crate) fn poll_stored(&self, source: &str, url: &str, at: DateTime<Utc>, error: Option<&Error>) {
        let mut unstored = lock(&self.unstored);
        match error {
            Some(e) => {
                unstored.insert(
                    source.to_string(),
                    Unstored {
                        url: url.to_string(),
                        at,
                        error: e.to_string(),
                    },
                );
            }
            None => {
                unstored.remove(source);
            }
        }
    }

    /// Stored health with the polls that could not be stored shown as the
    /// failures they are.
    pub(crate) fn overlay(&self, mut stored: Vec<SourceHealth>) -> Vec<SourceHealth> {
        let unstored = lock(&self.unstored).clone();
        for (id, poll) in unstored {
            let index = match stored.iter().position(|h| h.id.as_str() == id) {
                Some(index) => index,
                None => {
                    stored.push(SourceHealth {
                        id: crate::model::SourceId::new(id.as_str()),
                        url: poll.url.clone(),
                        ..SourceHealth::default()
                    });
                    stored.len() - 1
                }
            };
            let health = &mut stored[index];
            if health.url != poll.url || health.last_attempt.is_some_and(|last| last > poll.at) {
                continue;
            }
            health.first_attempt = health.first_attempt.or(Some(poll.at));
            health.last_attempt = Some(poll.at);
            health.last_status = Some("error".into());
            health.last_error = Some(format!("the poll could not be stored: {}", poll.error));
            health.consecutive_failures = health.consecutive_failures.saturating_add(1);
        }
        stored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk_full() -> Error {
        Error::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        ))
    }

    #[test]
    fn writes_fail_until_one_works_and_errors_are_counted() {
        let status = Status::default();
        assert_eq!(status.condition().problem(), None);
        status.failed(&disk_full());
        status.wrote(Err(&disk_full()));
        let problem = status.condition().problem().unwrap();
        assert!(problem.starts_with("database writes failing since"), "{problem}");
        assert!(problem.contains("free space"), "{problem}");
        assert!(status.error_counts().contains(&("disk_full", 1)));
        status.wrote(Ok(()));
        assert_eq!(status.condition().problem(), None);
    }

    #[test]
    fn damage_stays_and_comes_first() {
        let status = Status::default();
        let corrupt = Error::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            None,
        ));
        status.failed(&corrupt);
        status.wrote(Err(&disk_full()));
        status.wrote(Ok(()));
        let problem = status.condition().problem().unwrap();
        assert!(problem.starts_with("the database is damaged"), "{problem}");
        assert!(status.error_counts().contains(&("damaged", 1)));
    }

    #[test]
    fn a_poll_that_could_not_be_stored_shows_as_a_failure() {
        let status = Status::default();
        let at = Utc::now();
        let stored = vec![SourceHealth {
            id: crate::model::SourceId::new("a"),
            url: "https://a.example/feed".into(),
            last_attempt: Some(at - chrono::Duration::minutes(15)),
            last_status: Some("ok".into()),
            ..SourceHealth::default()
        }];
        status.poll_stored("a", "https://a.example/feed", at, Some(&disk_full()));
        status.poll_stored("b", "https://b.example/feed", at, Some(&disk_full()));
        let shown = status.overlay(stored.clone());
        assert_eq!(shown.len(), 2);
        for health in &shown {
            assert_eq!(health.last_status.as_deref(), Some("error"));
            assert_eq!(health.consecutive_failures, 1);
            assert_eq!(health.last_attempt, Some(at));
            assert!(health.last_error.as_deref().unwrap().contains("could not be stored"));
        }
        status.poll_stored("a", "https://a.example/feed", at, None);
        status.poll_stored("b", "https://b.example/feed", at, None);
        assert_eq!(status.overlay(stored)[0].last_status.as_deref(), Some("ok"));
    }
}
