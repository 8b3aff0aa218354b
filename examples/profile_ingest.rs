//! The load test's in-process ingest (parse → normalise → tag → store on
//! every core, each feed's ingest submitted as soon as it is processed),
//! at a size callgrind can run, for counting instructions rather than
//! timing them on a shared machine:
//!
//! ```text
//! cargo build --release --example profile_ingest
//! valgrind --tool=callgrind target/release/examples/profile_ingest chain 100 2
//! ```
//!
//! Arguments: what to run (`chain`: the whole ingest; `process`: parse,
//! normalise and tag without storing; `store`: the database thread alone,
//! storing polls processed once beforehand, all queued at once; `feed-rs`:
//! feed-rs alone parsing the same documents; `floor`: the floor of
//! `benches/support/floor.rs`, feed-rs and the plainest rusqlite writer
//! with a contentless FTS5 index, and `floor-rows` the same without the
//! index), how many sources of 50 items, and how many rounds (each into a
//! fresh store). Every mode prints what each round wrote to disk and its
//! CPU time. Everything but the rounds is set up once, so the difference
//! between two runs that differ by one round is one round's instructions.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use thbwatch::config::Config;
use thbwatch::lang::Detect;
use thbwatch::store::Store;
use thbwatch::tag::Tagger;

#[path = "../benches/support/chain.rs"]
mod chain;
#[path = "../benches/support/floor.rs"]
mod floor;
#[path = "../benches/support/synthetic.rs"]
mod synthetic;

use chain::Chain;
use floor::Floor;

const ITEMS: usize = 50;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: profile_ingest chain|store|process|feed-rs|floor|floor-rows SOURCES ROUNDS";
    let mode = args.first().expect(usage).clone();
    let sources: usize = args.get(1).and_then(|s| s.parse().ok()).expect(usage);
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
    // PROFILE_INGEST_KEEP=DIR keeps the configuration and the databases
    // there (a store of many items for timing start-up, say).
    let temporary = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("PROFILE_INGEST_KEEP") {
        Some(keep) => {
            std::fs::create_dir_all(&keep).unwrap();
            std::path::PathBuf::from(keep)
        }
        None => temporary.path().to_path_buf(),
    };
    let list = synthetic::sources((0..sources).map(|i| format!("https://source{i}.example.org/rss.xml")));
    let database = dir.join("unused.db");
    let text = synthetic::config(&list, "127.0.0.1:0", database.to_str().unwrap(), &[]);
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let epoch: DateTime<Utc> = Utc::now() - chrono::Duration::days(2);
    let documents: Arc<[String]> = (0..sources).map(|i| synthetic::rss(i, -1, ITEMS, epoch)).collect();
    let chain = Chain {
        sources: config.sources.clone().into(),
        documents: Arc::clone(&documents),
        tagger: Arc::new(Tagger::new(&config.tags).unwrap()),
        detect: Arc::new(Detect::default()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let processed: Vec<_> = match mode.as_str() {
        "store" => (0..sources).map(|i| chain.record(i)).collect(),
        _ => Vec::new(),
    };
    for round in 0..rounds {
        let started = Instant::now();
        let (written, cpu) = (written_bytes(), cpu_seconds());
        let items = match mode.as_str() {
            "chain" => {
                let database = dir.join(format!("round{round}.db"));
                runtime.block_on(async {
                    let store = Store::open(&database).await.unwrap();
                    let stored = chain.ingest(&store, workers).await;
                    store.close().await;
                    stored
                })
            }
            "store" => {
                let database = dir.join(format!("round{round}.db"));
                runtime.block_on(store_alone(&database, &processed))
            }
            "process" => process(&chain, workers),
            "feed-rs" => feed_rs_alone(&documents, workers),
            "floor" | "floor-rows" => {
                let floor = if mode == "floor" {
                    Floor::RowsAndSearch
                } else {
                    Floor::Rows
                };
                let database = dir.join(format!("round{round}-{mode}.db"));
                let (stored, conn) = floor::ingest(&documents, &database, floor, workers);
                conn.close().unwrap();
                stored
            }
            _ => panic!("{usage}"),
        };
        let (written, cpu) = (written_bytes() - written, cpu_seconds() - cpu);
        eprintln!(
            "round {round}: {items} items in {:?}; {:.1} MiB written ({:.0} bytes an item), {cpu:.3} s of CPU",
            started.elapsed(),
            written as f64 / 1048576.0,
            written as f64 / items.max(1) as f64,
        );
    }
}

/// Stores `records` in a fresh store at `database`, all queued at once
/// (so groups are as large as their bounds allow), then closes it (its
/// last checkpoint included); returns the new items.
async fn store_alone(database: &std::path::Path, records: &[thbwatch::store::PollRecord]) -> usize {
    let store = Store::open(database).await.unwrap();
    let mut ingests = tokio::task::JoinSet::new();
    for record in records {
        let (store, record) = (store.clone(), record.clone());
        ingests.spawn(async move { store.ingest(record).await.unwrap().new });
    }
    let mut stored = 0;
    while let Some(new) = ingests.join_next().await {
        stored += new.unwrap();
    }
    store.close().await;
    stored
}

/// Bytes this process has caused to be written to storage so far.
fn written_bytes() -> u64 {
    proc_field("/proc/self/io", "write_bytes:")
}

/// This process's user and system CPU time so far, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces): utime
    // and stime are the 12th and 13th of them, in clock ticks (100 a
    // second on Linux).
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

fn proc_field(path: &str, name: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

/// Parse, normalise and tag on `workers` threads, storing nothing.
fn process(chain: &Chain, workers: usize) -> usize {
    let (sources, documents) = (&chain.sources, &chain.documents);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    (worker..sources.len())
                        .step_by(workers)
                        .map(|i| {
                            thbwatch::poll::process_document(
                                documents[i].as_bytes(),
                                Some("application/rss+xml"),
                                &sources[i].url,
                                &sources[i],
                                &chain.tagger,
                                &chain.detect,
                                2_000,
                            )
                            .unwrap()
                            .items
                            .len()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// feed-rs alone parsing the same documents (the floor of parsing).
fn feed_rs_alone(documents: &[String], workers: usize) -> usize {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    documents
                        .iter()
                        .skip(worker)
                        .step_by(workers)
                        .map(|d| std::hint::black_box(feed_rs::parser::parse(d.as_bytes()).unwrap().entries.len()))
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}
