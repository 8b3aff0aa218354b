//! Talking to systemd (`Type=notify`): `READY=1`, `RELOADING=1`,
//! `STOPPING=1`, a one-line `STATUS=`, and `WATCHDOG=1` pings, as
//! datagrams to `$NOTIFY_SOCKET`. Without that variable (not run by
//! systemd) nothing is sent.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// The socket systemd listens on, if it gave one, and how often it wants
/// to hear from the watchdog.
#[derive(Clone, Debug)]
pub struct Notifier {
    path: Option<String>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// From `$NOTIFY_SOCKET` (a path, or `@name` for the abstract
    /// namespace) and `$WATCHDOG_USEC` (see [`watchdog_interval`]).
    pub(crate) fn from_env() -> Notifier {
        Notifier {
            path: std::env::var("NOTIFY_SOCKET").ok().filter(|p| !p.is_empty()),
            watchdog: watchdog_interval(),
        }
    }

    /// One that tells nobody anything (not run by systemd: a test, say).
    pub fn silent() -> Notifier {
        Notifier {
            path: None,
            watchdog: None,
        }
    }

    /// How often to ping the watchdog, when systemd asks for pings.
    pub(crate) fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    /// Sends one message; failures are logged, never fatal (systemd may be
    /// gone during shutdown).
    pub(crate) fn send(&self, message: &str) {
        let Some(path) = &self.path else { return };
        // Non-blocking: a full systemd queue must not stall a runtime thread.
        let socket = UnixDatagram::unbound().and_then(|s| s.set_nonblocking(true).map(|()| s));
        let sent = socket.and_then(|socket| match path.strip_prefix('@') {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
                socket.send_to_addr(message.as_bytes(), &addr)
            }
            None => socket.send_to(message.as_bytes(), path),
        });
        if let Err(e) = sent {
            tracing::debug!(error = %e, "cannot notify systemd");
        }
    }

    pub(crate) fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}"));
    }

    /// Before re-reading the configuration (systemd shows "reloading").
    pub(crate) fn reloading(&self) {
        self.send("RELOADING=1\nSTATUS=reloading the configuration");
    }

    pub(crate) fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=stopping");
    }

    pub(crate) fn status(&self, status: &str) {
        self.send(&format!("STATUS={status}"));
    }

    pub(crate) fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }
}

/// Half of `$WATCHDOG_USEC`, when systemd asks for watchdog pings (and
/// `$WATCHDOG_PID`, if set, is this process).
pub(crate) fn watchdog_interval() -> Option<Duration> {
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}
