//! thbwatch as a systemd service, with the real binary as a child process:
//! a Unix datagram socket stands in for systemd's `NOTIFY_SOCKET` (READY,
//! WATCHDOG, RELOADING, STOPPING); SIGHUP reloads a valid file and refuses
//! a broken one; `/readyz`. With the daemon in the test's process:
//! `/metrics`, and `backup` while polling. Retention with tombstones; and
//! the unit file checked by `systemd-analyze`.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, Launch, send_signal, start, stop, wait_for_line, wait_until_polled};
use crate::support::service::Service;
use crate::support::{Reply, Server, fixture, rss, thbwatch, tools, write_config};
use thbwatch::commands;
use thbwatch::config::Config;

const TAGS: &str = "[tags.trafficking]\nterms = [\"human traffick*\"]\n";

fn config_text(server: &Server, extra_sources: &str, extra: &str) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n\
         [sources.cbss]\nurl = \"{}\"\n{extra_sources}{TAGS}{extra}",
        server.url("/cbss")
    )
}

async fn get_text(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Every datagram the daemon sends within `within`.
fn datagrams(socket: &UnixDatagram, until: impl Fn(&[String]) -> bool, within: Duration) -> Vec<String> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !until(&got) {
        let left = within.saturating_sub(started.elapsed());
        assert!(!left.is_zero(), "no matching message; got {got:#?}");
        socket.set_read_timeout(Some(left)).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread")]
async fn systemd_hears_ready_watchdog_reloading_and_stopping() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &config_text(&server, "", ""));
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let (mut daemon, addr, _logs) = Launch::new(&config)
        .env("NOTIFY_SOCKET", socket_path.to_str().unwrap())
        .env("WATCHDOG_USEC", "400000")
        .start();
    let ready = datagrams(&socket, |got| got.iter().any(|m| m.starts_with("READY=1")), DEADLINE);
    // READY comes once the listener answers.
    let health = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        ready
            .iter()
            .any(|m| m.contains("STATUS=watching 1 source with 1 tag; 0 notification channels")),
        "{ready:?}"
    );
    // Every 200 ms (half of WATCHDOG_USEC): timed between the pings themselves.
    datagrams(&socket, |got| got.iter().any(|m| m == "WATCHDOG=1"), DEADLINE);
    let first = Instant::now();
    let pings = datagrams(
        &socket,
        |got| got.iter().filter(|m| *m == "WATCHDOG=1").count() >= 5,
        DEADLINE,
    );
    let took = first.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(10),
        "{took:?} for {pings:?}"
    );
    assert_eq!(
        reqwest::get(format!("http://{addr}/readyz")).await.unwrap().status(),
        200
    );

    send_signal(&daemon, "-HUP");
    datagrams(
        &socket,
        |got| got.iter().any(|m| m.starts_with("RELOADING=1")),
        DEADLINE,
    );
    datagrams(&socket, |got| got.iter().any(|m| m.starts_with("READY=1")), DEADLINE);

    let (status, _) = stop(&mut daemon, "-TERM");
    assert_eq!(status.code(), Some(0));
    let rest = datagrams(
        &socket,
        |got| got.iter().any(|m| m.starts_with("STOPPING=1")),
        Duration::from_secs(5),
    );
    assert!(rest.iter().any(|m| m.starts_with("STOPPING=1")));
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_applies_a_valid_file_and_refuses_a_broken_one() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/lv", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &config_text(&server, "", ""));
    let (mut daemon, addr, logs) = start(&config);
    wait_until_polled(&addr, 1).await;
    let feed = get_text(&format!("http://{addr}/feed.atom")).await;
    assert!(!feed.contains("term=\"forced-labour\""));

    // A new source and a new tag: polled and applied without a restart.
    let lv = format!("[sources.lv]\nurl = \"{}\"\n", server.url("/lv"));
    let more_tags = "[tags.forced-labour]\nterms = [\"forced labo*\"]\n";
    write_config(dir.path(), &config_text(&server, &lv, more_tags));
    send_signal(&daemon, "-HUP");
    wait_for_line(&logs, "reloaded");
    wait_until_polled(&addr, 2).await;
    let feed = get_text(&format!("http://{addr}/feed.atom")).await;
    assert!(
        feed.contains("term=\"forced-labour\""),
        "the new tag reached stored items:\n{feed}"
    );
    assert_eq!(
        reqwest::get(format!("http://{addr}/tags/forced-labour.atom"))
            .await
            .unwrap()
            .status(),
        200
    );

    // A broken file: refused with its errors; the running configuration stays.
    std::fs::write(&config, "[sources.broken]\nurl = 5\n").unwrap();
    send_signal(&daemon, "-HUP");
    let refused = wait_for_line(&logs, "sources.broken.url");
    assert!(refused.contains("reload refused"), "{refused}");
    assert_eq!(
        reqwest::get(format!("http://{addr}/sources/lv.atom"))
            .await
            .unwrap()
            .status(),
        200
    );
    let (status, _) = stop(&mut daemon, "-TERM");
    assert_eq!(status.code(), Some(0));
}

/// A reload that brings more cron jobs than the scheduler has room for
/// moves to a roomier one (the old one shut down); the new one ticks.
#[tokio::test(flavor = "multi_thread")]
async fn a_reload_with_many_more_sources_moves_to_a_roomier_scheduler() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/ticking", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &config_text(&server, "", ""));
    let daemon = Service::start(&config).await;
    wait_until_polled(&daemon.addr, 1).await;

    // 300 sources: more jobs than a scheduler started for one has room
    // for (256). One of them is polled every second.
    let mut more = format!(
        "[sources.ticking]\nurl = \"{}\"\nschedule = \"* * * * * *\"\n",
        server.url("/ticking")
    );
    for i in 0..298 {
        // Each its own address (a query the server ignores).
        more.push_str(&format!("[sources.s{i}]\nurl = \"{}?{i}\"\n", server.url("/cbss")));
    }
    write_config(dir.path(), &config_text(&server, &more, ""));
    daemon.reload().await;
    let started = Instant::now();
    loop {
        let json: serde_json::Value =
            serde_json::from_str(&get_text(&format!("http://{}/sources.json", daemon.addr)).await).unwrap();
        if json["sources"].as_array().unwrap().len() == 300 {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "the reload was not applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_until_polled(&daemon.addr, 300).await;
    // Beyond its start-up poll: the roomier scheduler's ticks.
    let started = Instant::now();
    while server.requests("/ticking").len() < 3 {
        assert!(started.elapsed() < DEADLINE, "the new scheduler never ticked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_what_a_poll_did() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/down", Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    let down = format!("[sources.down]\nurl = \"{}\"\n", server.url("/down"));
    let config = write_config(dir.path(), &config_text(&server, &down, ""));
    let daemon = Service::start(&config).await;
    let addr = daemon.addr.clone();
    wait_until_polled(&addr, 2).await;
    // Counted just after each poll's ingest: read until both polls are in.
    let started = Instant::now();
    let text = loop {
        let response = reqwest::get(format!("http://{addr}/metrics")).await.unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let text = response.text().await.unwrap();
        if text.contains("thbwatch_fetch_duration_seconds_count 2") {
            break text;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "metrics never counted both polls:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let value = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value("thbwatch_polls_total{source=\"cbss\",outcome=\"ok\"}"), 1.0);
    assert_eq!(value("thbwatch_polls_total{source=\"down\",outcome=\"error\"}"), 1.0);
    assert_eq!(value("thbwatch_items_ingested_total"), 3.0);
    assert_eq!(value("thbwatch_items_tagged{tag=\"trafficking\"}"), 2.0);
    assert_eq!(value("thbwatch_fetch_duration_seconds_count"), 2.0);
    assert_eq!(
        value(&format!(
            "thbwatch_build_info{{version=\"{}\"}}",
            env!("CARGO_PKG_VERSION")
        )),
        1.0
    );
    assert!(value("thbwatch_source_last_success_timestamp_seconds{source=\"cbss\"}") > 1.7e9);
    // Every sample line is "name{labels} number", every family typed.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.rsplit(' ').next().unwrap().parse::<f64>().is_ok(), "{line}");
    }
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_prunes_old_untagged_items_and_keeps_them_out() {
    let server = Server::start().await;
    let items = [
        ("t1", "Human trafficking case", "https://e.example/t1"),
        ("u1", "Weather", "https://e.example/u1"),
        ("u2", "Sports", "https://e.example/u2"),
    ];
    server.set("/cbss", Reply::feed(rss("E", &items)));
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(&server, "", "").replace("path = \"thb.db\"", "path = \"thb.db\"\nretain_untagged = \"1s\"");
    let config = write_config(dir.path(), &text);
    assert!(String::from_utf8_lossy(&thbwatch(&config, &["poll"]).stdout).contains("3 new"));
    // Age is measured at the time prune is given: two seconds from now,
    // the items are older than a second.
    let later = chrono::Utc::now() + chrono::Duration::seconds(2);
    let pruned = commands::prune(&Config::load(&config).unwrap(), later).await.unwrap();
    assert_eq!((pruned.untagged, pruned.tagged), (2, 0));
    // `thbwatch prune` (now): nothing else is old enough.
    let pruned = thbwatch(&config, &["prune"]);
    assert_eq!(
        String::from_utf8_lossy(&pruned.stdout),
        "pruned 0 untagged and 0 tagged items\n"
    );
    let all = String::from_utf8_lossy(&thbwatch(&config, &["export", "--all"]).stdout).into_owned();
    assert_eq!(all.matches("<entry").count(), 1, "{all}");
    // Still in the feed, but not stored again.
    let again = String::from_utf8_lossy(&thbwatch(&config, &["poll", "--force"]).stdout).into_owned();
    assert!(again.contains("0 new"), "{again}");
    let all = String::from_utf8_lossy(&thbwatch(&config, &["export", "--all"]).stdout).into_owned();
    assert_eq!(all.matches("<entry").count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_polling_is_sound() {
    let server = Server::start().await;
    let items: Vec<(String, String, String)> = (0..300)
        .map(|i| {
            (
                format!("g{i}"),
                format!("Human trafficking report {i}"),
                format!("https://e.example/{i}"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    server.set("/cbss", Reply::feed(rss("E", &borrowed)));
    let dir = tempfile::tempdir().unwrap();
    // Polled every second while the backup runs.
    let text = config_text(&server, "", "").replace("schedule = \"0 0 1 1 *\"", "schedule = \"* * * * * *\"");
    let config = write_config(dir.path(), &text);
    let daemon = Service::start(&config).await;
    wait_until_polled(&daemon.addr, 1).await;
    let copy = dir.path().join("copy.db");
    let output = {
        let (config, copy) = (config.clone(), copy.clone());
        // Off the runtime, which the daemon polls on meanwhile.
        tokio::task::spawn_blocking(move || thbwatch(&config, &["backup", copy.to_str().unwrap()]))
            .await
            .unwrap()
    };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    daemon.stop().await;
    let db = rusqlite::Connection::open(&copy).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let items: i64 = db.query_row("SELECT count(*) FROM items", [], |r| r.get(0)).unwrap();
    assert_eq!(items, 300);
    // A second backup to the same file is refused, not overwritten.
    let again = thbwatch(&config, &["backup", copy.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[test]
#[cfg_attr(
    not(has_systemd_analyze),
    ignore = "needs systemd-analyze: run scripts/install-test-tools"
)]
fn the_unit_file_passes_systemd_analyze() {
    let systemd_analyze = tools::program(&["systemd-analyze"]);
    let unit = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/thbwatch.service")).unwrap();
    // verify checks that the programs exist: point it at the built binary.
    let unit = unit.replace("/usr/local/bin/thbwatch", env!("CARGO_BIN_EXE_thbwatch"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thbwatch.service");
    std::fs::write(&path, unit).unwrap();
    let verify = Command::new(&systemd_analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert_eq!(
        String::from_utf8_lossy(&verify.stderr),
        "",
        "systemd-analyze verify says nothing"
    );
    let security = Command::new(&systemd_analyze)
        .args(["security", "--offline=true"])
        .arg(&path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout);
    let overall = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or("")
        .to_string();
    eprintln!("{overall}");
    let score: f64 = overall
        .split("level for thbwatch.service:")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("an exposure score");
    assert!(score <= 2.0, "exposure {score}: {report}");
}

/// The unit's `Documentation=` is the project's operations guide, where the
/// documented install steps put it.
#[test]
fn the_units_documentation_is_the_installed_operations_guide() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("dist/thbwatch.service")).unwrap();
    let documentation: Vec<&str> = unit.lines().filter_map(|l| l.strip_prefix("Documentation=")).collect();
    assert_eq!(documentation, ["file:/usr/local/share/doc/thbwatch/operations.md"]);
    assert!(root.join("docs/operations.md").is_file());
    let guide = std::fs::read_to_string(root.join("docs/operations.md")).unwrap();
    assert!(
        guide.contains("sudo install -D -m 0644 -t /usr/local/share/doc/thbwatch README.md docs/*.md"),
        "the install steps put the documents where the unit points"
    );
}
