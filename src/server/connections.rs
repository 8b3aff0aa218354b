//! The open connections and whether each is busy (a request in progress,
//! its response not yet sent) or idle, so that at the cap the connection
//! idle the longest is closed to make room for a new one: a crowd of
//! connections that send nothing can then never lock out `/healthz`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Connections being closed to make room may exceed the cap by this many
/// until they are gone (an idle one goes at once).
const CLOSING_SLACK: usize = 16;

/// Every open connection, by the order it was accepted.
#[derive(Debug)]
pub(super) struct Connections {
    max: usize,
    /// What idle times are counted from.
    epoch: Instant,
    open: Mutex<HashMap<u64, Arc<State>>>,
    next_id: AtomicU64,
    /// The accept loop waits for a connection to end or become idle.
    waiting: AtomicBool,
    changed: Notify,
}

/// One connection's state. Requests start and end without taking the
/// registry's lock: only the accept loop, at the cap, looks at them all.
#[derive(Debug)]
struct State {
    /// Requests whose responses are not yet sent.
    busy: AtomicU32,
    /// Since when it has had none, in microseconds from the epoch.
    idle_since: AtomicU64,
    /// Asked to close (to make room); no longer counted as live.
    closing: AtomicBool,
    close: CancellationToken,
}

/// What the accept loop may do next.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Room {
    /// Below the cap.
    Free,
    /// An idle connection was asked to close to make room.
    Made,
    /// Every connection is busy: wait for one to end or become idle.
    Full,
}

impl Connections {
    pub(super) fn new(max: usize) -> Arc<Connections> {
        Arc::new(Connections {
            max,
            epoch: Instant::now(),
            open: Mutex::default(),
            next_id: AtomicU64::new(0),
            waiting: AtomicBool::new(false),
            changed: Notify::new(),
        })
    }

    /// Registers a new connection that closes (gracefully) when `close`
    /// is cancelled. Dropping every clone of the handle unregisters it.
    pub(super) fn register(self: &Arc<Self>, close: CancellationToken) -> Arc<Connection> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(State {
            busy: AtomicU32::new(0),
            idle_since: AtomicU64::new(self.now()),
            closing: AtomicBool::new(false),
            close,
        });
        self.lock().insert(id, Arc::clone(&state));
        Arc::new(Connection {
            id,
            state,
            connections: Arc::clone(self),
        })
    }

    /// Makes room for one more connection if the cap is reached, by
    /// closing the one idle the longest.
    pub(super) fn make_room(&self) -> Room {
        let open = self.lock();
        let closing = open.values().filter(|s| s.closing.load(Ordering::SeqCst)).count();
        if open.len() - closing < self.max {
            return Room::Free;
        }
        if closing >= CLOSING_SLACK {
            return Room::Full;
        }
        if close_idlest(&open) { Room::Made } else { Room::Full }
    }

    /// Closes the connection idle the longest, below the cap too (the
    /// process is out of descriptors). False when none is idle.
    pub(super) fn close_idlest(&self) -> bool {
        close_idlest(&self.lock())
    }

    /// Waits until there is room (see [`Connections::make_room`]).
    pub(super) async fn wait_for_room(&self) {
        loop {
            // Announced before looking, so a change after the look wakes us.
            self.waiting.store(true, Ordering::SeqCst);
            if self.make_room() != Room::Full {
                self.waiting.store(false, Ordering::SeqCst);
                return;
            }
            self.changed.notified().await;
        }
    }

    /// Connections open now (those closing included).
    pub(super) fn count(&self) -> usize {
        self.lock().len()
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn changed(&self) {
        if self.waiting.load(Ordering::SeqCst) {
            self.changed.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<State>>> {
        // Held only for a map operation, never across an await.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn close_idlest(open: &HashMap<u64, Arc<State>>) -> bool {
    let idlest = open
        .values()
        .filter(|s| s.busy.load(Ordering::SeqCst) == 0 && !s.closing.load(Ordering::SeqCst))
        .min_by_key(|s| s.idle_since.load(Ordering::SeqCst));
    let Some(state) = idlest else { return false };
    state.closing.store(true, Ordering::SeqCst);
    state.close.cancel();
    true
}

/// One registered connection.
#[derive(Debug)]
pub(super) struct Connection {
    id: u64,
    state: Arc<State>,
    connections: Arc<Connections>,
}

impl Connection {
    /// Marks a request in progress until the guard (kept by its response
    /// body) is dropped.
    pub(super) fn busy(self: &Arc<Self>) -> Busy {
        self.state.busy.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    /// Cancelled when this connection should close.
    pub(super) fn close_requested(&self) -> &CancellationToken {
        &self.state.close
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
        self.connections.changed();
    }
}

/// A request in progress on a connection.
#[derive(Debug)]
pub(super) struct Busy(Arc<Connection>);

impl Drop for Busy {
    fn drop(&mut self) {
        let connection = &self.0;
        // The idle time first: the accept loop may look as soon as the
        // count reaches zero.
        connection
            .state
            .idle_since
            .store(connection.connections.now(), Ordering::SeqCst);
        if connection.state.busy.fetch_sub(1, Ordering::SeqCst) == 1 {
            connection.connections.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_connection_idle_the_longest_makes_room() {
        let connections = Connections::new(2);
        let first = connections.register(CancellationToken::new());
        assert_eq!(connections.make_room(), Room::Free);
        let second = connections.register(CancellationToken::new());
        // A request came and went on the first: the second has been idle
        // longer now.
        drop(first.busy());
        assert_eq!(connections.make_room(), Room::Made);
        assert!(second.close_requested().is_cancelled());
        assert!(!first.close_requested().is_cancelled());
        // The closing one no longer counts; a busy one is never closed.
        let third = connections.register(CancellationToken::new());
        let _working = (first.busy(), third.busy());
        assert_eq!(connections.make_room(), Room::Full);
        assert_eq!(connections.count(), 3);
        drop(second);
        assert_eq!(connections.count(), 2);
    }
}
