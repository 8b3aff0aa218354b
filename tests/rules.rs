//! The analyst's tools as real child processes: `thbwatch match` (lines,
//! JSON, standard input, exit codes), `thbwatch retag` after a rule change
//! reaching stored items and the exported feed, and `check` refusing a bad
//! rule with its line.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{FeedServer, Reply, rss, stdout, thbwatch, write_config};

const RULES: &str = r#"
[sources.s]
url = "http://127.0.0.1:9/feed"

[tags.trafficking]
terms = ["cilvēk* tirdzniecīb*", "human traffick*", "trafficking"]
exclude = ["drug trafficking"]

[tags.smuggling]
terms = ["migrant smuggl*"]
languages = ["en"]
"#;

#[test]
fn match_explains_what_matched_where_and_what_was_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), RULES);

    let output = thbwatch(
        &config,
        &[
            "match",
            "Policija brīdina par cilvēku tirdzniecības riskiem un darba ekspluatāciju ārzemēs.",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("language: lv (detected)\n"), "{text}");
    assert!(
        text.contains(
            "match: trafficking: term \"cilvēk* tirdzniecīb*\" matched \"cilvēku tirdzniecības\" in content: "
        ),
        "{text}"
    );

    let output = thbwatch(
        &config,
        &[
            "match",
            "--field",
            "title",
            "--lang",
            "en",
            "Drug trafficking ring broken up",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "no tag: exit 1");
    let text = stdout(&output);
    assert!(text.contains("language: en (given)"), "{text}");
    assert!(
        text.contains("excluded: trafficking: term \"trafficking\" matched \"trafficking\" in title, cancelled by exclude \"drug trafficking\""),
        "{text}"
    );
    assert!(text.ends_with("no tag matches\n"), "{text}");

    let output = thbwatch(&config, &["match", "--lang", "de", "Migrant smugglers arrested"]);
    assert!(
        stdout(&output).contains(
            "skipped: smuggling: a term matched in content, but the rule only applies to en (this text is de)"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn match_reads_standard_input_and_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), RULES);
    let mut child = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(["--config", config.to_str().unwrap(), "match", "--json", "--lang", "en"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Conference on HUMAN-TRAFFICKING and migrant smuggling".as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["language"], "en");
    assert_eq!(json["tags"], serde_json::json!(["trafficking", "smuggling"]));
    assert_eq!(json["matches"][0]["term"], "human traffick*");
    assert_eq!(json["matches"][0]["text"], "HUMAN-TRAFFICKING");
    assert_eq!(json["matches"][0]["field"], "content");
}

#[test]
fn check_refuses_a_lone_star_and_an_empty_term_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[sources.s]\nurl = \"http://127.0.0.1:9/f\"\n\n[tags.t]\nterms = [\"ok\", \"*\", \"\"]\nfields = [\"body\"]\n",
    );
    let output = thbwatch(&config, &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("config.toml:5:16: tags.t.terms[1]: \"*\""), "{stderr}");
    assert!(
        stderr.contains("config.toml:5:21: tags.t.terms[2]: \"\": has no letters or digits"),
        "{stderr}"
    );
    assert!(
        stderr.contains("config.toml:6:11: tags.t.fields[0]: \"body\" is not a field"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retag_applies_a_changed_rule_to_stored_items() {
    let server = FeedServer::start().await;
    let items = [
        ("1", "Darba ekspluatācija atklāta Rīgā", "https://example.org/1"),
        (
            "2",
            "Cilvēku tirdzniecības upuri saņem palīdzību",
            "https://example.org/2",
        ),
        ("3", "Laika ziņas", "https://example.org/3"),
    ];
    server.set("/lv", Reply::feed(rss("LV", &items)));
    let dir = tempfile::tempdir().unwrap();
    let before = format!(
        "[storage]\npath = \"thb.db\"\n[sources.lv]\nurl = \"{}\"\nlanguage = \"lv\"\n\
         [tags.trafficking]\nterms = [\"cilvēk* tirdzniecīb*\"]\n",
        server.url("/lv")
    );
    let config = write_config(dir.path(), &before);
    assert!(stdout(&thbwatch(&config, &["poll"])).contains("lv: ok: 3 new"));
    let exported = stdout(&thbwatch(&config, &["export"]));
    assert_eq!(exported.matches("<entry").count(), 1);

    // The analyst adds a rule; stored items get it without a new poll.
    write_config(
        dir.path(),
        &format!("{before}[tags.forced-labour]\nterms = [\"darba ekspluatācij*\"]\nlabel = \"Forced labour\"\n"),
    );
    let retag = thbwatch(&config, &["retag"]);
    assert!(retag.status.success());
    assert_eq!(
        stdout(&retag),
        "retagged 3 items: 2 carry a tag now (before: 1)\n\
         a running daemon keeps its previous rules until it is reloaded: systemctl reload thbwatch (or send it SIGHUP)\n"
    );
    let exported = stdout(&thbwatch(&config, &["export"]));
    assert_eq!(exported.matches("<entry").count(), 2, "{exported}");
    assert!(
        exported.contains("<category term=\"forced-labour\" scheme=\"urn:thbwatch:tags\" label=\"Forced labour\"/>"),
        "{exported}"
    );
    assert!(
        exported.contains(
            "<thb:match tag=\"forced-labour\" term=\"darba ekspluatācij*\" field=\"title\" snippet=\"Darba ekspluatācija atklāta Rīgā\">Darba ekspluatācija</thb:match>"
        ),
        "{exported}"
    );
    assert!(exported.contains("Matched: Darba ekspluatācija (title)"), "{exported}");
}
