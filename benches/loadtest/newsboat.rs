//! newsboat, side by side: its first reload of the same feeds, when it is
//! installed (the comparison in docs/benchmarks.md).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// newsboat (when installed) reloading every feed once into an empty
/// cache with 8 reload threads, as the comparison in docs/benchmarks.md
/// runs it: how long it took and how many items it stored.
pub(crate) fn reload(urls: &[String]) -> Option<(Duration, u64)> {
    let installed = Command::new("newsboat")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        println!("  newsboat is not installed (scripts/install-test-tools installs it): no side-by-side figure");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let urls: String = urls.iter().map(|url| format!("{url}\n")).collect();
    std::fs::write(dir.path().join("urls"), urls).unwrap();
    std::fs::write(dir.path().join("config"), "reload-threads 8\n").unwrap();
    let cache = dir.path().join("cache.db");
    let started = Instant::now();
    let status = Command::new("newsboat")
        .arg("-u")
        .arg(dir.path().join("urls"))
        .arg("-c")
        .arg(&cache)
        .arg("-C")
        .arg(dir.path().join("config"))
        .args(["-x", "reload"])
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run newsboat");
    let elapsed = started.elapsed();
    assert!(status.success(), "newsboat -x reload exited with {status}");
    let stored = rusqlite::Connection::open(&cache)
        .and_then(|c| c.query_row("SELECT count(*) FROM rss_item", [], |r| r.get(0)))
        .unwrap_or(0);
    Some((elapsed, stored))
}
