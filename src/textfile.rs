//! Reading a text file a person named (the configuration, a credential,
//! an OPML export): a regular file, within a size cap, UTF-8. A FIFO, a
//! device (`/dev/zero`) or a directory is refused before it is opened, so
//! nothing blocks waiting for a writer or reads forever.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// Why the file could not be read. Callers name the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {}, more than thbwatch reads from such a file", size(*.0))]
    TooLarge(u64),
    #[error("it is not UTF-8 text")]
    NotUtf8,
}

/// The whole file as text, if it is a regular file of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<String, Error> {
    // Checked before opening: opening a FIFO blocks until a writer comes.
    regular(&std::fs::metadata(path)?)?;
    let file = File::open(path)?;
    // And again on what was opened, in case the name changed meanwhile.
    let metadata = file.metadata()?;
    regular(&metadata)?;
    if metadata.len() > limit {
        return Err(Error::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // A file growing while it is read is still cut at the cap.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|_| Error::NotUtf8)
}

fn regular(metadata: &std::fs::Metadata) -> Result<(), Error> {
    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(Error::NotRegular(what))
}

/// A byte count for people: "16 MiB", "64 KiB", "500 bytes".
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let message = |p: &Path| read(p, 1024).unwrap_err().to_string();
        assert_eq!(message(&fifo), "it is a FIFO (named pipe), not a regular file");
        assert_eq!(
            message(Path::new("/dev/zero")),
            "it is a character device, not a regular file"
        );
        assert_eq!(message(dir.path()), "it is a directory, not a regular file");
        assert!(matches!(read(&dir.path().join("absent"), 1024), Err(Error::Io(_))));
    }

    #[test]
    fn size_and_encoding_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "x".repeat(2048)).unwrap();
        assert_eq!(read(&path, 2048).unwrap().len(), 2048);
        assert_eq!(
            read(&path, 1024).unwrap_err().to_string(),
            "it is larger than 1 KiB, more than thbwatch reads from such a file"
        );
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(read(&path, 1024), Err(Error::NotUtf8)));
    }
}
