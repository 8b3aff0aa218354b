//! Gating changes nothing: the default rules tag every row of the
//! labelled sets (tests/fixtures/eval/*.tsv) and every probe sentence of
//! the vocabulary exactly as they do when every phrase is looked for in
//! every item (matches, cancelled tags, explanations with their excludes,
//! byte for byte); and so do small rules whose excludes, contexts, NOT
//! parts and other sides are made of everyday words outside any gate.

use std::fmt::Write;
use std::path::Path;

use super::{TagRule, Tagger};
use crate::lang::Detect;
use crate::model::Field;

/// Everything a tagger says of some fields: as tagged, and explained.
fn outcome(tagger: &Tagger, fields: &[(Field, &str)], language: Option<&str>) -> String {
    let mut out = String::new();
    writeln!(out, "{:?}", tagger.tag(fields, language)).unwrap();
    writeln!(out, "{:?}", tagger.explain(fields, language)).unwrap();
    out
}

/// Asserts both taggers say the same of the fields; whether any tag was given.
fn same(gated: &Tagger, ungated: &Tagger, fields: &[(Field, &str)], language: Option<&str>) -> bool {
    let expected = outcome(ungated, fields, language);
    assert_eq!(outcome(gated, fields, language), expected, "{fields:?} ({language:?})");
    !ungated.tag(fields, language).matches.is_empty()
}

/// (language, title, summary) of every row of the labelled sets.
pub(super) fn rows() -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "the labelled sets are there: {files:?}");
    let mut rows = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("id\t")) {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 4 {
                continue;
            }
            let (title, summary) = fields[3].split_once(" | ").unwrap_or((fields[3], ""));
            rows.push((fields[1].to_string(), title.to_string(), summary.to_string()));
        }
    }
    rows
}

/// (language, sentence) of every `forms` and `negatives` entry of the vocabulary.
pub(super) fn probes() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("vocabulary/thb-terms.toml");
    let table: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let mut out = Vec::new();
    for term in table["term"].as_array().unwrap() {
        let lang = term["lang"].as_str().unwrap_or_default();
        for key in ["forms", "negatives"] {
            for text in term.get(key).and_then(|v| v.as_array()).into_iter().flatten() {
                out.push((lang.to_string(), text.as_str().unwrap().to_string()));
            }
        }
    }
    out
}

pub(super) fn default_rules() -> Vec<TagRule> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
    crate::config::Config::load(&path).unwrap().tags
}

#[test]
fn the_default_rules_tag_the_labelled_sets_and_the_probes_as_without_gates() {
    let rules = default_rules();
    let gated = Tagger::new(&rules).unwrap();
    let ungated = Tagger::new(&rules).unwrap().ungated();
    let detect = Detect::default();
    let rows = rows();
    assert!(rows.len() > 4_000, "{} rows", rows.len());
    let mut tagged = 0;
    for (lang, title, summary) in &rows {
        let fields = [(Field::Title, title.as_str()), (Field::Summary, summary.as_str())];
        tagged += usize::from(same(&gated, &ungated, &fields, Some(lang)));
        // The same row as a poll tags it: normalised, its language detected.
        let as_polled = |tagger: &Tagger| {
            let raw = crate::eval::entry("row", title, summary, Some(lang));
            let item = crate::eval::with_context(Some(lang), &detect, |cx| {
                tagger.tagged(crate::normalize::item_and_text(raw, cx))
            });
            format!("{:?} {:?} {:?}", item.matches, item.cancelled, item.search_text)
        };
        assert_eq!(as_polled(&gated), as_polled(&ungated), "{title} | {summary}");
    }
    // Not vacuous: the sets hold tagged and untagged rows.
    assert!(
        tagged > 1_000 && tagged < rows.len(),
        "{tagged} of {} rows tagged",
        rows.len()
    );
    let probes = probes();
    assert!(probes.len() > 1_000, "{} probes", probes.len());
    for (lang, text) in &probes {
        same(&gated, &ungated, &[(Field::Title, text)], None);
        same(&gated, &ungated, &[(Field::Content, text)], Some(lang));
    }
}

/// The tests' rule with contexts (`unless`) as well.
fn rule(name: &str, terms: &[&str], exclude: &[&str], unless: &[&str]) -> TagRule {
    TagRule {
        unless: unless.iter().map(|s| s.to_string()).collect(),
        ..super::tests::rule(name, terms, exclude)
    }
}

#[test]
fn excludes_contexts_and_not_parts_of_everyday_words_still_apply() {
    let rules = [
        rule(
            "labour",
            &[
                "traffick* AND (work | wages | farm*) AND NOT (brothel* | escort)",
                "(workers | staff) NEAR/3 exploited",
                "(passport* NEAR/3 (kept | taken)) AND (hours | wages)",
            ],
            // Everyday words outside any term's gate.
            &["(drug* | arms) NEAR/2 traffick*", "happy workers"],
            &["(film | novel | exhibition) NEAR/5 (about | on)"],
        ),
        rule("other", &["(week | city) NEAR/2 (budget | meeting)"], &[], &[]),
    ];
    let gated = Tagger::new(&rules).unwrap();
    let ungated = Tagger::new(&rules).unwrap().ungated();
    let cases = [
        ("Human trafficking on a farm: wages never paid", true),
        ("Drug trafficking ring; police say the farm work was legal", false),
        ("Drug trafficking and human trafficking: farm work unpaid", true),
        ("Trafficking for work in a brothel", false),
        ("A film about trafficking for farm work", false),
        ("Staff exploited at a car wash", true),
        ("Happy workers exploited nothing", false),
        ("Their passports were kept; 16 hours a day", true),
        ("Passports kept at the border", false),
        ("City budget week", true),
        ("An ordinary day in the city", false),
    ];
    for (text, tagged) in cases {
        let fields = [(Field::Title, text), (Field::Content, "Nothing else here.")];
        assert_eq!(same(&gated, &ungated, &fields, Some("en")), tagged, "{text}");
    }
}
