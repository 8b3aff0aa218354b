//! What a delivery attempt changes in the outbox, and the attempt whose
//! outcome the store could not take: held in memory and written again
//! (with back-off, or at once when the store can write again) before the
//! channel sends anything else.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{debug, info};

use crate::store::{self, Store};

/// What an attempt changes in the outbox.
#[derive(Debug)]
pub(super) enum Record {
    Delivered {
        ids: Vec<i64>,
        at: DateTime<Utc>,
    },
    Failed {
        verdicts: Vec<(i64, DateTime<Utc>, bool)>,
        error: String,
        at: DateTime<Utc>,
    },
}

impl Record {
    pub(super) async fn write(&self, store: &Store) -> Result<(), store::Error> {
        match self {
            Record::Delivered { ids, at } => store.mark_delivered(ids.clone(), *at).await,
            Record::Failed { verdicts, error, at } => store.mark_failed(verdicts.clone(), error.clone(), *at).await,
        }
    }
}

/// An attempt's outcome the store could not take yet, tried again with
/// back-off (one second, doubling, at most [`UNRECORDED_RETRY_MAX`]).
#[derive(Debug, Default)]
pub(super) struct Unrecorded {
    held: Option<Record>,
    next_try: Option<tokio::time::Instant>,
    wait: Duration,
}

/// The longest wait between two tries at recording an outcome.
const UNRECORDED_RETRY_MAX: Duration = Duration::from_secs(30);

impl Unrecorded {
    pub(super) fn hold(&mut self, record: Record) {
        self.held = Some(record);
        self.wait = super::TICK;
        self.next_try = Some(tokio::time::Instant::now() + self.wait);
    }

    /// Writes what is held when its time has come, or at once when the
    /// store says writes work again. True when nothing is held any more.
    pub(super) async fn flush(&mut self, store: &Store) -> bool {
        let Some(record) = &self.held else { return true };
        let waiting = self.next_try.is_some_and(|at| tokio::time::Instant::now() < at);
        if waiting && store.condition().writes_failing.is_some() {
            return false;
        }
        match record.write(store).await {
            Ok(()) => {
                info!("the delivery's outcome is recorded; sending again");
                self.held = None;
                true
            }
            Err(e) => {
                debug!(error = %e, "still cannot record the delivery's outcome");
                self.wait = (self.wait * 2).min(UNRECORDED_RETRY_MAX);
                self.next_try = Some(tokio::time::Instant::now() + self.wait);
                false
            }
        }
    }
}
