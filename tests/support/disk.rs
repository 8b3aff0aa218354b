//! A small file system of its own (tmpfs) for tests that fill the disk
//! under the database. Mounting needs root (CI runs as root): `build.rs`
//! ignores those tests elsewhere, and under `CI=true` they fail here,
//! saying why.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs, unmounted when dropped (drop the daemon using it first).
pub(crate) struct Tmpfs {
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `bytes`, or fails the test saying why not.
    pub(crate) fn mount(bytes: u64) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir.path())
            .output();
        match output {
            Ok(out) if out.status.success() => Tmpfs {
                path: dir.path().to_path_buf(),
                _dir: dir,
            },
            Ok(out) => panic!(
                "cannot mount a tmpfs (it needs root, as CI has): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => panic!("cannot run `mount` to mount a tmpfs: {e}"),
        }
    }

    /// Fills the file system to the last byte with `name`.
    pub(crate) fn fill(&self, name: &str) -> PathBuf {
        let path = self.path.join(name);
        let mut file = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let block = vec![0x55u8; chunk];
            while file.write_all(&block).is_ok() {}
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Whether `path`'s file system has no room left for one more page.
pub(crate) fn is_full(path: &Path) -> bool {
    let probe = path.join(".room");
    let full = std::fs::write(&probe, vec![0u8; 4096]).is_err();
    let _ = std::fs::remove_file(probe);
    full
}
