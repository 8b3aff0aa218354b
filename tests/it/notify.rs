//! Notifications end to end: the whole daemon (in the test's process;
//! a child process for the crash) polls a loopback feed and delivers to
//! real receivers on 127.0.0.1: an HTTP
//! server standing in for a webhook, ntfy and Matrix homeserver, and
//! Python's aiosmtpd for e-mail (those tests are ignored where aiosmtpd is
//! missing, and fail under `CI=true`). Retries, Retry-After, crashes
//! (SIGKILL), dead letters, digests and a new source's backlog.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::daemon::{DEADLINE, start, stop, wait_until_polled};
use crate::support::service::Service;
use crate::support::{Reply, Server, notify_count, rss, tools, write_config};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const RULES: &str = r#"
[tags.trafficking]
terms = ["human traffick*"]
"#;

/// A feed server, a receiver, a configuration with `channels`.
struct Setup {
    feed: Server,
    receiver: Server,
    dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup(channels: impl Fn(&Server, &Path) -> String) -> Setup {
    let feed = Server::start().await;
    let receiver = Server::receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
         [poll]\nschedule = \"* * * * * *\"\nhost_interval = \"0s\"\n\
         [sources.news]\nurl = \"{}\"\ntitle = \"News desk\"\n{RULES}{}",
        feed.url("/news"),
        channels(&receiver, dir.path())
    );
    let config = write_config(dir.path(), &text);
    Setup {
        feed,
        receiver,
        dir,
        config,
    }
}

impl Setup {
    /// Serves `items` as (guid, title) at /news.
    fn publish(&self, items: &[(&str, &str)]) {
        let items: Vec<(String, String, String)> = items
            .iter()
            .map(|(g, t)| (g.to_string(), t.to_string(), format!("https://news.example/{g}")))
            .collect();
        let borrowed: Vec<(&str, &str, &str)> = items
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        self.feed.set("/news", Reply::feed(rss("News", &borrowed)));
    }

    fn thbwatch(&self, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until `notify status` counts each (channel, state, count) of
    /// `expected` (with a deadline), and returns what it printed.
    async fn wait_for_status(&self, expected: &[(&str, &str, u64)]) -> String {
        let started = Instant::now();
        loop {
            let status = self.thbwatch(&["notify", "status"]);
            if expected
                .iter()
                .all(|(channel, state, count)| notify_count(&status, channel, state) == *count)
            {
                return status;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "status never showed {expected:?}:\n{status}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts the daemon on a baseline (the items already there are not
    /// news), then publishes `items` for its next poll.
    async fn start_after_baseline(&self, baseline: &[(&str, &str)], items: &[(&str, &str)]) -> Service {
        self.publish(baseline);
        let daemon = Service::start(&self.config).await;
        wait_until_polled(&daemon.addr, 1).await;
        let mut all = baseline.to_vec();
        all.extend_from_slice(items);
        self.publish(&all);
        daemon
    }
}

fn header<'a>(request: &'a crate::support::Received, name: &str) -> &'a str {
    request.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Python's aiosmtpd saving every mail it accepts into a maildir.
struct Smtp {
    port: u16,
    maildir: PathBuf,
    child: Child,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp(dir: &Path) -> Smtp {
    tools::python_module("aiosmtpd");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = dir.join("maildir");
    let child = Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < DEADLINE, "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Smtp { port, maildir, child }
}

impl Smtp {
    fn mails(&self) -> Vec<String> {
        let Ok(files) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        files
            .flatten()
            .map(|f| std::fs::read_to_string(f.path()).unwrap())
            .collect()
    }

    async fn wait_for_mails(&self, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            assert!(started.elapsed() < DEADLINE, "only {} of {count} mails", mails.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tagged_item_reaches_every_channel_once_with_the_documented_payload() {
    let s = setup(|r, dir| {
        std::fs::write(dir.join("hook.secret"), "s3cret\n").unwrap();
        std::fs::write(dir.join("matrix.token"), "syt_token").unwrap();
        format!(
            "[notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nsecret_file = \"hook.secret\"\ntags = [\"trafficking\"]\n\
             headers = {{ \"X-Team\" = \"thb\" }}\n\
             [notify.phone]\nkind = \"ntfy\"\nurl = \"{}\"\ntoken = \"tk_ntfy\"\npriority = 4\n\
             [notify.room]\nkind = \"matrix\"\nhomeserver = \"{}\"\nroom = \"!room:example.org\"\naccess_token_file = \"matrix.token\"\n",
            r.url("/hook"),
            r.url("/topic"),
            r.url("/")
        )
    })
    .await;
    let daemon = s
        .start_after_baseline(
            &[("a", "Old human trafficking report")],
            &[
                ("b", "Human trafficking ring broken up in Riga"),
                ("c", "Sunny weather ahead"),
            ],
        )
        .await;

    let hook = s.receiver.wait_for("/hook", 1).await;
    let topic = s.receiver.wait_for("/topic", 1).await;
    let room = s.receiver.wait_for("/_matrix/", 1).await;
    let status = s
        .wait_for_status(&[
            ("hook", "delivered", 1),
            ("phone", "delivered", 1),
            ("room", "delivered", 1),
        ])
        .await;
    // The columns line up: each row's state starts under the header's.
    let column = status.find("STATE").unwrap();
    for row in status.lines().skip(1).take_while(|l| !l.is_empty()) {
        assert!(row[column..].starts_with("delivered"), "{status}");
    }
    assert!(!status.contains("pending") && !status.contains("dead"), "{status}");

    // The webhook: the documented payload, its key, a valid signature.
    let request = &hook[0];
    assert_eq!(
        hook.len(),
        1,
        "exactly one delivery: the baseline and untagged items are not sent"
    );
    let payload: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(payload["channel"], "hook");
    assert_eq!(payload["item"]["title"], "Human trafficking ring broken up in Riga");
    assert_eq!(payload["item"]["link"], "https://news.example/b");
    assert_eq!(payload["item"]["source"]["id"], "news");
    assert_eq!(payload["item"]["source"]["title"], "News desk");
    assert_eq!(payload["item"]["tags"], serde_json::json!(["trafficking"]));
    assert_eq!(payload["item"]["matches"][0]["text"], "Human trafficking");
    assert_eq!(
        header(request, "idempotency-key"),
        payload["idempotency_key"].as_str().unwrap()
    );
    assert_eq!(header(request, "x-team"), "thb");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(&request.body);
    let signature: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(header(request, "x-thbwatch-signature"), format!("sha256={signature}"));

    // ntfy: title, tags, priority, click link, token.
    assert_eq!(topic.len(), 1);
    assert_eq!(header(&topic[0], "title"), "Human trafficking ring broken up in Riga");
    assert_eq!(header(&topic[0], "tags"), "trafficking");
    assert_eq!(header(&topic[0], "priority"), "4");
    assert_eq!(header(&topic[0], "click"), "https://news.example/b");
    assert_eq!(header(&topic[0], "authorization"), "Bearer tk_ntfy");

    // Matrix: PUT with the idempotency key as the transaction id.
    assert_eq!(room.len(), 1);
    assert_eq!(room[0].method, "PUT");
    let key = payload["idempotency_key"].as_str().unwrap().replace(':', "%3A");
    let room_path = room[0].path.clone();
    assert!(
        room_path.starts_with("/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/urn%3Auuid%3A"),
        "{room_path}"
    );
    assert_ne!(
        room_path.rsplit('/').next().unwrap(),
        key,
        "each channel has its own key"
    );
    assert_eq!(header(&room[0], "authorization"), "Bearer syt_token");
    let event: serde_json::Value = serde_json::from_slice(&room[0].body).unwrap();
    assert_eq!(event["msgtype"], "m.text");
    assert!(
        event["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://news.example/b\">")
    );

    daemon.stop().await;
    assert_eq!(s.receiver.wait_for("/hook", 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_aiosmtpd), ignore = "needs Python aiosmtpd: run scripts/install-test-tools")]
async fn an_email_is_multipart_with_the_item_in_its_subject() {
    let dir = tempfile::tempdir().unwrap();
    let mail = smtp(dir.path());
    let port = mail.port;
    let s = setup(move |_, _| {
        format!(
            "[notify.mail]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsecurity = \"plain\"\n\
             from = \"thbwatch@example.org\"\nto = [\"analyst@example.org\"]\n"
        )
    })
    .await;
    let daemon = s
        .start_after_baseline(
            &[("a", "Old human trafficking report")],
            &[
                ("b", "Human trafficking ring broken up in Riga"),
                ("c", "Sunny weather ahead"),
            ],
        )
        .await;
    let mails = mail.wait_for_mails(1).await;
    s.wait_for_status(&[("mail", "delivered", 1)]).await;
    daemon.stop().await;
    assert_eq!(
        mail.mails().len(),
        1,
        "one mail: the baseline and untagged items are not sent"
    );
    assert!(
        mails[0].contains("Subject: [trafficking] Human trafficking ring broken up in Riga"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("text/plain") && mails[0].contains("text/html"));
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_retried_honouring_retry_after_and_delivered_once() {
    let s = setup(|r, _| {
        format!(
            "[notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nretry_base = \"1s\"\nretry_max = \"2s\"\n",
            r.url("/hook")
        )
    })
    .await;
    s.receiver.script(&[(500, None), (429, Some("3")), (200, None)]);
    let daemon = s
        .start_after_baseline(&[], &[("b", "Human trafficking trial opens")])
        .await;
    let attempts = s.receiver.wait_for("/hook", 3).await;
    s.wait_for_status(&[("hook", "delivered", 1)]).await;
    let keys: Vec<&str> = attempts.iter().map(|r| header(r, "idempotency-key")).collect();
    assert!(
        keys.iter().all(|k| *k == keys[0] && !k.is_empty()),
        "one key for every attempt: {keys:?}"
    );
    let waited = attempts[2].at - attempts[1].at;
    assert!(
        waited >= Duration::from_millis(2900),
        "Retry-After: 3 was honoured: {waited:?}"
    );
    daemon.stop().await;
    assert_eq!(s.receiver.received().len(), 3, "nothing after the acknowledgement");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_ingest_and_delivery_loses_nothing_and_repeats_nothing() {
    let s = setup(|r, _| {
        format!(
            "[notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nretry_base = \"1s\"\nretry_max = \"1s\"\n",
            r.url("/hook")
        )
    })
    .await;
    s.receiver.set_default(503);
    let items: Vec<(String, String)> = (0..5)
        .map(|i| (format!("i{i}"), format!("Human trafficking case {i}")))
        .collect();
    let items: Vec<(&str, &str)> = items.iter().map(|(g, t)| (g.as_str(), t.as_str())).collect();
    // The daemon as a child process, to be killed: on an empty baseline,
    // then the items for its next poll.
    s.publish(&[]);
    let (mut daemon, addr, _logs) = start(&s.config);
    wait_until_polled(&addr, 1).await;
    s.publish(&items);
    // Stored and queued, not yet acknowledged: kill it without warning.
    s.receiver.wait_for("/hook", 5).await;
    stop(&mut daemon, "-KILL");
    let before_restart = s.receiver.received().len();

    s.receiver.set_default(200);
    let (mut daemon, _addr, _logs) = start(&s.config);
    s.wait_for_status(&[("hook", "delivered", 5)]).await;
    stop(&mut daemon, "-TERM");
    let (mut daemon, addr, _logs) = start(&s.config);
    wait_until_polled(&addr, 1).await;
    s.wait_for_status(&[("hook", "delivered", 5)]).await;
    stop(&mut daemon, "-TERM");

    let after: Vec<_> = s.receiver.received().into_iter().skip(before_restart).collect();
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for request in &after {
        *per_key
            .entry(header(request, "idempotency-key").to_string())
            .or_default() += 1;
    }
    let duplicates: usize = per_key.values().map(|n| n - 1).sum();
    eprintln!(
        "crash test: items 5, acknowledged deliveries {}, duplicates {duplicates}, lost {}",
        per_key.len(),
        5 - per_key.len()
    );
    assert_eq!((per_key.len(), duplicates), (5, 0), "{per_key:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_down_too_long_dead_letters_and_retry_delivers() {
    let s = setup(|r, _| {
        format!(
            "[notify.hook]\nkind = \"webhook\"\nurl = \"{}\"\nretry_base = \"1s\"\nretry_max = \"1s\"\ngive_up_after = \"2s\"\n",
            r.url("/hook")
        )
    })
    .await;
    s.receiver.set_default(500);
    let daemon = s.start_after_baseline(&[], &[("b", "Human trafficking appeal")]).await;
    let status = s.wait_for_status(&[("hook", "dead", 1)]).await;
    assert!(
        status.contains("hook dead: Human trafficking appeal") && status.contains("HTTP 500"),
        "{status}"
    );
    s.receiver.set_default(200);
    assert_eq!(
        s.thbwatch(&["notify", "retry", "hook"]),
        "1 dead-lettered delivery queued again\n"
    );
    s.wait_for_status(&[("hook", "delivered", 1)]).await;
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(has_aiosmtpd), ignore = "needs Python aiosmtpd: run scripts/install-test-tools")]
async fn a_digest_gathers_several_items_into_one_mail() {
    let dir = tempfile::tempdir().unwrap();
    let mail = smtp(dir.path());
    let port = mail.port;
    let s = setup(move |_, _| {
        format!(
            "[notify.daily]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsecurity = \"plain\"\n\
             from = \"thbwatch@example.org\"\nto = [\"a@example.org\", \"b@example.org\"]\ndigest = \"*/2 * * * * *\"\n"
        )
    })
    .await;
    let daemon = s
        .start_after_baseline(
            &[],
            &[
                ("x", "Human trafficking one"),
                ("y", "Human trafficking two"),
                ("z", "Human trafficking three"),
            ],
        )
        .await;
    s.wait_for_status(&[("daily", "delivered", 3)]).await;
    daemon.stop().await;
    let mails = mail.mails();
    assert_eq!(mails.len(), 1, "one digest");
    assert!(mails[0].contains("Subject: thbwatch: 3 new items"), "{}", mails[0]);
    for title in [
        "Human trafficking one",
        "Human trafficking two",
        "Human trafficking three",
    ] {
        assert!(mails[0].contains(title), "{title} in the digest");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_sources_backlog_is_sent_only_where_asked_for() {
    let s = setup(|r, _| {
        format!(
            "[notify.quiet]\nkind = \"webhook\"\nurl = \"{}\"\n[notify.loud]\nkind = \"webhook\"\nurl = \"{}\"\nnotify_backlog = true\n",
            r.url("/quiet"),
            r.url("/loud")
        )
    })
    .await;
    s.publish(&[
        ("a", "Human trafficking archive one"),
        ("b", "Human trafficking archive two"),
    ]);
    let daemon = Service::start(&s.config).await;
    wait_until_polled(&daemon.addr, 1).await;
    s.receiver.wait_for("/loud", 2).await;
    let status = s.wait_for_status(&[("loud", "delivered", 2)]).await;
    assert!(!status.contains("quiet"), "the quiet channel got no backlog: {status}");
    daemon.stop().await;
    assert!(s.receiver.received().iter().all(|r| r.path == "/loud"));
    let _ = &s.dir;
}
