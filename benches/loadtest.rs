//! The load test: a real thbwatch daemon (the release binary, as a child
//! process) polling N synthetic ministry feeds of M items served by an
//! in-process HTTP server on as many loopback addresses (127.1.x.y), so
//! per-host politeness never serialises them, then serving `/feed.atom`
//! to 50 keep-alive clients. It prints every figure the budgets in
//! docs/benchmarks.md name, with the budget beside it:
//!
//! - poll cycles: the first (all new), one where every feed answers 304,
//!   one where every feed has a few new items; items/s ingested;
//! - the in-process chain parse → normalise → tag → store on all cores;
//! - `/feed.atom` requests/s and p50/p99 latency, with and without gzip,
//!   with and without a matching ETag;
//! - the daemon's resident memory: after the first cycle, steady, peak;
//! - start-up to systemd's `READY=1` with 100,000 stored items.
//!
//! `cargo bench --bench loadtest` runs it with the defaults (1,000 sources
//! × 50 items, 3 runs; medians with min and max). `-- --help` lists the
//! options. `-- --guard` is the CI guard: one shorter run that fails only
//! when a figure misses its budget by more than 3×.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use thbwatch::config::Config;
use thbwatch::lang::Detect;
use thbwatch::store::{PollRecord, Store};
use thbwatch::tag::Tagger;

#[path = "support/synthetic.rs"]
mod synthetic;

/// The most runs the guard makes before it fails a figure.
const GUARD_RUNS: usize = 3;
/// How long any one wait may take before the load test gives up.
const DEADLINE: Duration = Duration::from_secs(120);
/// How long after its last cycle the daemon's memory counts as steady.
const STEADY_AFTER: Duration = Duration::from_secs(8);
/// A schedule that never fires during a run: cycles are started by
/// SIGHUP. A reload polls every source at once, as the start-up does,
/// through the same dispatcher and fetcher a cron tick uses (the reload's
/// own work, rules and jobs replaced, comes before the first request and
/// is not counted).
const NEVER: &str = "0 0 29 2 *";

#[derive(Clone, Debug)]
struct Options {
    sources: usize,
    items: usize,
    /// New items per feed in each "few new items" cycle.
    new_items: usize,
    clients: usize,
    /// Length of each `/feed.atom` measurement.
    seconds: f64,
    runs: usize,
    /// Repeats of the 304 and the few-new cycles within a run.
    cycles: usize,
    guard: bool,
    /// Run newsboat on the same feeds, when it is installed.
    newsboat: bool,
}

impl Options {
    fn parse() -> Options {
        let mut options = Options {
            sources: 1_000,
            items: 50,
            new_items: 3,
            clients: 50,
            seconds: 3.0,
            runs: 3,
            cycles: 3,
            guard: false,
            newsboat: true,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> f64 {
                let value = args.next().unwrap_or_else(|| usage(&format!("{name} needs a value")));
                value
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("{name}: {value:?} is not a number")))
            };
            match arg.as_str() {
                // cargo bench passes --bench to every benchmark binary.
                "--bench" => {}
                "--sources" => options.sources = number("--sources") as usize,
                "--items" => options.items = number("--items") as usize,
                "--new-items" => options.new_items = number("--new-items") as usize,
                "--clients" => options.clients = number("--clients") as usize,
                "--seconds" => options.seconds = number("--seconds"),
                "--runs" => options.runs = number("--runs") as usize,
                "--cycles" => options.cycles = number("--cycles") as usize,
                "--guard" => {
                    options.guard = true;
                    options.runs = 1;
                    options.cycles = 1;
                    options.seconds = 2.0;
                }
                "--no-newsboat" => options.newsboat = false,
                "--help" | "-h" => {
                    println!("{HELP}");
                    std::process::exit(0);
                }
                other => usage(&format!("unknown option {other:?}")),
            }
        }
        if options.sources == 0 || options.sources > 50_000 {
            usage("--sources must be between 1 and 50,000");
        }
        if options.items == 0 || options.runs == 0 || options.cycles == 0 || options.clients == 0 {
            usage("--items, --runs, --cycles and --clients must be at least 1");
        }
        options
    }
}

const HELP: &str = "cargo bench --bench loadtest -- [options]
  --sources N    synthetic feeds, each on its own loopback address (1000)
  --items M      items per feed (50)
  --new-items K  new items per feed in each few-new-items cycle (3)
  --clients C    concurrent keep-alive clients of /feed.atom (50)
  --seconds S    length of each /feed.atom measurement (3)
  --runs R       daemon runs, each from an empty database (3)
  --cycles K     repeats of the 304 and few-new cycles per run (3)
  --no-newsboat  skip newsboat's reload of the same feeds (run when installed)
  --guard        CI guard: one short run; exit 1 if a figure misses its budget by more than 3x";

fn usage(problem: &str) -> ! {
    eprintln!("loadtest: {problem}\n{HELP}");
    std::process::exit(2);
}

fn main() {
    let options = Options::parse();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_thbwatch"));
    check_open_files(options.sources);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("{}", machine());
    println!(
        "{} sources x {} items, {} new items per feed per update; {} runs, {} repeated cycles each",
        options.sources, options.items, options.new_items, options.runs, options.cycles
    );
    let mut figures = Figures::default();
    let mut runs = 0;
    let missed = loop {
        let mut last_database = None;
        for _ in 0..options.runs {
            runs += 1;
            println!("run {runs}");
            // The last run's database (100,000 items and more) is kept for
            // the start-up measurement.
            drop(last_database.take());
            last_database = Some(runtime.block_on(one_run(&options, &binary, &mut figures)));
        }
        let (dir, database, servers) = last_database.expect("at least one run");
        for _ in 0..options.runs.max(3) {
            figures.add(
                "startup",
                startup_to_ready(&binary, dir.path(), &database).as_secs_f64() * 1000.0,
            );
        }
        drop(servers);
        for _ in 0..3 {
            figures.add("tagging", tagging_mb_per_s());
        }
        let mut missed = report(&options, &figures);
        // Every poll of a cycle should end as expected; a few failing on a
        // busy machine is noise, more is a bug.
        let cycles = figures.0.get("unexpected").map_or(&[][..], Vec::as_slice);
        let (unexpected, polls) = (cycles.iter().sum::<f64>(), cycles.len() * options.sources);
        println!("  polls that ended otherwise than expected: {unexpected} of {polls}");
        if unexpected > polls as f64 * 0.01 {
            missed.push(format!("{unexpected} of {polls} polls ended otherwise than expected"));
        }
        // Load from other work on the machine only ever makes a figure
        // worse: the guard measures again, and judges the best of its runs,
        // so a figure fails only when every run missed by more than 3x.
        if !options.guard || missed.is_empty() || runs >= GUARD_RUNS {
            break missed;
        }
        println!(
            "after run {runs} of at most {GUARD_RUNS}, beyond the guard: {}; measuring again",
            missed.join("; ")
        );
    };
    if options.guard && !missed.is_empty() {
        eprintln!(
            "loadtest guard: {} beyond the guard: {}",
            missed.len(),
            missed.join("; ")
        );
        std::process::exit(1);
    }
}

/// The feeds' listeners, their connections and the daemon's need about
/// three descriptors per source: say so plainly rather than fail to bind.
fn check_open_files(sources: usize) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: Option<usize> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok());
    let needed = sources * 3 + 256;
    if let Some(soft) = soft.filter(|soft| *soft < needed) {
        usage(&format!(
            "{sources} sources need about {needed} open files, and the limit is {soft}: \
             raise it (ulimit -n {needed}) or use fewer --sources"
        ));
    }
}

/// Every figure measured, by name, in the order measured.
#[derive(Default)]
struct Figures(BTreeMap<&'static str, Vec<f64>>);

impl Figures {
    fn add(&mut self, name: &'static str, value: f64) {
        self.0.entry(name).or_default().push(value);
    }

    /// Median, min, max.
    fn summary(&self, name: &str) -> Option<(f64, f64, f64)> {
        let mut values = self.0.get(name)?.clone();
        values.sort_by(f64::total_cmp);
        Some((values[values.len() / 2], values[0], values[values.len() - 1]))
    }
}

/// One daemon from an empty database: seed, cycles, serving, memory.
/// Returns the run's directory and database, and its feeds' servers (kept
/// up for the start-up measurement, whose daemon polls them).
async fn one_run(options: &Options, binary: &Path, figures: &mut Figures) -> (tempfile::TempDir, PathBuf, FeedServers) {
    let dir = tempfile::tempdir().unwrap();
    let epoch = Utc::now() - chrono::Duration::days(2);
    let feeds = Arc::new(Feeds::new(options, epoch));
    let servers = serve_feeds(feeds.clone(), options.sources).await;
    let sources: Vec<(String, String, &str)> = servers
        .addresses
        .iter()
        .enumerate()
        .map(|(i, addr)| {
            let lang = synthetic::LANGUAGES[i % synthetic::LANGUAGES.len()];
            (format!("s{i:05}"), format!("http://{addr}/rss.xml"), lang)
        })
        .collect();
    let database = dir.path().join("thbwatch.db");
    let config_path = dir.path().join("config.toml");
    let text = synthetic::config(
        &sources,
        "127.0.0.1:0",
        database.to_str().unwrap(),
        &[("schedule", NEVER)],
    );
    std::fs::write(&config_path, text).unwrap();
    let config = Config::load(&config_path).unwrap();

    // The store starts with each source's older items: after the first
    // cycle it holds twice as many (100,000 for 1,000 x 50).
    let (items, elapsed, parsing, seed_cpu) = seed(&config, options.items, epoch).await;
    // The same from the CPU time it took: items/s with all cores to itself.
    figures.add("ingest cpu", items as f64 * cores() / seed_cpu);
    let (rate, parse_rate) = (
        items as f64 / elapsed.as_secs_f64(),
        items as f64 / parsing.as_secs_f64(),
    );
    figures.add("ingest", rate);
    figures.add("feed-rs", parse_rate);
    figures.add("ingest/feed-rs", rate / parse_rate);
    println!(
        "  in-process ingest of {items} older items on all cores: {rate:.0} items/s; \
         feed-rs alone parses the same documents at {parse_rate:.0} items/s ({:.2} of it)",
        rate / parse_rate
    );

    feeds.start_cycle();
    let mut daemon = Daemon::start(binary, &config_path, None);
    let cpu_before = cpu_seconds(daemon.pid());
    let own_before = cpu_seconds(std::process::id());
    let written_before = written_bytes(daemon.pid());
    let first = daemon.cycle(&feeds, options.sources, "ok");
    let cpu = cpu_seconds(daemon.pid()) - cpu_before;
    // The daemon's and the feeds' CPU on all cores: how long the cycle
    // would take with the machine to itself, whatever else runs on it.
    let own = cpu_seconds(std::process::id()) - own_before;
    figures.add("first cpu", (cpu + own) / cores());
    let written = (written_bytes(daemon.pid()) - written_before) / 1024.0 / 1024.0;
    println!(
        "  first cycle: {:.2} s, {} new items, {:.0} items/s; daemon CPU {cpu:.2} s ({:.1} cores busy), {written:.0} MiB written",
        first.elapsed.as_secs_f64(),
        first.new,
        first.new as f64 / first.elapsed.as_secs_f64(),
        cpu / first.elapsed.as_secs_f64()
    );
    figures.add("first", first.elapsed.as_secs_f64());
    figures.add("unexpected", first.unexpected as f64);
    figures.add("cycle items/s", first.new as f64 / first.elapsed.as_secs_f64());
    let after_first = rss(daemon.pid()).0;
    figures.add("rss first", after_first);
    // The same documents, read by newsboat's first reload (the daemon
    // idles meanwhile: its schedule never fires).
    if options.newsboat
        && let Some((elapsed, stored)) = newsboat_reload(&servers.addresses)
    {
        let ratio = first.elapsed.as_secs_f64() / elapsed.as_secs_f64();
        println!(
            "  newsboat's first reload (8 threads) of the same feeds: {:.2} s, {stored} items; thbwatch's first cycle is {ratio:.3} of it",
            elapsed.as_secs_f64()
        );
        figures.add("newsboat", elapsed.as_secs_f64());
        figures.add("newsboat ratio", ratio);
    }

    for _ in 0..options.cycles {
        feeds.start_cycle();
        daemon.signal("-HUP");
        let unchanged = daemon.cycle(&feeds, options.sources, "not modified");
        println!(
            "  304 cycle: {:.3} s (RSS {:.1} MiB)",
            unchanged.elapsed.as_secs_f64(),
            rss(daemon.pid()).0
        );
        figures.add("304", unchanged.elapsed.as_secs_f64());
        figures.add("unexpected", unchanged.unexpected as f64);
    }
    for _ in 0..options.cycles {
        feeds.update(options);
        feeds.start_cycle();
        daemon.signal("-HUP");
        let partial = daemon.cycle(&feeds, options.sources, "ok");
        println!(
            "  few-new cycle: {:.3} s, {} new items",
            partial.elapsed.as_secs_f64(),
            partial.new
        );
        figures.add("partial", partial.elapsed.as_secs_f64());
        figures.add("unexpected", partial.unexpected as f64);
    }
    // Steady: idle after the cycles (idle connections closed, memory
    // returned), the stored items all in place.
    tokio::time::sleep(STEADY_AFTER).await;
    let steady = rss(daemon.pid()).0;
    figures.add("rss steady", steady);

    let url = format!("http://{}/feed.atom", daemon.address);
    for case in Case::ALL {
        let (rate, p50, p99, size) = load(&url, case, options).await;
        println!(
            "  /feed.atom {} ({size} bytes): {rate:.0} requests/s, p50 {p50:.2} ms, p99 {p99:.2} ms",
            case.name()
        );
        figures.add(case.rate_key(), rate);
        figures.add(case.p50_key(), p50);
        figures.add(case.p99_key(), p99);
    }
    let (after_load, peak) = rss(daemon.pid());
    figures.add("rss after load", after_load);
    figures.add("rss peak", peak);
    println!(
        "  daemon RSS: {after_first:.1} MiB after the first cycle, {steady:.1} steady, {after_load:.1} after serving, {peak:.1} peak"
    );
    daemon.stop();
    (dir, database, servers)
}

/// The older items of every source, through the same chain as a poll:
/// parse → normalise → tag on every core, each feed's ingest submitted
/// as soon as it is ready (as the daemon's polls are), so that ingests
/// finishing close together share a commit. Returns the items stored and
/// the time taken, the time feed-rs alone takes to parse the same
/// documents on as many cores, and the CPU seconds the ingest took.
async fn seed(config: &Config, items: usize, epoch: DateTime<Utc>) -> (usize, Duration, Duration, f64) {
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

/// newsboat (when installed) reloading every feed once into an empty
/// cache with 8 reload threads, as the comparison in docs/benchmarks.md
/// runs it: how long it took and how many items it stored.
fn newsboat_reload(addresses: &[SocketAddr]) -> Option<(Duration, u64)> {
    let installed = Command::new("newsboat")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        println!("  newsboat is not installed (scripts/install-test-tools installs it): no side-by-side figure");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let urls: String = addresses.iter().map(|a| format!("http://{a}/rss.xml\n")).collect();
    std::fs::write(dir.path().join("urls"), urls).unwrap();
    std::fs::write(dir.path().join("config"), "reload-threads 8\n").unwrap();
    let cache = dir.path().join("cache.db");
    let started = Instant::now();
    let status = Command::new("newsboat")
        .arg("-u")
        .arg(dir.path().join("urls"))
        .arg("-c")
        .arg(&cache)
        .arg("-C")
        .arg(dir.path().join("config"))
        .args(["-x", "reload"])
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run newsboat");
    let elapsed = started.elapsed();
    assert!(status.success(), "newsboat -x reload exited with {status}");
    let stored = rusqlite::Connection::open(&cache)
        .and_then(|c| c.query_row("SELECT count(*) FROM rss_item", [], |r| r.get(0)))
        .unwrap_or(0);
    Some((elapsed, stored))
}

/// Tagging 12 MB of mixed-language news with the repository's default
/// rules on one core, in MB/s (`cargo bench --bench tagging` has the
/// detailed figures).
fn tagging_mb_per_s() -> f64 {
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

/// The synthetic feeds, as served now: each source's RSS document, plain
/// and gzipped, with its ETag.
struct Feeds {
    epoch: DateTime<Utc>,
    items: usize,
    updates: AtomicU64,
    documents: RwLock<Vec<Arc<Document>>>,
    /// The first request since the last [`Feeds::start_cycle`].
    first_request: Mutex<Option<Instant>>,
}

struct Document {
    plain: axum::body::Bytes,
    gzip: axum::body::Bytes,
    etag: String,
}

impl Feeds {
    fn new(options: &Options, epoch: DateTime<Utc>) -> Feeds {
        let feeds = Feeds {
            epoch,
            items: options.items,
            updates: AtomicU64::new(0),
            documents: RwLock::new(Vec::new()),
            first_request: Mutex::new(None),
        };
        *feeds.documents.write().unwrap() = feeds.render(options.sources, 0, options.new_items);
        feeds
    }

    /// Every feed gains `new_items` items (and drops as many old ones).
    fn update(&self, options: &Options) {
        let updates = self.updates.fetch_add(1, Ordering::SeqCst) + 1;
        let documents = self.render(options.sources, updates, options.new_items);
        *self.documents.write().unwrap() = documents;
    }

    fn render(&self, sources: usize, updates: u64, new_items: usize) -> Vec<Arc<Document>> {
        let newest = self.items as i64 - 1 + updates as i64 * new_items as i64;
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut documents: Vec<Option<Arc<Document>>> = vec![None; sources];
        std::thread::scope(|scope| {
            for (worker, chunk) in documents.chunks_mut(sources.div_ceil(workers)).enumerate() {
                let offset = worker * sources.div_ceil(workers);
                scope.spawn(move || {
                    for (i, slot) in chunk.iter_mut().enumerate() {
                        let text = synthetic::rss(offset + i, newest, self.items, self.epoch);
                        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                        std::io::Write::write_all(&mut encoder, text.as_bytes()).unwrap();
                        let gzip = encoder.finish().unwrap();
                        *slot = Some(Arc::new(Document {
                            etag: format!("\"{}-{updates}\"", offset + i),
                            plain: text.into(),
                            gzip: gzip.into(),
                        }));
                    }
                });
            }
        });
        documents.into_iter().map(Option::unwrap).collect()
    }

    fn start_cycle(&self) {
        *self.first_request.lock().unwrap() = None;
    }

    fn first_request(&self) -> Option<Instant> {
        *self.first_request.lock().unwrap()
    }
}

/// Answers one feed's requests as a good publisher does: gzip when
/// accepted, 304 for a matching `If-None-Match`.
async fn feed(State((feeds, index)): State<(Arc<Feeds>, usize)>, headers: HeaderMap) -> Response {
    feeds.first_request.lock().unwrap().get_or_insert_with(Instant::now);
    let document = feeds.documents.read().unwrap()[index].clone();
    let etag = HeaderValue::from_str(&document.etag).unwrap();
    if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let mut response = Response::new(Body::from(if gzip {
        document.gzip.clone()
    } else {
        document.plain.clone()
    }));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    h.insert(header::ETAG, etag);
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// The feeds' servers; they stop when this is dropped.
struct FeedServers {
    addresses: Vec<SocketAddr>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FeedServers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Serves feed `i` at `http://127.1.x.y:PORT/rss.xml`, one address per
/// feed, all on one port.
async fn serve_feeds(feeds: Arc<Feeds>, sources: usize) -> FeedServers {
    let mut port = 0;
    let (mut addresses, mut tasks) = (Vec::with_capacity(sources), Vec::with_capacity(sources));
    for i in 0..sources {
        let ip = Ipv4Addr::new(127, 1, (i / 200) as u8, (i % 200 + 1) as u8);
        let bound = match tokio::net::TcpListener::bind((ip, port)).await {
            // Taken on this address: any free port will do.
            Err(_) if port != 0 => tokio::net::TcpListener::bind((ip, 0)).await,
            other => other,
        };
        let listener = bound
            .unwrap_or_else(|e| panic!("cannot listen on {ip}: {e} (the load test needs 127.0.0.0/8 on the loopback)"));
        let addr = listener.local_addr().unwrap();
        port = addr.port();
        addresses.push(addr);
        let router = axum::Router::new()
            .route("/rss.xml", axum::routing::get(feed))
            .with_state((feeds.clone(), i));
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        }));
    }
    FeedServers { addresses, tasks }
}

/// The daemon as a child process, its log lines read as they come.
struct Daemon {
    child: Child,
    address: String,
    polls: mpsc::Receiver<Poll>,
}

/// One "polled" log line: when it was read, its status, its new items.
struct Poll {
    at: Instant,
    status: String,
    new: u64,
}

/// What one cycle took.
struct Cycle {
    elapsed: Duration,
    new: u64,
    /// Polls that did not end as expected (failed, or not modified when
    /// new items were expected).
    unexpected: usize,
}

impl Daemon {
    fn start(binary: &Path, config: &Path, notify_socket: Option<&Path>) -> Daemon {
        let mut command = Command::new(binary);
        command
            .args(["--config", config.to_str().unwrap(), "--log-format", "json", "run"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(socket) = notify_socket {
            command.env("NOTIFY_SOCKET", socket);
        }
        let mut child = command.spawn().expect("start thbwatch");
        let stderr = child.stderr.take().unwrap();
        let (address_tx, address_rx) = mpsc::channel();
        let (polls_tx, polls) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end even when nobody listens: a full pipe would
            // block the daemon on its next log line.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let at = Instant::now();
                let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                let fields = &json["fields"];
                match fields["message"].as_str() {
                    Some("listening") => {
                        let _ = address_tx.send(fields["address"].as_str().unwrap_or_default().to_string());
                    }
                    Some("polled") => {
                        let _ = polls_tx.send(Poll {
                            at,
                            status: fields["status"].as_str().unwrap_or_default().to_string(),
                            new: fields["new"].as_u64().unwrap_or(0),
                        });
                    }
                    Some("poll failed") => {
                        let _ = polls_tx.send(Poll {
                            at,
                            status: format!("failed: {}", fields["error"].as_str().unwrap_or_default()),
                            new: 0,
                        });
                    }
                    Some(_) if json["level"] == "ERROR" => eprintln!("daemon: {line}"),
                    _ => {}
                }
            }
        });
        let address = address_rx
            .recv_timeout(DEADLINE)
            .expect("the daemon logs the address it listens on");
        Daemon { child, address, polls }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([signal, &self.pid().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {signal} failed");
    }

    /// Waits for one poll of every source (the cycle was started with
    /// [`Feeds::start_cycle`] before it was triggered): from the first
    /// request the feeds saw to the last poll written. A poll that ended
    /// otherwise than `status` is counted, and the first few shown.
    fn cycle(&mut self, feeds: &Feeds, sources: usize, status: &str) -> Cycle {
        let (mut new, mut last, mut unexpected) = (0, Instant::now(), 0);
        for done in 0..sources {
            let poll = self
                .polls
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("only {done} of {sources} sources were polled within {DEADLINE:?}"));
            if poll.status != status {
                unexpected += 1;
                if unexpected <= 3 {
                    eprintln!("  a poll ended with {:?}, not {status:?}", poll.status);
                }
            }
            new += poll.new;
            last = poll.at;
        }
        let first = feeds.first_request().expect("the feeds were requested");
        Cycle {
            elapsed: last.saturating_duration_since(first),
            new,
            unexpected,
        }
    }

    fn stop(mut self) {
        self.signal("-TERM");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the daemon exited with {status}");
                return;
            }
            assert!(started.elapsed() < DEADLINE, "the daemon did not stop");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// From starting the binary to its `READY=1` on `NOTIFY_SOCKET`.
fn startup_to_ready(binary: &Path, dir: &Path, database: &Path) -> Duration {
    let socket_path = dir.join("notify.sock");
    let _ = std::fs::remove_file(&socket_path);
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(DEADLINE)).unwrap();
    assert!(database.exists());
    let started = Instant::now();
    let daemon = Daemon::start(binary, &dir.join("config.toml"), Some(&socket_path));
    let mut buffer = [0u8; 4096];
    loop {
        let n = socket.recv(&mut buffer).expect("READY=1 within the deadline");
        if std::str::from_utf8(&buffer[..n]).is_ok_and(|m| m.lines().any(|l| l == "READY=1")) {
            let elapsed = started.elapsed();
            daemon.stop();
            return elapsed;
        }
    }
}

/// The cores this machine has.
fn cores() -> f64 {
    std::thread::available_parallelism().map_or(2, |n| n.get()) as f64
}

/// User and system CPU time a process has used, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11..13)
        .map_or(0.0, |t| t.iter().filter_map(|v| v.parse::<f64>().ok()).sum());
    ticks / 100.0
}

/// Bytes a process has handed to `write` and its kin (the database's
/// log and checkpoints, its own log lines).
fn written_bytes(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|io| io.lines().find_map(|l| l.strip_prefix("wchar:"))?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// (resident now, peak resident) of a process, in MiB.
fn rss(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

#[derive(Clone, Copy)]
enum Case {
    Plain,
    Gzip,
    PlainEtag,
    GzipEtag,
}

impl Case {
    const ALL: [Case; 4] = [Case::Plain, Case::Gzip, Case::PlainEtag, Case::GzipEtag];

    fn name(self) -> &'static str {
        match self {
            Case::Plain => "identity",
            Case::Gzip => "gzip",
            Case::PlainEtag => "identity, matching ETag (304)",
            Case::GzipEtag => "gzip, matching ETag (304)",
        }
    }

    fn gzip(self) -> bool {
        matches!(self, Case::Gzip | Case::GzipEtag)
    }

    fn etag(self) -> bool {
        matches!(self, Case::PlainEtag | Case::GzipEtag)
    }

    fn rate_key(self) -> &'static str {
        ["rate plain", "rate gzip", "rate plain 304", "rate gzip 304"][self as usize]
    }

    fn p50_key(self) -> &'static str {
        ["p50 plain", "p50 gzip", "p50 plain 304", "p50 gzip 304"][self as usize]
    }

    fn p99_key(self) -> &'static str {
        ["p99 plain", "p99 gzip", "p99 plain 304", "p99 gzip 304"][self as usize]
    }
}

/// `clients` keep-alive connections asking for `url` as fast as they
/// are answered: requests/s, p50 and p99 in milliseconds, and the size of
/// the document as sent.
async fn load(url: &str, case: Case, options: &Options) -> (f64, f64, f64, usize) {
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_proxy()
        .pool_max_idle_per_host(options.clients)
        .build()
        .unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    if case.gzip() {
        headers.insert("accept-encoding", "gzip".parse().unwrap());
    }
    let first = client.get(url).headers(headers.clone()).send().await.unwrap();
    assert!(first.status().is_success(), "/feed.atom answered {}", first.status());
    let etag = first.headers()["etag"].clone();
    let body = first.bytes().await.unwrap();
    assert!(body.len() > 10_000, "/feed.atom is too small to be 100 entries");
    if case.etag() {
        headers.insert("if-none-match", etag);
    }
    let expected = if case.etag() { 304 } else { 200 };
    let run = Duration::from_secs_f64(options.seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..options.clients)
        .map(|_| {
            let (client, url, headers) = (client.clone(), url.to_string(), headers.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while started.elapsed() < run {
                    let t = Instant::now();
                    let response = client.get(&url).headers(headers.clone()).send().await.unwrap();
                    assert_eq!(response.status().as_u16(), expected);
                    response.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    (all.len() as f64 / elapsed, at(0.5), at(0.99), body.len())
}

/// A budget: the figure, what it must be, whether more is better, and
/// where the CI guard fails.
struct Budget {
    what: &'static str,
    key: &'static str,
    unit: &'static str,
    limit: f64,
    higher_is_better: bool,
    /// Beyond this the guard fails: the budget missed by 3x.
    guard: f64,
    /// The same figure from CPU time, for the guard: what it would be
    /// with the machine's cores to itself. Other work on a shared machine
    /// stretches wall-clock time, not CPU time; the guard judges the
    /// better of the two, so only more work per item fails it.
    cpu_key: Option<&'static str>,
}

const fn budget(what: &'static str, key: &'static str, unit: &'static str, limit: f64, higher: bool) -> Budget {
    Budget {
        what,
        key,
        unit,
        limit,
        higher_is_better: higher,
        guard: if higher { limit / 3.0 } else { limit * 3.0 },
        cpu_key: None,
    }
}

// The first cycle and the in-process ingest still miss their budgets
// (docs/benchmarks.md says why). Their guards stay where they were before
// the budgets were tightened, 3x the former 3 s budget and a third of the
// 18,170 items/s recorded then, so the guard catches a collapse of either
// while the budgets themselves are reported as missed.
const BUDGETS: &[Budget] = &[
    Budget {
        cpu_key: Some("first cpu"),
        guard: 9.0,
        ..budget("first cycle (all new)", "first", "s", 1.5, false)
    },
    budget("first cycle / newsboat's", "newsboat ratio", "", 0.12, false),
    budget("304 cycle", "304", "s", 1.0, false),
    Budget {
        cpu_key: Some("ingest cpu"),
        guard: 6_000.0,
        ..budget("in-process ingest", "ingest", "items/s", 50_000.0, true)
    },
    budget("tagging", "tagging", "MB/s", 100.0, true),
    budget("/feed.atom gzip", "rate gzip", "req/s", 20_000.0, true),
    // With 50 closed-loop clients on 2 shared cores, p99 mostly measures
    // queueing: reported, never a reason for the guard to fail.
    Budget {
        guard: f64::INFINITY,
        ..budget("/feed.atom gzip p99", "p99 gzip", "ms", 5.0, false)
    },
    budget("/feed.atom 304", "rate plain 304", "req/s", 30_000.0, true),
    budget("/feed.atom gzip 304", "rate gzip 304", "req/s", 30_000.0, true),
    budget("daemon RSS steady", "rss steady", "MiB", 64.0, false),
    budget("start-up to READY", "startup", "ms", 1_000.0, false),
];

/// Prints every figure, then the budgets; returns those missed by more
/// than 3x.
fn report(options: &Options, figures: &Figures) -> Vec<String> {
    println!();
    println!("{:<40} {:>12} {:>24}", "figure", "median", "(min–max)");
    let rows: &[(&str, &str, &str)] = &[
        ("in-process ingest, all cores", "ingest", "items/s"),
        ("in-process ingest from CPU time (guard)", "ingest cpu", "items/s"),
        ("feed-rs parsing alone, all cores", "feed-rs", "items/s"),
        ("in-process ingest / feed-rs alone", "ingest/feed-rs", ""),
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
        ("daemon RSS steady", "rss steady", "MiB"),
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
    println!();
    println!(
        "budgets ({} sources x {} items{}):",
        options.sources,
        options.items,
        if options.guard { "; guard: fails beyond 3x" } else { "" }
    );
    let mut missed = Vec::new();
    for budget in BUDGETS {
        let Some((median, min, max)) = figures.summary(budget.key) else {
            continue;
        };
        // The guard judges the best run (see main), and for figures that
        // other work stretches, the better of wall and CPU time; the
        // report, the median.
        let best = |key: &str| {
            figures
                .summary(key)
                .map(|(_, min, max)| if budget.higher_is_better { max } else { min })
        };
        let median = match (options.guard, budget.cpu_key.and_then(best)) {
            (false, _) => median,
            (true, None) if budget.higher_is_better => max,
            (true, None) => min,
            (true, Some(cpu)) if budget.higher_is_better => max.max(cpu),
            (true, Some(cpu)) => min.min(cpu),
        };
        let (met, gross) = if budget.higher_is_better {
            (median >= budget.limit, median < budget.guard)
        } else {
            (median <= budget.limit, median > budget.guard)
        };
        let sign = if budget.higher_is_better { "≥" } else { "≤" };
        let verdict = match (met, gross) {
            (true, _) => "met".to_string(),
            (false, false) if budget.guard.is_infinite() => "MISSED (not guarded)".to_string(),
            (false, false) => format!("MISSED (guard: {} {})", number(budget.guard), budget.unit),
            (false, true) => format!("MISSED beyond the guard ({} {})", number(budget.guard), budget.unit),
        };
        println!(
            "  {:<28} {:>16}   budget {sign} {} {}   {verdict}",
            budget.what,
            format!("{} {}", number(median), budget.unit),
            number(budget.limit),
            budget.unit
        );
        if gross {
            missed.push(format!(
                "{} ({} {}, guard {})",
                budget.what,
                number(median),
                budget.unit,
                number(budget.guard)
            ));
        }
    }
    missed
}

/// Three significant figures, thousands separated.
fn number(value: f64) -> String {
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

/// The machine the figures come from.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("machine: {model}, {cores} cores, {memory:.0} GiB")
}
