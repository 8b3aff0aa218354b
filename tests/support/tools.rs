//! The programs some tests drive. `build.rs` ignores a test whose program
//! is missing; under `CI=true` the test runs anyway, and these fail it,
//! naming what is missing and how to install it.

use std::path::PathBuf;
use std::process::Command;

const INSTALL: &str = "run scripts/install-test-tools";

/// The first of `names` found on `PATH`.
pub(crate) fn program(names: &[&str]) -> PathBuf {
    let folders: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|name| folders.iter().map(move |folder| folder.join(name)))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{} is not installed (not on PATH): {INSTALL}", names.join(" or ")))
}

/// Fails unless `python3` can import `module`.
pub(crate) fn python_module(module: &str) {
    let output = Command::new("python3")
        .arg("-c")
        .arg(format!("import {module}"))
        .output()
        .unwrap_or_else(|e| panic!("python3 is not installed ({e}): {INSTALL}"));
    assert!(
        output.status.success(),
        "python3 cannot import {module}: {INSTALL}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
