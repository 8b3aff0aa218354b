//! Health that tells the truth, with the real daemon as a child process:
//! a disk that fills under the database (a small tmpfs of its own, which
//! needs root: CI runs as root; ignored elsewhere) while a webhook receiver counts the sends
//! per idempotency key; and a database with overwritten pages, refused at
//! start or reported unhealthy.

use std::collections::HashMap;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, Launch, start, stop};
use crate::support::disk::{Tmpfs, is_full};
use crate::support::{Reply, Server, rss, source_by_id, thbwatch, write_config};

const RULES: &str = "[tags.trafficking]\nterms = [\"human traffick*\"]\n";

/// A feed of `n` tagged items, g1…gn.
fn news(n: usize) -> Reply {
    let items: Vec<(String, String, String)> = (1..=n)
        .map(|i| {
            (
                format!("g{i}"),
                format!("Human trafficking case {i}"),
                format!("https://news.example/{i}"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    Reply::feed(rss("News", &borrowed))
}

async fn get(addr: &str, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Asks `path` until `done` holds for its answer (with a deadline).
async fn wait_until(addr: &str, path: &str, what: &str, done: impl Fn(u16, &str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let (status, body) = get(addr, path).await;
        if done(status, &body) {
            return body;
        }
        assert!(
            started.elapsed() < DEADLINE * 2,
            "{path} never showed {what}; last {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of one metric line, if present.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Folds the write-ahead log into the database and empties its file, as
/// any other process may: from then on every write needs new space.
fn empty_the_log(db: &Path) {
    let wal = db.with_file_name(format!("{}-wal", db.file_name().unwrap().to_str().unwrap()));
    let conn = rusqlite::Connection::open(db).unwrap();
    let started = Instant::now();
    loop {
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .unwrap();
        if busy == 0 && std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0 {
            return;
        }
        assert!(started.elapsed() < DEADLINE, "the log could not be emptied");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Datagrams from the daemon until one satisfies `until`.
fn datagrams_until(socket: &UnixDatagram, until: impl Fn(&str) -> bool) -> Vec<String> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = (DEADLINE * 2).saturating_sub(started.elapsed());
        assert!(!left.is_zero(), "no matching message to systemd; got {got:#?}");
        socket.set_read_timeout(Some(left)).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            let message = String::from_utf8_lossy(&buf[..n]).into_owned();
            let found = until(&message);
            got.push(message);
            if found {
                return got;
            }
        }
    }
}

/// The disk under the database fills while a delivery is under way and
/// polls keep finding news. The channel sends nothing more while its
/// acknowledgement cannot be written, health says what is wrong, the
/// watchdog keeps being pinged; once space is freed, everything is
/// recorded and delivered, each item once.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(can_mount_tmpfs),
    ignore = "needs root to mount a tmpfs of its own (CI runs as root)"
)]
async fn a_full_disk_pauses_deliveries_and_health_says_so() {
    let disk = Tmpfs::mount(8 << 20);
    let feed = Server::start().await;
    feed.set("/news", news(3));
    let receiver = Server::receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let db = disk.path.join("thb.db");
    let config = write_config(
        dir.path(),
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"{}\"\n\
             [poll]\nschedule = \"*/2 * * * * *\"\nhost_interval = \"0s\"\nbackoff_base = \"1s\"\nbackoff_max = \"2s\"\n\
             [sources.news]\nurl = \"{}\"\n{RULES}\
             [notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nnotify_backlog = true\nmin_interval = \"0s\"\n",
            db.display(),
            feed.url("/news"),
            receiver.url("/hook")
        ),
    );
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    receiver.hold();
    let (mut daemon, addr, _logs) = Launch::new(&config)
        .env("NOTIFY_SOCKET", socket_path.to_str().unwrap())
        .env("WATCHDOG_USEC", "1000000")
        .start();
    // The first delivery is under way; its acknowledgement is not written yet.
    receiver.wait_for("/hook", 1).await;
    empty_the_log(&db);
    let filler = disk.fill("filler");
    assert!(is_full(&disk.path));
    feed.set("/news", news(5));
    receiver.open();

    let ready = wait_until(&addr, "/readyz", "failing writes", |status, body| {
        status == 503 && body.contains("writes failing")
    })
    .await;
    assert!(ready.starts_with("not ready: database writes failing since"), "{ready}");
    assert!(ready.contains("free space on the disk holding the database"), "{ready}");
    let sources = wait_until(&addr, "/sources.json", "the failed poll", |_, body| {
        body.contains("could not be stored")
    })
    .await;
    let news_source = source_by_id(&serde_json::from_str(&sources).unwrap(), "news");
    assert_eq!(news_source["state"], "failing", "{news_source:#}");
    assert!(
        news_source["last_error"]
            .as_str()
            .unwrap()
            .contains("database or disk is full"),
        "{news_source:#}"
    );
    // The outage lasts: several polls could not be stored.
    let metrics = wait_until(&addr, "/metrics", "three unstored polls", |_, body| {
        metric(body, "thbwatch_polls_total{source=\"news\",outcome=\"unstored\"}").is_some_and(|n| n >= 3.0)
    })
    .await;
    assert!(metric(&metrics, "thbwatch_store_errors_total{kind=\"disk_full\"}").unwrap() >= 3.0);
    assert_eq!(metric(&metrics, "thbwatch_store_writes_failing"), Some(1.0));
    // systemd hears it, and the watchdog is still pinged (a restart
    // would not empty the disk).
    datagrams_until(&socket, |m| m.contains("STATUS=database writes failing since"));
    let after = datagrams_until(&socket, |m| m == "WATCHDOG=1");
    assert!(after.iter().any(|m| m == "WATCHDOG=1"));
    assert_eq!(
        receiver.received().len(),
        1,
        "nothing more is sent while acknowledgements cannot be written"
    );

    std::fs::remove_file(filler).unwrap();
    wait_until(&addr, "/readyz", "200", |status, _| status == 200).await;
    // Every item delivered, each once.
    let started = Instant::now();
    let per_key = loop {
        let mut per_key: HashMap<String, usize> = HashMap::new();
        for request in receiver.received() {
            let key = request.headers["idempotency-key"].to_str().unwrap().to_string();
            *per_key.entry(key).or_default() += 1;
        }
        if per_key.len() == 5 {
            break per_key;
        }
        assert!(
            started.elapsed() < DEADLINE * 2,
            "not every item delivered: {per_key:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!("sends per key across the outage: {per_key:?}");
    assert!(per_key.values().all(|n| *n == 1), "a key was sent twice: {per_key:?}");
    wait_until(&addr, "/sources.json", "the source ok again", |_, body| {
        source_by_id(&serde_json::from_str(body).unwrap(), "news")["state"] == "ok"
    })
    .await;
    let metrics = get(&addr, "/metrics").await.1;
    assert_eq!(metric(&metrics, "thbwatch_store_writes_failing"), Some(0.0));
    let (status, _) = stop(&mut daemon, "-TERM");
    assert!(status.success());
    let status = thbwatch(&config, &["notify", "status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(crate::support::notify_count(&text, "hook", "delivered"), 5, "{text}");
}

/// A real database with a few hundred items, copied, with pages in its
/// middle overwritten.
fn damaged_database(dir: &Path, feed: &Server) -> std::path::PathBuf {
    let items: Vec<(String, String, String)> = (1..=300)
        .map(|i| {
            (
                format!("g{i}"),
                format!("Human trafficking case {i}: {}", "a long report ".repeat(60)),
                format!("https://news.example/{i}"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    feed.set("/news", Reply::feed(rss("News", &borrowed)));
    let config = write_config(
        dir,
        &format!(
            "[storage]\npath = \"good.db\"\n[sources.news]\nurl = \"{}\"\n{RULES}",
            feed.url("/news")
        ),
    );
    let polled = thbwatch(&config, &["poll"]);
    assert!(polled.status.success(), "{polled:?}");
    empty_the_log(&dir.join("good.db"));
    let mut bytes = std::fs::read(dir.join("good.db")).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 40, "{pages} pages");
    for b in &mut bytes[(pages / 2) * 4096..(pages / 2 + 8) * 4096] {
        *b = 0xA5;
    }
    let damaged = dir.join("damaged.db");
    std::fs::write(&damaged, bytes).unwrap();
    damaged
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_database_is_refused_at_start_or_reported_unhealthy() {
    let feed = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let damaged = damaged_database(dir.path(), &feed);
    let config_text = |wait: &str| {
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"{}\"\nstartup_check_wait = \"{wait}\"\n\
             [poll]\nschedule = \"0 0 1 1 *\"\n[sources.news]\nurl = \"{}\"\n{RULES}",
            damaged.display(),
            feed.url("/news")
        )
    };

    // Found within the start-up bound: a clear exit, which the unit does
    // not restart on.
    let config = write_config(dir.path(), &config_text("60s"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(["--config", config.to_str().unwrap(), "run"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < DEADLINE, "the daemon did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(&format!("thbwatch: database {} is damaged", damaged.display())),
        "{stderr}"
    );
    assert!(last.contains("restore a backup"), "{stderr}");

    // Checked in the background: the daemon serves what it can, alive
    // for the watchdog, not ready.
    let config = write_config(dir.path(), &config_text("0s"));
    let (mut daemon, addr, _logs) = start(&config);
    let ready = wait_until(&addr, "/readyz", "the damage", |status, body| {
        status == 503 && body.contains("damaged")
    })
    .await;
    assert!(
        ready.starts_with("not ready: the database is damaged (quick_check: "),
        "{ready}"
    );
    assert!(ready.contains("restore a backup"), "{ready}");
    assert_eq!(get(&addr, "/healthz").await.0, 200);
    let metrics = get(&addr, "/metrics").await.1;
    assert_eq!(metric(&metrics, "thbwatch_store_damaged"), Some(1.0), "{metrics}");
    assert!(metric(&metrics, "thbwatch_store_errors_total{kind=\"damaged\"}").unwrap() >= 1.0);
    stop(&mut daemon, "-TERM");
}
