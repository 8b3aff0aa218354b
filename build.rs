//! Looks for the programs some tests drive (jing, newsboat, chromium,
//! systemd-analyze, Python 3.11 with feedparser and aiosmtpd, node with
//! playwright-core and axe-core in `tests/browser`) and sets a
//! `has_*` cfg flag for each one found; `can_mount_tmpfs` when the tests
//! run as root with `mount` at hand (to fill a small disk of their own). A test whose program is missing is
//! `#[ignore]`d with the reason, so `cargo test` lists and counts it;
//! `can_open_many_files` when the hard open-files limit lets a test hold
//! a crowd of connections. With
//! `CI=true` every flag is set: such a test runs and fails, naming what is
//! missing. `THBWATCH_MEASURE=1` turns measurements into tests
//! (`thbwatch_measure`). The library and the binary use none of this.

use std::env;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

/// cfg flag, then the program names that satisfy it (any one).
const PROGRAMS: &[(&str, &[&str])] = &[
    ("has_jing", &["jing"]),
    ("has_newsboat", &["newsboat"]),
    ("has_chromium", &["chromium", "chromium-browser"]),
    ("has_systemd_analyze", &["systemd-analyze"]),
];

/// cfg flag, then the Python module `python3` must be able to import
/// (`tomllib`: Python 3.11 or newer).
const PYTHON_MODULES: &[(&str, &str)] = &[
    ("has_python3", "tomllib"),
    ("has_feedparser", "feedparser"),
    ("has_aiosmtpd", "aiosmtpd"),
];

/// node, and the npm packages the browser test loads (installed into
/// `tests/browser/node_modules` by `scripts/install-test-tools`).
const BROWSER: &str = "has_browser_tools";
const NODE_PACKAGES: [&str; 2] = ["playwright-core", "axe-core"];

const MEASURE: &str = "thbwatch_measure";
const MOUNT: &str = "can_mount_tmpfs";
/// The hard open-files limit lets a test hold a crowd of connections.
const MANY_FILES: &str = "can_open_many_files";
const MANY_FILES_NEEDED: u64 = 2048;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for variable in ["CI", "PATH", "THBWATCH_MEASURE"] {
        println!("cargo::rerun-if-env-changed={variable}");
    }
    let flags = PROGRAMS
        .iter()
        .map(|p| p.0)
        .chain(PYTHON_MODULES.iter().map(|m| m.0))
        .chain([MOUNT, MANY_FILES, BROWSER]);
    for flag in flags.clone().chain([MEASURE]) {
        println!("cargo::rustc-check-cfg=cfg({flag})");
    }
    if env::var_os("THBWATCH_MEASURE").is_some_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg={MEASURE}");
    }
    if env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        // Nothing may be skipped: a missing program fails its test.
        for flag in flags {
            println!("cargo::rustc-cfg={flag}");
        }
        return;
    }
    let mut missing = Vec::new();
    for (flag, names) in PROGRAMS {
        if names.iter().any(|name| on_path(name)) {
            println!("cargo::rustc-cfg={flag}");
        } else {
            missing.push(names[0]);
        }
    }
    let found = importable(PYTHON_MODULES.iter().map(|m| m.1));
    for (flag, module) in PYTHON_MODULES {
        if found.iter().any(|f| f == module) {
            println!("cargo::rustc-cfg={flag}");
        } else {
            missing.push(if *module == "tomllib" {
                "python3 (3.11+)"
            } else {
                module
            });
        }
    }
    let modules =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default()).join("tests/browser/node_modules");
    if on_path("node")
        && NODE_PACKAGES
            .iter()
            .all(|p| modules.join(p).join("package.json").is_file())
    {
        println!("cargo::rustc-cfg={BROWSER}");
    } else {
        missing.push("node with playwright-core and axe-core");
    }
    if is_root() && on_path("mount") {
        println!("cargo::rustc-cfg={MOUNT}");
    } else {
        missing.push("root (to mount a tmpfs)");
    }
    if hard_open_files_limit().is_some_and(|limit| limit >= MANY_FILES_NEEDED) {
        println!("cargo::rustc-cfg={MANY_FILES}");
    } else {
        missing.push("a hard open-files limit of 2048 (ulimit -Hn)");
    }
    watch_path_folders();
    if !missing.is_empty() {
        println!(
            "cargo::warning=tests ignored on this machine for want of: {} (scripts/install-test-tools installs the programs)",
            missing.join(", ")
        );
    }
}

/// Whether this process runs as root (effective user id 0), from
/// `/proc/self/status` (`Uid:` real, effective, saved, file system).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

/// The hard limit on open files, from `/proc/self/limits` ("unlimited"
/// reads as the largest number).
fn hard_open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let hard = line.split_whitespace().nth(4)?;
    Some(if hard == "unlimited" {
        u64::MAX
    } else {
        hard.parse().ok()?
    })
}

fn path_folders() -> Vec<PathBuf> {
    env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect())
        .unwrap_or_default()
}

/// An executable file of this name in a folder on `PATH`.
fn on_path(name: &str) -> bool {
    path_folders().iter().any(|folder| {
        std::fs::metadata(folder.join(name)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// The modules `python3` can import (none when there is no python3).
fn importable<'a>(modules: impl Iterator<Item = &'a str>) -> Vec<String> {
    let script = "import importlib.util, sys\n\
                  print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))";
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(modules)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| {
            String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Probes again when a program is installed into (or removed from) a
/// folder on `PATH`. Cargo's own folder is left out: `cargo install`
/// writes there, and must not make the tests rebuild.
fn watch_path_folders() {
    let cargo_bin = env::var_os("CARGO_HOME").map(|home| PathBuf::from(home).join("bin"));
    for folder in path_folders() {
        let cargo_owned = cargo_bin.as_ref() == Some(&folder) || folder.ends_with(".cargo/bin");
        if folder.is_absolute() && folder.is_dir() && !cargo_owned {
            println!("cargo::rerun-if-changed={}", folder.display());
        }
    }
}
