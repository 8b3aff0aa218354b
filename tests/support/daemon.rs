//! The daemon as a real child process (`thbwatch run`): started with the
//! log filter, environment and open-files limit a test needs, its log
//! lines read as they come, its memory and open files read from `/proc`,
//! stopped with a signal. For what needs a process of its own (signals,
//! systemd's socket, memory, file descriptors, a crash, the end-to-end
//! path); the rest runs the daemon in the test's process
//! (`tests/support/service.rs`). The load test uses it too, with the
//! release binary (`CARGO_BIN_EXE_thbwatch` is the one its build made).
#![allow(dead_code)] // The tests and the load test each use part of it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a test waits for something the daemon must do before it gives
/// up and fails: a bound on a wait, never a timing target (a passing test
/// returns as soon as the thing happens). Generous because the 2-core
/// machines the tests run on are often shared with builds: the hostile-feed
/// test's 3 MB feed has taken over a minute to be polled at load 10.
pub(crate) const DEADLINE: Duration = Duration::from_secs(90);

/// Kills the daemon if the test fails before stopping it.
pub(crate) struct Daemon(pub Child);

impl Daemon {
    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Called with each log line as it is read, and when.
type Tap = Box<dyn FnMut(Instant, &str) + Send>;

/// How to start the daemon: `Launch::new(config).env(..).start()`.
pub(crate) struct Launch<'a> {
    config: &'a Path,
    filter: String,
    env: Vec<(String, String)>,
    removed: Vec<String>,
    open_files: Option<u64>,
    json: bool,
    tap: Option<Tap>,
}

impl<'a> Launch<'a> {
    /// With `RUST_LOG=info`, text logs, the environment of the test.
    pub(crate) fn new(config: &'a Path) -> Launch<'a> {
        Launch {
            config,
            filter: "info".to_string(),
            env: Vec::new(),
            removed: Vec::new(),
            open_files: None,
            json: false,
            tap: None,
        }
    }

    /// `RUST_LOG` set to `filter`.
    pub(crate) fn log(mut self, filter: &str) -> Launch<'a> {
        self.filter = filter.to_string();
        self
    }

    /// One more environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Launch<'a> {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// One variable of the test's environment not passed on (the load
    /// test keeps its caller's allocator settings from the daemon).
    pub(crate) fn without(mut self, name: &str) -> Launch<'a> {
        self.removed.push(name.to_string());
        self
    }

    /// The open-files limit (soft and hard) set to `limit`, as `ulimit -n`
    /// in a shell does before it runs the daemon in its place (the same
    /// process).
    pub(crate) fn open_files(mut self, limit: u64) -> Launch<'a> {
        self.open_files = Some(limit);
        self
    }

    /// Logs as JSON objects (`--log-format json`).
    pub(crate) fn json_logs(mut self) -> Launch<'a> {
        self.json = true;
        self
    }

    /// `tap` sees every log line the moment it is read (all lines still
    /// reach the receiver [`Launch::start`] returns).
    pub(crate) fn on_line(mut self, tap: impl FnMut(Instant, &str) + Send + 'static) -> Launch<'a> {
        self.tap = Some(Box::new(tap));
        self
    }

    /// Starts the daemon and returns it with the address it logged and
    /// its log lines after that one.
    pub(crate) fn start(self) -> (Daemon, String, mpsc::Receiver<String>) {
        let binary = env!("CARGO_BIN_EXE_thbwatch");
        let mut command = match self.open_files {
            Some(limit) => {
                let mut shell = Command::new("sh");
                shell
                    .arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(binary);
                shell
            }
            None => Command::new(binary),
        };
        command.args(["--config", self.config.to_str().unwrap()]);
        if self.json {
            command.args(["--log-format", "json"]);
        }
        for name in &self.removed {
            command.env_remove(name);
        }
        let mut child = command
            .arg("run")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", &self.filter)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start thbwatch");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let mut tap = self.tap;
        std::thread::spawn(move || {
            // Keep reading even when nobody listens any more: a full pipe
            // would block the daemon on its next log line.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(tap) = tap.as_mut() {
                    tap(Instant::now(), &line);
                }
                let _ = tx.send(line);
            }
        });
        let daemon = Daemon(child);
        let started = Instant::now();
        loop {
            let line = rx
                .recv_timeout(DEADLINE.saturating_sub(started.elapsed()))
                .expect("the daemon logs its listening address");
            if let Some(addr) = listening_address(&line) {
                return (daemon, addr, rx);
            }
        }
    }
}

/// The address in the "listening" line, as text or as JSON.
fn listening_address(line: &str) -> Option<String> {
    if let Some(addr) = line.split("address=").nth(1) {
        return Some(addr.trim().to_string());
    }
    let json: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = &json["fields"];
    (fields["message"] == "listening").then(|| fields["address"].as_str().unwrap_or_default().to_string())
}

/// Starts the daemon (`RUST_LOG=info`) and returns it with the address it
/// logged and its later log lines.
pub(crate) fn start(config: &Path) -> (Daemon, String, mpsc::Receiver<String>) {
    Launch::new(config).start()
}

/// Sends `signal` (as `kill` spells it, e.g. "-HUP") to the daemon.
pub(crate) fn send_signal(daemon: &Daemon, signal: &str) {
    let pid = daemon.pid().to_string();
    assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
}

/// Sends `signal` and waits (with a deadline) for the daemon to exit.
pub(crate) fn stop(daemon: &mut Daemon, signal: &str) -> (ExitStatus, Duration) {
    send_signal(daemon, signal);
    let started = Instant::now();
    loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        assert!(started.elapsed() < DEADLINE, "the daemon did not stop after {signal}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every log line until one containing `needle` (with the deadline).
pub(crate) fn lines_until(logs: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
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
pub(crate) fn wait_for_line(logs: &mpsc::Receiver<String>, needle: &str) -> String {
    lines_until(logs, needle).pop().unwrap_or_default()
}

/// The most memory the process has held resident so far (VmHWM), in bytes.
pub(crate) fn peak_rss_bytes(daemon: &Daemon) -> u64 {
    proc_status_bytes(daemon.pid(), "VmHWM")
}

/// The memory the process holds resident now (VmRSS), in bytes.
pub(crate) fn rss_bytes(daemon: &Daemon) -> u64 {
    proc_status_bytes(daemon.pid(), "VmRSS")
}

fn proc_status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap_or_else(|| panic!("{field} in /proc/PID/status"));
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// How many files (sockets included) the process has open now.
pub(crate) fn open_files(daemon: &Daemon) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", daemon.pid())).map_or(0, |dir| dir.count())
}

/// Reads `/sources.json` until every one of `count` sources has been
/// polled at least once (with a deadline), and returns it. The daemon may
/// be a child process or in the test's process.
pub(crate) async fn wait_until_polled(addr: &str, count: usize) -> serde_json::Value {
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
