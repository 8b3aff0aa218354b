//! The in-process figures: the chain parse → normalise → tag → store on
//! every core (the store seeded with each source's older items on the
//! way), feed-rs parsing the same documents alone, and tagging.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use thbwatch::config::Config;
use thbwatch::lang::Detect;
use thbwatch::store::Store;
use thbwatch::tag::Tagger;

use crate::chain::Chain;
use crate::measure::cpu_seconds;
use crate::synthetic;

/// The older items of every source, through the same chain as a poll
/// (`support/chain.rs`). Returns the items stored and the time taken, the
/// time feed-rs alone takes to parse the same documents on as many
/// cores, and the CPU seconds the ingest took.
pub(crate) async fn seed(config: &Config, items: usize, epoch: DateTime<Utc>) -> (usize, Duration, Duration, f64) {
    let store = Store::open(&config.storage.path).await.unwrap();
    let documents: Arc<[String]> = (0..config.sources.len())
        .map(|i| synthetic::rss(i, -1, items, epoch))
        .collect();
    let chain = Chain {
        sources: config.sources.clone().into(),
        documents: Arc::clone(&documents),
        tagger: Arc::new(Tagger::new(&config.tags).unwrap()),
        detect: Arc::new(Detect::default()),
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let cpu_before = cpu_seconds(std::process::id());
    let stored = chain.ingest(&store, workers).await;
    let elapsed = started.elapsed();
    store.close().await;
    let cpu = cpu_seconds(std::process::id()) - cpu_before;
    (stored, elapsed, feed_rs_alone(&documents, workers), cpu)
}

/// feed-rs parsing the documents alone (the floor: it is the required
/// parser), on `workers` threads.
fn feed_rs_alone(documents: &[String], workers: usize) -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..workers {
            scope.spawn(move || {
                for document in documents.iter().skip(worker).step_by(workers) {
                    let feed = feed_rs::parser::parse(document.as_bytes()).unwrap();
                    std::hint::black_box(feed.entries.len());
                }
            });
        }
    });
    started.elapsed()
}

/// Tagging 12 MB of mixed-language news with the repository's default
/// rules on one core, in MB/s (`cargo bench --bench tagging` has the
/// detailed figures).
pub(crate) fn tagging_mb_per_s() -> f64 {
    let config = Config::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))).unwrap();
    let tagger = Tagger::new(&config.tags).unwrap();
    let articles = synthetic::articles(12_000_000, 42);
    let bytes: usize = articles.iter().map(String::len).sum();
    let started = Instant::now();
    let tagged = articles
        .iter()
        .filter(|a| {
            !tagger
                .tag(&[(thbwatch::model::Field::Content, a.as_str())], None)
                .matches
                .is_empty()
        })
        .count();
    assert!(tagged > 0, "the default rules tag some of the synthetic news");
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}
