//! What a person may hand the command line by mistake or on a bad day,
//! with the real binary: a FIFO or a device as the configuration or the
//! OPML file, tens of thousands of mistakes, a hundred thousand outlines
//! with one title, numbers beyond any integer, a database with a foreign
//! or garbage schema version. Each ends promptly with a clear message and
//! the documented exit code.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::daemon::DEADLINE;
use crate::support::write_config;

/// Runs the binary to completion, failing (not hanging) past the deadline.
fn run(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    // Its output is read while it runs, so a full pipe cannot stall it.
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(DEADLINE * 4) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("thbwatch {args:?} did not finish");
        }
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
fn a_fifo_or_a_device_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    for (args, expected) in [
        (
            vec!["--config", fifo, "check"],
            format!("thbwatch: cannot read configuration {fifo}: it is a FIFO (named pipe), not a regular file"),
        ),
        (
            vec!["--config", "/dev/zero", "run"],
            "thbwatch: cannot read configuration /dev/zero: it is a character device, not a regular file".to_string(),
        ),
        (
            vec!["import-opml", fifo],
            format!("thbwatch: cannot read {fifo}: it is a FIFO (named pipe), not a regular file"),
        ),
        (
            vec!["import-opml", "/dev/zero"],
            "thbwatch: cannot read /dev/zero: it is a character device, not a regular file".to_string(),
        ),
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert_eq!(stderr(&output).lines().next(), Some(expected.as_str()), "{args:?}");
    }
}

/// `check` reports every one of 80,000 problems, each at its line.
#[test]
fn check_reports_eighty_thousand_problems() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[poll]\nmax_items = 99999999999999999999\n");
    for i in 0..80_000 {
        text.push_str(&format!("[sources.s{i}]\nurl = \"ftp://x{i}.example/\"\n"));
    }
    let config = write_config(dir.path(), &text);
    let output = run(&["--config", config.to_str().unwrap(), "check"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr(&output);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 80_002, "a header and one line per problem");
    assert!(lines[0].ends_with("has 80001 problems:"), "{}", lines[0]);
    assert!(
        lines[1].ends_with("config.toml:2:13: poll.max_items: 99999999999999999999 is out of range: use 1 to 1000000"),
        "{}",
        lines[1]
    );
    assert!(
        lines[80_001].ends_with(
            "config.toml:160002:7: sources.s79999.url: \"ftp://x79999.example/\" is not an http or https URL (scheme \"ftp\")"
        ),
        "{}",
        lines[80_001]
    );
}

/// 100,000 outlines with one title become 100,000 tables with distinct ids.
#[test]
fn import_opml_numbers_a_hundred_thousand_repeated_titles() {
    let dir = tempfile::tempdir().unwrap();
    let mut opml = String::from("<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n");
    for i in 0..100_000 {
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"Ministry News\" xmlUrl=\"https://feeds{i}.example.org/rss\"/>\n"
        ));
    }
    opml.push_str("</body></opml>\n");
    let path = dir.path().join("subscriptions.opml");
    std::fs::write(&path, opml).unwrap();
    let output = run(&["import-opml", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let tables = String::from_utf8(output.stdout).unwrap();
    let ids: std::collections::HashSet<&str> = tables
        .lines()
        .filter_map(|l| l.strip_prefix("[sources.")?.strip_suffix(']'))
        .collect();
    assert_eq!(ids.len(), 100_000);
    assert!(ids.contains("ministry-news") && ids.contains("ministry-news-100000"));
    // What it prints is a configuration `check` accepts.
    let config = write_config(dir.path(), &tables);
    let checked = run(&["--config", config.to_str().unwrap(), "check"]);
    assert!(checked.status.success(), "{}", stderr(&checked));
}

/// Writes a database file for a case.
type MakeDatabase = fn(&Path);

/// A database whose schema version thbwatch never wrote, another
/// program's database, and a file that is no database at all: exit 3
/// (no restart helps), naming the file and what to do, the file untouched.
#[test]
fn a_foreign_or_garbage_database_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"thb.db\"\n[sources.a]\nurl = \"http://127.0.0.1:9/feed\"\n",
    );
    let db = dir.path().join("thb.db");
    let cases: [(&str, MakeDatabase, &str); 4] = [
        (
            "user_version -1",
            |db| {
                let conn = rusqlite::Connection::open(db).unwrap();
                conn.pragma_update(None, "user_version", -1).unwrap();
            },
            "has schema version -1, which this thbwatch did not write (it knows 1 to ",
        ),
        (
            "user_version 123456",
            |db| {
                let conn = rusqlite::Connection::open(db).unwrap();
                conn.pragma_update(None, "user_version", 123_456).unwrap();
            },
            "has schema version 123456, which this thbwatch did not write",
        ),
        (
            "another program's",
            |db| {
                let conn = rusqlite::Connection::open(db).unwrap();
                conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
                    .unwrap();
            },
            "is not a thbwatch database (it holds 1 tables or indexes but no thbwatch schema version)",
        ),
        (
            "not a database",
            |db| std::fs::write(db, "x".repeat(8192)).unwrap(),
            "is not a thbwatch database (SQLite: file is not a database)",
        ),
    ];
    for (what, make, expected) in cases {
        let _ = std::fs::remove_file(&db);
        make(&db);
        let before = std::fs::read(&db).unwrap();
        for command in ["sources", "run"] {
            let output = run(&["--config", config.to_str().unwrap(), command]);
            let stderr = stderr(&output);
            assert_eq!(output.status.code(), Some(3), "{what}, {command}: {stderr}");
            let last = stderr.lines().last().unwrap_or_default();
            assert!(
                last.starts_with(&format!("thbwatch: database {} {expected}", db.display())),
                "{what}, {command}: {last}"
            );
            assert!(
                last.contains("restore a backup") || last.contains("point [storage] path at"),
                "{what}: {last}"
            );
        }
        assert_eq!(std::fs::read(&db).unwrap(), before, "{what}: the file is untouched");
    }
}
