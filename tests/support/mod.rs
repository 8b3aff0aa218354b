//! The tests' harness: the test HTTP server ([`http`]), the daemon as a
//! child process ([`daemon`]) or in this process ([`service`]), the
//! programs some tests drive ([`tools`]), a small disk to fill ([`disk`]),
//! fixtures and configurations. `http.rs` and `daemon.rs` stand alone, so
//! the load test (`benches/loadtest/`) uses them too.

pub(crate) mod daemon;
pub(crate) mod disk;
pub(crate) mod http;
pub(crate) mod service;
pub(crate) mod tools;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub(crate) use http::{Received, Reply, Server};

/// A fixture file from `tests/fixtures`.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// RFC 4287's RELAX NG schema of Atom, vendored for `jing`.
pub(crate) fn atom_schema() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema/atom.rnc");
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// Writes `config.toml` into `dir` and returns its path.
pub(crate) fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// An RSS 2.0 document with the given `(guid, title, link)` items; an
/// empty guid leaves the element out.
pub(crate) fn rss(title: &str, items: &[(&str, &str, &str)]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.org/</link>\n"
    );
    for (guid, item_title, link) in items {
        out.push_str("<item>");
        if !guid.is_empty() {
            out.push_str(&format!("<guid isPermaLink=\"false\">{guid}</guid>"));
        }
        out.push_str(&format!("<title>{item_title}</title><link>{link}</link></item>\n"));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// The standard tag rules the tests use.
pub(crate) const TAGS: &str = r#"
[tags.trafficking]
terms = ["human trafficking", "cilvēku tirdzniecība", "торговля людьми"]
exclude = ["drug trafficking"]

[tags.forced-labour]
terms = ["forced labour"]
"#;

/// A raw TCP server that answers every connection with a 200 header and
/// then one byte of body every `every`, forever: a dribbling publisher.
pub(crate) async fn dribble_server(every: std::time::Duration) -> SocketAddr {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ntransfer-encoding: chunked\r\n\r\n5\r\n<rss>\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(every).await;
                    if socket.write_all(b"1\r\n \r\n").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// The count `notify status` shows for a channel in a state (0 without a row).
pub(crate) fn notify_count(status: &str, channel: &str, state: &str) -> u64 {
    status
        .lines()
        .take_while(|line| !line.is_empty())
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.len() == 3 && cells[0] == channel && cells[1] == state)
        .map_or(0, |cells| cells[2].parse().expect("a count"))
}

/// Runs the real binary with `--config config` and `args`, to completion.
pub(crate) fn thbwatch(config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

/// A finished command's standard output.
pub(crate) fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The source with this id in a `/sources.json` (or `sources --json`) document.
pub(crate) fn source_by_id(json: &serde_json::Value, id: &str) -> serde_json::Value {
    let sources = json["sources"].as_array().expect("a sources array");
    sources
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no source {id:?}"))
        .clone()
}
