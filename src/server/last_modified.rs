//! Last-Modified that survives restarts: each kept document's date is
//! stored with the digest of its bytes, and moves forward only when the
//! bytes do (whatever dates the entries carry: an item dated in the past
//! still makes the document newer).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::cache::{Cached, Validators};
use crate::store::{DocumentDate, Store};

/// What the store remembers of the document served under `key`.
pub(crate) async fn stored(store: &Store, key: &str) -> Option<Validators> {
    match store.document_date(key).await {
        Ok(stored) => stored.map(|date| {
            let seconds = Duration::from_secs(date.last_modified.max(0).unsigned_abs());
            Validators::new(date.digest, UNIX_EPOCH + seconds)
        }),
        Err(e) => {
            // The date of this render stands; only a restart can lose it.
            tracing::warn!(error = %e, "cannot read a document's Last-Modified");
            None
        }
    }
}

/// Records the date of `cached`'s bytes under `key`, unless the store has
/// it already. Never waits: a request does not wait for the writer.
pub(crate) fn record(store: &Store, key: &str, cached: &Cached, stored: Option<&Validators>) {
    if stored == Some(cached.validators()) {
        return;
    }
    store.record_document_date(
        key.to_string(),
        DocumentDate {
            digest: cached.digest().to_string(),
            last_modified: seconds(cached.last_modified()),
        },
    );
}

fn seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
