//! The analyst's tools as real child processes: `thbwatch match` (lines,
//! JSON, standard input, exit codes), `thbwatch retag` after a rule change
//! reaching stored items and the exported feed, and `check` refusing a bad
//! rule with its line.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{Reply, Server, rss, stdout, thbwatch, write_config};

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
fn check_points_at_the_broken_token_of_every_broken_rule() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[sources.s]\nurl = \"http://127.0.0.1:9/f\"\n\n[tags.t]\nterms = [\"ok\", \"*\", \"\"]\nfields = [\"body\"]\n\
         [tags.u]\nterms = [\n  \"(forced | made) NEAR/99 work*\",\n  \"(forced | made NEAR/4 work*\",\n  \
         { term = \"vinnumansal*\", also = [\"forced-labour\"] },\n]\n\
         exclude = [\"drug AND traffick*\"]\nunless = [\"gulag* OR NOT nazi*\"]\n",
    );
    let output = thbwatch(&config, &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "config.toml has 8 problems:",
        "config.toml:5:17: tags.t.terms[1]: \"*\": a '*' needs letters before it",
        "config.toml:5:22: tags.t.terms[2]: \"\": has no letters or digits",
        "config.toml:6:11: tags.t.fields[0]: \"body\" is not a field",
        "config.toml:9:20: tags.u.terms[0]: \"(forced | made) NEAR/99 work*\": \"NEAR/99\": write NEAR/N or ONEAR/N",
        "config.toml:10:4: tags.u.terms[1]: \"(forced | made NEAR/4 work*\": this '(' is not closed",
        "config.toml:11:36: tags.u.terms[2].also[0]: no tag named \"forced-labour\" (configured: t, u)",
        "config.toml:13:18: tags.u.exclude[0]: \"drug AND traffick*\": an exclude cancels the occurrences it covers, so it cannot use AND",
        "config.toml:14:22: tags.u.unless[0]: \"gulag* OR NOT nazi*\": NOT must follow something to leave out from",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in\n{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retag_applies_a_changed_rule_to_stored_items() {
    let server = Server::start().await;
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

const LANGUAGE_RULES: &str = r#"
[tags.trafficking]
terms = ["trafficking in human being*", "human traffick*"]

[tags.forced-labour]
terms = ["(forced | made) NEAR/4 (work* | labour)", "forced labo*"]
unless = ["memorial* | nazi*"]
"#;

#[test]
fn match_shows_the_whole_proximity_match_cut_titles_and_cancelled_tags() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!("[sources.s]\nurl = \"http://127.0.0.1:9/f\"\n{LANGUAGE_RULES}"),
    );
    let output = thbwatch(
        &config,
        &["match", "--lang", "en", "Men were forced, the court heard, to work"],
    );
    assert!(
        stdout(&output).contains(
            "match: forced-labour: term \"(forced | made) NEAR/4 (work* | labour)\" matched \"forced, the court heard, to work\" in content: "
        ),
        "{}",
        stdout(&output)
    );
    let output = thbwatch(
        &config,
        &[
            "match",
            "--lang",
            "en",
            "Forced labour memorial opens; human trafficking exhibit",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "trafficking still matches");
    assert!(
        stdout(&output).contains(
            "cancelled: forced-labour: term \"(forced | made) NEAR/4 (work* | labour)\" matched \"Forced labour\" in content, but the context \"memorial* | nazi*\" was found as \"memorial\" in content"
        ),
        "{}",
        stdout(&output)
    );
    let output = thbwatch(
        &config,
        &[
            "match",
            "--item",
            "--json",
            "--lang",
            "en",
            "Court hears trafficking in… | …human beings case",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["tags"], serde_json::json!(["trafficking"]));
    let m = &json["matches"][0];
    assert_eq!(
        (&m["field"], &m["end_field"], &m["text"]),
        (
            &serde_json::json!("title"),
            &serde_json::json!("summary"),
            &serde_json::json!("trafficking in… …human beings")
        )
    );
    assert_eq!(json["cancelled"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn published_entries_explain_cut_titles_and_cancelled_tags() {
    let server = Server::start().await;
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>N</title><link>https://n.example/</link>\
        <item><guid>1</guid><title>Court hears trafficking in…</title><description>…human beings case against three men</description><link>https://n.example/1</link></item>\
        <item><guid>2</guid><title>Forced labour memorial opens</title><description>Human trafficking exhibit too.</description><link>https://n.example/2</link></item>\
        </channel></rss>";
    server.set("/n", Reply::feed(feed));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[storage]\npath = \"thb.db\"\n[sources.n]\nurl = \"{}\"\nlanguage = \"en\"\n{LANGUAGE_RULES}",
        server.url("/n")
    );
    let config = write_config(dir.path(), &text);
    assert!(thbwatch(&config, &["poll"]).status.success());
    let atom = stdout(&thbwatch(&config, &["export"]));
    for expected in [
        "<thb:match tag=\"trafficking\" term=\"trafficking in human being*\" field=\"title\" end_field=\"summary\" snippet=\"Court hears trafficking in… …human beings case against three men\">trafficking in… …human beings</thb:match>",
        "Matched: trafficking in… …human beings (title + summary)",
        "<thb:cancelled tag=\"forced-labour\" term=\"(forced | made) NEAR/4 (work* | labour)\" field=\"title\" text=\"Forced labour\" context=\"memorial* | nazi*\" context_field=\"title\">memorial</thb:cancelled>",
        "Cancelled by context: forced-labour: &amp;quot;memorial&amp;quot; (title)",
    ] {
        assert!(atom.contains(expected), "no {expected:?} in\n{atom}");
    }
    let json: serde_json::Value = serde_json::from_str(&stdout(&thbwatch(&config, &["export", "--json"]))).unwrap();
    let memorial = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Forced labour memorial opens")
        .unwrap();
    assert_eq!(memorial["tags"], serde_json::json!(["trafficking"]));
    assert_eq!(memorial["_thbwatch"]["cancelled"][0]["tag"], "forced-labour");
    assert_eq!(memorial["_thbwatch"]["cancelled"][0]["context_text"], "memorial");
}
