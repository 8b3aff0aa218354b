//! Dates of what is served: when the store last changed (an empty feed's
//! `<updated>`), and each published document's digest and Last-Modified,
//! kept so that the date survives restarts and moves only with the bytes.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::ingest::timestamp;

use super::{Error, Store};

/// Document dates kept at most; the oldest go first (a client may ask for
/// any number of filter combinations).
const MAX_DOCUMENTS: i64 = 10_000;

/// What is stored about a served document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DocumentDate {
    /// Of the bytes last served under its key.
    pub digest: String,
    /// When those bytes were first served, in Unix seconds.
    pub last_modified: i64,
}

impl Store {
    /// When items were last stored, edited, pruned or re-tagged.
    pub(crate) async fn last_change(&self) -> Result<DateTime<Utc>, Error> {
        self.read(|conn| {
            let text: Option<String> = conn
                .query_row("SELECT changed_at FROM store_state WHERE id = 1", [], |r| r.get(0))
                .optional()?;
            // Its row removed by hand: now is the truthful answer's bound.
            Ok(text
                .as_deref()
                .and_then(super::query::parse_time)
                .unwrap_or_else(Utc::now))
        })
        .await
    }

    /// What is stored about the document served under `key`.
    pub(crate) async fn document_date(&self, key: &str) -> Result<Option<DocumentDate>, Error> {
        let key = key.to_string();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT digest, last_modified FROM documents WHERE key = ?1")?
                .query_row([key], |r| {
                    Ok(DocumentDate {
                        digest: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    /// Records the date of a document's new bytes, without waiting: a
    /// request never waits for the writer. Were it lost (a crash), the
    /// next render finds a different digest and dates the bytes afresh,
    /// later still, so the date never moves back.
    pub(crate) fn record_document_date(&self, key: String, date: DocumentDate) {
        self.send(move |conn| {
            let write = || -> Result<(), rusqlite::Error> {
                conn.prepare_cached(
                    "INSERT INTO documents (key, digest, last_modified) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET digest = excluded.digest,
                         last_modified = max(last_modified, excluded.last_modified)",
                )?
                .execute(params![key, date.digest, date.last_modified])?;
                conn.prepare_cached(
                    "DELETE FROM documents WHERE key IN (SELECT key FROM documents ORDER BY last_modified
                     LIMIT max(0, (SELECT count(*) FROM documents) - ?1))",
                )?
                .execute([MAX_DOCUMENTS])?;
                Ok(())
            };
            if let Err(e) = write() {
                tracing::warn!(error = %e, "cannot record a document's Last-Modified; it is dated afresh next time");
            }
        });
    }
}

/// Records that what the feeds show changed at `at` (an empty feed's
/// `<updated>`). Never moves back: another process may have written a
/// later time.
pub(super) fn mark_changed(tx: &Connection, at: DateTime<Utc>) -> Result<(), Error> {
    tx.prepare_cached("UPDATE store_state SET changed_at = max(changed_at, ?1) WHERE id = 1")?
        .execute([timestamp(at)])?;
    Ok(())
}
