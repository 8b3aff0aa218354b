//! The commands' output on standard output, with a reader that went away
//! (`thbwatch export | head`) told apart from a write that failed.
//!
//! Rust ignores SIGPIPE, so a closed pipe comes back as `EPIPE` from the
//! write, and `print!` panics on it. The crate forbids the unsafe code
//! that would restore the signal's default, so the command line writes
//! through [`write`] instead and stops quietly with [`EXIT_CLOSED`], the
//! status a shell reports for a program SIGPIPE ended.

use std::fmt;
use std::io::{self, Write};

/// The exit status when standard output's reader went away: 128 + SIGPIPE
/// (13), as a shell reports a program the signal ended, so `set -o
/// pipefail` scripts see what they would see of `cat`.
pub const EXIT_CLOSED: u8 = 141;

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The reader closed its end (a pager quit, `head` had enough): not a
    /// fault, nothing to say.
    #[error("standard output was closed by its reader")]
    Closed,
    /// Anything else: a full disk, an I/O error, a file grown too large.
    #[error("cannot write to standard output: {0}")]
    Failed(io::Error),
}

impl Error {
    /// The exit status for it: [`EXIT_CLOSED`], or 1 for a failed write.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Closed => EXIT_CLOSED,
            Error::Failed(_) => 1,
        }
    }

    /// Whether it is worth a message: a reader that went away is not.
    pub fn is_closed(&self) -> bool {
        matches!(self, Error::Closed)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        match e.kind() {
            io::ErrorKind::BrokenPipe => Error::Closed,
            _ => Error::Failed(e),
        }
    }
}

/// Writes `args` to standard output and flushes it, so every failure is
/// seen here: what stayed in the buffer would be flushed at exit, where
/// an error is dropped unseen.
pub fn write(args: fmt::Arguments<'_>) -> Result<(), Error> {
    write_to(&mut io::stdout().lock(), args)
}

fn write_to(out: &mut impl Write, args: fmt::Arguments<'_>) -> Result<(), Error> {
    out.write_fmt(args)?;
    Ok(out.flush()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails every write with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_told_apart_from_other_failures() {
        let closed = write_to(&mut Failing(io::ErrorKind::BrokenPipe), format_args!("x")).unwrap_err();
        assert!(closed.is_closed());
        assert_eq!(closed.exit_code(), 141);
        let full = write_to(&mut Failing(io::ErrorKind::StorageFull), format_args!("x")).unwrap_err();
        assert!(!full.is_closed());
        assert_eq!(full.exit_code(), 1);
        assert_eq!(full.to_string(), "cannot write to standard output: no storage space");
    }

    #[test]
    fn what_is_written_arrives_whole() {
        let mut out = Vec::new();
        write_to(&mut out, format_args!("{} {}\n", "a", 1)).unwrap();
        assert_eq!(out, b"a 1\n");
    }
}
