//! Search over the whole history: 100,000 stored items in the region's
//! twelve languages (synthetic news, about 5 % on trafficking), searched
//! through the real routes over 127.0.0.1 (`/search.atom` and the
//! `/search` page, uncached as every search is): latency p50 and p99 for
//! common and rare words, prefixes, phrases, exclusions, filters and a
//! later page; and what the index adds to the database file. Run with
//! `cargo bench --bench search`; it prints its figures.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::time::{Duration, Instant};

use chrono::Utc;
use thbwatch::config::Config;
use thbwatch::model::{FeedMeta, Field, Item, Match, SourceId, Validators};
use thbwatch::store::{PollOutcome, PollRecord, Store};

const ITEMS: usize = 100_000;
const SOURCES: usize = 12;
const BATCH: usize = 1_000;
/// Times each query is asked.
const ROUNDS: usize = 30;

/// (what, path and query)
const QUERIES: &[(&str, &str)] = &[
    ("common word", "q=policija"),
    ("common word, language", "q=police&lang=en"),
    ("rare word", "q=inimkaubanduse"),
    ("two words", "q=cilveku+tirdzniecibas"),
    ("prefix", "q=sadarb*"),
    ("short prefix", "q=pr*"),
    ("phrase", "q=%22human+trafficking%22"),
    ("exclusion", "q=policja+-granica"),
    ("tag filter", "q=ministerium&tag=trafficking"),
    ("date range", "q=handel&from=2026-02-01&to=2026-02-07"),
    ("country and language", "q=politsei&country=ee&lang=et"),
    ("no hit", "q=zzzzqqq"),
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"bench.db\"\n\
         [tags.trafficking]\nterms = [\"human traffick*\"]\n",
    );
    let countries = ["lv", "lt", "ee", "ru", "pl", "de", "gb", "fi", "se", "dk", "no", "is"];
    for (source, (country, language)) in countries.iter().zip(synthetic::LANGUAGES).enumerate() {
        text.push_str(&format!(
            "[sources.s{source}]\nurl = \"https://bench{source}.example/feed\"\ntitle = \"Source {source}\"\n\
             country = \"{country}\"\nlanguage = \"{language}\"\n"
        ));
    }
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, text).unwrap();
    let config = Config::load(&config_path).unwrap();
    let store = Store::open(&config.storage.path).await.unwrap();
    let started = Instant::now();
    let epoch = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let per_source = ITEMS / SOURCES;
    for source in 0..SOURCES {
        let mut first = 0;
        while first < per_source {
            let count = BATCH.min(per_source - first);
            store.ingest(record(source, first, count, epoch)).await.unwrap();
            first += count;
        }
    }
    let remainder = ITEMS - per_source * SOURCES;
    if remainder > 0 {
        store.ingest(record(0, per_source, remainder, epoch)).await.unwrap();
    }
    let ingest = started.elapsed();
    println!(
        "{ITEMS} items stored in {:.1} s ({:.0} items/s, the index kept in step by its triggers)",
        ingest.as_secs_f64(),
        ITEMS as f64 / ingest.as_secs_f64()
    );

    let router = thbwatch::app::http_router(&config, store.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let token = shutdown.clone();
    tokio::spawn(async move {
        thbwatch::server::serve(listener, router, thbwatch::server::Limits::default(), token)
            .await
            .unwrap()
    });
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let mut all = Vec::new();
    println!(
        "{:<22} {:>6} {:>9} {:>9} {:>9}",
        "query", "hits", "p50 ms", "p99 ms", "page ms"
    );
    for (what, query) in QUERIES {
        let atom_url = format!("http://{addr}/search.atom?{query}");
        let page_url = format!("http://{addr}/search?{query}");
        let first = client.get(&atom_url).send().await.unwrap();
        assert_eq!(first.status(), 200, "{query}");
        let body = first.text().await.unwrap();
        let hits = body.matches("</entry>").count();
        let mut latencies = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let response = client.get(&atom_url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            latencies.push(t.elapsed());
        }
        let mut pages = Vec::new();
        for _ in 0..ROUNDS / 3 {
            let t = Instant::now();
            let response = client.get(&page_url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            pages.push(t.elapsed());
        }
        latencies.sort();
        pages.sort();
        println!(
            "{what:<22} {hits:>6} {:>9.1} {:>9.1} {:>9.1}",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            ms(percentile(&pages, 0.5)),
        );
        all.extend(latencies);
    }
    all.sort();
    println!(
        "all queries, /search.atom (first page of up to 100 entries, rendered): p50 {:.1} ms, p99 {:.1} ms over {} searches",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        all.len()
    );
    shutdown.cancel();
    store.close().await;
    index_size(&config.storage.path);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// The database's size with and without the index: a copy without it,
/// vacuumed, against the original, vacuumed too.
fn index_size(path: &std::path::Path) {
    let with = path.with_extension("with.db");
    let without = path.with_extension("without.db");
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute("VACUUM INTO ?1", [with.to_str().unwrap()]).unwrap();
    drop(conn);
    std::fs::copy(&with, &without).unwrap();
    let conn = rusqlite::Connection::open(&without).unwrap();
    conn.execute_batch("DROP TRIGGER items_search_delete; DROP TABLE items_search; VACUUM;")
        .unwrap();
    drop(conn);
    let size = |p: &std::path::Path| std::fs::metadata(p).unwrap().len() as f64 / (1 << 20) as f64;
    let (with, without) = (size(&with), size(&without));
    println!(
        "database: {with:.1} MiB with the index, {without:.1} MiB without: the index adds {:.1} MiB ({:.0} %)",
        with - without,
        (with - without) / without * 100.0
    );
}

/// `count` items of `source` from number `first` on.
fn record(source: usize, first: usize, count: usize, epoch: chrono::DateTime<Utc>) -> PollRecord {
    let items = (first..first + count)
        .map(|n| {
            let news = synthetic::item(source, n as i64, epoch);
            let matches = if news.topical {
                vec![Match {
                    tag: "trafficking".into(),
                    term: "human traffick*".into(),
                    field: Field::Title,
                    end_field: None,
                    text: news.title.clone(),
                    snippet: news.title.clone(),
                }]
            } else {
                Vec::new()
            };
            let link = format!("https://bench{source}.example/news/{n}");
            thbwatch::normalize::tagged(
                Item {
                    key: format!("guid:{n}"),
                    link: Some(link.clone()),
                    canonical_link: Some(link),
                    title: news.title,
                    summary: Some(news.description),
                    language: Some(news.language.into()),
                    published: Some(news.published),
                    content_hash: format!("h{source}-{n}"),
                    ..Item::default()
                },
                matches,
            )
        })
        .collect();
    PollRecord {
        source_id: SourceId::new(format!("s{source}")),
        source_url: format!("https://bench{source}.example/feed"),
        source_title: Some(format!("Source {source}")),
        at: Utc::now(),
        http_status: Some(200),
        moved_to: None,
        full_text: None,
        outcome: PollOutcome::Fetched {
            feed: FeedMeta::default(),
            validators: Validators::default(),
            items,
            recipients: Vec::new(),
            warning: None,
        },
    }
}
