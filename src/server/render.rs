//! Rendering documents within bounds no request can push past: one
//! rendering per document at a time (the others asking for it wait for
//! its result), a few renderings at once in all, and documents kept only
//! when asked for again, in caches of bounded size (a small one for the
//! documents made for one `Host`). A burst of uncached requests then
//! queues instead of taking the memory of the machine.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use tokio::sync::{OnceCell, Semaphore};

use super::cache::{Cached, Encoding, Level, Validators};
use super::kept::{Cache, Seen};
use super::last_modified;
use crate::feeds::{Document, RenderError};
use crate::store::{self, Store};

/// Documents (and bytes) kept for everyone: feeds, tags, sources, pages.
const SHARED_DOCUMENTS: usize = 512;
const SHARED_BYTES: usize = 64 << 20;
/// Documents (and bytes) kept when links follow the request's `Host`
/// (no `base_url`): every host shares this much.
const BY_HOST_DOCUMENTS: usize = 128;
const BY_HOST_BYTES: usize = 32 << 20;
/// Documents whose validators are remembered.
const SEEN: usize = 4096;
/// How long a request waits for a turn to render before it is told to
/// come back later.
pub(crate) const TURN_WAIT: Duration = Duration::from_secs(15);

/// Why a document could not be had.
#[derive(Clone, Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error("every rendering turn stayed taken for {}s", .0.as_secs())]
    Busy(Duration),
    #[error("cannot read the store")]
    Store(#[source] Arc<store::Error>),
    /// Rendering or compressing panicked: a bug.
    #[error("rendering failed: {0}")]
    Crashed(#[source] Arc<tokio::task::JoinError>),
}

impl From<RenderError> for Failure {
    fn from(e: RenderError) -> Failure {
        match e {
            RenderError::Store(e) => Failure::Store(Arc::new(e)),
            RenderError::Crashed(e) => Failure::Crashed(Arc::new(e)),
        }
    }
}

/// What a document is known by.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    /// Path and query, and the origin when links follow the `Host`.
    pub text: String,
    /// Made for one `Host` (no `base_url`).
    pub by_host: bool,
    /// Worth keeping when asked for again (not a search).
    pub keep: bool,
}

type Flight = OnceCell<Result<Arc<Cached>, Failure>>;
/// Each document being rendered (by generation and key), with how many
/// requests wait for it.
type Flights = HashMap<(u64, String), (Arc<Flight>, usize)>;

/// The caches, the renderings under way and the turns to render.
#[derive(Debug)]
pub(crate) struct Renderer {
    shared: Cache,
    by_host: Cache,
    seen: Seen,
    flights: Mutex<Flights>,
    turns: Semaphore,
    turn_wait: Duration,
}

impl Default for Renderer {
    fn default() -> Renderer {
        // One rendering per core: rendering and compressing are CPU work.
        let turns = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
        Renderer::new(turns, TURN_WAIT)
    }
}

impl Renderer {
    /// At most `turns` renderings at once; a request waits `turn_wait` at
    /// most for one.
    pub(crate) fn new(turns: usize, turn_wait: Duration) -> Renderer {
        Renderer {
            shared: Cache::new(SHARED_DOCUMENTS, SHARED_BYTES),
            by_host: Cache::new(BY_HOST_DOCUMENTS, BY_HOST_BYTES),
            seen: Seen::new(SEEN),
            flights: Mutex::default(),
            turns: Semaphore::new(turns),
            turn_wait,
        }
    }

    /// The document for `key` at `generation`: kept, or being rendered for
    /// another request (then its result), or rendered now by `render` when
    /// a turn is free. `dates` keeps the dates of kept documents across
    /// restarts.
    pub(crate) async fn document<F, R>(
        &self,
        key: &Key,
        generation: u64,
        dates: Option<&Store>,
        render: F,
    ) -> Result<Arc<Cached>, Failure>
    where
        F: FnOnce() -> R,
        R: Future<Output = Result<Document, RenderError>>,
    {
        let cache = if key.by_host { &self.by_host } else { &self.shared };
        let previous = cache.get(&key.text);
        if let Some(current) = previous.as_ref().filter(|p| p.generation == generation) {
            return Ok(Arc::clone(current));
        }
        let flight = self.join(generation, &key.text);
        flight
            .flight
            .get_or_init(|| async {
                let _turn = self.turn().await?;
                // Kept by an earlier flight while this one waited its turn.
                if let Some(current) = cache.get(&key.text).filter(|c| c.generation == generation) {
                    return Ok(current);
                }
                let document = render().await?;
                let known = self.seen.get(&key.text);
                // Dates that survive restarts, for documents worth keeping.
                let stored = match dates.filter(|_| key.keep) {
                    Some(store) => last_modified::stored(store, &key.text).await,
                    None => None,
                };
                // Asked for before: kept, and compressed well once.
                let keep = key.keep && (previous.is_some() || known.is_some());
                let level = if keep { Level::Best } else { Level::Fast };
                let earlier: Vec<Validators> = known.into_iter().chain(stored.clone()).collect();
                let cached = tokio::task::spawn_blocking(move || {
                    let earlier: Vec<&Validators> = earlier.iter().collect();
                    Cached::new(
                        generation,
                        document.content_type,
                        document.body,
                        previous.as_deref(),
                        &earlier,
                        level,
                    )
                })
                .await
                .map_err(|e| Failure::Crashed(Arc::new(e)))?;
                let cached = Arc::new(cached);
                self.seen.remember(&key.text, cached.validators());
                // Dated for good from the first time (a reader that asked
                // once keeps its date across a restart); as many writes as
                // renders at most, and those are bounded.
                if let Some(store) = dates.filter(|_| key.keep) {
                    last_modified::record(store, &key.text, &cached, stored.as_ref());
                }
                if keep {
                    cache.put(key.text.clone(), Arc::clone(&cached));
                }
                Ok(cached)
            })
            .await
            .clone()
    }

    /// A turn for a page rendered for each request (never kept), held
    /// until dropped.
    pub(crate) async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, Failure> {
        match tokio::time::timeout(self.turn_wait, self.turns.acquire()).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(Failure::Busy(self.turn_wait)),
        }
    }

    /// The body of `cached` in `encoding`, compressed now if it was not
    /// yet (taking a turn); when no turn comes, the body uncompressed.
    pub(crate) async fn body(&self, cached: &Arc<Cached>, encoding: Encoding) -> (Encoding, Bytes) {
        if let Some(bytes) = cached.encoded(encoding) {
            return (encoding, bytes);
        }
        let Ok(_turn) = self.turn().await else {
            return (Encoding::Identity, cached.identity.clone());
        };
        let document = Arc::clone(cached);
        match tokio::task::spawn_blocking(move || document.encode(encoding)).await {
            Ok(bytes) => (encoding, bytes),
            Err(_) => (Encoding::Identity, cached.identity.clone()),
        }
    }

    /// The flight for a document, joined or started.
    fn join(&self, generation: u64, key: &str) -> Boarding<'_> {
        let id = (generation, key.to_string());
        let mut flights = self.lock_flights();
        let (flight, riders) = flights.entry(id.clone()).or_default();
        *riders += 1;
        Boarding {
            renderer: self,
            id,
            flight: Arc::clone(flight),
        }
    }

    fn lock_flights(&self) -> std::sync::MutexGuard<'_, Flights> {
        // Held only for a map operation, never across an await.
        self.flights.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A request's place on a flight; the last one off (done, or gone with
/// its client) removes the flight.
struct Boarding<'a> {
    renderer: &'a Renderer,
    id: (u64, String),
    flight: Arc<Flight>,
}

impl Drop for Boarding<'_> {
    fn drop(&mut self) {
        let mut flights = self.renderer.lock_flights();
        if let Some((_, riders)) = flights.get_mut(&self.id) {
            *riders -= 1;
            if *riders == 0 {
                flights.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn document(text: &str) -> Document {
        Document {
            body: text.repeat(50),
            content_type: "text/plain",
        }
    }

    fn key(text: &str, keep: bool) -> Key {
        Key {
            text: text.to_string(),
            by_host: false,
            keep,
        }
    }

    /// Twenty requests for one document at once: one rendering.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_rendering_per_document_at_a_time() {
        let renderer = Arc::new(Renderer::new(2, TURN_WAIT));
        let renders = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (renderer, renders, gate) = (renderer.clone(), renders.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                renderer
                    .document(&key("q=x", false), 1, None, || async move {
                        renders.fetch_add(1, Ordering::SeqCst);
                        gate.notified().await;
                        Ok(document("x"))
                    })
                    .await
            }));
        }
        // Let every request join before the rendering finishes.
        while renderer
            .lock_flights()
            .values()
            .map(|(_, riders)| riders)
            .sum::<usize>()
            < 20
        {
            tokio::task::yield_now().await;
        }
        gate.notify_one();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert!(
            renderer.lock_flights().is_empty(),
            "the flight is gone once everyone is off"
        );
    }

    /// Kept only when asked for again, and then compressed at the best
    /// level; a search never.
    #[tokio::test]
    async fn documents_are_kept_when_asked_for_again() {
        let renderer = Renderer::new(1, TURN_WAIT);
        let first = renderer
            .document(&key("feed.atom", true), 1, None, || async { Ok(document("a")) })
            .await
            .unwrap();
        assert!(first.encoded(Encoding::Gzip).is_none(), "fast, and lazily");
        let second = renderer
            .document(&key("feed.atom", true), 1, None, || async { Ok(document("a")) })
            .await
            .unwrap();
        assert!(second.encoded(Encoding::Gzip).is_some(), "kept: compressed at once");
        assert_eq!(second.validators(), first.validators());
        let third = renderer
            .document(&key("feed.atom", true), 1, None, || async {
                panic!("kept: not rendered again")
            })
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&second, &third));
        for _ in 0..2 {
            let search = renderer
                .document(&key("feed.atom?q=a", false), 1, None, || async { Ok(document("a")) })
                .await
                .unwrap();
            assert!(search.encoded(Encoding::Gzip).is_none());
        }
        let (encoding, body) = renderer.body(&first, Encoding::Gzip).await;
        assert_eq!(encoding, Encoding::Gzip);
        assert!(body.len() < first.identity.len());
    }

    /// With every turn taken a request waits, and is told so when its
    /// wait is over; a store's failure is named.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_without_a_turn_is_told_so() {
        let renderer = Arc::new(Renderer::new(1, Duration::from_millis(50)));
        let gate = Arc::new(tokio::sync::Notify::new());
        let holder = {
            let (renderer, gate) = (renderer.clone(), gate.clone());
            tokio::spawn(async move {
                renderer
                    .document(&key("slow", false), 1, None, || async move {
                        gate.notified().await;
                        Ok(document("slow"))
                    })
                    .await
            })
        };
        while renderer.turns.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let waited = renderer
            .document(&key("other", false), 1, None, || async { Ok(document("other")) })
            .await;
        assert!(matches!(waited, Err(Failure::Busy(_))), "{waited:?}");
        gate.notify_one();
        holder.await.unwrap().unwrap();
        let failed = renderer
            .document(&key("feed.atom", true), 1, None, || async {
                Err(store::Error::Closed.into())
            })
            .await;
        assert!(matches!(failed, Err(Failure::Store(_))), "{failed:?}");
    }
}
