//! The whole daemon in the test's process (`thbwatch::daemon::run`), on a
//! listener the test bound: for tests that only need what it serves and
//! does, not a process of its own (`tests/support/daemon.rs` has that).
//! Stopping and reloading go through `daemon::Control`, as the binary's
//! SIGTERM and SIGHUP do.

use std::path::Path;
use std::time::{Duration, Instant};

use thbwatch::config::Config;
use thbwatch::daemon::{self, Control};
use thbwatch::systemd::Notifier;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::daemon::DEADLINE;

/// A running daemon. Dropped without [`Service::stop`] (a failing test),
/// it ends with the test's runtime.
pub(crate) struct Service {
    /// The address it serves on.
    pub addr: String,
    control: mpsc::Sender<Control>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Service {
    /// Starts the daemon for the configuration file `config`, on the
    /// address its `[server] listen` names (port 0: any), and returns once
    /// it answers HTTP.
    pub(crate) async fn start(config: &Path) -> Service {
        let config = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
        let listener = tokio::net::TcpListener::bind(config.server.listen).await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (control, requests) = mpsc::channel(4);
        let task = tokio::spawn(daemon::run(config, listener, requests, Notifier::silent()));
        let mut service = Service { addr, control, task };
        service.wait_until_serving().await;
        service
    }

    /// Until `/healthz` answers (or the daemon ended, with its error).
    async fn wait_until_serving(&mut self) {
        let started = Instant::now();
        let url = format!("http://{}/healthz", self.addr);
        loop {
            if self.task.is_finished() {
                let ended = (&mut self.task).await.unwrap();
                panic!("the daemon ended at start: {ended:?}");
            }
            if reqwest::get(&url).await.is_ok() {
                return;
            }
            assert!(started.elapsed() < DEADLINE, "the daemon never answered {url}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Asks for a reload, as SIGHUP does (the configuration file is read
    /// again).
    pub(crate) async fn reload(&self) {
        self.control.send(Control::Reload).await.expect("the daemon runs");
    }

    /// Stops it as SIGTERM does and waits (with the deadline) until it has
    /// stopped; fails the test if it ended with an error. Returns how long
    /// the stop took.
    pub(crate) async fn stop(self) -> Duration {
        let started = Instant::now();
        self.control.send(Control::Stop).await.expect("the daemon runs");
        let ended = tokio::time::timeout(DEADLINE, self.task)
            .await
            .expect("the daemon stops within the deadline")
            .expect("the daemon's task did not panic");
        if let Err(e) = ended {
            panic!("the daemon stopped with an error: {e:#}");
        }
        started.elapsed()
    }
}
