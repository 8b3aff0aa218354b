//! Per-host politeness: one request in flight per host, and a least gap
//! between the end of one request and the start of the next, whatever the
//! schedules say. Hosts are told apart by name (or address), not port.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Mutex as TurnLock, OwnedMutexGuard};
use tokio::time::Instant;

/// The turn-taking state of every host seen so far (bounded by the
/// configured sources and their redirect targets).
#[derive(Debug)]
pub(crate) struct Hosts {
    gap: Duration,
    turns: Mutex<HashMap<String, Arc<TurnLock<Option<Instant>>>>>,
}

/// A host's turn: while held, no other request goes to that host. Dropping
/// it records when the request ended, which starts the gap.
pub(crate) struct Turn {
    last_end: OwnedMutexGuard<Option<Instant>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        *self.last_end = Some(Instant::now());
    }
}

impl Hosts {
    pub(crate) fn new(gap: Duration) -> Hosts {
        Hosts {
            gap,
            turns: Mutex::default(),
        }
    }

    /// Waits until `host` is free and its gap has passed.
    pub(crate) async fn turn(&self, host: impl AsRef<str>) -> Turn {
        let lock = {
            // Held only for the map look-up, never across an await.
            let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
            turns.entry(host.as_ref().to_ascii_lowercase()).or_default().clone()
        };
        let last_end = lock.lock_owned().await;
        if let Some(end) = *last_end {
            tokio::time::sleep_until(end + self.gap).await;
        }
        Turn { last_end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_take_turns_with_a_gap() {
        let hosts = Arc::new(Hosts::new(Duration::from_secs(1)));
        let start = Instant::now();
        let first = hosts.turn("gov.example").await;
        // Another host is not held up by this one.
        drop(hosts.turn("other.example").await);
        assert_eq!(start.elapsed(), Duration::ZERO);

        let waiting = {
            let hosts = hosts.clone();
            tokio::spawn(async move {
                let _second = hosts.turn("GOV.example").await;
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "the second request must wait for the first");
        let first_end = Instant::now();
        drop(first);
        let second_start = waiting.await.unwrap();
        assert_eq!(second_start - first_end, Duration::from_secs(1));
    }
}
