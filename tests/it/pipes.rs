//! The command line's output into a pipe, with the real binary: a reader
//! that goes away early (`thbwatch eval FILE | head -3`) ends the command
//! at once, silently, with exit status 141 as SIGPIPE would; a reader
//! that reads everything gets everything; any other failed write is
//! named on standard error with exit 1.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{TAGS, stdout, thbwatch, write_config};

/// Rows labelled trafficking whose text no rule matches: each is a false
/// negative `eval` prints, a few hundred bytes apiece.
const ROWS: usize = 1_500;

/// More than a pipe holds (64 KiB on Linux) many times over, so a command
/// writing this much cannot finish before its reader goes away.
const LARGE: usize = 256 * 1024;

/// Sources in the configuration: a row each in `sources`, past [`LARGE`].
const SOURCES: usize = 4_000;

/// A configuration with `sources` sources and the tests' tags, and a
/// labelled file of [`ROWS`] false negatives.
fn setup(dir: &Path, sources: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut config = format!("[storage]\npath = \"{}\"\n", dir.join("thbwatch.db").display());
    for i in 0..sources {
        config.push_str(&format!("[sources.source-{i:05}]\nurl = \"http://127.0.0.1:9/{i}\"\n"));
    }
    config.push_str(TAGS);
    let config = write_config(dir, &config);
    let mut labelled = String::from("id\tlang\ttags\ttext\n");
    let filler = "The council met on Tuesday to discuss the repair of the bypass, the \
                  timetable of the ferries and the budget of the harbour authority for \
                  the coming year; no decision was taken and the session was adjourned. ";
    for i in 1..=ROWS {
        labelled.push_str(&format!(
            "r{i}\ten\ttrafficking\tRoad works, week {i} | {filler}{filler}\n"
        ));
    }
    let file = dir.join("labelled.tsv");
    std::fs::write(&file, labelled).unwrap();
    (config, file)
}

/// An OPML file with `feeds` subscriptions.
fn opml(dir: &Path, feeds: usize) -> std::path::PathBuf {
    let mut text = String::from("<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head/><body>\n");
    for i in 0..feeds {
        text.push_str(&format!(
            "<outline type=\"rss\" text=\"Ministry bulletin {i}\" xmlUrl=\"https://example.org/feeds/{i}.xml\"/>\n"
        ));
    }
    text.push_str("</body></opml>\n");
    let path = dir.join("subscriptions.opml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the binary, reads the first bytes it writes, and closes the read
/// end of its standard output, as `head` does when it has enough.
fn close_after_first_bytes(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0; 1024];
    let read = out.read(&mut first).unwrap();
    assert!(read > 0, "thbwatch {args:?} wrote nothing");
    drop(out);
    child.wait_with_output().unwrap()
}

#[test]
fn a_reader_that_goes_away_ends_each_command_quietly_with_141() {
    let dir = tempfile::tempdir().unwrap();
    let (config, file) = setup(dir.path(), SOURCES);
    let (config, file) = (config.to_str().unwrap(), file.to_str().unwrap());
    let opml = opml(dir.path(), 3_000);
    // Each way a command reaches standard output: before the configuration
    // is read (import-opml), before the async runtime starts (eval, as
    // tables and as JSON), and from a command run on the runtime (sources).
    let commands: [&[&str]; 5] = [
        &["import-opml", opml.to_str().unwrap()],
        &["--config", config, "eval", file],
        &["--config", config, "eval", "--json", file],
        &["--config", config, "sources"],
        &["--config", config, "sources", "--json"],
    ];
    for args in commands {
        let output = close_after_first_bytes(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "thbwatch {args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(141), "thbwatch {args:?}: {stderr}");
        assert_eq!(stderr, "", "thbwatch {args:?} says nothing");
    }
}

#[test]
fn a_reader_that_reads_everything_gets_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (config, file) = setup(dir.path(), SOURCES);
    let output = thbwatch(&config, &["eval", file.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    // Large enough that the test above closes its pipe with most of it
    // still to write.
    assert!(text.len() > LARGE, "{} bytes", text.len());
    assert!(text.contains(&format!("\nerrors: {ROWS}\n")), "{text}");
    let errors: Vec<&str> = text.lines().filter(|line| line.starts_with("FN ")).collect();
    assert_eq!(errors.len(), ROWS);
    assert!(
        errors[ROWS - 1].starts_with(&format!("FN r{ROWS} ")),
        "{}",
        errors[ROWS - 1]
    );
    // And a command on the runtime: one row per source, the last included.
    let output = thbwatch(&config, &["sources"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.len() > LARGE, "{} bytes", text.len());
    assert!(text.lines().any(|line| line.starts_with("source-03999 ")), "{text}");
}

/// `/dev/full` fails every write with "no space left on device".
#[cfg(target_os = "linux")]
#[test]
fn a_write_that_fails_otherwise_is_named_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (config, file) = setup(dir.path(), 1);
    for args in [vec!["check"], vec!["eval", file.to_str().unwrap()]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
            .arg("--config")
            .arg(&config)
            .args(&args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "thbwatch {args:?}: {stderr}");
        assert_eq!(
            stderr, "thbwatch: cannot write to standard output: No space left on device (os error 28)\n",
            "thbwatch {args:?}"
        );
    }
}
