//! `thbwatch run` as a real child process: it polls a loopback feed
//! server at start-up, serves `/feed.atom`, and exits 0 on SIGTERM.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, start, stop};
use crate::support::{Reply, Server, TAGS, fixture, write_config};

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_serves_tagged_items_and_stops_cleanly_on_sigterm() {
    let server = Server::start().await;
    server.set("/cbss", Reply::feed(fixture("cbss.xml")));
    server.set("/lv", Reply::feed(fixture("lv-interior.xml")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[poll]\nschedule = \"0 0 * * *\"\n\n\
         [sources.cbss]\nurl = \"{}\"\n\n[sources.lv]\nurl = \"{}\"\n{TAGS}",
        server.url("/cbss"),
        server.url("/lv")
    );
    let config = write_config(dir.path(), &text);
    let (mut daemon, addr, logs) = start(&config);

    // The start-up polls run in the background: read /all.atom until both
    // sources' items are in (3 + 2, the shared article once), or the deadline.
    let client = reqwest::Client::new();
    let fetch = |path: &'static str| {
        let (client, addr) = (client.clone(), addr.clone());
        async move {
            let response = client.get(format!("http://{addr}{path}")).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let headers = response.headers().clone();
            (
                headers,
                feed_rs::parser::parse(&response.bytes().await.unwrap()[..]).unwrap(),
            )
        }
    };
    let started = Instant::now();
    while fetch("/all.atom").await.1.entries.len() < 4 {
        assert!(started.elapsed() < DEADLINE, "the start-up polls did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (headers, feed) = fetch("/feed.atom").await;
    assert_eq!(headers["content-type"], "application/atom+xml; charset=utf-8");
    let titles: Vec<String> = feed.entries.iter().map(|e| e.title.clone().unwrap().content).collect();
    assert_eq!(
        feed.entries.len(),
        2,
        "the task force and the joint statement: {titles:?}"
    );
    let task_force = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content.contains("Task Force"))
        .unwrap();
    let terms: Vec<&str> = task_force.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["forced-labour", "trafficking"]);
    assert!(
        feed.entries
            .iter()
            .all(|e| !e.title.as_ref().unwrap().content.contains("youth"))
    );

    let health = client.get(format!("http://{addr}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let (status, _) = stop(&mut daemon, "-TERM");
    let lines: Vec<String> = logs.try_iter().collect();
    assert_eq!(status.code(), Some(0), "logs: {lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("ERROR")),
        "a clean stop logs no error: {lines:?}"
    );
    // The last checkpoint folded the write-ahead log into the database.
    assert!(dir.path().join("thbwatch.db").exists());
    let wal = dir.path().join("thbwatch.db-wal");
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "{wal:?} is empty");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_abandons_a_hanging_fetch_and_exits_0_promptly() {
    let server = Server::start().await;
    server.set(
        "/hangs",
        Reply::feed(fixture("cbss.xml")).with_delay(Duration::from_secs(120)),
    );
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[poll]\ntimeout = \"2m\"\n\n[sources.hangs]\nurl = \"{}\"\n",
        server.url("/hangs")
    );
    let (mut daemon, _, logs) = start(&write_config(dir.path(), &text));
    // Wait until the start-up poll is really under way at the server.
    let started = Instant::now();
    while server.requests("/hangs").is_empty() {
        assert!(
            started.elapsed() < DEADLINE,
            "the start-up poll never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, took) = stop(&mut daemon, "-INT");
    assert_eq!(status.code(), Some(0));
    // The drain deadline is 20 s; an abandoned fetch must not use it up.
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
    let logs: Vec<String> = logs.try_iter().collect();
    assert!(logs.iter().any(|l| l.contains("poll abandoned")), "{logs:#?}");
}

#[test]
fn unknown_ids_on_the_command_line_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!("[sources.a]\nurl = \"http://127.0.0.1:9/\"\n{TAGS}"),
    );
    for args in [
        &["poll", "nosuch"][..],
        &["export", "--tag", "nosuch"],
        &["export", "--source", "b"],
        &["notify", "test", "nosuch"],
        &["notify", "retry", "nosuch"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("configured:"), "{args:?}: {stderr}");
    }
}

#[test]
fn check_reports_every_problem_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[poll]\nschedule = \"whenever\"\n\n[sources.a]\nurl = \"ftp://x\"\ncolour = 1\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(["--config", config.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("3 problems"), "{stderr}");
    assert!(stderr.contains("config.toml:2:12: poll.schedule"), "{stderr}");
    assert!(stderr.contains("config.toml:5:7: sources.a.url"), "{stderr}");
    assert!(
        stderr.contains("config.toml:6:1: sources.a.colour: unknown key"),
        "{stderr}"
    );
}

#[test]
fn the_default_configuration_is_valid() {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
    let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(["--config", config.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
