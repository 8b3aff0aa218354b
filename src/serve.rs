//! `thbwatch run`: what the binary does around the daemon. Signals
//! (SIGHUP reloads, SIGINT and SIGTERM stop), systemd's notifier and the
//! listener bound from `[server] listen`, then [`crate::daemon::run`],
//! which takes them as given so that tests can give their own.

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::daemon::{self, Control};
use crate::systemd;

/// `thbwatch run`: the daemon until SIGINT or SIGTERM; SIGHUP reloads the
/// configuration file.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Listening from the start, so no signal is missed (during a reload, say).
    let signals = Signals::new()?;
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
    // Room for a reload asked for during a reload, and the stop after it.
    let (control, requests) = mpsc::channel(4);
    // Not tracked with the daemon's tasks: it outlives them, and ends here.
    let forwarding = tokio::spawn(signals.forward(control));
    let ran = daemon::run(config, listener, requests, systemd::Notifier::from_env()).await;
    forwarding.abort();
    ran
}

/// The signals the daemon answers, listened to for its whole life.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            hangup: signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?,
        })
    }

    /// SIGHUP asks for a reload, SIGINT and SIGTERM for a stop.
    async fn forward(mut self, control: mpsc::Sender<Control>) {
        loop {
            let request = tokio::select! {
                _ = self.interrupt.recv() => Control::Stop,
                _ = self.terminate.recv() => Control::Stop,
                _ = self.hangup.recv() => Control::Reload,
            };
            match request {
                // With reloads queued already, one more reads the same file.
                Control::Reload => {
                    let _ = control.try_send(request);
                }
                Control::Stop => {
                    let _ = control.send(request).await;
                    return;
                }
            }
        }
    }
}
