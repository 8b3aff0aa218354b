//! The stages of a poll and of serving, each alone, on synthetic ministry
//! feeds (RSS 2.0 and Atom of 50 items, multilingual, about 5 % on
//! trafficking) with the full default vocabulary of `config.toml`:
//! parse, normalise, tag, store ingest (new items and all-duplicate
//! re-ingest), the whole chain parse → normalise → tag → store, and the
//! Atom rendering of `/feed.atom` (100 entries), with and without its
//! compression. Run with `cargo bench --bench pipeline`; divan prints the
//! time per iteration and the throughput (median, mean, fastest, slowest).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use divan::counter::{BytesCount, ItemsCount};
use thbwatch::config::Config;
use thbwatch::feeds::{Feed, Request};
use thbwatch::lang::Detect;
use thbwatch::model::RawEntry;
use thbwatch::normalize::Texts;
use thbwatch::poll::{self, Processed};
use thbwatch::store::{PollRecord, Store};
use thbwatch::tag::Tagger;

#[path = "support/synthetic.rs"]
mod synthetic;

/// Sources per ingest sample; each feed has [`ITEMS`] items.
const SOURCES: usize = 40;
const ITEMS: usize = 50;

fn main() {
    divan::main();
}

/// The feeds, their configuration and a runtime for the store.
struct Fixture {
    _dir: tempfile::TempDir,
    config: Config,
    tagger: Arc<Tagger>,
    detect: Detect,
    runtime: tokio::runtime::Runtime,
    /// One RSS document per source.
    documents: Vec<String>,
}

fn epoch() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(2)
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    // Named so that the configuration lists them in the documents' order.
    let sources = synthetic::sources((0..SOURCES).map(|i| format!("https://source{i}.example.org/rss.xml")));
    let database = dir.path().join("unused.db");
    let text = synthetic::config(&sources, "127.0.0.1:0", database.to_str().unwrap(), &[]);
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let epoch = epoch();
    let documents = (0..SOURCES).map(|i| synthetic::rss(i, 0, ITEMS, epoch)).collect();
    Fixture {
        tagger: Arc::new(Tagger::new(&config.tags).unwrap()),
        detect: Detect::default(),
        config,
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        documents,
        _dir: dir,
    }
}

impl Fixture {
    fn process(&self, i: usize) -> Processed {
        let source = &self.config.sources[i];
        poll::process_document(
            self.documents[i].as_bytes(),
            Some("application/rss+xml"),
            &source.url,
            source,
            &self.tagger,
            &self.detect,
            2_000,
        )
        .unwrap()
    }

    fn records(&self) -> Vec<PollRecord> {
        (0..SOURCES)
            .map(|i| synthetic::fetched(&self.config.sources[i], self.process(i)))
            .collect()
    }

    /// A fresh, empty store in its own directory.
    fn empty_store(&self) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = self
            .runtime
            .block_on(Store::open(&dir.path().join("bench.db")))
            .unwrap();
        (dir, store)
    }
}

/// Parsing one synthetic document of 50 items, in bytes per second.
fn bench_parse(bencher: divan::Bencher, document: &str, content_type: &str) {
    let fetched_from = url::Url::parse("https://source.example.org/").unwrap();
    bencher
        .counter(BytesCount::of_str(document))
        .bench(|| thbwatch::parse::parse(document.as_bytes(), Some(content_type), &fetched_from).unwrap());
}

#[divan::bench(sample_count = 20)]
fn parse_rss_50_items(bencher: divan::Bencher) {
    bench_parse(bencher, &synthetic::rss(3, 0, ITEMS, epoch()), "application/rss+xml");
}

#[divan::bench(sample_count = 20)]
fn parse_atom_50_items(bencher: divan::Bencher) {
    bench_parse(bencher, &synthetic::atom(5, 0, ITEMS, epoch()), "application/atom+xml");
}

/// feed-rs alone on the same RSS document (the floor of parsing: the
/// required parser, before what thbwatch adds to read feeds liberally).
#[divan::bench(sample_count = 20)]
fn parse_rss_50_items_feed_rs_alone(bencher: divan::Bencher) {
    let document = synthetic::rss(3, 0, ITEMS, epoch());
    bencher
        .counter(BytesCount::of_str(&document))
        .bench(|| feed_rs::parser::parse(document.as_bytes()).unwrap());
}

/// Language detection alone, over the sample normalising reads of each
/// of 50 items (title and the start of the text).
#[divan::bench(sample_count = 20)]
fn detect_language_50_items(bencher: divan::Bencher) {
    let document = synthetic::rss(7, 0, ITEMS, epoch());
    let base = url::Url::parse("https://source7.example.org/rss.xml").unwrap();
    let feed = thbwatch::parse::parse(document.as_bytes(), None, &base).unwrap();
    let samples: Vec<String> = feed
        .entries
        .iter()
        .map(|e| {
            let text = e
                .summary
                .as_ref()
                .map(|t| thbwatch::normalize::html_to_text(&t.body))
                .unwrap_or_default();
            format!(
                "{}. {}",
                e.title.as_ref().map_or("", |t| t.body.as_str()),
                text.chars().take(600).collect::<String>()
            )
        })
        .collect();
    let detect = Detect::default();
    bencher
        .counter(ItemsCount::new(samples.len()))
        .bench(|| samples.iter().filter_map(|s| detect.detect(s, None)).count());
}

/// Normalising alone (links, text cleaning, keys, language detection).
#[divan::bench(sample_count = 20)]
fn normalise_50_items(bencher: divan::Bencher) {
    let document = synthetic::rss(7, 0, ITEMS, epoch());
    let base = url::Url::parse("https://source7.example.org/rss.xml").unwrap();
    let feed = thbwatch::parse::parse(document.as_bytes(), None, &base).unwrap();
    let detect = Detect::default();
    bencher
        .counter(ItemsCount::new(ITEMS))
        .with_inputs(|| feed.entries.clone())
        .bench_local_values(|entries: Vec<RawEntry>| {
            let cx = thbwatch::normalize::Context {
                base: &base,
                source_language: None,
                feed_language: feed.language.as_deref(),
                detect: &detect,
            };
            entries
                .into_iter()
                .map(|raw| thbwatch::normalize::item(raw, &cx))
                .collect::<Vec<_>>()
        });
}

/// Tagging normalised items with the full default vocabulary, over every
/// field (HTML bodies made plain text first).
#[divan::bench(sample_count = 20)]
fn tag_50_items(bencher: divan::Bencher) {
    let fixture = fixture();
    let items: Vec<_> = fixture.process(0).items.into_iter().map(|t| t.item).collect();
    bencher.counter(ItemsCount::new(items.len())).bench_local(|| {
        items
            .iter()
            .map(|item| fixture.tagger.tag_item(&Texts::of(item)).matches.len())
            .sum::<usize>()
    });
}

/// 2,000 new items (40 polls of 50), one transaction per poll, and the
/// checkpoint that folds them into the database file.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn ingest_new_2000_items(bencher: divan::Bencher) {
    let fixture = fixture();
    let records = fixture.records();
    bencher
        .counter(ItemsCount::new(SOURCES * ITEMS))
        .with_inputs(|| (fixture.empty_store(), records.clone()))
        .bench_local_values(|((dir, store), records)| {
            fixture.runtime.block_on(async {
                for record in records {
                    store.ingest(record).await.unwrap();
                }
                // The daemon checkpoints on another thread meanwhile; here
                // the cost is counted in, and never spills into the next
                // sample.
                store.checkpoint().await.unwrap();
            });
            (dir, store)
        });
}

/// The same 2,000 new items, the 40 polls submitted at once as the
/// daemon's concurrent polls are: they share commits (group commit).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn ingest_new_2000_items_concurrently(bencher: divan::Bencher) {
    let fixture = fixture();
    let records = fixture.records();
    bencher
        .counter(ItemsCount::new(SOURCES * ITEMS))
        .with_inputs(|| (fixture.empty_store(), records.clone()))
        .bench_local_values(|((dir, store), records)| {
            fixture.runtime.block_on(async {
                let ingests = records.into_iter().map(|record| {
                    let store = store.clone();
                    async move { store.ingest(record).await.unwrap() }
                });
                let mut set = tokio::task::JoinSet::new();
                for ingest in ingests {
                    set.spawn(ingest);
                }
                while let Some(done) = set.join_next().await {
                    done.unwrap();
                }
                store.checkpoint().await.unwrap();
            });
            (dir, store)
        });
}

/// The same 2,000 items polled again: every one already stored unchanged.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn ingest_duplicates_2000_items(bencher: divan::Bencher) {
    let fixture = fixture();
    let records = fixture.records();
    let (_dir, store) = fixture.empty_store();
    fixture.runtime.block_on(async {
        for record in records.clone() {
            store.ingest(record).await.unwrap();
        }
    });
    bencher
        .counter(ItemsCount::new(SOURCES * ITEMS))
        .with_inputs(|| records.clone())
        .bench_local_values(|records| {
            fixture.runtime.block_on(async {
                for record in records {
                    let report = store.ingest(record).await.unwrap();
                    assert_eq!(report.new, 0);
                }
            })
        });
}

/// The whole chain for 40 fetched feeds of 50 items: parse → normalise →
/// tag → store, into an empty store, on one thread.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn end_to_end_ingest_2000_items(bencher: divan::Bencher) {
    let fixture = fixture();
    bencher
        .counter(ItemsCount::new(SOURCES * ITEMS))
        .with_inputs(|| fixture.empty_store())
        .bench_local_values(|(dir, store)| {
            fixture.runtime.block_on(async {
                for (i, source) in fixture.config.sources.iter().enumerate() {
                    store
                        .ingest(synthetic::fetched(source, fixture.process(i)))
                        .await
                        .unwrap();
                }
                store.checkpoint().await.unwrap();
            });
            (dir, store)
        });
}

/// A store holding the 2,000 items, and the request for `/feed.atom`.
fn served(fixture: &Fixture) -> (tempfile::TempDir, Store, thbwatch::feeds::Settings, Request) {
    let (dir, store) = fixture.empty_store();
    fixture.runtime.block_on(async {
        for record in fixture.records() {
            store.ingest(record).await.unwrap();
        }
    });
    let mut settings = thbwatch::app::feed_settings(&fixture.config);
    settings.max_entries = 100;
    (dir, store, settings, Request::atom(Feed::All))
}

/// Rendering `/all.atom` with 100 entries: reading them from the store,
/// sanitising and writing the XML (what a cache miss costs before
/// compression).
#[divan::bench(sample_count = 20)]
fn render_atom_100_entries(bencher: divan::Bencher) {
    let fixture = fixture();
    let (_dir, store, settings, request) = served(&fixture);
    bencher.bench_local(|| {
        fixture
            .runtime
            .block_on(thbwatch::feeds::render(&store, &settings, &request, None))
            .unwrap()
            .body
            .len()
    });
}

/// Rendering as above, then compressing once for the cache (gzip and
/// brotli): the whole cost of a document after the store changed.
#[divan::bench(sample_count = 10)]
fn render_and_compress_atom_100_entries(bencher: divan::Bencher) {
    let fixture = fixture();
    let (_dir, store, settings, request) = served(&fixture);
    bencher.bench_local(|| {
        let document = fixture
            .runtime
            .block_on(thbwatch::feeds::render(&store, &settings, &request, None))
            .unwrap();
        thbwatch::server::cache::Cached::new(
            1,
            document.content_type,
            document.body,
            None,
            &[],
            thbwatch::server::cache::Level::Best,
        )
    });
}
