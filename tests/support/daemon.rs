//! The daemon as a real child process: start it, read its logs, measure
//! its memory, stop it with a signal.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(30);

/// Kills the daemon if the test fails before stopping it.
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the daemon and returns it with the address it logged.
pub fn start(config: &std::path::Path) -> (Daemon, String, mpsc::Receiver<String>) {
    start_inner(config, "info", &[])
}

/// Starts the daemon with extra environment variables.
pub fn start_with_env(config: &std::path::Path, env: &[(&str, &str)]) -> (Daemon, String, mpsc::Receiver<String>) {
    start_inner(config, "info", env)
}

/// Starts the daemon with its open-files limit (soft and hard) set to
/// `limit`, as `ulimit -n` in a shell does before it runs the daemon in
/// its place (the same process).
pub fn start_with_open_files(config: &std::path::Path, limit: u64) -> (Daemon, String, mpsc::Receiver<String>) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_thbwatch"));
    spawn(command, config, "info", &[])
}

fn start_inner(
    config: &std::path::Path,
    filter: &str,
    env: &[(&str, &str)],
) -> (Daemon, String, mpsc::Receiver<String>) {
    spawn(Command::new(env!("CARGO_BIN_EXE_thbwatch")), config, filter, env)
}

fn spawn(
    mut command: Command,
    config: &std::path::Path,
    filter: &str,
    env: &[(&str, &str)],
) -> (Daemon, String, mpsc::Receiver<String>) {
    let mut child = command
        .args(["--config", config.to_str().unwrap(), "run"])
        .envs(env.iter().copied())
        .env("RUST_LOG", filter)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start thbwatch");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep reading even when nobody listens any more: a full pipe
        // would block the daemon on its next log line.
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let daemon = Daemon(child);
    let started = Instant::now();
    loop {
        let line = rx
            .recv_timeout(DEADLINE.saturating_sub(started.elapsed()))
            .expect("the daemon logs its listening address");
        if let Some(addr) = line.split("address=").nth(1) {
            return (daemon, addr.trim().to_string(), rx);
        }
    }
}

/// Sends `signal` (as `kill` spells it, e.g. "-HUP") to the daemon.
pub fn send_signal(daemon: &Daemon, signal: &str) {
    let pid = daemon.0.id().to_string();
    assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
}

/// Sends `signal` and waits (with a deadline) for the daemon to exit.
pub fn stop(daemon: &mut Daemon, signal: &str) -> (std::process::ExitStatus, Duration) {
    send_signal(daemon, signal);
    let started = Instant::now();
    loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        assert!(started.elapsed() < DEADLINE, "the daemon did not stop after {signal}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts the daemon with `RUST_LOG` set to `filter`.
pub fn start_with_log(config: &std::path::Path, filter: &str) -> (Daemon, String, mpsc::Receiver<String>) {
    start_inner(config, filter, &[])
}

/// Starts the daemon with `RUST_LOG` set to `filter` and extra environment variables.
pub fn start_with_log_and_env(
    config: &std::path::Path,
    filter: &str,
    env: &[(&str, &str)],
) -> (Daemon, String, mpsc::Receiver<String>) {
    start_inner(config, filter, env)
}

/// Every log line until one containing `needle` (with the deadline).
pub fn lines_until(logs: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let started = Instant::now();
    let mut lines = Vec::new();
    loop {
        let line = logs
            .recv_timeout(DEADLINE.saturating_sub(started.elapsed()))
            .unwrap_or_else(|_| panic!("no log line containing {needle:?} before the deadline"));
        let found = line.contains(needle);
        lines.push(line);
        if found {
            return lines;
        }
    }
}

/// Waits (with the deadline) for a log line containing `needle`.
pub fn wait_for_line(logs: &mpsc::Receiver<String>, needle: &str) -> String {
    let started = Instant::now();
    loop {
        let line = logs
            .recv_timeout(DEADLINE.saturating_sub(started.elapsed()))
            .unwrap_or_else(|_| panic!("no log line containing {needle:?} before the deadline"));
        if line.contains(needle) {
            return line;
        }
    }
}

/// The most memory the process has held resident so far (VmHWM), in bytes.
pub fn peak_rss_bytes(daemon: &Daemon) -> u64 {
    proc_status_bytes(daemon, "VmHWM")
}

/// The memory the process holds resident now (VmRSS), in bytes.
pub fn rss_bytes(daemon: &Daemon) -> u64 {
    proc_status_bytes(daemon, "VmRSS")
}

fn proc_status_bytes(daemon: &Daemon, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.0.id())).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap_or_else(|| panic!("{field} in /proc/PID/status"));
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// How many files (sockets included) the process has open now.
pub fn open_files(daemon: &Daemon) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", daemon.0.id())).map_or(0, |dir| dir.count())
}

/// Reads `/sources.json` until every one of `count` sources has been
/// polled at least once (with a deadline), and returns it.
pub async fn wait_until_polled(addr: &str, count: usize) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let body = reqwest::get(format!("http://{addr}/sources.json"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let sources = json["sources"].as_array().unwrap();
        assert_eq!(sources.len(), count);
        if sources.iter().all(|s| !s["last_attempt"].is_null()) {
            return json;
        }
        assert!(
            started.elapsed() < DEADLINE * 2,
            "not every source was polled: {json:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
