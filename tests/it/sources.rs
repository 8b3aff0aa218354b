//! `thbwatch sources` on a configuration mixing good, slow, rate-limited,
//! moved and broken sources, run as real child processes: each source's
//! true state, in the table and in JSON. And a restarted daemon keeps the
//! back-off it stored.

use crate::support::daemon::{Launch, stop, wait_for_line};
use crate::support::{Reply, Server, TAGS, fixture, stdout, thbwatch, write_config};

#[tokio::test(flavor = "multi_thread")]
async fn sources_shows_each_sources_true_state() {
    let server = Server::start().await;
    server.set("/good", Reply::feed(fixture("cbss.xml")));
    server.set(
        "/slow",
        Reply::feed(fixture("lv-interior.xml")).with_delay(std::time::Duration::from_secs(5)),
    );
    server.set("/limited", Reply::status(429).with_header("retry-after", "3600"));
    server.set("/old", Reply::redirect(301, "/new"));
    server.set("/new", Reply::feed(fixture("lv-interior.xml")));
    server.set("/broken", Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[storage]\npath = \"thb.db\"\n[poll]\nhost_interval = \"0s\"\n");
    for (id, path, extra) in [
        ("good", "/good", ""),
        ("slow", "/slow", "timeout = \"1s\"\n"),
        ("limited", "/limited", ""),
        ("moved", "/old", ""),
        ("broken", "/broken", ""),
        ("unpolled", "/good", "title = \"Not polled yet\"\n"),
    ] {
        let url = server.url(path);
        let url = if id == "unpolled" { format!("{url}?again") } else { url };
        text.push_str(&format!("[sources.{id}]\nurl = \"{url}\"\n{extra}"));
    }
    text.push_str(TAGS);
    let config = write_config(dir.path(), &text);

    let polled = thbwatch(&config, &["poll", "good", "slow", "limited", "moved", "broken"]);
    assert_eq!(
        polled.status.code(),
        Some(1),
        "some sources failed: {}",
        stdout(&polled)
    );

    let table = thbwatch(&config, &["sources"]);
    assert!(table.status.success());
    let table = stdout(&table);
    let line = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id} in\n{table}"))
            .to_string()
    };
    assert!(table.starts_with("SOURCE "), "{table}");
    assert!(line("good").contains(" ok "), "{table}");
    assert!(
        line("slow").contains(" failing ") && line("slow").contains("timed out after 1s"),
        "{table}"
    );
    let limited = line("limited");
    assert!(limited.contains(" failing ") && limited.contains(" 429 "), "{table}");
    assert!(limited.contains(" in 59m ") || limited.contains(" in 1h "), "{table}");
    assert!(
        line("moved").contains(" ok ") && line("moved").contains("moved permanently to "),
        "{table}"
    );
    assert!(
        line("broken").contains(" failing ") && line("broken").contains("HTTP 500 Internal Server Error"),
        "{table}"
    );
    assert!(
        line("unpolled").contains(" new ") && line("unpolled").contains(" never "),
        "{table}"
    );

    let json = thbwatch(&config, &["sources", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let by_id = |id: &str| crate::support::source_by_id(&json, id);
    assert_eq!(by_id("good")["items"], 3);
    assert_eq!(by_id("good")["http_status"], 200);
    assert_eq!(by_id("limited")["http_status"], 429);
    assert!(by_id("limited")["next_attempt"].is_string());
    assert_eq!(by_id("moved")["moved_to"], server.url("/new"));
    assert_eq!(by_id("broken")["consecutive_failures"], 1);
    assert_eq!(by_id("unpolled")["state"], "new");
    assert_eq!(by_id("unpolled")["title"], "Not polled yet");
    assert!(by_id("unpolled")["last_attempt"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_daemon_keeps_the_back_off_and_polls_the_rest() {
    let server = Server::start().await;
    server.set("/limited", Reply::status(503).with_header("retry-after", "3600"));
    server.set("/good", Reply::feed(fixture("cbss.xml")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n\
         [sources.limited]\nurl = \"{}\"\n[sources.good]\nurl = \"{}\"\n{TAGS}",
        server.url("/limited"),
        server.url("/good")
    );
    let config = write_config(dir.path(), &text);
    let first = thbwatch(&config, &["poll", "limited"]);
    assert!(
        stdout(&first).contains("limited: error: HTTP 503 Service Unavailable"),
        "{}",
        stdout(&first)
    );
    // Reported once: on its summary line, not again in a log line.
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(!stderr.contains("503"), "{stderr}");

    let (mut daemon, _addr, logs) = Launch::new(&config).log("info,thbwatch::poll=debug").start();
    // Both start-up polls end, in either order: one deferred, one fetched.
    let (mut deferred, mut fetched) = (false, false);
    while !(deferred && fetched) {
        let line = wait_for_line(&logs, "poll");
        deferred |= line.contains("source=limited") && line.contains("backing off; not polled");
        fetched |= line.contains("source=good") && line.contains("status=\"ok\"");
    }
    stop(&mut daemon, "-TERM");
    assert_eq!(
        server.requests("/limited").len(),
        1,
        "the daemon must not ask again before the hour is up"
    );
    assert_eq!(server.requests("/good").len(), 1);

    let deferred = thbwatch(&config, &["poll", "limited"]);
    assert!(
        stdout(&deferred).starts_with("limited: deferred: backing off"),
        "{}",
        stdout(&deferred)
    );
    assert_eq!(server.requests("/limited").len(), 1);
    let forced = thbwatch(&config, &["poll", "--force", "limited"]);
    assert!(stdout(&forced).contains("limited: error"), "{}", stdout(&forced));
    assert_eq!(server.requests("/limited").len(), 2);
}
