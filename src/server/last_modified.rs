//! Last-Modified that survives restarts: each document's date is stored
//! with the digest of its bytes, and moves forward only when the bytes do
//! (whatever dates the entries carry: an item dated in the past still makes
//! the document newer).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::cache::Cached;
use crate::store::{DocumentDate, Store};

/// Dates freshly rendered bytes (not those of the copy held in memory)
/// from what the store remembers of the document served under `key`: the
/// same bytes keep their date, new ones get a later one, recorded.
pub async fn settle(store: &Store, key: &str, mut cached: Cached) -> Cached {
    let stored = match store.document_date(key).await {
        Ok(stored) => stored,
        Err(e) => {
            // The date of this render stands; only a restart can lose it.
            tracing::warn!(error = %e, "cannot read a document's Last-Modified");
            return cached;
        }
    };
    match stored {
        Some(stored) if stored.digest == cached.digest() => {
            cached.last_modified = UNIX_EPOCH + Duration::from_secs(stored.last_modified.max(0).unsigned_abs());
        }
        stored => {
            // Later than any date these bytes' predecessor was served with.
            let rendered = seconds(cached.last_modified);
            let last_modified = stored.map_or(rendered, |s| rendered.max(s.last_modified + 1));
            cached.last_modified = UNIX_EPOCH + Duration::from_secs(last_modified.max(0).unsigned_abs());
            store.record_document_date(
                key.to_string(),
                DocumentDate {
                    digest: cached.digest().to_string(),
                    last_modified,
                },
            );
        }
    }
    cached
}

fn seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
