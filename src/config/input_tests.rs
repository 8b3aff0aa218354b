//! Configuration files as they may arrive: not a file at all, too large,
//! numbers beyond any integer, and tens of thousands of mistakes, each
//! reported clearly and in time linear in the file.

use std::path::Path;

use super::*;

#[test]
fn a_fifo_a_device_or_a_huge_file_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("config.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let message = |p: &Path| Config::load(p).unwrap_err().to_string();
    assert_eq!(
        message(&fifo),
        format!(
            "cannot read configuration {}: it is a FIFO (named pipe), not a regular file",
            fifo.display()
        )
    );
    assert_eq!(
        message(Path::new("/dev/zero")),
        "cannot read configuration /dev/zero: it is a character device, not a regular file"
    );
    let huge = dir.path().join("huge.toml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(MAX_CONFIG_BYTES + 1)
        .unwrap();
    assert_eq!(
        message(&huge),
        format!(
            "cannot read configuration {}: it is larger than 16 MiB, more than thbwatch reads from such a file",
            huge.display()
        )
    );
}

#[test]
fn integers_out_of_range_say_so() {
    let cases = [
        (
            "max_items = 99999999999999999999",
            "99999999999999999999 is out of range: use 1 to 1000000",
        ),
        (
            "max_items = -9999999999999999999",
            "-9999999999999999999 is out of range: use 1 to 1000000",
        ),
        ("max_items = 0", "0 is out of range: use 1 to 1000000"),
        ("max_concurrent = -1", "-1 is out of range: use 1 to 1024"),
        (
            "max_body_bytes = 0xffffffffffffffffff",
            "0xffffffffffffffffff is out of range: use 1024 to 1073741824",
        ),
        ("max_items = 1.5", "expected an integer, found float"),
    ];
    for (line, expected) in cases {
        let text = format!("[poll]\n{line}\n[sources.a]\nurl = \"https://a.example/\"\n");
        let problems = Config::parse(&text, Path::new("c.toml")).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().ends_with(expected), "{line}: {}", problems[0]);
        assert_eq!((problems[0].line, problems[0].column), (2, line.find('=').unwrap() + 3));
    }
}

/// 80,000 mistakes, on their own lines and all on one line: every one is
/// reported, in file order, at its place.
#[test]
fn tens_of_thousands_of_mistakes_are_all_reported_where_they_are() {
    const N: usize = 80_000;
    let mut lines = String::new();
    let mut one_line = String::from("sources = { ");
    for i in 0..N {
        lines.push_str(&format!("[sources.s{i}]\nurl = \"ftp://x{i}.example/\"\n"));
        one_line.push_str(&format!("s{i} = {{ url = \"ftp://x{i}.example/\" }}, "));
    }
    one_line.push_str("}\n");
    let problems = Config::parse(&lines, Path::new("c.toml")).unwrap_err();
    assert_eq!(problems.len(), N);
    let last = &problems[N - 1];
    assert_eq!((last.line, last.column), (2 * N, 7));
    assert_eq!(last.key, format!("sources.s{}.url", N - 1));

    let problems = Config::parse(&one_line, Path::new("c.toml")).unwrap_err();
    assert!(problems.len() >= N, "{}", problems.len());
    let columns: Vec<usize> = problems.iter().filter(|p| p.line == 1).map(|p| p.column).collect();
    assert!(columns.windows(2).all(|w| w[0] <= w[1]), "in file order");
    let last = problems
        .iter()
        .find(|p| p.key == format!("sources.s{}.url", N - 1))
        .unwrap();
    assert_eq!(last.column, one_line.rfind("\"ftp://").unwrap() + 1);
}
