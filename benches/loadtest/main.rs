//! The load test: a real thbwatch daemon (the release binary, as a child
//! process) polling N synthetic ministry feeds of M items served by an
//! in-process HTTP server on as many loopback addresses (127.1.x.y), so
//! per-host politeness never serialises them, then serving `/feed.atom`
//! to 50 keep-alive clients. It prints every figure the budgets in
//! docs/benchmarks.md name, with the budget beside it:
//!
//! - poll cycles: the first (all new), one where every feed answers 304,
//!   one where every feed has a few new items; items/s ingested;
//! - the in-process chain parse → normalise → tag → store on all cores,
//!   feed-rs alone on the same documents, and the floor: feed-rs with the
//!   plainest rusqlite writer, with and without its search index
//!   (`-- --in-process` measures these alone);
//! - `/feed.atom` requests/s and p50/p99 latency, with and without gzip,
//!   with and without a matching ETag;
//! - the daemon's resident memory: after the first cycle, steady, peak,
//!   and where it is; the daemon started with the systemd unit's
//!   `Environment=` settings (as deployed; the budget judges this one),
//!   then a second daemon from the same seeded database with glibc's
//!   allocator defaults, for comparison;
//! - start-up to systemd's `READY=1` with 100,000 stored items.
//!
//! `cargo bench --bench loadtest` runs it with the defaults (1,000 sources
//! × 50 items, 3 runs; medians with min and max). `-- --help` lists the
//! options. `-- --guard` is the CI guard: one shorter run that fails only
//! when a figure misses its budget by more than 3×.
//!
//! Modules: the options; the synthetic feeds as served (`feeds`); the
//! daemon's poll cycles and start-up (`cycles`); the in-process chain and
//! tagging (`seed`); `/feed.atom` under load (`serving`); newsboat side by
//! side; the floor (`support/floor.rs`); the daemon's environment
//! (`unit`); what a process uses (`measure`); the figures (`report`) and
//! the budgets with the CI guard (`guard`). The HTTP server and the daemon
//! as a child process are the tests' own (`tests/support/`).

mod cycles;
mod feeds;
mod guard;
mod measure;
mod newsboat;
mod options;
mod report;
mod seed;
mod serving;
mod unit;

#[path = "../support/chain.rs"]
mod chain;
#[path = "../../tests/support/daemon.rs"]
mod daemon;
#[path = "../support/floor.rs"]
mod floor;
#[path = "../../tests/support/http.rs"]
mod http;
#[path = "../support/synthetic.rs"]
mod synthetic;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use thbwatch::config::Config;

use crate::cycles::Running;
use crate::feeds::Feeds;
use crate::measure::{cores, cpu_seconds, machine, resident, rss, written_bytes};
use crate::options::{Options, check_open_files};
use crate::report::Figures;
use crate::serving::{Case, load};
use crate::unit::Setup;

/// The most runs the guard makes before it fails a figure.
const GUARD_RUNS: usize = 3;
/// How long after its last cycle the daemon's memory counts as steady.
const STEADY_AFTER: Duration = Duration::from_secs(8);
/// A schedule that never fires during a run: cycles are started by
/// SIGHUP. A reload polls every source at once, as the start-up does,
/// through the same dispatcher and fetcher a cron tick uses (the reload's
/// own work, rules and jobs replaced, comes before the first request and
/// is not counted).
const NEVER: &str = "0 0 29 2 *";

fn main() {
    let options = Options::parse();
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
    if options.in_process {
        for run in 1..=options.runs {
            println!("run {run}");
            runtime.block_on(in_process_only(&options, &mut figures));
        }
        report::print(&figures);
        guard::judge(&options, &figures);
        return;
    }
    let unit = Setup::unit();
    let defaults = Setup::glibc_defaults(&unit);
    println!("daemon: {}; for memory also {}", unit.describe(), defaults.describe());
    let mut runs = 0;
    let missed = loop {
        let mut last_database = None;
        for _ in 0..options.runs {
            runs += 1;
            println!("run {runs}");
            // The last run's database (100,000 items and more) is kept for
            // the start-up measurement.
            drop(last_database.take());
            last_database = Some(runtime.block_on(one_run(&options, &mut figures, &unit, &defaults)));
        }
        let (dir, database, feeds) = last_database.expect("at least one run");
        for _ in 0..options.runs.max(3) {
            figures.add(
                "startup",
                cycles::startup_to_ready(dir.path(), &database, &unit).as_secs_f64() * 1000.0,
            );
        }
        drop(feeds);
        for _ in 0..3 {
            figures.add("tagging", seed::tagging_mb_per_s());
        }
        report::print(&figures);
        let mut missed = guard::judge(&options, &figures);
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

/// One daemon set up as the unit says, from an empty database: seed,
/// cycles, serving, memory; then the same cycles and memory from a copy of
/// the seeded database with glibc's defaults. Returns the run's directory
/// and the first daemon's database, and its feeds (kept up for the
/// start-up measurement, whose daemon polls them).
async fn one_run(
    options: &Options,
    figures: &mut Figures,
    unit: &Setup,
    defaults: &Setup,
) -> (tempfile::TempDir, PathBuf, Feeds) {
    let dir = tempfile::tempdir().unwrap();
    let epoch = Utc::now() - chrono::Duration::days(2);
    let mut feeds = Feeds::serve(options, epoch).await;
    let urls: Vec<String> = (0..options.sources).map(|i| feeds.url(i)).collect();
    let sources = synthetic::sources(urls.iter().cloned());
    let database = dir.path().join("thbwatch.db");
    let config_path = dir.path().join("config.toml");
    // Both daemons poll the same sources, each into its own database.
    let write_config = |path: &std::path::Path, database: &std::path::Path| {
        let text = synthetic::config(
            &sources,
            "127.0.0.1:0",
            database.to_str().unwrap(),
            &[("schedule", NEVER)],
        );
        std::fs::write(path, text).unwrap();
    };
    write_config(&config_path, &database);
    let config = Config::load(&config_path).unwrap();
    // The second daemon's database and configuration, beside the first's.
    let second = dir.path().join("defaults");
    std::fs::create_dir(&second).unwrap();
    let second_database = second.join("thbwatch.db");
    let second_config = second.join("config.toml");
    write_config(&second_config, &second_database);

    // The store starts with each source's older items: after the first
    // cycle it holds twice as many (100,000 for 1,000 x 50).
    in_process(&config, options, figures, epoch).await;

    // The store is closed (checkpointed): the database is one file.
    std::fs::copy(&database, &second_database).unwrap();

    feeds.start_cycle();
    let mut daemon = Running::start(&config_path, unit, None);
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
        && let Some((elapsed, stored)) = newsboat::reload(&urls)
    {
        let ratio = first.elapsed.as_secs_f64() / elapsed.as_secs_f64();
        println!(
            "  newsboat's first reload (8 threads) of the same feeds: {:.2} s, {stored} items; thbwatch's first cycle is {ratio:.3} of it",
            elapsed.as_secs_f64()
        );
        figures.add("newsboat", elapsed.as_secs_f64());
        figures.add("newsboat ratio", ratio);
    }

    repeated_cycles(&mut daemon, &mut feeds, options, figures, true);
    let (steady, cycles_peak) = steady_memory(&daemon, unit.name).await;
    figures.add("rss steady", steady);
    figures.add("rss cycles peak", cycles_peak);

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

    // The same cycles from the same seeded database, with glibc's defaults.
    feeds.reset();
    feeds.start_cycle();
    let mut daemon = Running::start(&second_config, defaults, None);
    let first = daemon.cycle(&feeds, options.sources, "ok");
    figures.add("unexpected", first.unexpected as f64);
    let after_first = rss(daemon.pid()).0;
    figures.add("rss first defaults", after_first);
    repeated_cycles(&mut daemon, &mut feeds, options, figures, false);
    let (steady, peak) = steady_memory(&daemon, defaults.name).await;
    figures.add("rss steady defaults", steady);
    figures.add("rss cycles peak defaults", peak);
    println!(
        "  daemon RSS with {}: {after_first:.1} MiB after the first cycle ({:.2} s), {steady:.1} steady, {peak:.1} peak",
        defaults.name,
        first.elapsed.as_secs_f64()
    );
    daemon.stop();
    std::fs::remove_dir_all(&second).unwrap();
    (dir, database, feeds)
}

/// `--in-process`: the in-process figures alone, no daemon, the sources'
/// addresses never requested.
async fn in_process_only(options: &Options, figures: &mut Figures) {
    let dir = tempfile::tempdir().unwrap();
    let sources = synthetic::sources((0..options.sources).map(|i| format!("https://source{i}.example.org/rss.xml")));
    let database = dir.path().join("thbwatch.db");
    let text = synthetic::config(
        &sources,
        "127.0.0.1:0",
        database.to_str().unwrap(),
        &[("schedule", NEVER)],
    );
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, text).unwrap();
    let config = Config::load(&config_path).unwrap();
    in_process(&config, options, figures, Utc::now() - chrono::Duration::days(2)).await;
}

/// The in-process figures (`seed`): the chain seeding the store at
/// `config`'s path, feed-rs alone and the floor on the same documents;
/// printed and added to `figures`.
async fn in_process(config: &Config, options: &Options, figures: &mut Figures, epoch: chrono::DateTime<Utc>) {
    let measured = seed::seed(config, options.items, epoch).await;
    let (ingest, parse) = (&measured.ingest, &measured.feed_rs);
    figures.add("ingest cpu", ingest.cpu_rate());
    figures.add("ingest", ingest.rate());
    figures.add("feed-rs", parse.rate());
    figures.add("feed-rs cpu", parse.cpu_rate());
    figures.add("ingest/feed-rs", ingest.rate() / parse.rate());
    println!(
        "  in-process ingest of {} older items on all cores: {:.0} items/s ({:.0} from CPU time); \
         feed-rs alone parses the same documents at {:.0} items/s ({:.0} from CPU time; the ingest is {:.2} of it)",
        ingest.items,
        ingest.rate(),
        ingest.cpu_rate(),
        parse.rate(),
        parse.cpu_rate(),
        ingest.rate() / parse.rate()
    );
    let floors = [
        ("plain rows", &measured.rows, "floor rows", "floor rows cpu"),
        ("plain rows and FTS5 (ascii)", &measured.search, "floor", "floor cpu"),
    ];
    for (what, floor, key, cpu_key) in floors {
        figures.add(key, floor.rate());
        figures.add(cpu_key, floor.cpu_rate());
        println!(
            "  the floor, feed-rs and {what} on one writer thread: {:.0} items/s ({:.0} from CPU time, {:.1} µs of CPU an item)",
            floor.rate(),
            floor.cpu_rate(),
            floor.cpu / floor.items as f64 * 1e6
        );
    }
}

/// Steady: idle after the cycles (idle connections closed, memory
/// returned), the stored items all in place. Prints the daemon's resident
/// memory by kind and gives its RSS and its peak so far, in MiB.
async fn steady_memory(daemon: &Running, setup: &str) -> (f64, f64) {
    tokio::time::sleep(STEADY_AFTER).await;
    let figures = rss(daemon.pid());
    println!("  steady with {setup}: {}", resident(daemon.pid()));
    figures
}

/// The 304 cycles, then the few-new ones, each started by SIGHUP; their
/// times are figures when `timed` (the first daemon's).
fn repeated_cycles(daemon: &mut Running, feeds: &mut Feeds, options: &Options, figures: &mut Figures, timed: bool) {
    for _ in 0..options.cycles {
        feeds.start_cycle();
        daemon.signal("-HUP");
        let unchanged = daemon.cycle(feeds, options.sources, "not modified");
        println!(
            "  304 cycle: {:.3} s (RSS {:.1} MiB)",
            unchanged.elapsed.as_secs_f64(),
            rss(daemon.pid()).0
        );
        if timed {
            figures.add("304", unchanged.elapsed.as_secs_f64());
        }
        figures.add("unexpected", unchanged.unexpected as f64);
    }
    for _ in 0..options.cycles {
        feeds.update();
        feeds.start_cycle();
        daemon.signal("-HUP");
        let partial = daemon.cycle(feeds, options.sources, "ok");
        println!(
            "  few-new cycle: {:.3} s, {} new items",
            partial.elapsed.as_secs_f64(),
            partial.new
        );
        if timed {
            figures.add("partial", partial.elapsed.as_secs_f64());
        }
        figures.add("unexpected", partial.unexpected as f64);
    }
}
