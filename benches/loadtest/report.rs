//! The figures measured, and the table of them with medians, min and max.

use std::collections::BTreeMap;

/// Every figure measured, by name, in the order measured.
#[derive(Default)]
pub(crate) struct Figures(pub BTreeMap<&'static str, Vec<f64>>);

impl Figures {
    pub(crate) fn add(&mut self, name: &'static str, value: f64) {
        self.0.entry(name).or_default().push(value);
    }

    /// Median, min, max.
    pub(crate) fn summary(&self, name: &str) -> Option<(f64, f64, f64)> {
        let mut values = self.0.get(name)?.clone();
        values.sort_by(f64::total_cmp);
        Some((values[values.len() / 2], values[0], values[values.len() - 1]))
    }
}

/// Prints every figure: median, min and max.
pub(crate) fn print(figures: &Figures) {
    println!();
    println!("{:<40} {:>12} {:>24}", "figure", "median", "(min–max)");
    let rows: &[(&str, &str, &str)] = &[
        ("in-process ingest, all cores", "ingest", "items/s"),
        ("in-process ingest from CPU time (guard)", "ingest cpu", "items/s"),
        ("feed-rs parsing alone, all cores", "feed-rs", "items/s"),
        ("feed-rs alone from CPU time", "feed-rs cpu", "items/s"),
        ("in-process ingest / feed-rs alone", "ingest/feed-rs", ""),
        ("floor: feed-rs + plain rows", "floor rows", "items/s"),
        ("  the same from CPU time", "floor rows cpu", "items/s"),
        ("floor: feed-rs + rows + FTS5", "floor", "items/s"),
        ("  the same from CPU time", "floor cpu", "items/s"),
        ("tagging, full default vocabulary", "tagging", "MB/s"),
        ("first cycle (all new)", "first", "s"),
        ("first cycle from CPU time (guard)", "first cpu", "s"),
        ("first cycle ingest rate", "cycle items/s", "items/s"),
        ("newsboat's first reload", "newsboat", "s"),
        ("first cycle / newsboat's", "newsboat ratio", ""),
        ("304 cycle", "304", "s"),
        ("few-new cycle", "partial", "s"),
        ("/feed.atom identity", "rate plain", "req/s"),
        ("/feed.atom identity p50", "p50 plain", "ms"),
        ("/feed.atom identity p99", "p99 plain", "ms"),
        ("/feed.atom gzip", "rate gzip", "req/s"),
        ("/feed.atom gzip p50", "p50 gzip", "ms"),
        ("/feed.atom gzip p99", "p99 gzip", "ms"),
        ("/feed.atom identity 304", "rate plain 304", "req/s"),
        ("/feed.atom identity 304 p99", "p99 plain 304", "ms"),
        ("/feed.atom gzip 304", "rate gzip 304", "req/s"),
        ("/feed.atom gzip 304 p99", "p99 gzip 304", "ms"),
        ("daemon RSS after first cycle", "rss first", "MiB"),
        ("  the same, glibc's defaults", "rss first defaults", "MiB"),
        ("daemon RSS steady (unit's environment)", "rss steady", "MiB"),
        ("  the same, glibc's defaults", "rss steady defaults", "MiB"),
        ("daemon RSS peak in the cycles", "rss cycles peak", "MiB"),
        ("  the same, glibc's defaults", "rss cycles peak defaults", "MiB"),
        ("daemon RSS after serving", "rss after load", "MiB"),
        ("daemon RSS peak", "rss peak", "MiB"),
        ("start-up to READY", "startup", "ms"),
    ];
    for (what, key, unit) in rows {
        if let Some((median, min, max)) = figures.summary(key) {
            println!(
                "{:<40} {:>12} {:>24}",
                what,
                format!("{} {unit}", number(median)),
                format!("({}–{})", number(min), number(max))
            );
        }
    }
}

/// Three significant figures, thousands separated.
pub(crate) fn number(value: f64) -> String {
    if value >= 1_000.0 {
        let whole = value.round() as u64;
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}
