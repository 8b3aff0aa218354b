//! The in-process figures: the chain parse → normalise → tag → store on
//! every core (the store seeded with each source's older items on the
//! way), feed-rs parsing the same documents alone, and tagging.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use thbwatch::config::Config;
use thbwatch::lang::Detect;
use thbwatch::store::{PollRecord, Store};
use thbwatch::tag::Tagger;

use crate::measure::cpu_seconds;
use crate::synthetic;

/// The older items of every source, through the same chain as a poll:
/// parse → normalise → tag on every core, each feed's ingest submitted
/// as soon as it is ready (as the daemon's polls are), so that ingests
/// finishing close together share a commit. Returns the items stored and
/// the time taken, the time feed-rs alone takes to parse the same
/// documents on as many cores, and the CPU seconds the ingest took.
pub(crate) async fn seed(config: &Config, items: usize, epoch: DateTime<Utc>) -> (usize, Duration, Duration, f64) {
    let store = Store::open(&config.storage.path).await.unwrap();
    let tagger = Tagger::new(&config.tags).unwrap();
    let detect = Detect::default();
    let documents: Vec<String> = (0..config.sources.len())
        .map(|i| synthetic::rss(i, -1, items, epoch))
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<PollRecord>(workers * 2);
    let started = Instant::now();
    let cpu_before = cpu_seconds(std::process::id());
    let producer = {
        let (sources, store) = (config.sources.clone(), store.clone());
        let documents = documents.clone();
        std::thread::spawn(move || {
            std::thread::scope(|scope| {
                for worker in 0..workers {
                    let (tx, sources, documents, store) = (tx.clone(), &sources, &documents, &store);
                    let (tagger, detect) = (&tagger, &detect);
                    scope.spawn(move || {
                        for i in (worker..sources.len()).step_by(workers) {
                            let source = &sources[i];
                            // As a poll does: the database may wait for it.
                            let coming = store.expect_poll();
                            let processed = thbwatch::poll::process_document(
                                documents[i].as_bytes(),
                                Some("application/rss+xml"),
                                &source.url,
                                source,
                                tagger,
                                detect,
                                2_000,
                            )
                            .unwrap();
                            drop(coming);
                            let record = synthetic::fetched(source, processed);
                            tx.blocking_send(record).unwrap();
                        }
                    });
                }
            });
        })
    };
    // As many ingests in flight as the daemon has fetches (8 per host, and
    // here one host per source): their answers come with their commit.
    let mut ingests = tokio::task::JoinSet::new();
    let mut stored = 0;
    while let Some(record) = rx.recv().await {
        let store = store.clone();
        ingests.spawn(async move { store.ingest(record).await.unwrap().new });
        while ingests.len() >= 32 {
            stored += ingests.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(new) = ingests.join_next().await {
        stored += new.unwrap();
    }
    let elapsed = started.elapsed();
    producer.join().unwrap();
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
