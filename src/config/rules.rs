//! Reads the `[tags.NAME]` keyword rules: terms (strings, or tables with
//! the other tags they give), excludes, contexts, fields and languages.
//! Every rule is parsed in the rule language here, so a mistake is
//! reported at its line and the column of the offending token.

use std::ops::Range;

use toml::de::DeValue;

use super::reader::{Diagnostics, Table, Value, as_table};
use super::sections::{check_id, in_file_order, optional_text};
use crate::model::Field;
use crate::tag::syntax::{self, Role};
use crate::tag::{TagRule, Term};

const RULE_KEYS: &[&str] = &[
    "terms",
    "exclude",
    "unless",
    "fields",
    "languages",
    "label",
    "description",
];
const TERM_KEYS: &[&str] = &["term", "also"];

/// A tag a term names in `also`, to check once every tag is known.
struct AlsoTag {
    rule: String,
    tag: String,
    span: Range<usize>,
    key: String,
}

/// The `[tags]` table, in file order.
pub(super) fn read(diag: &mut Diagnostics<'_>, root: &mut Table<'_, '_>) -> Option<Vec<TagRule>> {
    let Some((table, _)) = root.table(diag, "tags") else {
        // No rules is legal (the merged feed is then empty); a non-table was reported.
        return root.get("tags").is_none().then(Vec::new);
    };
    let mut rules = Vec::new();
    let mut also = Vec::new();
    let mut ok = true;
    let entries = in_file_order(Table::new("tags", table).all());
    // Every tag the file names, valid or not, for `also` to refer to.
    let names: Vec<&str> = entries.iter().map(|e| e.0).collect();
    for (name, key_span, value) in entries.iter().cloned() {
        let path = format!("tags.{name}");
        ok &= check_id(diag, key_span.clone(), &path, name);
        let Some(rule_table) = as_table(diag, value, &path) else {
            ok = false;
            continue;
        };
        let mut t = Table::new(path, rule_table);
        match read_tag(diag, &mut t, name, key_span, &mut also) {
            Some(rule) => rules.push(rule),
            None => ok = false,
        }
        t.finish(diag, RULE_KEYS);
    }
    for entry in &also {
        if entry.tag == entry.rule {
            diag.report(entry.span.clone(), &entry.key, "is this rule's own tag");
            ok = false;
        } else if !names.contains(&entry.tag.as_str()) {
            let message = format!("no tag named {:?} (configured: {})", entry.tag, names.join(", "));
            diag.report(entry.span.clone(), &entry.key, message);
            ok = false;
        }
    }
    ok.then_some(rules)
}

fn read_tag(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    name: &str,
    span: Range<usize>,
    also: &mut Vec<AlsoTag>,
) -> Option<TagRule> {
    let terms = match t.get("terms") {
        None => {
            diag.report(span, t.key_path("terms"), "missing: a tag needs at least one term");
            None
        }
        Some(value) => terms(diag, t, name, value, also),
    };
    let exclude = rules(diag, t, "exclude", Role::Exclude);
    let unless = rules(diag, t, "unless", Role::Context);
    let label = optional_text(diag, t, "label");
    let description = optional_text(diag, t, "description");
    let fields = rule_fields(diag, t);
    let languages = rule_languages(diag, t);
    Some(TagRule {
        name: name.to_string(),
        label: label?,
        description: description?,
        terms: terms?,
        exclude: exclude?,
        unless: unless?,
        fields: fields?,
        languages: languages?,
    })
}

/// `terms = ["a", { term = "b", also = ["other-tag"] }]`.
fn terms(
    diag: &mut Diagnostics<'_>,
    t: &Table<'_, '_>,
    name: &str,
    value: &Value<'_>,
    also: &mut Vec<AlsoTag>,
) -> Option<Vec<Term>> {
    let key = t.key_path("terms");
    let Some(array) = value.get_ref().as_array() else {
        let found = value.get_ref().type_str();
        diag.report(value.span(), key, format!("expected an array of terms, found {found}"));
        return None;
    };
    if array.is_empty() {
        diag.report(value.span(), key, "empty: a tag needs at least one term");
        return None;
    }
    let mut ok = true;
    let mut out = Vec::with_capacity(array.len());
    for (i, element) in array.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let term = match element.get_ref() {
            DeValue::String(query) => check(diag, query, element.span(), &path, Role::Term).map(|q| Term {
                query: q.to_string(),
                also: Vec::new(),
            }),
            DeValue::Table(table) => term_table(diag, Table::new(path, table), name, element.span(), also),
            other => {
                let message = format!(
                    "expected a string or a table such as {{ term = \"…\", also = [\"tag\"] }}, found {}",
                    other.type_str()
                );
                diag.report(element.span(), path, message);
                None
            }
        };
        match term {
            Some(term) => out.push(term),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `{ term = "vinnumansal*", also = ["forced-labour"] }`.
fn term_table(
    diag: &mut Diagnostics<'_>,
    mut t: Table<'_, '_>,
    rule: &str,
    span: Range<usize>,
    also: &mut Vec<AlsoTag>,
) -> Option<Term> {
    let query = match t.string(diag, "term") {
        Some((query, span)) => check(diag, query, span, &t.key_path("term"), Role::Term),
        None => {
            if t.get("term").is_none() {
                diag.report(span, t.key_path("term"), "missing: the rule of this term");
            }
            None
        }
    };
    let tags = match t.strings(diag, "also") {
        Some((tags, _)) => Some(tags),
        None => t.get("also").is_none().then(Vec::new),
    };
    t.finish(diag, TERM_KEYS);
    let tags = tags?;
    for (i, (tag, span)) in tags.iter().enumerate() {
        also.push(AlsoTag {
            rule: rule.to_string(),
            tag: tag.to_string(),
            span: span.clone(),
            key: format!("{}[{i}]", t.key_path("also")),
        });
    }
    Some(Term {
        query: query?.to_string(),
        also: tags.into_iter().map(|(tag, _)| tag.to_string()).collect(),
    })
}

/// An optional array of rules in the role given (`exclude`, `unless`).
fn rules(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>, key: &str, role: Role) -> Option<Vec<String>> {
    let Some((items, _)) = t.strings(diag, key) else {
        return t.get(key).is_none().then(Vec::new);
    };
    let mut ok = true;
    let mut out = Vec::with_capacity(items.len());
    for (i, (rule, span)) in items.into_iter().enumerate() {
        match check(diag, rule, span, &format!("{}[{i}]", t.key_path(key)), role) {
            Some(rule) => out.push(rule.to_string()),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Parses a rule; a mistake is reported at the column of its token.
fn check<'r>(diag: &mut Diagnostics<'_>, rule: &'r str, span: Range<usize>, key: &str, role: Role) -> Option<&'r str> {
    match syntax::parse(rule, role) {
        Ok(_) => Some(rule),
        Err(e) => {
            let message = match e.problem.token() {
                Some(token) if token == rule.trim() => e.problem.to_string(),
                _ => format!("{rule:?}: {}", e.problem),
            };
            diag.report_in_string(span, e.at, key, message);
            None
        }
    }
}

/// `fields = ["title", "summary"]`: which fields a rule looks at.
fn rule_fields(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Vec<Field>> {
    let Some((names, span)) = t.strings(diag, "fields") else {
        return t.get("fields").is_none().then(Vec::new);
    };
    if names.is_empty() {
        diag.report(
            span,
            t.key_path("fields"),
            "empty: leave the key out to look at every field",
        );
        return None;
    }
    let mut ok = true;
    let mut fields = Vec::new();
    for (i, (name, span)) in names.into_iter().enumerate() {
        match Field::parse(name) {
            Some(field) if !fields.contains(&field) => fields.push(field),
            Some(_) => {}
            None => {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
                let message = format!("{name:?} is not a field (use {})", known.join(", "));
                diag.report(span, format!("{}[{i}]", t.key_path("fields")), message);
                ok = false;
            }
        }
    }
    ok.then_some(fields)
}

/// `languages = ["lv", "lt"]`: primary language subtags, stored lowercase.
fn rule_languages(diag: &mut Diagnostics<'_>, t: &mut Table<'_, '_>) -> Option<Vec<String>> {
    let Some((codes, span)) = t.strings(diag, "languages") else {
        return t.get("languages").is_none().then(Vec::new);
    };
    if codes.is_empty() {
        diag.report(
            span,
            t.key_path("languages"),
            "empty: leave the key out to apply the rule to every language",
        );
        return None;
    }
    let mut ok = true;
    let mut out = Vec::new();
    for (i, (code, span)) in codes.into_iter().enumerate() {
        if (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphabetic()) {
            // "nb" and "nn" are compared as "no", as detection answers.
            out.push(crate::lang::primary(code));
        } else {
            let message = format!("{code:?} is not a language code such as \"lv\" or \"ru\" (ISO 639-1)");
            diag.report(span, format!("{}[{i}]", t.key_path("languages")), message);
            ok = false;
        }
    }
    ok.then_some(out)
}
