//! What reading a text's start alone changes: [`Detect::detect`] (which
//! stops after [`PREFIX_CHARS`] characters when they reliably read as the
//! declared language) against [`Detect::detect_whole`] (which reads the
//! whole sample, as detection did before), over the labelled sets
//! (tests/fixtures/eval/*.tsv and eval-small.tsv), articles made of
//! several of their rows, items whose title and text are in different
//! languages, and the vocabulary; with every candidate language declared
//! in turn: the right one, and four wrong ones (taken in rotation, so
//! that every language is declared wrongly over the set). An item's
//! language is the detected one, else the declared one, as normalising
//! chooses it. `cargo test --lib lang::agreement -- --nocapture` prints
//! the figures; with `THBWATCH_PREFIX_SWEEP=1` for starts of other lengths
//! too.

use std::path::Path;

use super::profiles::PROFILES;
use super::{Detect, PREFIX_CHARS};

/// (label, title, lede) of every row of the labelled sets.
fn rows() -> Vec<(String, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = vec![root.join("eval-small.tsv")];
    for part in ["tuning", "heldout", "fresh"] {
        files.push(root.join("eval").join(format!("{part}.tsv")));
    }
    let mut rows = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("id\t")) {
            let fields: Vec<&str> = line.split('\t').collect();
            let (title, lede) = fields[3].split_once(" | ").unwrap_or((fields[3], ""));
            rows.push((fields[1].to_string(), title.to_string(), lede.to_string()));
        }
    }
    rows
}

include!("../../tests/support/vocabulary_texts.rs");

/// (label, text, kind) of every case: rows as they are, articles (a row's
/// title, then the ledes of it and the next three rows of its language),
/// titles over another language's text (labelled with the text's), and
/// the vocabulary.
fn cases() -> Vec<(String, String, &'static str)> {
    let rows = rows();
    let mut cases: Vec<(String, String, &'static str)> = rows
        .iter()
        .map(|(label, title, lede)| (label.clone(), format!("{title}. {lede}"), "row"))
        .collect();
    let mut by_language: std::collections::BTreeMap<&str, Vec<&(String, String, String)>> = Default::default();
    for row in &rows {
        by_language.entry(row.0.as_str()).or_default().push(row);
    }
    let languages: Vec<&str> = by_language.keys().copied().collect();
    for (n, language) in languages.iter().enumerate() {
        let same = &by_language[language];
        let other = &by_language[languages[(n + 1) % languages.len()]];
        for i in 0..same.len() {
            let ledes = |rows: &[&(String, String, String)]| {
                (0..4)
                    .map(|k| rows[(i + k) % rows.len()].2.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            cases.push((
                language.to_string(),
                format!("{}. {}", same[i].1, ledes(same)),
                "article",
            ));
            let label = other[0].0.clone();
            cases.push((label, format!("{}. {}", same[i].1, ledes(other)), "mixed"));
        }
    }
    cases.extend(vocabulary().into_iter().map(|(l, t)| (l, t, "vocabulary")));
    cases
}

/// Agreement of the two ways, and how often the start sufficed.
#[derive(Debug, Default)]
struct Tally {
    total: usize,
    same: usize,
    declared_right: usize,
    declared_right_same: usize,
    start_sufficed: usize,
    right_before: usize,
    right_after: usize,
}

fn tally(detect: &Detect, cases: &[(String, String, &str)], prefix: usize) -> Tally {
    let mut t = Tally::default();
    let declared: Vec<&str> = PROFILES.iter().map(|p| p.0).chain(["is"]).collect();
    for (i, (label, text, _)) in cases.iter().enumerate() {
        let wrong = (1..=4)
            .map(|k| declared[(i * 5 + k * 3) % declared.len()])
            .filter(|h| h != label);
        for hint in std::iter::once(label.as_str()).chain(wrong) {
            let whole = detect.detect_whole(text, Some(hint));
            let read = detect.detect_reading(text, Some(hint), prefix);
            let before = whole.clone().unwrap_or_else(|| hint.to_string());
            let after = read.clone().unwrap_or_else(|| hint.to_string());
            t.total += 1;
            t.same += usize::from(before == after);
            t.right_before += usize::from(&before == label);
            t.right_after += usize::from(&after == label);
            if hint == *label {
                t.declared_right += 1;
                t.declared_right_same += usize::from(before == after);
                // The start alone answered when the whole would not have
                // been read: a shorter sample than the whole text.
                t.start_sufficed += usize::from(
                    read.is_some() && text.chars().count() > prefix && {
                        let start: String = text.chars().take(prefix).collect();
                        detect.detect_whole(&start, Some(hint)) == read
                    },
                );
            }
        }
    }
    t
}

#[test]
fn reading_the_start_first_answers_as_reading_the_whole_sample() {
    let detect = Detect::default();
    let cases = cases();
    assert!(cases.len() > 3_000, "the labelled sets were read: {}", cases.len());
    let sweep = std::env::var_os("THBWATCH_PREFIX_SWEEP").is_some();
    let prefixes = if sweep {
        vec![100, 150, PREFIX_CHARS, 300]
    } else {
        vec![PREFIX_CHARS]
    };
    for prefix in prefixes {
        for kind in ["row", "article", "mixed", "vocabulary"] {
            let some: Vec<_> = cases.iter().filter(|c| c.2 == kind).cloned().collect();
            let t = tally(&detect, &some, prefix);
            println!(
                "start of {prefix} chars, {kind} ({} texts): the same language {} of {} ({:.2} %); \
                 declared right: the same {} of {}, the start sufficed {}; right {} -> {}",
                some.len(),
                t.same,
                t.total,
                100.0 * t.same as f64 / t.total as f64,
                t.declared_right_same,
                t.declared_right,
                t.start_sufficed,
                t.right_before,
                t.right_after
            );
        }
    }
    // Where the language is declared right, and where title and text are
    // in one language, reading the start first changes nothing; a title
    // in the declared language over a text in another may keep the
    // declared one (the start reads as it) where the whole sample said
    // the text's: a few in a thousand of those.
    let plain: Vec<_> = cases.iter().filter(|c| c.2 != "mixed").cloned().collect();
    let t = tally(&detect, &plain, PREFIX_CHARS);
    assert_eq!(t.same, t.total, "{t:?}");
    let mixed: Vec<_> = cases.iter().filter(|c| c.2 == "mixed").cloned().collect();
    let t = tally(&detect, &mixed, PREFIX_CHARS);
    assert_eq!(t.declared_right_same, t.declared_right, "{t:?}");
    assert!(t.same * 1000 >= t.total * 995, "{t:?}");
}
