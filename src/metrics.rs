//! Counters the daemon keeps as it works (polls, fetch durations, items,
//! notifications), rendered with the store's own figures in the Prometheus
//! text format at `/metrics`. Names start with `thbwatch_`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the fetch duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The daemon's counters; shared by every poll and delivery loop.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// (source, outcome) → polls.
    polls: Mutex<BTreeMap<(String, &'static str), u64>>,
    /// Cumulative bucket counts, then the sum (in microseconds) and count.
    fetch_buckets: [AtomicU64; BUCKETS.len()],
    fetch_sum_micros: AtomicU64,
    fetch_count: AtomicU64,
    items_new: AtomicU64,
    items_updated: AtomicU64,
    duplicates: AtomicU64,
    /// (channel, outcome) → deliveries.
    notifications: Mutex<BTreeMap<(String, &'static str), u64>>,
}

/// What the store knows at scrape time.
#[derive(Debug, Default)]
pub(crate) struct StoreFigures {
    /// Stored articles carrying each tag.
    pub tagged_by_tag: Vec<(String, u64)>,
    /// Notifications waiting, per channel.
    pub pending_by_channel: Vec<(String, u64)>,
    /// Last success per source, as Unix seconds.
    pub last_success: Vec<(String, i64)>,
    /// Sources whose last document had to be repaired, with what was mended.
    pub warnings: Vec<(String, String)>,
    pub items: u64,
    /// The figures above could be read (without them, `/metrics` shows
    /// no store gauges rather than zeros).
    pub available: bool,
    /// Database errors so far, per kind.
    pub errors: Vec<(&'static str, u64)>,
    /// Writes are failing now.
    pub writes_failing: bool,
    /// The database was found damaged.
    pub damaged: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    /// One poll of `source` ended with `outcome` (ok, not_modified,
    /// error, deferred, abandoned, or unstored: its result could not be
    /// written) after `elapsed` of fetching.
    pub(crate) fn poll(&self, source: &str, outcome: &'static str, elapsed: Option<Duration>) {
        *lock(&self.polls).entry((source.to_string(), outcome)).or_default() += 1;
        if let Some(elapsed) = elapsed {
            let secs = elapsed.as_secs_f64();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    self.fetch_buckets[i].fetch_add(1, Ordering::Relaxed);
                }
            }
            self.fetch_sum_micros
                .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
            self.fetch_count.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn ingested(&self, new: usize, updated: usize, duplicates: usize) {
        self.items_new.fetch_add(new as u64, Ordering::Relaxed);
        self.items_updated.fetch_add(updated as u64, Ordering::Relaxed);
        self.duplicates.fetch_add(duplicates as u64, Ordering::Relaxed);
    }

    /// A delivery attempt on `channel`: sent, failed (will retry) or dead.
    pub(crate) fn notification(&self, channel: &str, outcome: &'static str, count: usize) {
        *lock(&self.notifications)
            .entry((channel.to_string(), outcome))
            .or_default() += count as u64;
    }

    /// The Prometheus text format (version 0.0.4).
    pub(crate) fn render(&self, store: &StoreFigures) -> String {
        let mut out = String::new();
        header(&mut out, "build_info", "gauge", "The running version.");
        let _ = writeln!(
            out,
            "thbwatch_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        header(&mut out, "polls_total", "counter", "Polls by source and outcome.");
        for ((source, outcome), n) in lock(&self.polls).iter() {
            let _ = writeln!(
                out,
                "thbwatch_polls_total{{source=\"{}\",outcome=\"{outcome}\"}} {n}",
                label(source)
            );
        }
        header(
            &mut out,
            "fetch_duration_seconds",
            "histogram",
            "Time from request to the whole body.",
        );
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.fetch_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "thbwatch_fetch_duration_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.fetch_count.load(Ordering::Relaxed);
        let sum = self.fetch_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "thbwatch_fetch_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "thbwatch_fetch_duration_seconds_sum {sum}\nthbwatch_fetch_duration_seconds_count {count}"
        );
        for (name, help, value) in [
            (
                "items_ingested_total",
                "Items stored for the first time.",
                &self.items_new,
            ),
            (
                "items_updated_total",
                "Stored items whose text changed.",
                &self.items_updated,
            ),
            (
                "duplicates_total",
                "New items that repeat another source's article.",
                &self.duplicates,
            ),
        ] {
            header(&mut out, name, "counter", help);
            let _ = writeln!(out, "thbwatch_{name} {}", value.load(Ordering::Relaxed));
        }
        header(&mut out, "items_stored", "gauge", "Items in the database.");
        if store.available {
            let _ = writeln!(out, "thbwatch_items_stored {}", store.items);
        }
        header(&mut out, "items_tagged", "gauge", "Stored articles carrying each tag.");
        for (tag, n) in &store.tagged_by_tag {
            let _ = writeln!(out, "thbwatch_items_tagged{{tag=\"{}\"}} {n}", label(tag));
        }
        header(
            &mut out,
            "notifications_total",
            "counter",
            "Delivery attempts by channel and outcome.",
        );
        for ((channel, outcome), n) in lock(&self.notifications).iter() {
            let _ = writeln!(
                out,
                "thbwatch_notifications_total{{channel=\"{}\",outcome=\"{outcome}\"}} {n}",
                label(channel)
            );
        }
        header(
            &mut out,
            "notifications_pending",
            "gauge",
            "Deliveries waiting, per channel.",
        );
        for (channel, n) in &store.pending_by_channel {
            let _ = writeln!(
                out,
                "thbwatch_notifications_pending{{channel=\"{}\"}} {n}",
                label(channel)
            );
        }
        header(
            &mut out,
            "store_errors_total",
            "counter",
            "Database errors by kind (disk_full, damaged, busy, read_only, io, other).",
        );
        for (kind, n) in &store.errors {
            let _ = writeln!(out, "thbwatch_store_errors_total{{kind=\"{kind}\"}} {n}");
        }
        for (name, help, on) in [
            (
                "store_writes_failing",
                "1 while database writes fail (a full disk, say).",
                store.writes_failing,
            ),
            ("store_damaged", "1 once the database was found damaged.", store.damaged),
        ] {
            header(&mut out, name, "gauge", help);
            let _ = writeln!(out, "thbwatch_{name} {}", u8::from(on));
        }
        header(
            &mut out,
            "source_last_success_timestamp_seconds",
            "gauge",
            "When each source was last polled successfully.",
        );
        for (source, at) in &store.last_success {
            let _ = writeln!(
                out,
                "thbwatch_source_last_success_timestamp_seconds{{source=\"{}\"}} {at}",
                label(source)
            );
        }
        header(
            &mut out,
            "source_repaired",
            "gauge",
            "1 for each source whose last document had to be repaired; the label says what was mended.",
        );
        for (source, warning) in &store.warnings {
            let _ = writeln!(
                out,
                "thbwatch_source_repaired{{source=\"{}\",warning=\"{}\"}} 1",
                label(source),
                label(warning)
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP thbwatch_{name} {help}\n# TYPE thbwatch_{name} {kind}");
}

/// A label value escaped as the text format requires.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_in_the_text_format() {
        let m = Metrics::default();
        m.poll("lv", "ok", Some(Duration::from_millis(300)));
        m.poll("lv", "ok", Some(Duration::from_secs(3)));
        m.poll("cbss", "error", None);
        m.ingested(5, 1, 2);
        m.notification("ops", "sent", 1);
        let text = m.render(&StoreFigures {
            tagged_by_tag: vec![("trafficking".into(), 4)],
            pending_by_channel: vec![("ops".into(), 2)],
            last_success: vec![("lv".into(), 1_790_000_000)],
            warnings: vec![("lv".into(), "repaired: bare ampersand (3)".into())],
            items: 9,
            available: true,
            errors: vec![("disk_full", 3), ("damaged", 0)],
            writes_failing: true,
            damaged: false,
        });
        for line in [
            "thbwatch_polls_total{source=\"lv\",outcome=\"ok\"} 2",
            "thbwatch_polls_total{source=\"cbss\",outcome=\"error\"} 1",
            "thbwatch_fetch_duration_seconds_bucket{le=\"0.5\"} 1",
            "thbwatch_fetch_duration_seconds_bucket{le=\"5\"} 2",
            "thbwatch_fetch_duration_seconds_bucket{le=\"+Inf\"} 2",
            "thbwatch_fetch_duration_seconds_count 2",
            "thbwatch_items_ingested_total 5",
            "thbwatch_duplicates_total 2",
            "thbwatch_items_tagged{tag=\"trafficking\"} 4",
            "thbwatch_notifications_total{channel=\"ops\",outcome=\"sent\"} 1",
            "thbwatch_notifications_pending{channel=\"ops\"} 2",
            "thbwatch_source_last_success_timestamp_seconds{source=\"lv\"} 1790000000",
            "thbwatch_source_repaired{source=\"lv\",warning=\"repaired: bare ampersand (3)\"} 1",
            "# TYPE thbwatch_polls_total counter",
            "thbwatch_store_errors_total{kind=\"disk_full\"} 3",
            "thbwatch_store_writes_failing 1",
            "thbwatch_store_damaged 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert_eq!(label("a\"b\\c"), "a\\\"b\\\\c");
    }
}
