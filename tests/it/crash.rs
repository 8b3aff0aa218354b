//! Polls that share a commit (group commit) survive SIGKILL whole or not
//! at all: a real daemon polling real feeds is killed at random moments
//! of its polling, again and again, and after each kill every source's
//! stored items are exactly those of one version of its feed (the one its
//! stored ETag names) or none, the notification outbox holds exactly one
//! row per stored item, and search finds exactly the stored items. A last
//! run, not killed, stores every feed's latest version: polls that were
//! lost are fetched again.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Reply, Server, daemon, rss, write_config};

const SOURCES: usize = 40;
const KILLS: usize = 55;
/// The whole test, kills and checks, must end within this.
const BOUND: Duration = Duration::from_secs(300);

/// Feed `source` at `version`: its first items plus one more per version.
fn items(source: usize, version: usize) -> Vec<String> {
    (0..20 + version).map(|k| format!("s{source}-{k}")).collect()
}

fn publish(server: &Server, source: usize, version: usize) {
    let guids = items(source, version);
    let entries: Vec<(String, String, String)> = guids
        .iter()
        .map(|g| {
            (
                g.clone(),
                format!("Police break up a human trafficking ring, report {g}"),
                format!("https://news{source}.example/{g}"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let reply = Reply::feed(rss(&format!("Source {source}"), &borrowed)).with_etag(&format!("\"{source}-{version}\""));
    server.set(&format!("/s{source}"), reply);
}

/// Every request the feeds have answered so far.
fn requests(server: &Server) -> usize {
    (0..SOURCES).map(|i| server.requests(&format!("/s{i}")).len()).sum()
}

/// What the database holds for each source: the version its stored ETag
/// names (if any) and its items' guids; and whether the outbox holds
/// exactly one row per stored item.
struct Stored {
    versions: Vec<Option<usize>>,
    items: Vec<BTreeSet<String>>,
    outbox_rows: i64,
    items_without_row: i64,
    rows_without_item: i64,
}

fn read(database: &Path) -> Stored {
    let conn = rusqlite::Connection::open(database).unwrap();
    let mut versions = vec![None; SOURCES];
    let mut items = vec![BTreeSet::new(); SOURCES];
    let mut sources = conn.prepare("SELECT id, etag FROM sources").unwrap();
    for row in sources
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
        .unwrap()
    {
        let (id, etag) = row.unwrap();
        let source: usize = id.trim_start_matches('s').parse().unwrap();
        versions[source] = etag.map(|e| e.trim_matches('"').split('-').nth(1).unwrap().parse().unwrap());
    }
    let mut stored = conn.prepare("SELECT source_id, key FROM items").unwrap();
    for row in stored
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (id, key) = row.unwrap();
        let source: usize = id.trim_start_matches('s').parse().unwrap();
        items[source].insert(key.trim_start_matches("guid:").to_string());
    }
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    Stored {
        versions,
        items,
        outbox_rows: count("SELECT count(*) FROM outbox WHERE channel = 'hook'"),
        items_without_row: count(
            "SELECT count(*) FROM items i WHERE NOT EXISTS
             (SELECT 1 FROM outbox o WHERE o.item_id = i.id AND o.channel = 'hook')",
        ),
        rows_without_item: count(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = o.item_id)",
        ),
    }
}

/// Each source wholly at one version of its feed, or with nothing; the
/// outbox one row per item. Returns how many sources have something.
fn check(database: &Path, when: &str) -> (Stored, usize) {
    let stored = read(database);
    let mut with_items = 0;
    for source in 0..SOURCES {
        let expected: BTreeSet<String> = match stored.versions[source] {
            Some(version) => items(source, version).into_iter().collect(),
            None => BTreeSet::new(),
        };
        assert_eq!(
            stored.items[source], expected,
            "{when}: source {source} holds part of a poll (its ETag names version {:?})",
            stored.versions[source]
        );
        with_items += usize::from(!expected.is_empty());
    }
    assert_eq!(
        stored.items_without_row, 0,
        "{when}: stored items without their notification"
    );
    assert_eq!(stored.rows_without_item, 0, "{when}: notifications of items not stored");
    let total: usize = stored.items.iter().map(BTreeSet::len).sum();
    assert_eq!(
        stored.outbox_rows as usize, total,
        "{when}: one notification per stored item"
    );
    assert_eq!(
        searchable(database, when),
        total,
        "{when}: search finds every stored item, only them"
    );
    (stored, with_items)
}

/// The items search finds (every stored title says "trafficking"), once
/// the index passed FTS5's own check and holds no entry of an item that
/// is not stored.
fn searchable(database: &Path, when: &str) -> usize {
    let conn = rusqlite::Connection::open(database).unwrap();
    if let Err(e) = conn.execute_batch("INSERT INTO items_search (items_search, rank) VALUES ('integrity-check', 1)") {
        panic!("{when}: the search index disagrees with the items: {e}");
    }
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM items_search_docsize WHERE id IN (SELECT id FROM items)"),
        count("SELECT count(*) FROM items_search_docsize"),
        "{when}: the index holds an item that is not stored"
    );
    count("SELECT count(*) FROM items_search WHERE items_search MATCH 'trafficking'") as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_killed_at_random_moments_are_stored_whole_or_fetched_again() {
    let began = Instant::now();
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut sources = String::new();
    for i in 0..SOURCES {
        sources.push_str(&format!(
            "[sources.s{i}]\nurl = \"{}\"\n",
            server.url(&format!("/s{i}"))
        ));
    }
    // Every new item is announced (the baseline too), to a webhook that
    // never answers: its rows stay in the outbox, where they are counted.
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"crash.db\"\n\
         [poll]\nschedule = \"* * * * * *\"\nhost_interval = \"0s\"\n\
         [tags.trafficking]\nterms = [\"human traffick*\"]\n\
         [notify.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\nnotify_backlog = true\n\n{sources}"
    );
    let config = write_config(dir.path(), &text);
    let database = dir.path().join("crash.db");
    let mut versions = vec![0; SOURCES];
    for (i, version) in versions.iter().enumerate() {
        publish(&server, i, *version);
    }
    let mut rng = fastrand::Rng::with_seed(20);
    let mut partial = 0;
    for kill in 0..KILLS {
        // Some feeds gain an item before each run.
        let mut changed = Vec::new();
        for (i, version) in versions.iter_mut().enumerate() {
            if rng.bool() {
                *version += 1;
                publish(&server, i, *version);
                changed.push(i);
            }
        }
        let (mut daemon, _addr, logs) = daemon::start(&config);
        // A random moment of the polling: after a random number of the
        // run's requests, then a random few milliseconds more.
        let target = requests(&server) + rng.usize(0..=SOURCES);
        let deadline = Instant::now() + daemon::DEADLINE;
        while requests(&server) < target && Instant::now() < deadline {
            let _ = logs.recv_timeout(Duration::from_millis(1));
        }
        let _ = logs.recv_timeout(Duration::from_micros(rng.u64(0..30_000)));
        daemon.0.kill().unwrap();
        daemon.0.wait().unwrap();
        let (stored, _) = check(&database, &format!("after kill {}", kill + 1));
        let latest = changed
            .iter()
            .filter(|&&i| stored.versions[i] == Some(versions[i]))
            .count();
        partial += usize::from(latest > 0 && latest < changed.len());
        assert!(began.elapsed() < BOUND, "the kills took longer than {BOUND:?}");
    }
    // Not killed: every feed's latest version ends up stored, the polls
    // lost above fetched again in full.
    let (mut daemon, _addr, _logs) = daemon::start(&config);
    let deadline = Instant::now() + daemon::DEADLINE;
    loop {
        let stored = read(&database);
        if (0..SOURCES).all(|i| stored.versions[i] == Some(versions[i])) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every feed's latest version was stored: {:?}",
            stored.versions
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _) = daemon::stop(&mut daemon, "-TERM");
    assert!(status.success(), "{status}");
    let (_, with_items) = check(&database, "after the last run");
    assert_eq!(with_items, SOURCES);
    println!("{KILLS} kills, {partial} of them between the polls of a run: some changed feeds stored, others not");
}
