//! What is kept of rendered documents, within bounds: the documents
//! asked for again (least recently used dropped first), and the
//! validators of those rendered recently, by a hash of their key.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use super::cache::{Cached, Validators};

/// Documents kept by key, the least recently used dropped first when
/// there are more than `max_documents` or more than `max_bytes`.
#[derive(Debug)]
pub(crate) struct Cache {
    max_documents: usize,
    max_bytes: usize,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    documents: HashMap<String, (Arc<Cached>, u64)>,
    bytes: usize,
    /// Counts uses: the smallest stamp is the least recently used.
    clock: u64,
}

impl Cache {
    pub(crate) fn new(max_documents: usize, max_bytes: usize) -> Cache {
        Cache {
            max_documents,
            max_bytes,
            kept: Mutex::default(),
        }
    }

    /// The document kept for `key`, whatever its generation.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Cached>> {
        let mut kept = self.lock();
        kept.clock += 1;
        let now = kept.clock;
        let (document, used) = kept.documents.get_mut(key)?;
        *used = now;
        Some(Arc::clone(document))
    }

    /// Keeps `document` (unless it alone is over the byte bound), dropping
    /// the least recently used until both bounds hold.
    pub(crate) fn put(&self, key: String, document: Arc<Cached>) {
        let size = document.size();
        let mut kept = self.lock();
        if let Some((old, _)) = kept.documents.remove(&key) {
            kept.bytes -= old.size();
        }
        if size > self.max_bytes {
            return;
        }
        while !kept.documents.is_empty()
            && (kept.documents.len() >= self.max_documents || kept.bytes + size > self.max_bytes)
        {
            // A scan: a few hundred entries, and only when full.
            let oldest = kept
                .documents
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone());
            if let Some((old, _)) = oldest.and_then(|key| kept.documents.remove(&key)) {
                kept.bytes -= old.size();
            }
        }
        kept.clock += 1;
        let now = kept.clock;
        kept.bytes += size;
        kept.documents.insert(key, (document, now));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // Held only for a map operation, never across an await.
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The validators of documents rendered recently, by a hash of their key
/// (a few dozen bytes each, however long the key): whether a document is
/// asked for again, and the `Last-Modified` its next rendering keeps.
#[derive(Debug)]
pub(crate) struct Seen {
    max: usize,
    hasher: RandomState,
    inner: Mutex<(HashMap<u64, Validators>, VecDeque<u64>)>,
}

impl Seen {
    pub(crate) fn new(max: usize) -> Seen {
        Seen {
            max,
            hasher: RandomState::new(),
            inner: Mutex::default(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Validators> {
        let hash = self.hasher.hash_one(key);
        self.lock().0.get(&hash).cloned()
    }

    /// Remembers `validators` for `key`, forgetting the oldest beyond the bound.
    pub(crate) fn remember(&self, key: &str, validators: &Validators) {
        let hash = self.hasher.hash_one(key);
        let mut inner = self.lock();
        let (by_hash, order) = &mut *inner;
        if by_hash.insert(hash, validators.clone()).is_none() {
            order.push_back(hash);
        }
        while order.len() > self.max {
            if let Some(oldest) = order.pop_front() {
                by_hash.remove(&oldest);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<u64, Validators>, VecDeque<u64>)> {
        // Held only for a map operation, never across an await.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::cache::Level;

    #[test]
    fn the_cache_drops_the_least_recently_used_within_its_bounds() {
        let doc = |text: &str| Arc::new(Cached::new(1, "text/plain", text.repeat(100), None, &[], Level::Fast));
        let cache = Cache::new(2, 250);
        cache.put("a".into(), doc("a"));
        cache.put("b".into(), doc("b"));
        assert!(cache.get("a").is_some(), "a used last");
        cache.put("c".into(), doc("c"));
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        cache.put("big".into(), doc("big"));
        assert!(cache.get("big").is_none(), "300 bytes is over the bound alone");
        cache.put("d".into(), doc("dd"));
        assert!(cache.get("d").is_some());
        assert!(
            cache.get("c").is_none() && cache.get("a").is_none(),
            "200 + 100 bytes is over the bound"
        );
        assert_eq!(cache.lock().bytes, 200);
    }

    #[test]
    fn seen_remembers_a_bounded_number_of_documents() {
        let seen = Seen::new(2);
        let validators = Cached::new(1, "text/plain", "x".into(), None, &[], Level::Fast)
            .validators()
            .clone();
        for key in ["a", "b", "a", "c"] {
            seen.remember(key, &validators);
        }
        assert!(seen.get("a").is_none(), "the oldest is forgotten");
        assert_eq!(seen.get("c"), Some(validators));
        assert!(seen.get("b").is_some());
    }
}
