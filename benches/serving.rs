//! Serving `/feed.atom` (100 entries) to 50 concurrent keep-alive clients,
//! in one process over 127.0.0.1: requests per second and latency (p50,
//! p99) without compression, with gzip accepted, and with a matching ETag
//! (304). Run with `cargo bench --bench serving`; it prints its figures
//! (median of 3 runs of 3 s each, with min and max).

use std::time::{Duration, Instant};

use chrono::Utc;
use thbwatch::config::Config;
use thbwatch::model::{FeedMeta, Field, Item, Match, SourceId, Validators};
use thbwatch::store::{PollOutcome, PollRecord, Store};

const CLIENTS: usize = 50;
const RUN: Duration = Duration::from_secs(3);
const RUNS: usize = 3;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"bench.db\"\n\
                [sources.bench]\nurl = \"https://bench.example/feed\"\ntitle = \"Bench\"\n\
                [tags.trafficking]\nterms = [\"human traffick*\"]\n";
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, text).unwrap();
    let config = Config::load(&config_path).unwrap();
    let store = Store::open(&config.storage.path).await.unwrap();
    store.ingest(record(300)).await.unwrap();
    let router = thbwatch::app::http_router(&config, store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // As the daemon serves: its connection handling and bounds included.
    let limits = thbwatch::server::Limits::default();
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(async move {
        thbwatch::server::serve(listener, router, limits, shutdown)
            .await
            .unwrap()
    });
    let url = format!("http://{addr}/feed.atom");

    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let first = client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let size = first.bytes().await.unwrap().len();
    let gz = client.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    let gz_size = gz.bytes().await.unwrap().len();
    println!("/feed.atom: 100 entries, {size} bytes ({gz_size} gzipped); {CLIENTS} clients, {RUNS} runs of {RUN:?}");
    println!(
        "{:<26} {:>24} {:>10} {:>10}",
        "case", "requests/s (min–max)", "p50", "p99"
    );
    let cases: [(&str, Vec<(&'static str, String)>); 3] = [
        ("identity", vec![]),
        ("gzip accepted", vec![("accept-encoding", "gzip".to_string())]),
        ("matching ETag (304)", vec![("if-none-match", etag)]),
    ];
    for (name, headers) in cases {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(load(&client, &url, &headers).await);
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (rate, p50, p99) = runs[RUNS / 2];
        println!(
            "{name:<26} {:>10.0} ({:.0}–{:.0}) {:>8.2}ms {:>8.2}ms",
            rate,
            runs[0].0,
            runs[RUNS - 1].0,
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0
        );
    }
}

/// One run: requests per second, p50, p99.
async fn load(client: &reqwest::Client, url: &str, headers: &[(&'static str, String)]) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url, headers) = (client.clone(), url.to_string(), headers.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < RUN {
                let t = Instant::now();
                let mut request = client.get(&url);
                for (name, value) in &headers {
                    request = request.header(*name, value);
                }
                let response = request.send().await.unwrap();
                assert!(response.status().is_success() || response.status() == 304);
                response.bytes().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    (all.len() as f64 / elapsed, at(0.5), at(0.99))
}

fn record(n: usize) -> PollRecord {
    let items = (0..n)
        .map(|i| {
            let title = format!("Item {i}: police act against human trafficking in the region");
            let summary = format!(
                "<p>{}</p>",
                "Officials discussed cooperation against human trafficking and forced labour. ".repeat(6)
            );
            thbwatch::normalize::tagged(
                Item {
                    key: format!("guid:{i}"),
                    link: Some(format!("https://bench.example/news/{i}")),
                    canonical_link: Some(format!("https://bench.example/news/{i}")),
                    title: title.clone(),
                    summary: Some(summary),
                    language: Some("en".into()),
                    published: Some(Utc::now() - chrono::Duration::minutes(i as i64)),
                    content_hash: format!("h{i}"),
                    ..Item::default()
                },
                vec![Match {
                    tag: "trafficking".into(),
                    term: "human traffick*".into(),
                    field: Field::Title,
                    end_field: None,
                    text: "human trafficking".into(),
                    snippet: title,
                }],
            )
        })
        .collect();
    PollRecord {
        source_id: SourceId::new("bench"),
        source_url: "https://bench.example/feed".into(),
        source_title: Some("Bench".into()),
        at: Utc::now(),
        http_status: Some(200),
        moved_to: None,
        full_text: None,
        outcome: PollOutcome::Fetched {
            feed: FeedMeta {
                title: Some("Bench".into()),
                ..FeedMeta::default()
            },
            validators: Validators::default(),
            items,
            recipients: Vec::new(),
            warning: None,
        },
    }
}
