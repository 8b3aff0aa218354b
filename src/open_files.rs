//! The open-files limit: raised at start-up to the most the system allows
//! (the hard limit), then shared out, so that the HTTP server's
//! connections can never take the descriptors that polling, the database
//! and the logs need. Knows nothing of HTTP.

use std::io;

/// Descriptors the daemon holds whatever it does (about 25: standard
/// streams, the runtime's, the listener, the database's writer,
/// checkpointer and readers, systemd's socket), a reload or a backup, and
/// the connections closing to make room (at most 16 beyond the cap).
const BASE: u64 = 64;
/// Per fetch in flight: its connection and its name lookup.
const PER_FETCH: u64 = 2;
/// Per notification channel: its connections.
const PER_CHANNEL: u64 = 4;
/// Connections served at most, whatever the limit: each costs memory
/// (buffers and a task), and a small server needs far fewer.
pub(crate) const MAX_CONNECTIONS: usize = 4096;
/// Connections served at least, even when the limit leaves less room (a
/// warning then says so).
pub(crate) const MIN_CONNECTIONS: usize = 16;
/// Never asked for beyond this (Linux's default `fs.nr_open`): a hard
/// limit of "unlimited" cannot be a soft one.
const HIGHEST: u64 = 1 << 20;

/// How the descriptors are shared out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    /// The soft limit in force.
    pub limit: u64,
    /// Kept for everything but the server's connections.
    pub reserved: u64,
    /// Connections the server may hold open at once.
    pub connections: usize,
}

impl Budget {
    /// The share for a limit, with `fetches` requests in flight at most
    /// and `channels` notification channels.
    pub(crate) fn new(limit: u64, fetches: usize, channels: usize) -> Budget {
        let reserved = BASE + PER_FETCH * fetches as u64 + PER_CHANNEL * channels as u64;
        let room = usize::try_from(limit.saturating_sub(reserved)).unwrap_or(usize::MAX);
        Budget {
            limit,
            reserved,
            connections: room.clamp(MIN_CONNECTIONS, MAX_CONNECTIONS),
        }
    }

    /// Whether the limit is too low for the reserve and the fewest
    /// connections together.
    pub(crate) fn is_tight(&self) -> bool {
        self.limit < self.reserved + MIN_CONNECTIONS as u64
    }
}

/// What [`raise`] found and did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Raised {
    pub before: u64,
    pub after: u64,
}

/// Raises the soft limit on open files to the hard one. Nothing is asked
/// of the system when they are equal already (as `LimitNOFILE=` in the
/// unit makes them).
pub(crate) fn raise() -> io::Result<Raised> {
    let (soft, hard) = rlimit::Resource::NOFILE.get()?;
    let target = hard.min(HIGHEST);
    if soft >= target {
        return Ok(Raised {
            before: soft,
            after: soft,
        });
    }
    rlimit::Resource::NOFILE.set(target, hard)?;
    let (after, _) = rlimit::Resource::NOFILE.get()?;
    Ok(Raised { before: soft, after })
}

/// The soft limit in force.
pub(crate) fn current() -> io::Result<u64> {
    Ok(rlimit::Resource::NOFILE.get()?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_get_what_the_reserve_leaves_within_bounds() {
        let default = Budget::new(1024, 8, 2);
        assert_eq!(default.reserved, 64 + 16 + 8);
        assert_eq!(default.connections, 1024 - 88);
        assert!(!default.is_tight());
        assert_eq!(Budget::new(65536, 8, 0).connections, MAX_CONNECTIONS);
        let tight = Budget::new(256, 1024, 0);
        assert_eq!(tight.connections, MIN_CONNECTIONS);
        assert!(tight.is_tight());
    }

    #[test]
    fn raising_never_lowers_the_limit() {
        let before = current().unwrap();
        let raised = raise().unwrap();
        assert_eq!(raised.before, before);
        assert!(raised.after >= before);
        assert_eq!(current().unwrap(), raised.after);
    }
}
