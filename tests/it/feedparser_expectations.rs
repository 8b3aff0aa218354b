//! feedparser's own test files that thbwatch reads as feedparser does
//! (vendored under `tests/fixtures/liberal/feedparser`, with its licence):
//! each file's `Expect:` line, a Python expression over entry titles,
//! links, dates and counts, is evaluated on what thbwatch makes of the
//! file. `bozo` stands for "thbwatch had to repair the document".
//! `scripts/feedparser_agreement.py` measures the whole corpus.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike, Utc};
use thbwatch::lang::Detect;
use thbwatch::model::Item;
use thbwatch::normalize::{self, Context};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liberal/feedparser")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

/// What an expression evaluates to.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Int(i64),
    Tuple(Vec<i64>),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    Bool(bool),
    Missing,
}

/// An entry as feedparser would show thbwatch's republished item.
fn entry_value(item: &Item) -> Value {
    let link = item.link.clone().map(Value::Str).unwrap_or(Value::Missing);
    let links = match &item.link {
        Some(href) => Value::List(vec![Value::Map(vec![("href".into(), Value::Str(href.clone()))])]),
        None => Value::List(Vec::new()),
    };
    let updated = item.updated.or(item.published);
    Value::Map(vec![
        ("title".into(), Value::Str(item.title.clone())),
        ("link".into(), link),
        ("links".into(), links),
        (
            "published_parsed".into(),
            item.published.map_or(Value::Missing, time_tuple),
        ),
        ("updated_parsed".into(), updated.map_or(Value::Missing, time_tuple)),
    ])
}

/// Python's `time.struct_time` as a tuple.
fn time_tuple(t: DateTime<Utc>) -> Value {
    Value::Tuple(vec![
        t.year().into(),
        t.month().into(),
        t.day().into(),
        t.hour().into(),
        t.minute().into(),
        t.second().into(),
        t.weekday().num_days_from_monday().into(),
        t.ordinal().into(),
        0,
    ])
}

/// A tiny reader of the expressions the vendored files use: clauses
/// joined by `and`, chained `==`, string and tuple literals, `len()`,
/// `bozo`, `entries[i]['key']` and `entries[i].key`.
struct Expression<'a> {
    text: &'a [u8],
    at: usize,
}

impl Expression<'_> {
    fn skip_spaces(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        self.skip_spaces();
        let found = self.text[self.at..].starts_with(word.as_bytes());
        if found {
            self.at += word.len();
        }
        found
    }

    fn all(&mut self, scope: &Value) -> bool {
        let mut result = self.clause(scope);
        while self.eat("and") {
            result &= self.clause(scope);
        }
        self.skip_spaces();
        assert_eq!(
            self.at,
            self.text.len(),
            "unread: {}",
            String::from_utf8_lossy(&self.text[self.at..])
        );
        result
    }

    fn clause(&mut self, scope: &Value) -> bool {
        if self.eat("not ") {
            return !self.clause(scope);
        }
        let first = self.operand(scope);
        let mut equal = true;
        let mut any = false;
        while self.eat("==") {
            any = true;
            equal &= self.operand(scope) == first;
        }
        if any { equal } else { matches!(first, Value::Bool(true)) }
    }

    fn operand(&mut self, scope: &Value) -> Value {
        self.skip_spaces();
        let next = self.text[self.at];
        match next {
            b'\'' | b'"' => Value::Str(self.string()),
            b'(' => self.tuple(),
            b'0'..=b'9' => Value::Int(self.int()),
            _ if self.eat("len(") => {
                let inner = self.operand(scope);
                assert!(self.eat(")"));
                match inner {
                    Value::List(items) => Value::Int(items.len() as i64),
                    Value::Str(s) => Value::Int(s.chars().count() as i64),
                    _ => Value::Missing,
                }
            }
            _ if self.eat("bozo") => scope_get(scope, "bozo"),
            _ if self.eat("entries") => {
                let mut value = scope_get(scope, "entries");
                loop {
                    if self.eat("[") {
                        let key = self.operand(scope);
                        assert!(self.eat("]"));
                        value = index(&value, &key);
                    } else if self.eat(".") {
                        let start = self.at;
                        while self
                            .text
                            .get(self.at)
                            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                        {
                            self.at += 1;
                        }
                        let key = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
                        value = index(&value, &Value::Str(key));
                    } else {
                        return value;
                    }
                }
            }
            other => panic!("unexpected {:?} in the expression", other as char),
        }
    }

    fn string(&mut self) -> String {
        let quote = self.text[self.at];
        self.at += 1;
        let mut out = Vec::new();
        while self.text[self.at] != quote {
            if self.text[self.at] == b'\\' {
                self.at += 1;
                out.push(match self.text[self.at] {
                    b'n' => b'\n',
                    b't' => b'\t',
                    other => other,
                });
            } else {
                out.push(self.text[self.at]);
            }
            self.at += 1;
        }
        self.at += 1;
        String::from_utf8(out).unwrap()
    }

    fn int(&mut self) -> i64 {
        let start = self.at;
        while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        std::str::from_utf8(&self.text[start..self.at])
            .unwrap()
            .parse()
            .unwrap()
    }

    fn tuple(&mut self) -> Value {
        assert!(self.eat("("));
        let mut values = Vec::new();
        while !self.eat(")") {
            self.skip_spaces();
            values.push(self.int());
            self.eat(",");
        }
        Value::Tuple(values)
    }
}

fn scope_get(scope: &Value, key: &str) -> Value {
    index(scope, &Value::Str(key.to_string()))
}

fn index(value: &Value, key: &Value) -> Value {
    match (value, key) {
        (Value::List(items), Value::Int(i)) => items.get(*i as usize).cloned().unwrap_or(Value::Missing),
        (Value::Map(pairs), Value::Str(k)) => pairs
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Missing),
        _ => Value::Missing,
    }
}

/// The `Expect:` expression and `Header: Content-type` of a test file.
fn expectation(text: &str) -> (String, Option<String>) {
    let line = |label: &str| {
        text.lines()
            .find_map(|l| l.trim_start().strip_prefix(label).map(|rest| rest.trim().to_string()))
    };
    let content_type = line("Header:").and_then(|h| {
        h.split_once(':')
            .filter(|(name, _)| name.trim().eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.trim().to_string())
    });
    (line("Expect:").expect("an Expect: line"), content_type)
}

#[test]
fn feedparsers_entry_expectations_hold() {
    let root = fixtures();
    let mut paths = Vec::new();
    files(&root, &mut paths);
    paths.sort();
    assert!(paths.len() >= 60, "only {} vendored files", paths.len());
    let detect = Detect::default();
    let mut failures = Vec::new();
    for path in &paths {
        let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        let (expect, content_type) = expectation(&text);
        // As feedparser's own suite serves them.
        let base = url::Url::parse(&format!("http://127.0.0.1:8097/{relative}")).unwrap();
        let scope = match thbwatch::parse::parse(text.as_bytes(), content_type.as_deref(), &base) {
            Ok(feed) => {
                let cx = Context {
                    base: &feed.base,
                    source_language: None,
                    feed_language: feed.language.as_deref(),
                    detect: &detect,
                };
                let entries = feed
                    .entries
                    .into_iter()
                    .map(|raw| entry_value(&normalize::item(raw, &cx)))
                    .collect();
                Value::Map(vec![
                    ("bozo".into(), Value::Bool(!feed.repairs.is_empty())),
                    ("entries".into(), Value::List(entries)),
                ])
            }
            Err(e) => {
                failures.push(format!("{relative}: {e}"));
                continue;
            }
        };
        let mut expression = Expression {
            text: expect.as_bytes(),
            at: 0,
        };
        if !expression.all(&scope) {
            failures.push(format!("{relative}: {expect}\n    got {scope:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

#[test]
fn the_expression_reader_can_fail() {
    let scope = Value::Map(vec![
        ("bozo".into(), Value::Bool(false)),
        (
            "entries".into(),
            Value::List(vec![Value::Map(vec![("title".into(), Value::Str("A".into()))])]),
        ),
    ]);
    let eval = |text: &str| {
        Expression {
            text: text.as_bytes(),
            at: 0,
        }
        .all(&scope)
    };
    assert!(eval("not bozo and entries[0]['title'] == 'A'"));
    assert!(!eval("entries[0].title == 'B'"));
    assert!(!eval("bozo"));
    assert!(!eval("entries[1]['title'] == entries[0]['title']"));
}
