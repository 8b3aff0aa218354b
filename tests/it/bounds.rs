//! What a crowd of clients cannot do to the server, against the real
//! daemon (a child process) and the real server on 127.0.0.1: idle
//! connections beyond the open-files limit do not lock out `/healthz` or
//! polling, a burst of uncached searches stays within a memory bound, an
//! external write lock does not stall reads, and slow, idle and surplus
//! connections are closed as they should be; long searches, spoofing
//! titles and framing are refused (that one with the daemon in the test's
//! process). Figures are printed, never timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, Launch, open_files, peak_rss_bytes, rss_bytes, start, stop, wait_until_polled};
use crate::support::service::Service;
use crate::support::{Reply, Server, write_config};
use axum::Router;
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// Idle connections opened against a daemon limited to 1,024 open files.
const CROWD: usize = 1_100;
/// Concurrent uncached searches.
const SEARCHES: usize = 250;
/// Peak resident memory allowed while they are answered.
const SEARCH_PEAK_BOUND: u64 = 128 << 20;

/// An RSS feed of `items` items with a paragraph of text each, all about
/// human trafficking (so every search for it finds every item).
fn long_feed(source: usize, items: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Ministry</title><link>https://example.org/</link>\n",
    );
    for i in 0..items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">s{source}-{i}</guid><title>Case {source}-{i}: police act against human trafficking</title>\
             <link>https://example.org/{source}/{i}</link><description>&lt;p&gt;{}&lt;/p&gt;</description></item>\n",
            "Border guards and labour inspectors met to discuss cooperation against human trafficking and forced labour in the region. "
                .repeat(5)
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

fn daemon_config(dir: &std::path::Path, server: &Server, sources: usize, schedule: &str) -> std::path::PathBuf {
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"t.db\"\n\
         [poll]\nschedule = \"{schedule}\"\nhost_interval = \"0s\"\n\
         [tags.trafficking]\nterms = [\"human trafficking\"]\n"
    );
    for n in 0..sources {
        text.push_str(&format!(
            "[sources.s{n}]\nurl = \"{}\"\n",
            server.url(&format!("/s{n}"))
        ));
    }
    write_config(dir, &text)
}

/// A client with no connection pool: every request opens a connection,
/// as a new visitor's does.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Keeps `count` connections open that send nothing; each one the server
/// closes is opened again (after a pause). Returns how many the server
/// closed so far.
fn crowd(addr: &str, count: usize, stop: &CancellationToken) -> (Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (open, closed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    for _ in 0..count {
        let (addr, stop, open, closed) = (addr.to_string(), stop.clone(), open.clone(), closed.clone());
        tokio::spawn(async move {
            while !stop.is_cancelled() {
                let Ok(mut stream) = TcpStream::connect(&addr).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                open.fetch_add(1, Ordering::SeqCst);
                let mut byte = [0u8; 1];
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = stream.read(&mut byte) => {}
                }
                open.fetch_sub(1, Ordering::SeqCst);
                closed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }
    (open, closed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(can_open_many_files),
    ignore = "needs a hard open-files limit of 2048: raise `ulimit -Hn`"
)]
async fn idle_connections_cannot_lock_out_healthz_or_polling() {
    // The crowd's sockets are this process's open files too.
    let needed = CROWD as u64 + 256;
    let raised = rlimit::increase_nofile_limit(needed).unwrap_or(0);
    assert!(
        raised >= needed,
        "this test opens {needed} files, and the limit stays at {raised}: raise `ulimit -Hn`"
    );
    let server = Server::start().await;
    server.set("/s0", Reply::feed(long_feed(0, 5)));
    let dir = tempfile::tempdir().unwrap();
    let config = daemon_config(dir.path(), &server, 1, "*/2 * * * * *");
    let (mut daemon, addr, logs) = Launch::new(&config).open_files(1024).start();
    wait_until_polled(&addr, 1).await;

    let stop_crowd = CancellationToken::new();
    let (open, closed) = crowd(&addr, CROWD, &stop_crowd);
    let started = Instant::now();
    while open.load(Ordering::SeqCst) + closed.load(Ordering::SeqCst) < CROWD {
        assert!(started.elapsed() < DEADLINE, "the crowd could not connect");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The daemon takes them all on, closing the surplus beyond its cap.
    while closed.load(Ordering::SeqCst) < CROWD - 1024 {
        assert!(
            started.elapsed() < DEADLINE,
            "only {} of the crowd's connections were closed: the daemon cannot be holding {CROWD} under 1,024 open files",
            closed.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrived = chrono::Utc::now();
    let client = fresh_client();
    for _ in 0..5 {
        let health = client.get(format!("http://{addr}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let files = open_files(&daemon);
        assert!(files < 1024, "{files} files open under a limit of 1,024");
    }
    // A poll that started after the crowd arrived succeeds.
    loop {
        let body = client
            .get(format!("http://{addr}/sources.json"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let last_success = json["sources"][0]["last_success"].as_str().map(str::to_string);
        let after = last_success
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .is_some_and(|t| t > arrived);
        if after {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE * 2,
            "no poll succeeded with the crowd there: {json:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let evicted = closed.load(Ordering::SeqCst);
    println!(
        "{CROWD} idle connections under 1,024 open files: {evicted} closed by the daemon so far, {} files open, /healthz and a poll fine",
        open_files(&daemon)
    );

    // Stopping does not wait for the idle connections.
    let (status, _) = stop(&mut daemon, "-TERM");
    stop_crowd.cancel();
    assert!(status.success(), "{status:?}");
    let lines: Vec<String> = logs.try_iter().collect();
    assert!(
        !lines.iter().any(|l| l.contains("abandoned")),
        "nothing waited for the drain deadline:\n{}",
        lines.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_uncached_searches_stays_within_its_memory_bound() {
    let server = Server::start().await;
    for n in 0..4 {
        server.set(&format!("/s{n}"), Reply::feed(long_feed(n, 500)));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = daemon_config(dir.path(), &server, 4, "0 0 1 1 *");
    let (daemon, addr, _logs) = start(&config);
    wait_until_polled(&addr, 4).await;
    let resting = rss_bytes(&daemon);

    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..SEARCHES {
        // Each search differs (by letter case): none is answered from
        // another's rendering.
        let q: String = "trafficking"
            .chars()
            .enumerate()
            .map(|(bit, c)| if i >> bit & 1 == 1 { c.to_ascii_uppercase() } else { c })
            .collect();
        let (client, url) = (client.clone(), format!("http://{addr}/all.atom?q={q}"));
        tasks.push(tokio::spawn(async move {
            let response = client
                .get(url)
                .header("accept-encoding", "gzip, br")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let retry_after = response.headers().contains_key("retry-after");
            let body = response.bytes().await.unwrap();
            (status, retry_after, body.len())
        }));
    }
    let (mut answered, mut busy) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            (200, _, size) => {
                assert!(size > 10_000, "a whole page of results ({size} bytes)");
                answered += 1;
            }
            (503, true, _) => busy += 1,
            other => panic!("a search answered {other:?}"),
        }
    }
    let peak = peak_rss_bytes(&daemon);
    let after = rss_bytes(&daemon);
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    println!(
        "{SEARCHES} concurrent uncached searches: {answered} answered, {busy} told to retry; \
         RSS {:.0} MiB at rest, peak {:.0} MiB, {:.0} MiB just after",
        mib(resting),
        mib(peak),
        mib(after)
    );
    assert!(answered > 0);
    assert!(
        peak < SEARCH_PEAK_BOUND,
        "peak {:.0} MiB over the bound of {:.0} MiB",
        mib(peak),
        mib(SEARCH_PEAK_BOUND)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_write_lock_does_not_stall_reads() {
    let server = Server::start().await;
    server.set("/s0", Reply::feed(long_feed(0, 20)));
    let dir = tempfile::tempdir().unwrap();
    // Polls every 2 s: writes keep coming while the lock is held.
    let config = daemon_config(dir.path(), &server, 1, "*/2 * * * * *");
    let (mut daemon, addr, logs) = start(&config);
    wait_until_polled(&addr, 1).await;

    let database = dir.path().join("t.db");
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(database).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        // The scenario itself: another process holding the write lock.
        std::thread::sleep(Duration::from_secs(10));
        conn.execute_batch("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();
    let client = fresh_client();
    // A generous deadline for each answer, not a latency figure.
    let answer = |path: &'static str| {
        let (client, url) = (client.clone(), format!("http://{addr}{path}"));
        async move {
            let response = tokio::time::timeout(Duration::from_secs(5), client.get(url).send())
                .await
                .unwrap_or_else(|_| panic!("{path} did not answer while another process held the write lock"))
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
        }
    };
    let mut rounds = 0;
    while !holder.is_finished() {
        answer("/healthz").await;
        answer("/feed.atom").await;
        answer("/all.json?q=police").await;
        answer("/metrics").await;
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    holder.join().unwrap();
    println!("{rounds} rounds of reads answered during a 10 s external write lock");
    // The lock did hold the writer up (else this proved nothing).
    let (status, _) = stop(&mut daemon, "-TERM");
    assert!(status.success());
    let lines: Vec<String> = logs.try_iter().collect();
    assert!(
        lines.iter().any(|l| l.contains("database is locked")),
        "a write waited for the lock:\n{}",
        lines.join("\n")
    );
}

/// A real server on 127.0.0.1 with the given limits, serving `/` and a
/// `/slow` page that answers when `release` is notified.
async fn small_server(
    limits: thbwatch::server::Limits,
) -> (
    String,
    CancellationToken,
    tokio::task::JoinHandle<()>,
    Arc<tokio::sync::Notify>,
) {
    let release = Arc::new(tokio::sync::Notify::new());
    let waiting = release.clone();
    let router = Router::new().route("/", get(|| async { "ok" })).route(
        "/slow",
        get(move || {
            let waiting = waiting.clone();
            async move {
                waiting.notified().await;
                "finally"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let served = tokio::spawn(async move {
        thbwatch::server::serve(listener, router, limits, token).await.unwrap();
    });
    (addr, shutdown, served, release)
}

/// Sends a request and reads its response (to the end of its body).
async fn exchange(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(DEADLINE, stream.read(&mut buffer))
            .await
            .expect("a response")
            .unwrap();
        response.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&response).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        assert!(n > 0, "the connection closed mid-response: {text}");
    }
}

/// Whether the server closes the connection (reads end) before the deadline.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 256];
    loop {
        match tokio::time::timeout(DEADLINE, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn slow_headers_and_idle_keep_alives_are_closed() {
    let limits = thbwatch::server::Limits {
        max_connections: 8,
        request_head: Duration::from_millis(300),
    };
    let (addr, _shutdown, _served, _release) = small_server(limits).await;
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: te").await.unwrap();
    assert!(closed_by_server(&mut slow).await, "a head never finished is cut off");
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    assert!(exchange(&mut idle, "/").await.ends_with("ok"));
    assert!(
        closed_by_server(&mut idle).await,
        "an idle keep-alive connection is closed"
    );
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(
        closed_by_server(&mut silent).await,
        "a connection that never speaks is closed"
    );
}

#[tokio::test]
async fn at_the_cap_the_longest_idle_connection_makes_room_and_stop_closes_idle_ones_at_once() {
    let limits = thbwatch::server::Limits {
        max_connections: 3,
        request_head: Duration::from_secs(600),
    };
    let (addr, shutdown, served, release) = small_server(limits).await;
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        assert!(exchange(&mut stream, "/").await.ends_with("ok"));
        idle.push(stream);
    }
    let mut busy = TcpStream::connect(&addr).await.unwrap();
    busy.write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    // The cap is reached: a newcomer is answered, and the connection idle
    // the longest (the first) makes room.
    let mut newcomer = TcpStream::connect(&addr).await.unwrap();
    assert!(exchange(&mut newcomer, "/").await.ends_with("ok"));
    assert!(closed_by_server(&mut idle[0]).await, "the longest idle makes room");

    // Stop: idle connections close at once; the busy one gets its answer.
    shutdown.cancel();
    assert!(closed_by_server(&mut idle[1]).await);
    assert!(closed_by_server(&mut newcomer).await);
    assert!(!served.is_finished(), "a response is still owed");
    release.notify_one();
    let mut rest = String::new();
    tokio::time::timeout(DEADLINE, busy.read_to_string(&mut rest))
        .await
        .expect("the busy connection ends")
        .unwrap();
    assert!(rest.ends_with("finally"), "{rest}");
    tokio::time::timeout(DEADLINE, served)
        .await
        .expect("the server stops")
        .unwrap();
}

/// The characters that would spoof how a title displays.
const HIDDEN: [char; 6] = ['\u{202E}', '\u{202C}', '\u{2066}', '\u{2069}', '\u{200F}', '\u{FEFF}'];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_searches_are_refused_spoofed_titles_mended_and_pages_locked_down() {
    let server = Server::start().await;
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>\u{FEFF}\u{202E}Ministry\u{202C}</title>\
                <link>https://example.org/</link><item><guid isPermaLink=\"false\">a</guid>\
                <title>\u{202E}esac\u{202C} human trafficking case \u{2066}in Riga\u{2069}\u{200F}</title>\
                <link>https://example.org/a</link></item></channel></rss>";
    server.set("/s0", Reply::feed(feed));
    let dir = tempfile::tempdir().unwrap();
    let config = daemon_config(dir.path(), &server, 1, "0 0 1 1 *");
    let daemon = Service::start(&config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, 1).await;
    let client = fresh_client();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("http://{addr}{path}");
        async move { client.get(url).send().await.unwrap() }
    };

    let huge = "a".repeat(50_000);
    let refused = get(format!("/all.atom?q={huge}")).await;
    assert_eq!(refused.status(), 400);
    let text = refused.text().await.unwrap();
    assert!(text.contains("q= is 50000 characters long; at most 256"), "{text}");
    assert_eq!(get(format!("/all.atom?q={}", "a".repeat(256))).await.status(), 200);

    for path in [
        "/feed.atom",
        "/feed.json",
        "/",
        "/sources.json",
        "/all.atom?q=trafficking",
    ] {
        let response = get(path.to_string()).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff", "{path}");
        let is_html = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html");
        if is_html {
            let csp = response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(
                csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
                "{csp}"
            );
            assert_eq!(response.headers()["x-frame-options"], "DENY");
            assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        }
        let body = response.text().await.unwrap();
        assert!(!body.contains(HIDDEN), "{path} carries a hidden control: {body:?}");
        if path != "/sources.json" {
            assert!(body.contains("esac human trafficking case in Riga"), "{path}: {body}");
        }
        if path.contains("feed.") || path.contains("?q=") {
            assert!(
                body.contains("Ministry"),
                "the source's name, from its feed: {path}: {body}"
            );
        }
    }
    let missing = get("/nothing-here".to_string()).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-content-type-options"], "nosniff");
    daemon.stop().await;
}
