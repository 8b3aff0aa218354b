//! The map of the code (`docs/code-map.md`) against the code: every module
//! of `src/` is named in it, every module it names exists, every
//! dependency in `Cargo.toml` has a row, and each dependency is used only
//! in the modules its row allows. Reads the files; builds nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A module of the crate: its path (`store::ingest`, `main`), its file,
/// and whether it is compiled for tests only.
struct Module {
    path: String,
    file: PathBuf,
    test_only: bool,
}

/// The modules reachable from `src/lib.rs` (by their `mod x;` lines), and
/// the binary's `main`.
fn modules() -> Vec<Module> {
    let src = root().join("src");
    let mut out = vec![Module {
        path: "main".into(),
        file: src.join("main.rs"),
        test_only: false,
    }];
    let mut todo = vec![(String::new(), src.join("lib.rs"), false)];
    while let Some((path, file, test_only)) = todo.pop() {
        let text = read(&file);
        // A module's children live beside `lib.rs`/`mod.rs`, or in the
        // folder named after a `name.rs`.
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs") => file.parent().unwrap().to_path_buf(),
            _ => file.with_extension(""),
        };
        let mut cfg_test = false;
        for line in strip(&text).lines() {
            let line = line.trim();
            if line.starts_with("#[") {
                cfg_test |= line.starts_with("#[cfg(test)]");
                continue;
            }
            if let Some(name) = mod_declaration(line) {
                let child = if path.is_empty() {
                    name.to_string()
                } else {
                    format!("{path}::{name}")
                };
                let file = [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")]
                    .into_iter()
                    .find(|f| f.is_file())
                    .unwrap_or_else(|| panic!("{}: `mod {name};` has no file", file.display()));
                todo.push((child, file, test_only || cfg_test));
            }
            cfg_test = false;
        }
        if !path.is_empty() {
            out.push(Module { path, file, test_only });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `name` of a line `mod name;` or `pub(…) mod name;`.
fn mod_declaration(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("pub").map_or(line, |r| {
        let r = r.trim_start();
        match r.strip_prefix('(') {
            Some(inner) => inner.split_once(')').map_or(r, |(_, after)| after),
            None => r,
        }
    });
    let name = rest.trim_start().strip_prefix("mod ")?.trim().strip_suffix(';')?.trim();
    name.chars().all(|c| c == '_' || c.is_alphanumeric()).then_some(name)
}

/// Rust source with comments, strings and character literals blanked out
/// (newlines kept), so that only code is searched.
fn strip(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[char]| {
        out.extend(s.iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let end = if c == '/' && next == Some('/') {
            (i..chars.len()).find(|&j| chars[j] == '\n').unwrap_or(chars.len())
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < chars.len() && depth > 0 {
                match (chars[j], chars.get(j + 1)) {
                    ('/', Some('*')) => (depth, j) = (depth + 1, j + 2),
                    ('*', Some('/')) => (depth, j) = (depth - 1, j + 2),
                    _ => j += 1,
                }
            }
            j
        } else if let Some(j) = (!ident_before).then(|| raw_string_end(&chars, i)).flatten() {
            j
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if let Some(j) = (c == '\'').then(|| char_literal_end(&chars, i)).flatten() {
            j
        } else {
            out.push(c);
            i += 1;
            continue;
        };
        let end = end.min(chars.len());
        blank(&mut out, &chars[i..end]);
        i = end;
    }
    out
}

/// The end of a raw string (`r"…"`, `r#"…"#`, `br#"…"#`) starting at `i`.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') || chars.get(j) == Some(&'c') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    let mut k = j + 1;
    while k < chars.len() {
        if chars[k] == '"' && chars[k + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(chars.len())
}

/// The end of a character literal at `i` (`'a'`, `'\n'`, `'\u{2026}'`);
/// `None` for a lifetime or a label.
fn char_literal_end(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i + 1) == Some(&'\\') {
        let close = (i + 3..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')?;
        return Some(close + 1);
    }
    (chars.get(i + 2) == Some(&'\'') && chars.get(i + 1) != Some(&'\n')).then_some(i + 3)
}

/// What the map says: the modules it names (with the line naming each),
/// and each crate's allowed modules (`None`: anywhere).
struct Map {
    modules: BTreeMap<String, usize>,
    crates: BTreeMap<String, (usize, Option<Vec<String>>)>,
}

const MAP: &str = "docs/code-map.md";

fn map() -> Map {
    let text = read(&root().join(MAP));
    let mut map = Map {
        modules: BTreeMap::new(),
        crates: BTreeMap::new(),
    };
    let mut table = "";
    for (n, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if !line.trim_start().starts_with('|') {
            table = "";
            continue;
        }
        if table.is_empty() {
            table = match cells[0] {
                "module" => "module",
                "crate" => "crate",
                _ => "other",
            };
            continue;
        }
        if cells[0].starts_with("---") || table == "other" {
            continue;
        }
        let name = cells[0].trim_matches('`').to_string();
        if table == "module" {
            if let Some(first) = map.modules.insert(name.clone(), n + 1) {
                panic!(
                    "{MAP}:{}: module `{name}` is named twice (first on line {first})",
                    n + 1
                );
            }
        } else {
            let allowed = cells.get(1).copied().unwrap_or("");
            let allowed = (allowed != "anywhere").then(|| {
                allowed
                    .split(',')
                    .map(|m| m.trim().trim_matches('`').to_string())
                    .filter(|m| !m.is_empty())
                    .collect()
            });
            map.crates.insert(name, (n + 1, allowed));
        }
    }
    map
}

fn dependencies() -> BTreeSet<String> {
    let manifest: toml::Table = toml::from_str(&read(&root().join("Cargo.toml"))).unwrap();
    manifest["dependencies"].as_table().unwrap().keys().cloned().collect()
}

#[test]
fn the_map_names_every_module_and_only_modules_that_exist() {
    let map = map();
    let modules = modules();
    let mut problems = Vec::new();
    for m in modules.iter().filter(|m| !m.test_only) {
        if !map.modules.contains_key(&m.path) {
            problems.push(format!(
                "{MAP} does not name module `{}` ({}): add a row with its job",
                m.path,
                m.file.strip_prefix(root()).unwrap().display()
            ));
        }
    }
    for (name, line) in &map.modules {
        if !modules.iter().any(|m| &m.path == name) {
            problems.push(format!("{MAP}:{line}: module `{name}` does not exist in src/"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_dependency_is_used_only_where_the_map_allows() {
    let map = map();
    let deps = dependencies();
    let mut problems = Vec::new();
    for dep in &deps {
        if !map.crates.contains_key(dep) {
            problems.push(format!(
                "{MAP} has no row for the dependency `{dep}`: say where it may be used"
            ));
        }
    }
    for (name, (line, allowed)) in &map.crates {
        if !deps.contains(name) {
            problems.push(format!("{MAP}:{line}: `{name}` is not a dependency in Cargo.toml"));
        }
        for m in allowed.iter().flatten() {
            if !map.modules.contains_key(m) {
                problems.push(format!(
                    "{MAP}:{line}: `{name}` is allowed in `{m}`, a module the map does not name"
                ));
            }
        }
    }
    // Test code may use what it needs (a unit test reading a TOML fixture,
    // say): the rule is about the types production code passes around.
    for module in modules().into_iter().filter(|m| !m.test_only) {
        let code = without_test_modules(&strip(&read(&module.file)));
        for (n, line) in code.lines().enumerate() {
            for (dep, (_, allowed)) in &map.crates {
                let Some(allowed) = allowed else { continue };
                if !uses(line, &dep.replace('-', "_")) {
                    continue;
                }
                let inside = |a: &String| module.path == *a || module.path.starts_with(&format!("{a}::"));
                if !allowed.iter().any(inside) {
                    problems.push(format!(
                        "{}:{}: `{dep}` used in module `{}`; {MAP} allows it only in {}",
                        module.file.strip_prefix(root()).unwrap().display(),
                        n + 1,
                        module.path,
                        allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `code` with each `#[cfg(test)] mod NAME { … }` blanked (lines kept, so
/// line numbers still hold). The module ends at the first `}` indented as
/// its `mod` line, as rustfmt writes it.
fn without_test_modules(code: &str) -> String {
    let mut out = Vec::new();
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        out.push(line);
        let next = lines.peek().copied().unwrap_or("");
        if line.trim() != "#[cfg(test)]" || !(next.trim_start().starts_with("mod ") && next.ends_with('{')) {
            continue;
        }
        let close = format!("{}}}", &next[..next.len() - next.trim_start().len()]);
        for inner in lines.by_ref() {
            out.push("");
            if inner == close {
                break;
            }
        }
    }
    out.join("\n")
}

/// Whether a line of code names the crate: `krate::…` as the start of a
/// path (not `x::krate::…` or `x.krate`), or `use krate;`.
fn uses(line: &str, krate: &str) -> bool {
    let bytes = line.as_bytes();
    line.match_indices(krate).any(|(at, _)| {
        let before = line[..at].trim_end();
        let boundary = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let after = &line[at + krate.len()..];
        boundary
            && !before.ends_with("::")
            && !before.ends_with('.')
            && (after.starts_with("::") || (before.ends_with("use") && after.trim_start().starts_with(';')))
    })
}

#[test]
fn the_scanner_sees_code_only() {
    let code = strip(concat!(
        "let a = \"reqwest::Client\"; // reqwest::get\n",
        "/* rusqlite::Connection /* nested */ axum:: */ let b = 'x';\n",
        "let c = r#\"feed_rs::parser\"#; fn f<'a>(x: &'a str) {}\n",
        "url::Url::parse(s)\n",
    ));
    assert!(
        !uses(&code, "reqwest") && !uses(&code, "rusqlite") && !uses(&code, "axum"),
        "{code}"
    );
    assert!(!uses(&code, "feed_rs"), "{code}");
    assert!(code.contains("fn f<'a>(x: &'a str)"), "{code}");
    assert!(uses(&code, "url"));
    assert!(!uses("crate::fetch::reqwest::x", "reqwest") && !uses("self.url::x", "url"));
    assert!(uses("use rlimit;", "rlimit") && uses("    tokio::spawn(x)", "tokio"));
    assert_eq!(mod_declaration("pub(crate) mod ingest;"), Some("ingest"));
    assert_eq!(mod_declaration("mod tests {"), None);
    let code = "fn a() {}\n#[cfg(test)]\nmod tests {\n    use toml::Table;\n}\nuse url::Url;\n";
    let kept = without_test_modules(code);
    assert!(!uses(&kept, "toml") && uses(&kept, "url"), "{kept}");
    assert_eq!(kept.lines().count(), code.lines().count());
}
