//! The documentation's examples are what the program prints: every code
//! block of `README.md` and `docs/*.md` written as a terminal session
//! (lines starting with `$ thbwatch`) is run, and what the binary writes
//! (standard output and error, in order, as a terminal shows them) must
//! equal the lines that follow the command. Each block runs in a fresh
//! folder holding a copy of the default `config.toml`; a `$ cat FILE` line
//! followed by text creates FILE there first.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One line of a session and what follows it.
enum Step {
    /// `$ cat NAME`, then the file's lines.
    Write { name: String, text: String },
    /// `$ thbwatch ARGS`, then what it prints.
    Run {
        line: usize,
        args: Vec<String>,
        expected: String,
    },
}

/// A code block holding a terminal session.
struct Session {
    file: PathBuf,
    line: usize,
    steps: Vec<Step>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("a docs folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The code blocks of `file` that hold a `$ ` line.
fn sessions(file: &Path) -> Vec<Session> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut sessions = Vec::new();
    let mut block: Option<(usize, Vec<(usize, &str)>)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim_start().starts_with("```") {
            match block.take() {
                Some((start, lines)) if lines.iter().any(|(_, l)| l.starts_with("$ ")) => {
                    sessions.push(session(file, start, &lines));
                }
                Some(_) => {}
                None => block = Some((number, Vec::new())),
            }
        } else if let Some((_, lines)) = block.as_mut() {
            lines.push((number, line));
        }
    }
    sessions
}

fn session(file: &Path, start: usize, lines: &[(usize, &str)]) -> Session {
    let mut steps = Vec::new();
    let mut rest = lines.iter().peekable();
    while let Some(&(number, line)) = rest.next() {
        let command = line
            .strip_prefix("$ ")
            .unwrap_or_else(|| panic!("{}:{number}: text before the first `$ ` line", file.display()));
        let mut body = Vec::new();
        while let Some((_, next)) = rest.next_if(|(_, l)| !l.starts_with("$ ")) {
            body.push(*next);
        }
        let body = body.join("\n");
        let words = shell_words(command).unwrap_or_else(|e| panic!("{}:{number}: {e}", file.display()));
        steps.push(match words.first().map(String::as_str) {
            Some("cat") if words.len() == 2 => Step::Write {
                name: words[1].clone(),
                text: format!("{body}\n"),
            },
            Some("thbwatch") => Step::Run {
                line: number,
                args: words[1..].to_vec(),
                expected: body,
            },
            _ => panic!(
                "{}:{number}: `$ {command}` cannot be run by this test: write output that is not \
                 reproducible without the `$ ` prompt",
                file.display()
            ),
        });
    }
    Session {
        file: file.to_path_buf(),
        line: start,
        steps,
    }
}

/// Splits a command line as a POSIX shell would, for plain words, 'single'
/// and "double" quotes (with backslash escapes in double quotes).
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let quoted: String = chars.by_ref().take_while(|&c| c != '\'').collect();
                word.get_or_insert_default().push_str(&quoted);
            }
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => word.get_or_insert_default().extend(chars.next()),
                    Some(c) => word.get_or_insert_default().push(c),
                    None => return Err(format!("unclosed double quote in `{line}`")),
                }
            },
            '|' | '>' | '<' | ';' | '&' | '$' | '`' => {
                return Err(format!(
                    "`{line}` needs a shell ({c:?}): write it without the `$ ` prompt"
                ));
            }
            c => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// What `thbwatch args` prints in `dir`, standard output and error
/// interleaved as written (both go to one file, as to a terminal).
fn run(dir: &Path, args: &[String]) -> String {
    let mut out = tempfile::tempfile().unwrap();
    Command::new(env!("CARGO_BIN_EXE_thbwatch"))
        .args(args)
        .current_dir(dir)
        .env_remove("THBWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .stdout(out.try_clone().unwrap())
        .stderr(out.try_clone().unwrap())
        .status()
        .unwrap();
    out.rewind().unwrap();
    let mut text = String::new();
    out.read_to_string(&mut text).unwrap();
    text
}

/// Lines without trailing spaces, and no blank lines at either end.
fn normalised(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_string()
}

#[test]
fn every_terminal_example_in_the_documents_prints_what_it_shows() {
    let default_config = root().join("config.toml");
    let mut checked = Vec::new();
    let mut wrong = Vec::new();
    for file in documents() {
        for session in sessions(&file) {
            let dir = tempfile::tempdir().unwrap();
            std::fs::copy(&default_config, dir.path().join("config.toml")).unwrap();
            for step in &session.steps {
                match step {
                    Step::Write { name, text } => std::fs::write(dir.path().join(name), text).unwrap(),
                    Step::Run { line, args, expected } => {
                        let got = run(dir.path(), args);
                        let file = session.file.strip_prefix(root()).unwrap_or(&session.file);
                        let place = format!("{}:{line}", file.display());
                        if normalised(&got) != normalised(expected) {
                            wrong.push(format!(
                                "{place}: `thbwatch {}` printed\n{}\n--- the document shows\n{}\n",
                                args.join(" "),
                                normalised(&got),
                                normalised(expected)
                            ));
                        }
                        checked.push(place);
                    }
                }
            }
            assert!(!session.steps.is_empty(), "{}:{}", session.file.display(), session.line);
        }
    }
    assert!(
        wrong.is_empty(),
        "{} examples differ:\n\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let readme = checked.iter().filter(|p| p.starts_with("README.md:")).count();
    assert!(
        readme >= 3,
        "the README's check and match examples are run: {checked:#?}"
    );
}

#[test]
fn command_lines_are_split_as_a_shell_splits_them() {
    assert_eq!(
        shell_words(r#"thbwatch match --lang en "Drug \"trafficking\" ring" 'a b'"#).unwrap(),
        ["thbwatch", "match", "--lang", "en", "Drug \"trafficking\" ring", "a b"]
    );
    assert!(shell_words("echo x | thbwatch match").is_err());
    assert!(shell_words("thbwatch match \"open").is_err());
}

/// The ```toml blocks of `file`: (line, text).
fn toml_blocks(file: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut blocks = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        match block.as_mut() {
            None if line.trim_start().starts_with("```toml") => block = Some((index + 1, String::new())),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(block.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// What a configuration excerpt refers to but does not hold: a source to
/// poll, the sources and tags its channels name, the tags its terms also
/// give, and its secrets (files and environment variables).
fn completed(excerpt: &str, dir: &Path) -> (String, Vec<(String, String)>) {
    let table: toml::Table = toml::from_str(excerpt).unwrap_or_else(|e| panic!("not TOML: {e}"));
    let mut text = excerpt.to_string();
    let has = |kind: &str, name: &str| table.get(kind).and_then(|t| t.get(name)).is_some();
    if !table.contains_key("sources") {
        text.push_str("\n[sources.example]\nurl = \"https://news.example.org/feed\"\n");
    }
    let mut env = Vec::new();
    for channel in table
        .get("notify")
        .and_then(|n| n.as_table())
        .into_iter()
        .flat_map(|n| n.values())
    {
        let channel = channel.as_table().expect("a [notify.NAME] table");
        for (key, value) in channel {
            let strings = |v: &toml::Value| -> Vec<String> {
                v.as_array()
                    .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                    .unwrap_or_default()
            };
            match (key.as_str(), value) {
                ("sources", v) => {
                    for id in strings(v).into_iter().filter(|id| !has("sources", id)) {
                        text.push_str(&format!("\n[sources.{id}]\nurl = \"https://{id}.example.org/feed\"\n"));
                    }
                }
                ("tags", v) => {
                    for tag in strings(v).into_iter().filter(|tag| !has("tags", tag)) {
                        text.push_str(&format!("\n[tags.{tag}]\nterms = [\"{tag}\"]\n"));
                    }
                }
                (key, toml::Value::String(name)) if key.ends_with("_env") => {
                    env.push((name.clone(), "a secret".to_string()));
                }
                (key, toml::Value::String(path)) if key.ends_with("_file") => {
                    let path = dir.join(path.trim_start_matches("$CREDENTIALS_DIRECTORY/"));
                    std::fs::write(path, "a secret\n").unwrap();
                }
                _ => {}
            }
        }
    }
    // Tags a term also gives, as a channel's tags above.
    let also: Vec<String> = table
        .get("tags")
        .and_then(|t| t.as_table())
        .into_iter()
        .flat_map(|t| t.values())
        .filter_map(|rule| rule.get("terms").and_then(|t| t.as_array()))
        .flatten()
        .filter_map(|term| term.get("also").and_then(|a| a.as_array()))
        .flatten()
        .filter_map(|tag| tag.as_str().map(str::to_string))
        .collect();
    for tag in also {
        if !has("tags", &tag) && !text.contains(&format!("[tags.{tag}]")) {
            text.push_str(&format!("\n[tags.{tag}]\nterms = [\"{tag}\"]\n"));
        }
    }
    env.push(("CREDENTIALS_DIRECTORY".to_string(), dir.display().to_string()));
    (text, env)
}

#[test]
fn every_configuration_example_in_the_documents_is_accepted_by_check() {
    let mut checked = 0;
    let mut refused = Vec::new();
    for file in documents() {
        for (line, excerpt) in toml_blocks(&file) {
            let place = format!("{}:{line}", file.strip_prefix(root()).unwrap_or(&file).display());
            let dir = tempfile::tempdir().unwrap();
            let (text, env) = completed(&excerpt, dir.path());
            let config = dir.path().join("config.toml");
            std::fs::write(&config, text).unwrap();
            let output = Command::new(env!("CARGO_BIN_EXE_thbwatch"))
                .arg("--config")
                .arg(&config)
                .arg("check")
                .envs(env)
                .output()
                .unwrap();
            if !output.status.success() {
                refused.push(format!("{place}:\n{}", String::from_utf8_lossy(&output.stderr)));
            }
            checked += 1;
        }
    }
    assert!(refused.is_empty(), "examples check refuses:\n{}", refused.join("\n"));
    assert!(checked >= 5, "only {checked} configuration examples found");
}
