//! Sources whose address holds a secret: `url_env` and `url_file`, their
//! mistakes reported with line and column but never quoting the address,
//! and the public forms of every kind of address.

use std::path::Path;

use super::*;

fn load(dir: &Path, source: &str) -> Result<Config, Vec<String>> {
    let path = dir.join("config.toml");
    let text = format!("[sources.private]\n{source}\n");
    Config::parse(&text, &path).map_err(|problems| problems.iter().map(|p| p.to_string()).collect())
}

#[test]
fn an_address_from_a_file_is_hidden_everywhere_but_fetching() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("feed-url"),
        "https://feeds.example.org/u/SEKRITPATH/feed.rss?feed=SEKRITFEED&lang=lv\n",
    )
    .unwrap();
    let config = load(dir.path(), "url_file = \"feed-url\"").unwrap();
    let source = &config.sources[0];
    assert!(source.url_hidden);
    assert_eq!(
        source.url.as_str(),
        "https://feeds.example.org/u/SEKRITPATH/feed.rss?feed=SEKRITFEED&lang=lv"
    );
    assert_eq!(source.public_url(), "https://feeds.example.org/");
    let stored = source.stored_url();
    assert!(stored.starts_with("https://feeds.example.org/#sha256-"), "{stored}");
    for shown in [stored, format!("{source:?}"), format!("{config:?}")] {
        assert!(!shown.contains("SEKRIT"), "{shown}");
    }
}

#[test]
fn a_plain_address_shows_all_but_its_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(
        dir.path(),
        "url = \"https://api.example.org/news?apiKey=SEKRIT&lang=lv\"",
    )
    .unwrap();
    let source = &config.sources[0];
    assert!(!source.url_hidden);
    assert_eq!(
        source.public_url(),
        "https://api.example.org/news?apiKey=REDACTED&lang=lv"
    );
    assert_eq!(
        source.stored_url(),
        "https://api.example.org/news?apiKey=SEKRIT&lang=lv"
    );
    assert!(!format!("{source:?}").contains("SEKRIT"));
}

#[test]
fn address_mistakes_name_their_key_and_line_without_quoting_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ftp-url"), "ftp://SEKRIT@files.example/feed").unwrap();
    std::fs::write(dir.path().join("not-a-url"), "SEKRIT").unwrap();
    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    let cases = [
        (
            "url = \"https://a.example/\"\nurl_env = \"FEED_URL\"",
            "2:7: sources.private.url: give only one of url, url_env, url_file",
        ),
        (
            "url_env = \"THBWATCH_TEST_SURELY_UNSET\"",
            "2:11: sources.private.url_env: the environment variable \"THBWATCH_TEST_SURELY_UNSET\" is not set",
        ),
        ("url_file = \"ftp-url\"", "sources.private.url_file: the address in "),
        (
            "url_file = \"not-a-url\"",
            "is not a valid URL (relative URL without a base)",
        ),
        ("url_file = \"empty\"", "2:12: sources.private.url_file: "),
        ("url_file = \"absent\"", "2:12: sources.private.url_file: cannot read "),
        (
            "title = \"x\"",
            "1:10: sources.private.url: missing: every source needs the address of its feed",
        ),
        (
            "url_env = 5",
            "2:11: sources.private.url_env: expected a string, found integer",
        ),
    ];
    for (source, expected) in cases {
        let problems = load(dir.path(), source).unwrap_err();
        assert!(problems.iter().any(|p| p.contains(expected)), "{source}: {problems:?}");
        assert!(!problems.iter().any(|p| p.contains("SEKRIT")), "{source}: {problems:?}");
    }
}

#[test]
fn a_fifo_as_an_address_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let problems = load(dir.path(), "url_file = \"fifo\"").unwrap_err();
    assert!(
        problems[0].ends_with("it is a FIFO (named pipe), not a regular file"),
        "{problems:?}"
    );
    let problems = load(dir.path(), "url_file = \"/dev/zero\"").unwrap_err();
    assert!(
        problems[0].ends_with("it is a character device, not a regular file"),
        "{problems:?}"
    );
}
