//! The in-process figures: the chain parse → normalise → tag → store on
//! every core (the store seeded with each source's older items on the
//! way); feed-rs parsing the same documents alone; the floor, feed-rs with
//! the plainest rusqlite writer (`support/floor.rs`), with and without
//! its search index; and tagging.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use thbwatch::config::Config;
use thbwatch::lang::Detect;
use thbwatch::store::Store;
use thbwatch::tag::Tagger;

use crate::chain::Chain;
use crate::floor::{self, Floor};
use crate::measure::{cores, cpu_seconds};
use crate::synthetic;

/// Items handled on all cores, the wall-clock time it took and the CPU
/// time of the whole process meanwhile.
pub(crate) struct Timed {
    pub items: usize,
    pub elapsed: Duration,
    pub cpu: f64,
}

impl Timed {
    /// Items/s by the wall clock.
    pub(crate) fn rate(&self) -> f64 {
        self.items as f64 / self.elapsed.as_secs_f64()
    }

    /// Items/s from CPU time: what all cores would do with the machine to
    /// themselves.
    pub(crate) fn cpu_rate(&self) -> f64 {
        self.items as f64 * cores() / self.cpu
    }
}

/// The in-process figures of one run, all on the same documents.
pub(crate) struct InProcess {
    /// The chain, as a poll runs it (seeding the store).
    pub ingest: Timed,
    /// feed-rs alone.
    pub feed_rs: Timed,
    /// The floor: feed-rs and plain rows.
    pub rows: Timed,
    /// The floor: feed-rs, plain rows and a contentless FTS5 index.
    pub search: Timed,
}

/// The older items of every source, through the same chain as a poll
/// (`support/chain.rs`), into the store at `config.storage.path`; then
/// feed-rs alone and the two floors on the same documents, each on as
/// many cores, their databases beside the store and removed after.
/// Wall-clock time runs to the last commit, CPU time to the closed
/// database (its last checkpoint), for the chain and the floors alike.
pub(crate) async fn seed(config: &Config, items: usize, epoch: DateTime<Utc>) -> InProcess {
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
    let ingest = Timed {
        items: stored,
        elapsed,
        cpu: cpu_seconds(std::process::id()) - cpu_before,
    };
    let expected = config.sources.len() * items;
    let floor_at = |name: &str| config.storage.path.with_file_name(name);
    InProcess {
        ingest,
        feed_rs: feed_rs_alone(&documents, workers),
        rows: the_floor(&documents, &floor_at("floor-rows.db"), Floor::Rows, workers, expected),
        search: the_floor(
            &documents,
            &floor_at("floor-search.db"),
            Floor::RowsAndSearch,
            workers,
            expected,
        ),
    }
}

/// feed-rs parsing the documents alone (the floor of parsing), on
/// `workers` threads.
fn feed_rs_alone(documents: &[String], workers: usize) -> Timed {
    let started = Instant::now();
    let cpu_before = cpu_seconds(std::process::id());
    let items = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    let mut items = 0;
                    for document in documents.iter().skip(worker).step_by(workers) {
                        let feed = feed_rs::parser::parse(document.as_bytes()).unwrap();
                        items += std::hint::black_box(feed.entries.len());
                    }
                    items
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    Timed {
        items,
        elapsed: started.elapsed(),
        cpu: cpu_seconds(std::process::id()) - cpu_before,
    }
}

/// One floor into a new database at `database` (removed after), which
/// must store `expected` items.
fn the_floor(documents: &[String], database: &Path, floor: Floor, workers: usize, expected: usize) -> Timed {
    let started = Instant::now();
    let cpu_before = cpu_seconds(std::process::id());
    let (items, conn) = floor::ingest(documents, database, floor, workers);
    let elapsed = started.elapsed();
    conn.close().expect("the floor's database closes");
    let cpu = cpu_seconds(std::process::id()) - cpu_before;
    assert_eq!(items, expected, "the floor ({floor:?}) stores every item");
    std::fs::remove_file(database).unwrap();
    Timed { items, elapsed, cpu }
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
