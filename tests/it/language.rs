//! Language detection against the detector it replaced (whatlang 0.18,
//! with the same candidate languages and the same rules for short texts
//! and hints), on the labelled set (tests/fixtures/eval-small.tsv) and on
//! the vocabulary (vocabulary/thb-terms.toml: each language's terms of one
//! concept, forms and all, read as one text). Both are scored against the
//! labels; the new one must be right at least as often, and say the same
//! as the old one almost always. `-- --nocapture` prints the figures.

use std::path::Path;

use thbwatch::lang::Detect;
use whatlang::{Detector, Lang};

/// whatlang's languages as thbwatch names them.
const CANDIDATES: &[(Lang, &str)] = &[
    (Lang::Eng, "en"),
    (Lang::Rus, "ru"),
    (Lang::Deu, "de"),
    (Lang::Pol, "pl"),
    (Lang::Nob, "no"),
    (Lang::Dan, "da"),
    (Lang::Swe, "sv"),
    (Lang::Fin, "fi"),
    (Lang::Lit, "lt"),
    (Lang::Lav, "lv"),
    (Lang::Est, "et"),
    (Lang::Ukr, "uk"),
    (Lang::Bel, "be"),
    (Lang::Fra, "fr"),
    (Lang::Nld, "nl"),
];

/// The detector as it was: whatlang with the same sample and thresholds.
struct Before(Detector);

impl Before {
    fn new() -> Before {
        Before(Detector::with_allowlist(CANDIDATES.iter().map(|c| c.0).collect()))
    }

    fn detect(&self, text: &str) -> Option<String> {
        let sample = text.char_indices().nth(600).map_or(text, |(end, _)| &text[..end]);
        if sample.chars().filter(|c| c.is_alphabetic()).take(40).count() < 40 {
            return None;
        }
        let info = self.0.detect(sample).filter(|i| i.is_reliable())?;
        CANDIDATES.iter().find(|c| c.0 == info.lang()).map(|c| c.1.to_string())
    }
}

/// (label, text) of every row of the labelled set.
fn labelled() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval-small.tsv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("id\t"))
        .map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields[1].to_string(), fields[3].replace(" | ", ". "))
        })
        .collect()
}

include!("../support/vocabulary_texts.rs");

/// Right, wrong and unanswered, for each detector; and how often they agree.
#[derive(Debug, Default)]
struct Score {
    right: [usize; 2],
    wrong: [usize; 2],
    none: [usize; 2],
    agree: usize,
    total: usize,
}

fn score(cases: &[(String, String)]) -> Score {
    let (before, after) = (Before::new(), Detect::default());
    let mut score = Score::default();
    for (label, text) in cases {
        let answers = [before.detect(text), after.detect(text, None)];
        for (i, answer) in answers.iter().enumerate() {
            match answer {
                Some(a) if a == label => score.right[i] += 1,
                Some(_) => score.wrong[i] += 1,
                None => score.none[i] += 1,
            }
        }
        if answers[0] != answers[1] {
            println!(
                "  {label}: whatlang {:?}, thbwatch {:?}: {text}",
                answers[0], answers[1]
            );
        }
        score.agree += usize::from(answers[0] == answers[1]);
        score.total += 1;
    }
    score
}

fn report(name: &str, s: &Score) {
    for (i, who) in ["whatlang (before)", "one-pass scorer"].iter().enumerate() {
        println!(
            "{name}, {who}: {} right, {} wrong, {} unanswered of {}",
            s.right[i], s.wrong[i], s.none[i], s.total
        );
    }
    println!("{name}: the same answer for {} of {}", s.agree, s.total);
}

#[test]
fn the_one_pass_scorer_is_as_accurate_as_whatlang_on_the_labelled_set() {
    let s = score(&labelled());
    report("eval-small.tsv", &s);
    assert!(s.total > 100, "the labelled set was read");
    assert!(s.right[1] >= s.right[0], "{s:?}");
    assert!(s.wrong[1] <= s.wrong[0], "{s:?}");
    assert!(s.agree * 100 >= s.total * 98, "{s:?}");
}

#[test]
fn the_one_pass_scorer_is_as_accurate_as_whatlang_on_the_vocabulary() {
    let s = score(&vocabulary());
    report("vocabulary", &s);
    assert!(s.total > 50, "the vocabulary was read");
    assert!(s.right[1] >= s.right[0], "{s:?}");
    assert!(s.wrong[1] <= s.wrong[0], "{s:?}");
    assert!(s.agree * 100 >= s.total * 98, "{s:?}");
}
