//! The notification outbox as the delivery loop and `thbwatch notify` see
//! it: what is due, what was sent, what failed, what is dead.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::ingest::timestamp;
use super::query::parse_time;
use super::{Error, Store};
use crate::model::Entry;

/// One notification to send.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub id: i64,
    pub idempotency_key: String,
    pub attempts: u32,
    /// When it was first tried; its age for giving up counts from here.
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub item_id: i64,
    /// It waited for the item's article: whether the channel still wants
    /// the item is decided on its tags now.
    pub awaited_text: bool,
}

/// An outbox row as `notify status` shows it.
#[derive(Clone, Debug)]
pub(crate) struct DeliveryState {
    pub channel: String,
    pub state: String,
    pub title: String,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Counts per (channel, state).
pub(crate) type Counts = Vec<(String, String, u64)>;

impl Store {
    /// Pending deliveries of `channel` due by `now`, oldest first; all
    /// pending ones when `due_only` is false (a digest gathers them all).
    pub(crate) async fn due_deliveries(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        due_only: bool,
        limit: usize,
    ) -> Result<Vec<Delivery>, Error> {
        let channel = channel.to_string();
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, channel, idempotency_key, attempts, created_at, item_id, first_attempt_at,
                        awaiting_text_until IS NOT NULL
                 FROM outbox
                 WHERE channel = ?1 AND state = 'pending' AND (?2 = 0 OR next_attempt_at <= ?3)
                   AND (awaiting_text_until IS NULL OR awaiting_text_until <= ?3
                        OR NOT EXISTS (SELECT 1 FROM item_texts t
                                       WHERE t.item_id = outbox.item_id AND t.state = 'pending'))
                 ORDER BY id LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![channel, due_only, timestamp(now), limit as i64], |row| {
                Ok(Delivery {
                    id: row.get(0)?,
                    idempotency_key: row.get(2)?,
                    attempts: row.get(3)?,
                    item_id: row.get(5)?,
                    first_attempt_at: row.get::<_, Option<String>>(6)?.and_then(|t| parse_time(&t)),
                    awaited_text: row.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// The entries behind deliveries, as the feeds show them.
    pub(crate) async fn entries_by_item(&self, item_ids: Vec<i64>) -> Result<Vec<(i64, Entry)>, Error> {
        self.call(move |conn| super::query::entries_by_id(conn, &item_ids))
            .await
    }

    /// Deliveries that waited for an article whose item, tagged anew, no
    /// channel wants: removed, never sent.
    pub(crate) async fn discard_deliveries(&self, ids: Vec<i64>) -> Result<(), Error> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            for id in ids {
                tx.execute("DELETE FROM outbox WHERE id = ?1 AND state = 'pending'", [id])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// The receiver acknowledged it.
    pub(crate) async fn mark_delivered(&self, ids: Vec<i64>, at: DateTime<Utc>) -> Result<(), Error> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            for id in ids {
                tx.execute(
                    "UPDATE outbox SET state = 'delivered', delivered_at = ?2, attempts = attempts + 1,
                            last_error = NULL WHERE id = ?1",
                    params![id, timestamp(at)],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// An attempt at `now` failed: each row (id, next attempt, dead) is
    /// tried again at its next attempt, or never.
    pub(crate) async fn mark_failed(
        &self,
        verdicts: Vec<(i64, DateTime<Utc>, bool)>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            for (id, next, dead) in verdicts {
                let state = if dead { "dead" } else { "pending" };
                tx.execute(
                    "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4,
                            first_attempt_at = coalesce(first_attempt_at, ?5)
                     WHERE id = ?1",
                    params![id, state, error, timestamp(next), timestamp(now)],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Dead deliveries (of one channel, or all) pending again now, with a
    /// fresh give-up window. Returns how many.
    pub(crate) async fn retry_dead(&self, channel: Option<String>, now: DateTime<Utc>) -> Result<usize, Error> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, first_attempt_at = NULL, attempts = 0
                 WHERE state = 'dead' AND (?1 IS NULL OR channel = ?1)",
                params![channel, timestamp(now)],
            )?)
        })
        .await
    }

    /// Counts per channel and state, and the rows not delivered (newest first).
    pub(crate) async fn outbox_status(&self, limit: usize) -> Result<(Counts, Vec<DeliveryState>), Error> {
        self.call(move |conn| {
            let mut counts = conn.prepare(
                "SELECT channel, state, count(*) FROM outbox GROUP BY channel, state ORDER BY channel, state",
            )?;
            let counts = counts
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut rows = conn.prepare(
                "SELECT o.channel, o.state, i.title, o.attempts, o.created_at, o.next_attempt_at, o.last_error
                 FROM outbox o JOIN items i ON i.id = o.item_id
                 WHERE o.state != 'delivered' ORDER BY o.id DESC LIMIT ?1",
            )?;
            let rows = rows
                .query_map([limit as i64], |r| {
                    Ok(DeliveryState {
                        channel: r.get(0)?,
                        state: r.get(1)?,
                        title: r.get(2)?,
                        attempts: r.get(3)?,
                        next_attempt_at: r.get::<_, Option<String>>(5)?.and_then(|t| parse_time(&t)),
                        last_error: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((counts, rows))
        })
        .await
    }
}
