//! The daemon under load: the release binary as a child process
//! (`tests/support/daemon.rs`, with JSON logs), each poll read from its
//! log the moment it is written, poll cycles timed from the feeds' first
//! request to the last poll; and start-up to systemd's `READY=1`.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::daemon::{self, Launch};
use crate::feeds::Feeds;
use crate::unit::Setup;

/// How long any one wait may take before the load test gives up.
pub(crate) const DEADLINE: Duration = Duration::from_secs(120);

/// The daemon as a child process, its polls read as they come.
pub(crate) struct Running {
    daemon: daemon::Daemon,
    pub address: String,
    polls: mpsc::Receiver<Poll>,
}

/// One "polled" (or "poll failed") log line: when it was read, its
/// status, its new items.
struct Poll {
    at: Instant,
    status: String,
    new: u64,
}

/// What one cycle took.
pub(crate) struct Cycle {
    pub elapsed: Duration,
    pub new: u64,
    /// Polls that did not end as expected (failed, or not modified when
    /// new items were expected).
    pub unexpected: usize,
}

impl Running {
    /// Starts the daemon for `config` in the environment `setup` gives,
    /// telling `notify_socket` (as systemd's) when given.
    pub(crate) fn start(config: &Path, setup: &Setup, notify_socket: Option<&Path>) -> Running {
        let (polls_tx, polls) = mpsc::channel();
        let mut launch = Launch::new(config).json_logs().on_line(move |at, line| {
            if let Some(poll) = poll_in(at, line) {
                let _ = polls_tx.send(poll);
            }
        });
        for name in &setup.removed {
            launch = launch.without(name);
        }
        for (name, value) in &setup.set {
            launch = launch.env(name, value);
        }
        if let Some(socket) = notify_socket {
            launch = launch.env("NOTIFY_SOCKET", socket.to_str().unwrap());
        }
        let (daemon, address, _logs) = launch.start();
        Running { daemon, address, polls }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// Sends `signal` (as `kill` spells it) to the daemon.
    pub(crate) fn signal(&self, signal: &str) {
        daemon::send_signal(&self.daemon, signal);
    }

    /// Waits for one poll of every source (the cycle was started with
    /// [`Feeds::start_cycle`] before it was triggered): from the first
    /// request the feeds saw to the last poll written. A poll that ended
    /// otherwise than `status` is counted, and the first few shown.
    pub(crate) fn cycle(&mut self, feeds: &Feeds, sources: usize, status: &str) -> Cycle {
        let (mut new, mut last, mut unexpected) = (0, Instant::now(), 0);
        for done in 0..sources {
            let poll = self
                .polls
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("only {done} of {sources} sources were polled within {DEADLINE:?}"));
            if poll.status != status {
                unexpected += 1;
                if unexpected <= 3 {
                    eprintln!("  a poll ended with {:?}, not {status:?}", poll.status);
                }
            }
            new += poll.new;
            last = poll.at;
        }
        let first = feeds.first_request().expect("the feeds were requested");
        Cycle {
            elapsed: last.saturating_duration_since(first),
            new,
            unexpected,
        }
    }

    /// SIGTERM, and the daemon must exit 0.
    pub(crate) fn stop(mut self) {
        let (status, _) = daemon::stop(&mut self.daemon, "-TERM");
        assert!(status.success(), "the daemon exited with {status}");
    }
}

/// A poll in a JSON log line, if it is one; an error line is shown.
fn poll_in(at: Instant, line: &str) -> Option<Poll> {
    let json = serde_json::from_str::<serde_json::Value>(line).ok()?;
    let fields = &json["fields"];
    match fields["message"].as_str() {
        Some("polled") => Some(Poll {
            at,
            status: fields["status"].as_str().unwrap_or_default().to_string(),
            new: fields["new"].as_u64().unwrap_or(0),
        }),
        Some("poll failed") => Some(Poll {
            at,
            status: format!("failed: {}", fields["error"].as_str().unwrap_or_default()),
            new: 0,
        }),
        Some(_) if json["level"] == "ERROR" => {
            eprintln!("daemon: {line}");
            None
        }
        _ => None,
    }
}

/// From starting the binary (set up as `setup` says) to its `READY=1` on
/// `NOTIFY_SOCKET`.
pub(crate) fn startup_to_ready(dir: &Path, database: &Path, setup: &Setup) -> Duration {
    let socket_path = dir.join("notify.sock");
    let _ = std::fs::remove_file(&socket_path);
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(DEADLINE)).unwrap();
    assert!(database.exists());
    let started = Instant::now();
    let daemon = Running::start(&dir.join("config.toml"), setup, Some(&socket_path));
    let mut buffer = [0u8; 4096];
    loop {
        let n = socket.recv(&mut buffer).expect("READY=1 within the deadline");
        if std::str::from_utf8(&buffer[..n]).is_ok_and(|m| m.lines().any(|l| l == "READY=1")) {
            let elapsed = started.elapsed();
            daemon.stop();
            return elapsed;
        }
    }
}
