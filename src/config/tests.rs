//! Table-driven tests of configuration loading and its error reports.

use std::path::Path;

use super::*;

const VALID: &str = r#"
[server]
listen = "127.0.0.1:9090"
base_url = "https://watch.example.org/thb"

[storage]
path = "data/thb.db"

[poll]
schedule = "*/10 * * * *"
timeout = "20s"

[feed]
title = "THB news"
max_entries = 50

[sources.cbss]
url = "https://cbss.org/feed/"
title = "Council of the Baltic Sea States"
language = "en"
schedule = "0 * * * *"

[sources.lv-interior]
url = "https://www.iem.gov.lv/lv/rss/articles"
country = "LV"

[tags.trafficking]
terms = ["human trafficking", "cilvēku tirdzniecība"]
exclude = ["drug trafficking"]
"#;

fn problems(text: &str) -> Vec<String> {
    match Config::parse(text, Path::new("/etc/thbwatch/config.toml")) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn a_valid_file_loads_with_defaults_filled_in() {
    let config = Config::parse(VALID, Path::new("/etc/thbwatch/config.toml")).unwrap();
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:9090");
    assert_eq!(
        config.server.base_url.unwrap().as_str(),
        "https://watch.example.org/thb/"
    );
    assert_eq!(config.storage.path, Path::new("/etc/thbwatch/data/thb.db"));
    assert_eq!(config.poll.schedule, "0 */10 * * * *");
    assert_eq!(config.poll.timeout, Duration::from_secs(20));
    assert_eq!(config.poll.max_concurrent, DEFAULT_MAX_CONCURRENT);
    assert_eq!(config.feed.max_entries, 50);
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["cbss", "lv-interior"]);
    assert_eq!(config.sources[0].schedule, "0 0 * * * *");
    assert_eq!(config.sources[1].schedule, "0 */10 * * * *", "default schedule applies");
    assert_eq!(config.sources[1].country.as_deref(), Some("lv"));
    assert_eq!(config.tags[0].exclude, ["drug trafficking"]);
}

#[test]
fn fetching_settings_have_safe_defaults_and_per_source_overrides() {
    let text = "[poll]\nhost_interval = \"0s\"\n\n[sources.a]\nurl = \"https://a.example/feed\"\n\
                timeout = \"5s\"\nuser_agent = \"thbwatch (ops@example.org)\"\n\
                headers = { \"Accept-Language\" = \"lv\", \"X-Api-Key\" = \"k\" }\n\
                [sources.b]\nurl = \"https://b.example/feed\"\n";
    let config = Config::parse(text, Path::new("c.toml")).unwrap();
    let poll = &config.poll;
    assert_eq!(poll.host_interval, Duration::ZERO, "zero means no gap");
    assert_eq!(poll.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(
        (poll.backoff_base, poll.backoff_max),
        (DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX)
    );
    assert_eq!(poll.backoff_max, Duration::from_secs(6 * 3600));
    assert_eq!(poll.max_body_bytes, 10 * 1024 * 1024);
    assert_eq!(poll.max_concurrent, 8);
    assert!(poll.user_agent.starts_with("thbwatch/"));
    let a = &config.sources[0];
    assert_eq!(a.timeout, Some(Duration::from_secs(5)));
    assert_eq!(a.user_agent.as_deref(), Some("thbwatch (ops@example.org)"));
    let headers: Vec<(&str, &str)> = a.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
    assert_eq!(headers, [("Accept-Language", "lv"), ("X-Api-Key", "k")]);
    assert_eq!(format!("{:?}", a.headers[1]), "X-Api-Key: <redacted>");
    let b = &config.sources[1];
    assert_eq!((b.timeout, b.user_agent.as_deref(), b.headers.len()), (None, None, 0));
}

#[test]
fn a_minimal_file_needs_only_a_source() {
    let config = Config::parse("[sources.a]\nurl = \"http://127.0.0.1:1/feed\"\n", Path::new("c.toml")).unwrap();
    assert_eq!(config.server.listen.to_string(), DEFAULT_LISTEN);
    assert!(config.tags.is_empty());
    assert_eq!(config.feed.max_entries, DEFAULT_MAX_ENTRIES);
}

#[test]
fn each_kind_of_mistake_names_its_key_and_line() {
    let base = "[sources.ok]\nurl = \"https://example.org/feed\"\n";
    let cases: &[(&str, &str)] = &[
        (
            "[server]\nlisen = \"127.0.0.1:1\"\n",
            "4:1: server.lisen: unknown key (expected one of: listen, base_url, cache_max_age, log)",
        ),
        (
            "[server]\nlisten = \"localhost\"\n",
            "4:10: server.listen: \"localhost\" is not an IP address",
        ),
        (
            "[poll]\nschedule = \"*/15 * *\"\n",
            "4:12: poll.schedule: \"*/15 * *\" has 3 fields",
        ),
        (
            "[poll]\nschedule = \"99 * * * *\"\n",
            "4:12: poll.schedule: \"99 * * * *\" is not a valid cron expression",
        ),
        (
            "[poll]\ntimeout = \"soon\"\n",
            "4:11: poll.timeout: \"soon\" is not a duration",
        ),
        (
            "[poll]\nmax_concurrent = 0\n",
            "4:18: poll.max_concurrent: 0 is out of range",
        ),
        (
            "[feed]\nmax_entries = \"ten\"\n",
            "4:15: feed.max_entries: expected an integer, found string",
        ),
        (
            "[sources.b]\nurl = \"ftp://example.org/x\"\n",
            "4:7: sources.b.url: \"ftp://example.org/x\" is not an http or https URL",
        ),
        (
            "[sources.c]\nurl = \"not a url\"\n",
            "4:7: sources.c.url: \"not a url\" is not a valid URL",
        ),
        (
            "[sources.u]\nurl = \"https://user:pw@example.org/f\"\n",
            "4:7: sources.u.url: must not contain a user name or password",
        ),
        (
            "[poll]\nuser_agent = \"bot\\u0001\"\n",
            "4:14: poll.user_agent: must be one non-empty line of printable ASCII",
        ),
        (
            "[sources.d]\nurl = \"https://example.org/feed\"\n",
            "4:7: sources.d.url: same url as sources.ok",
        ),
        (
            "[sources.Bad_Id]\nurl = \"https://example.org/b\"\n",
            "3:10: sources.Bad_Id: \"Bad_Id\" is not a valid id",
        ),
        ("[sources.e]\ntitle = \"no url\"\n", "sources.e.url: missing"),
        (
            "[sources.f]\nurl = \"https://f.example/\"\nlanguage = \"l v\"\n",
            "5:12: sources.f.language: \"l v\" is not a language tag",
        ),
        ("[tags.t]\nterms = []\n", "4:9: tags.t.terms: empty"),
        ("[tags.t]\nexclude = [\"x\"]\n", "tags.t.terms: missing"),
        (
            "[tags.t]\nterms = [\"ok\", \" -- \"]\n",
            "4:18: tags.t.terms[1]: \" -- \": has no letters or digits",
        ),
        (
            "[tags.t]\nterms = [\"*\"]\n",
            "4:11: tags.t.terms[0]: \"*\": a '*' needs letters before it",
        ),
        (
            "[tags.t]\nterms = [\"traf*icking\"]\n",
            "4:11: tags.t.terms[0]: \"traf*icking\": '*' may only start or end a word",
        ),
        (
            "[tags.t]\nterms = [\"w* prac*\"]\n",
            "4:11: tags.t.terms[0]: \"w* prac*\": \"w*\": a prefix needs at least 2 letters",
        ),
        (
            "[tags.t]\nexclude = [\"x\"]\nterms = [\"y\"]\nfields = [\"body\"]\n",
            "tags.t.fields[0]: \"body\" is not a field",
        ),
        (
            "[tags.t]\nterms = [\"y\"]\nlanguages = [\"latvian\"]\n",
            "tags.t.languages[0]: \"latvian\" is not a language code",
        ),
        (
            "[tags.t]\nterms = [\"a\", 3]\n",
            "4:15: tags.t.terms[1]: expected a string or a table",
        ),
        ("[sources.ok]\nurl = \"https://dup.example/\"\n", "duplicate key"),
        (
            "[poll]\nbackoff_base = \"2h\"\nbackoff_max = \"1h\"\n",
            "5:15: poll.backoff_max: must not be shorter than backoff_base",
        ),
        (
            "[poll]\ntimeout = \"0s\"\n",
            "4:11: poll.timeout: must be longer than zero",
        ),
        (
            "[sources.g]\nurl = \"https://g.example/\"\nheaders = { \"If-None-Match\" = \"x\" }\n",
            "5:13: sources.g.headers.If-None-Match: \"If-None-Match\" is set by thbwatch",
        ),
        (
            "[sources.g]\nurl = \"https://g.example/\"\nheaders = { \"User-Agent\" = \"x\" }\n",
            "(use the source's user_agent key)",
        ),
        (
            "[sources.g]\nurl = \"https://g.example/\"\nheaders = { \"Bad Name\" = \"x\" }\n",
            "sources.g.headers.Bad Name: \"Bad Name\" is not a valid HTTP header name",
        ),
        (
            "[sources.g]\nurl = \"https://g.example/\"\nheaders = { \"X-Key\" = 5 }\n",
            "sources.g.headers.X-Key: expected a string, found integer",
        ),
        (
            "[sources.g]\nurl = \"https://g.example/\"\ntimeout = \"fast\"\n",
            "5:11: sources.g.timeout: \"fast\" is not a duration",
        ),
        ("[colour]\nx = 1\n", "3:2: colour: unknown key"),
    ];
    for (snippet, expected) in cases {
        let text = format!("{base}{snippet}");
        let found = problems(&text);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "for {snippet:?} expected a problem containing {expected:?}, got {found:#?}"
        );
    }
}

#[test]
fn each_broken_rule_is_reported_at_the_column_of_its_mistake() {
    let base = "[sources.ok]\nurl = \"https://example.org/feed\"\n[tags.other]\nterms = [\"x\"]\n";
    // Line 5 on: the rule under test.
    let cases: &[(&str, &str)] = &[
        (
            "[tags.t]\nterms = [\"forced NEAR/30 labour\"]\n",
            "6:18: tags.t.terms[0]: \"forced NEAR/30 labour\": \"NEAR/30\": write NEAR/N or ONEAR/N with N a number of words from 0 to 20",
        ),
        (
            "[tags.t]\nterms = [\"ok\", \"(forced | made NEAR/4 work*\"]\n",
            "6:17: tags.t.terms[1]: \"(forced | made NEAR/4 work*\": this '(' is not closed",
        ),
        (
            "[tags.t]\nterms = [\"a AND b OR c\"]\n",
            "6:19: tags.t.terms[0]: \"a AND b OR c\": AND and OR mixed without parentheses",
        ),
        (
            "[tags.t]\nterms = [\"human traffick* near/3 women\"]\n",
            "6:27: tags.t.terms[0]: \"human traffick* near/3 women\": \"near/3\": operators are written in capitals (NEAR/3)",
        ),
        (
            "[tags.t]\nterms = [\"x *arb\"]\n",
            "6:13: tags.t.terms[0]: \"x *arb\": \"*arb\": a word matched inside longer words (a leading '*') needs at least 5 letters",
        ),
        (
            // Escapes inside the string still give the right column.
            "[tags.t]\nterms = [\"\\\"human\\\" NEAR/30 x\"]\n",
            "6:21: tags.t.terms[0]",
        ),
        ("[tags.t]\nterms = ['a NEAR/30 b']\n", "6:13: tags.t.terms[0]"),
        (
            "[tags.t]\nterms = [\"\"\"\nforced\n  NOT\"\"\"]\n",
            "8:3: tags.t.terms[0]",
        ),
        (
            "[tags.t]\nterms = [\"x\"]\nexclude = [\"drug AND traffick*\"]\n",
            "7:18: tags.t.exclude[0]: \"drug AND traffick*\": an exclude cancels the occurrences it covers, so it cannot use AND",
        ),
        (
            "[tags.t]\nterms = [\"x\"]\nunless = [\"gulag* OR\"]\n",
            "7:19: tags.t.unless[0]: \"gulag* OR\": OR needs a word, phrase or group after it",
        ),
        (
            "[tags.t]\nterms = [{ term = \"vinnumansal*\", also = [\"forced-labour\"] }]\n",
            "6:43: tags.t.terms[0].also[0]: no tag named \"forced-labour\" (configured: other, t)",
        ),
        (
            "[tags.t]\nterms = [{ term = \"x\", also = [\"t\"] }]\n",
            "6:32: tags.t.terms[0].also[0]: is this rule's own tag",
        ),
        (
            "[tags.t]\nterms = [{ also = [\"other\"] }]\n",
            "6:10: tags.t.terms[0].term: missing",
        ),
        (
            "[tags.t]\nterms = [{ term = \"x\", tags = [\"other\"] }]\n",
            "6:24: tags.t.terms[0].tags: unknown key (expected one of: term, also)",
        ),
        (
            "[tags.t]\nterms = [{ term = \"x NEAR\" }]\n",
            "6:22: tags.t.terms[0].term: \"x NEAR\": NEAR needs a word",
        ),
    ];
    for (snippet, expected) in cases {
        let found = problems(&format!("{base}{snippet}"));
        assert!(
            found.iter().any(|p| p.starts_with(expected)),
            "for {snippet:?} expected a problem starting {expected:?}, got {found:#?}"
        );
    }
}

#[test]
fn rules_read_terms_with_other_tags_excludes_and_contexts() {
    let text = r#"
[sources.a]
url = "https://a.example/feed"

[tags.trafficking]
terms = ["mansal*", { term = "vinnumansal*", also = ["forced-labour"] }]
exclude = ["(drug* | arms) NEAR/3 traffick*"]

[tags.forced-labour]
terms = ["(forced | made) NEAR/4 (work* | beg*)"]
unless = ["nazi* | gulag*"]
"#;
    let config = Config::parse(text, Path::new("c.toml")).unwrap();
    let trafficking = &config.tags[0];
    assert_eq!(trafficking.terms[0], "mansal*".into());
    assert_eq!(trafficking.terms[1].query, "vinnumansal*");
    assert_eq!(trafficking.terms[1].also, ["forced-labour"]);
    assert_eq!(trafficking.exclude, ["(drug* | arms) NEAR/3 traffick*"]);
    assert_eq!(config.tags[1].unless, ["nazi* | gulag*"]);
}

#[test]
fn several_mistakes_are_all_reported_at_once_in_file_order() {
    let text = r#"
[server]
listen = "nowhere"

[poll]
schedule = "every minute"
timeout = "-"

[sources.a]
url = "gopher://x"
colour = "red"

[tags.t]
terms = []
"#;
    let found = problems(text);
    let keys: Vec<&str> = found.iter().map(|p| p.split(": ").nth(1).unwrap_or("")).collect();
    assert_eq!(
        keys,
        [
            "server.listen",
            "poll.schedule",
            "poll.timeout",
            "sources.a.url",
            "sources.a.colour",
            "tags.t.terms"
        ],
        "{found:#?}"
    );
}

#[test]
fn a_syntax_error_is_reported_alone_without_what_the_recovery_invents() {
    // An unclosed table header: recovery would leave no [sources] at all.
    let found = problems("[sources.a\nurl = \"https://a.example/\"\n");
    assert_eq!(found, ["1:11: TOML syntax: unclosed table, expected `]`"], "{found:#?}");
    // A broken value: recovery would drop it ("expected a string") and read
    // the next key as unknown. One error per line, each broken line named.
    let found = problems(
        "[sources.a]\nurl = \"https://a.example/\"\n[poll]\nschedule = = 3\nfoo = 1\ntimeout = \"1s\" \"2s\"\n",
    );
    let lines: Vec<&str> = found.iter().map(|p| p.split(':').next().unwrap()).collect();
    assert_eq!(lines, ["4", "6"], "{found:#?}");
    assert!(found.iter().all(|p| p.contains("TOML syntax")), "{found:#?}");
}

#[test]
fn no_sources_is_an_error() {
    assert!(
        problems("[feed]\ntitle = \"x\"\n")
            .iter()
            .any(|p| p.contains("no sources configured"))
    );
    assert!(
        problems("[sources]\n")
            .iter()
            .any(|p| p.contains("no sources configured"))
    );
}

#[test]
fn load_reports_the_file_name_with_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[sources.a]\nurl = 5\n").unwrap();
    let message = Config::load(&path).unwrap_err().to_string();
    assert!(message.contains("1 problem"), "{message}");
    assert!(
        message.contains("config.toml:2:7: sources.a.url: expected a string, found integer"),
        "{message}"
    );
    let missing = Config::load(&dir.path().join("absent.toml")).unwrap_err();
    assert!(matches!(missing, Error::Read { .. }));
}

#[test]
fn select_sources_names_unknown_ids() {
    let config = Config::parse(VALID, Path::new("c.toml")).unwrap();
    assert_eq!(config.select_sources(&[]).unwrap().len(), 2);
    assert_eq!(config.select_sources(&["cbss".into()]).unwrap().len(), 1);
    assert_eq!(config.select_sources(&["cbss".into(), "cbss".into()]).unwrap().len(), 1);
    let err = config.select_sources(&["nope".into()]).unwrap_err();
    assert_eq!(err.id, "nope");
    assert_eq!(
        err.to_string(),
        "no source with id \"nope\" (configured: cbss, lv-interior)"
    );
}

#[test]
fn notification_channels_are_read_with_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("smtp.password"), "pw\n").unwrap();
    let text = r#"
[sources.a]
url = "https://a.example/feed"

[tags.trafficking]
terms = ["human traffick*"]

[notify.ops]
kind = "webhook"
url = "https://hooks.example/thb"
format = "slack"
secret = "inline-key"
tags = ["trafficking"]
sources = ["a"]
languages = ["LV"]

[notify.mail]
kind = "email"
smtp_host = "mail.example.org"
username = "thb"
password_file = "smtp.password"
from = "thbwatch@example.org"
to = ["analyst@example.org"]
digest = "0 8 * * 1-5"
"#;
    let config = Config::parse(text, &dir.path().join("config.toml")).unwrap();
    let ops = &config.notify[0];
    assert_eq!((ops.name.as_str(), ops.kind.name()), ("ops", "webhook"));
    assert_eq!(ops.languages, ["lv"]);
    assert!(
        matches!(&ops.kind, ChannelKind::Webhook { format: WebhookFormat::Slack, secret: Some(s), .. } if s.expose() == "inline-key")
    );
    assert!(!format!("{ops:?}").contains("inline-key"), "secrets never in Debug");
    let ChannelKind::Email {
        port,
        security,
        password,
        digest,
        ..
    } = &config.notify[1].kind
    else {
        panic!("an e-mail channel");
    };
    assert_eq!((*port, *security), (587, Security::StartTls));
    assert_eq!(password.as_ref().unwrap().expose(), "pw");
    assert_eq!(digest.as_deref(), Some("0 0 8 * * 1-5"));
}

#[test]
fn channel_mistakes_name_their_key_and_line() {
    let base = "[sources.ok]\nurl = \"https://example.org/feed\"\n[tags.t]\nterms = [\"x\"]\n";
    let cases: &[(&str, &str)] = &[
        (
            "[notify.a]\nkind = \"pager\"\n",
            "6:8: notify.a.kind: \"pager\" is not a channel kind",
        ),
        ("[notify.a]\nkind = \"webhook\"\n", "notify.a.url: missing"),
        (
            "[notify.a]\nkind = \"webhook\"\nurl = \"https://h.example/\"\ntags = [\"nope\"]\n",
            "8:9: notify.a.tags[0]: no tag named \"nope\" (configured: t)",
        ),
        (
            "[notify.a]\nkind = \"webhook\"\nurl = \"https://h.example/\"\nsecret_env = \"THBWATCH_TEST_UNSET_VARIABLE\"\n",
            "8:14: notify.a.secret_env: the environment variable \"THBWATCH_TEST_UNSET_VARIABLE\" is not set",
        ),
        (
            "[notify.a]\nkind = \"webhook\"\nurl = \"https://h.example/\"\nsecret = \"x\"\nsecret_file = \"y\"\n",
            "notify.a.secret: give only one of secret, secret_env, secret_file",
        ),
        (
            "[notify.a]\nkind = \"matrix\"\nhomeserver = \"https://m.example/\"\nroom = \"general\"\naccess_token = \"t\"\n",
            "8:8: notify.a.room: \"general\" is not a room id",
        ),
        (
            "[notify.a]\nkind = \"email\"\nsmtp_host = \"m\"\nfrom = \"nobody\"\nto = [\"a@example.org\"]\n",
            "8:8: notify.a.from: \"nobody\" is not an e-mail address",
        ),
        (
            "[notify.a]\nkind = \"ntfy\"\nurl = \"https://ntfy.sh/t\"\npriority = 9\n",
            "8:12: notify.a.priority: 9 is out of range",
        ),
    ];
    for (snippet, expected) in cases {
        let found = problems(&format!("{base}{snippet}"));
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "for {snippet:?} expected {expected:?}, got {found:#?}"
        );
    }
}

/// Room ids as the Matrix specification allows them (with a server part,
/// and without one as room version 12 makes them), aliases, and a
/// homeserver path kept with or without its final slash.
#[test]
fn matrix_rooms_and_homeserver_paths() {
    let base = "[sources.ok]\nurl = \"https://example.org/feed\"\n";
    let channel = |homeserver: &str, room: &str| {
        format!(
            "{base}[notify.m]\nkind = \"matrix\"\nhomeserver = \"{homeserver}\"\nroom = \"{room}\"\naccess_token = \"t\"\n"
        )
    };
    let valid = [
        ("!abc123:example.org", Room::Id("!abc123:example.org".into())),
        (
            "!Xq3-_cWbCwqRd0JdOyn8vz7vb7gWkrRz8mDI1CxArwE",
            Room::Id("!Xq3-_cWbCwqRd0JdOyn8vz7vb7gWkrRz8mDI1CxArwE".into()),
        ),
        ("!abc:[::1]:8448", Room::Id("!abc:[::1]:8448".into())),
        ("#thb-alerts:example.org", Room::Alias("#thb-alerts:example.org".into())),
    ];
    for (room, expected) in valid {
        let config = Config::parse(&channel("https://m.example/", room), Path::new("/x/config.toml"))
            .unwrap_or_else(|e| panic!("{room}: {e:?}"));
        let ChannelKind::Matrix { room: parsed, .. } = &config.notify[0].kind else {
            panic!("a Matrix channel");
        };
        assert_eq!(parsed, &expected, "{room}");
    }
    for room in [
        "general",
        "!",
        "#alias",
        "#:example.org",
        "!abc:",
        "! abc:example.org",
        "@user:example.org",
    ] {
        let found = problems(&channel("https://m.example/", room));
        assert!(
            found
                .iter()
                .any(|p| p.contains("notify.m.room:") && p.contains("is not a room id or alias")),
            "{room}: {found:?}"
        );
    }
    for (homeserver, expected) in [
        ("https://example.org/matrix", "https://example.org/matrix/"),
        ("https://example.org/matrix/", "https://example.org/matrix/"),
        ("https://m.example.org", "https://m.example.org/"),
    ] {
        let config = Config::parse(&channel(homeserver, "!a:b"), Path::new("/x/config.toml")).unwrap();
        let ChannelKind::Matrix { homeserver: parsed, .. } = &config.notify[0].kind else {
            panic!("a Matrix channel");
        };
        assert_eq!(parsed.as_str(), expected);
    }
}

#[test]
fn check_warns_when_links_would_follow_any_host_name() {
    let warnings = |server: &str| {
        let text = VALID.replace(
            "[server]\nlisten = \"127.0.0.1:9090\"\nbase_url = \"https://watch.example.org/thb\"\n",
            server,
        );
        Config::parse(&text, Path::new("/etc/thbwatch/config.toml"))
            .unwrap()
            .warnings()
    };
    let open = warnings("[server]\nlisten = \"0.0.0.0:8080\"\n");
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0].contains("base_url is not set") && open[0].contains("0.0.0.0:8080"));
    assert!(
        warnings("[server]\nlisten = \"[::1]:8080\"\n").is_empty(),
        "loopback only"
    );
    assert!(warnings("[server]\nlisten = \"192.168.1.5:8080\"\nbase_url = \"http://thb.lan/\"\n").is_empty());
}
