//! The integrity check (`PRAGMA quick_check`) on its own read-only
//! connection and thread: a large database's check holds up neither the
//! writer nor the readers, and the daemon decides how long start-up waits
//! for it. What it finds goes into the store's condition, so `/readyz`
//! reports damage found after start-up too.

use std::path::PathBuf;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::status::{Check, Failure};
use super::{Error, Store};

/// Findings reported at most (the first ones say enough).
const MAX_FINDINGS: usize = 10;

/// How the check ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Sound,
    /// The findings, in SQLite's words.
    Damaged(String),
    /// It could not finish: not a verdict on the database.
    Unfinished(String),
}

impl Store {
    /// Starts the check in the background; the answer comes on the
    /// returned channel and goes into [`Store::condition`] as well.
    pub(crate) fn start_integrity_check(&self) -> oneshot::Receiver<Verdict> {
        let (tx, rx) = oneshot::channel();
        let (path, status) = (self.path.as_ref().clone(), self.status.clone());
        status.check(Check::Running);
        let spawned = std::thread::Builder::new()
            .name("thbwatch-check".into())
            .spawn(move || {
                let verdict = match open(&path) {
                    Ok(conn) => {
                        status.set_check_interrupt(Some(conn.get_interrupt_handle()));
                        let verdict = quick_check(&conn);
                        status.set_check_interrupt(None);
                        verdict
                    }
                    Err(e) => judge_error(e),
                };
                match &verdict {
                    Verdict::Sound => status.check(Check::Passed),
                    Verdict::Damaged(findings) => {
                        status.check(Check::Passed);
                        // Whoever waits for the verdict reports it.
                        status.damaged(findings.clone());
                    }
                    Verdict::Unfinished(why) => status.check(Check::Unfinished(why.clone())),
                }
                let _ = tx.send(verdict);
            });
        if let Err(e) = spawned {
            let why = format!("cannot start the check's thread: {e}");
            self.status.check(Check::Unfinished(why));
        }
        rx
    }
}

fn open(path: &PathBuf) -> Result<Connection, rusqlite::Error> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
}

fn quick_check(conn: &Connection) -> Verdict {
    let findings = conn
        .prepare(&format!("PRAGMA quick_check({MAX_FINDINGS})"))
        .and_then(|mut stmt| {
            stmt.query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        });
    match findings {
        Ok(findings) if findings == ["ok"] => Verdict::Sound,
        Ok(findings) => {
            // One line, for logs, STATUS= and error messages.
            let lines: Vec<&str> = findings.iter().flat_map(|f| f.lines()).map(str::trim).collect();
            Verdict::Damaged(format!("quick_check: {}", lines.join("; ")))
        }
        Err(e) => judge_error(e),
    }
}

/// An error during the check: damage if SQLite says so.
fn judge_error(e: rusqlite::Error) -> Verdict {
    match Failure::of_sqlite(&e) {
        Failure::Damaged => Verdict::Damaged(format!("quick_check: {e}")),
        _ => Verdict::Unfinished(Error::from(e).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sound_database_passes_and_overwritten_pages_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.start_integrity_check().await.unwrap(), Verdict::Sound);
        assert_eq!(store.condition().check, Check::Passed);
        store.close().await;

        // A table of many pages, then garbage over some of them.
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE filler (x TEXT);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
                 INSERT INTO filler SELECT hex(randomblob(500)) FROM n;
                 PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        let (page, pages) = (4096, bytes.len() / 4096);
        assert!(pages > 100, "{pages}");
        // The filler's pages come last; the schema stays readable.
        for b in &mut bytes[(pages - 30) * page..(pages - 20) * page] {
            *b = 0xA5;
        }
        std::fs::write(&path, bytes).unwrap();
        let store = Store::open(&path).await.unwrap();
        let verdict = store.start_integrity_check().await.unwrap();
        assert!(matches!(verdict, Verdict::Damaged(_)), "{verdict:?}");
        let problem = store.condition().problem().unwrap();
        assert!(
            problem.starts_with("the database is damaged (quick_check:"),
            "{problem}"
        );
    }
}
