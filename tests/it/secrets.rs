//! Secrets in source addresses, end to end: sources whose address carries
//! an API key in its query, whose address is a secret as a whole
//! (`url_env`, `url_file`), which moved permanently to an address with a
//! token, and which redirect in a loop. The real daemon (a child process)
//! polls them on 127.0.0.1; nothing it publishes, prints or logs holds a
//! secret, and the redacted forms say where each source is.

use std::process::Command;

use crate::support::daemon::{Launch, lines_until, stop, wait_until_polled};
use crate::support::{Reply, Server, rss, source_by_id, write_config};

const SECRET: &str = "SEKRIT";

fn tagged(prefix: &str) -> Reply {
    let guid = format!("{prefix}-1");
    let link = format!("https://news.example/{prefix}/1");
    Reply::feed(rss(
        &format!("{prefix} news"),
        &[(&guid, &format!("Human trafficking ring stopped ({prefix})"), &link)],
    ))
}

/// Runs the binary with the private address in its environment.
fn thbwatch(config: &std::path::Path, env: &[(&str, String)], args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .arg("--config")
        .arg(config)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_in_an_address_is_published_printed_or_logged() {
    let server = Server::start().await;
    // No site link: relative links resolve against the address fetched.
    server.set(
        "/plain",
        Reply::feed(
            "<rss version=\"2.0\"><channel><title>Plain</title>\
             <item><guid>p-1</guid><title>Human trafficking trial opens</title><link>#latest</link></item>\
             <item><guid>p-2</guid><title>Human trafficking report</title><link>?page=2</link></item>\
             </channel></rss>",
        ),
    );
    server.set(&format!("/private/{SECRET}-path/feed.xml"), tagged("private"));
    server.set(&format!("/filed/{SECRET}-file/feed.xml"), tagged("filed"));
    server.set(
        "/moving",
        Reply::redirect(301, &format!("/moved?lang=lv&access_token={SECRET}-moved")),
    );
    server.set("/moved", tagged("moved"));
    server.set("/loop", Reply::redirect(302, &format!("/loop?sig={SECRET}-loop")));
    let private = server.url(&format!("/private/{SECRET}-path/feed.xml?feed={SECRET}-query"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("filed-url"),
        server.url(&format!("/filed/{SECRET}-file/feed.xml")),
    )
    .unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n\
             [poll]\nschedule = \"0 0 1 1 *\"\nhost_interval = \"0s\"\n\
             [sources.plain]\nurl = \"{}\"\n\
             [sources.private]\nurl_env = \"THB_PRIVATE_FEED\"\ntitle = \"Private\"\n\
             [sources.filed]\nurl_file = \"filed-url\"\n\
             [sources.moving]\nurl = \"{}\"\n\
             [sources.looping]\nurl = \"{}\"\n\
             [tags.trafficking]\nterms = [\"human traffick*\"]\n",
            server.url(&format!("/plain?lang=lv&api_key={SECRET}-key")),
            server.url(&format!("/moving?lang=lv&access_token={SECRET}-moved")),
            server.url(&format!("/loop?sig={SECRET}-loop")),
        ),
    );
    let env = [("THB_PRIVATE_FEED", private)];
    // Everything the daemon logs, its dependencies' debug lines included.
    let (mut daemon, addr, logs) = Launch::new(&config)
        .log("debug")
        .env("THB_PRIVATE_FEED", env[0].1.as_str())
        .start();
    wait_until_polled(&addr, 5).await;

    let mut published = Vec::new();
    for path in [
        "/",
        "/sources.opml",
        "/sources.json",
        "/feed.atom",
        "/all.atom",
        "/all.json",
        "/sources/private.atom",
        "/sources/moving.json",
    ] {
        let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        published.push((path.to_string(), response.text().await.unwrap()));
    }
    for args in [
        &["sources"][..],
        &["sources", "--json"],
        &["export", "--all"],
        &["export", "--all", "--json"],
        &["poll", "--force"],
        &["check"],
    ] {
        published.push((args.join(" "), thbwatch(&config, &env, args)));
    }
    let (status, _) = stop(&mut daemon, "-TERM");
    assert!(status.success());
    let log = lines_until(&logs, "stopped").join("\n");
    assert!(log.contains("DEBUG"), "{log}");
    published.push(("the daemon's log".into(), log));
    for (what, text) in &published {
        assert!(!text.contains(SECRET), "{what} shows a secret:\n{text}");
    }

    // Each address is still recognisable.
    let json: serde_json::Value = serde_json::from_str(&published[2].1).unwrap();
    let port = server.addr.port();
    let shown = |id: &str, key: &str| source_by_id(&json, id)[key].as_str().unwrap_or("").to_string();
    assert_eq!(
        shown("plain", "url"),
        format!("http://127.0.0.1:{port}/plain?lang=lv&api_key=REDACTED")
    );
    assert_eq!(shown("private", "url"), format!("http://127.0.0.1:{port}/"));
    assert_eq!(shown("filed", "url"), format!("http://127.0.0.1:{port}/"));
    assert_eq!(
        shown("moving", "moved_to"),
        format!("http://127.0.0.1:{port}/moved?lang=lv&access_token=REDACTED")
    );
    assert!(
        shown("looping", "last_error").contains("/loop?sig=REDACTED"),
        "{}",
        shown("looping", "last_error")
    );
    let opml = &published[1].1;
    assert!(opml.contains("api_key=REDACTED"), "{opml}");
    let all = &published[4].1;
    assert!(
        all.contains(&format!("href=\"http://127.0.0.1:{port}/plain?lang=lv#latest\"")),
        "relative links keep what is not secret: {all}"
    );
    let private_feed = &published[6].1;
    assert!(
        private_feed.contains(&format!(
            "<link rel=\"self\" type=\"application/rss+xml\" href=\"http://127.0.0.1:{port}/\"/>"
        )),
        "{private_feed}"
    );
}
