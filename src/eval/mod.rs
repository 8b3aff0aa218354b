//! `thbwatch eval`: scores the configured rules on a labelled file. Each
//! row goes through exactly what a poll does with a feed entry
//! ([`crate::normalize::item_and_text`], then
//! [`crate::tag::Tagger::tagged`]: normalisation, language detection,
//! tagging of title and summary), as an entry declaring the row's
//! language from a source configured with it. Pure but for reading the
//! file.

mod file;
mod report;

use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::lang::Detect;
use crate::model::{RawEntry, TaggedItem, Text};
use crate::normalize;
use crate::tag::Tagger;
pub(crate) use file::{LineProblem, Row, SEPARATOR};
pub use report::{Minimums, Threshold, to_text};

/// Why a file could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", malformed(path, problems))]
    Malformed { path: String, problems: Vec<LineProblem> },
    #[error(transparent)]
    Rules(#[from] crate::tag::Error),
}

fn malformed(path: &str, problems: &[LineProblem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|(line, problem)| match line {
            0 => format!("{path}: {problem}"),
            n => format!("{path}:{n}: {problem}"),
        })
        .collect();
    lines.join("\n")
}

/// True positives, false positives, false negatives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

/// Precision, recall and F1; `None` where the denominator is zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl From<Counts> for Figures {
    fn from(c: Counts) -> Figures {
        let ratio = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
        let precision = ratio(c.tp, c.tp + c.fp);
        let recall = ratio(c.tp, c.tp + c.fn_);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Figures { precision, recall, f1 }
    }
}

/// The scores of one tag.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub tag: String,
    #[serde(flatten)]
    pub counts: Counts,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The scores of every tag together (micro-averaged: counts summed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Totals {
    #[serde(flatten)]
    pub counts: Counts,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The scores of the rows of one language (the file's `lang` column).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LanguageScore {
    pub lang: String,
    pub items: usize,
    #[serde(flatten)]
    pub counts: Counts,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A false positive or false negative.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mistake {
    /// `false_positive` or `false_negative`.
    pub kind: &'static str,
    pub id: String,
    pub line: usize,
    pub lang: String,
    pub tag: String,
    pub text: String,
    /// For a false positive: the words that matched.
    pub matched: Vec<Matched>,
    /// For a false negative: the context that cancelled the tag, if one did.
    pub cancelled_by: Option<Matched>,
}

/// Words that matched, the term or context that matched them, and where.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Matched {
    pub term: String,
    pub text: String,
    pub field: String,
}

/// Everything `eval` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub file: String,
    pub items: usize,
    pub tags: Vec<Score>,
    pub micro: Totals,
    pub languages: Vec<LanguageScore>,
    pub errors: Vec<Mistake>,
    pub thresholds: Vec<Threshold>,
    pub passed: bool,
}

/// Reads and scores a labelled file with the configuration's rules.
pub(crate) fn run(config: &Config, path: &Path) -> Result<Report, Error> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: shown.clone(),
        source,
    })?;
    let tags: Vec<&str> = config.tags.iter().map(|t| t.name.as_str()).collect();
    let rows = file::parse(&text, &tags).map_err(|problems| Error::Malformed {
        path: shown.clone(),
        problems,
    })?;
    let tagger = Tagger::new(&config.tags)?;
    Ok(score(&shown, &tags, &rows, &tagger))
}

/// A row as a feed entry, normalised and tagged the way every poll does.
pub(crate) fn tag_row(row: &Row, tagger: &Tagger, detect: &Detect) -> TaggedItem {
    let raw = entry(&row.id, &row.title, &row.summary, Some(&row.lang));
    with_context(Some(&row.lang), detect, |cx| {
        tagger.tagged(crate::normalize::item_and_text(raw, cx))
    })
}

/// A title and summary as a feed entry declaring `lang`.
pub(crate) fn entry(id: &str, title: &str, summary: &str, lang: Option<&str>) -> RawEntry {
    let text = |body: &str| {
        (!body.is_empty()).then(|| Text {
            body: body.to_string(),
            is_html: false,
        })
    };
    RawEntry {
        guid: Some(id.to_string()),
        title: text(title),
        summary: text(summary),
        language: lang.map(str::to_string),
        ..RawEntry::default()
    }
}

/// Runs `f` in the context of a source configured with `lang`.
pub(crate) fn with_context<T>(lang: Option<&str>, detect: &Detect, f: impl FnOnce(&normalize::Context<'_>) -> T) -> T {
    // Links resolve against it; no row has any.
    let base = url::Url::parse("https://eval.invalid/").expect("a constant, valid URL");
    let cx = normalize::Context {
        base: &base,
        source_language: lang,
        feed_language: None,
        detect,
    };
    f(&cx)
}

/// Scores rows against the tags the rules give them.
pub(crate) fn score(file: &str, tags: &[&str], rows: &[Row], tagger: &Tagger) -> Report {
    let detect = Detect::default();
    let mut per_tag = vec![Counts::default(); tags.len()];
    let mut per_lang: Vec<(String, usize, Counts)> = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let tagged = tag_row(row, tagger, &detect);
        let lang = match per_lang.iter().position(|l| l.0 == row.lang) {
            Some(i) => i,
            None => {
                per_lang.push((row.lang.clone(), 0, Counts::default()));
                per_lang.len() - 1
            }
        };
        per_lang[lang].1 += 1;
        for (index, tag) in tags.iter().enumerate() {
            let expected = row.tags.iter().any(|t| t == tag);
            let got = tagged.matches.iter().any(|m| m.tag == *tag);
            let counts = Counts {
                tp: usize::from(expected && got),
                fp: usize::from(!expected && got),
                fn_: usize::from(expected && !got),
            };
            per_tag[index].add(counts);
            per_lang[lang].2.add(counts);
            if expected != got {
                errors.push(mistake(row, tag, &tagged));
            }
        }
    }
    let mut total = Counts::default();
    per_tag.iter().for_each(|c| total.add(*c));
    let score = |tag: &str, counts: Counts| Score {
        tag: tag.to_string(),
        counts,
        figures: counts.into(),
    };
    let mut languages: Vec<LanguageScore> = per_lang
        .into_iter()
        .map(|(lang, items, counts)| LanguageScore {
            lang,
            items,
            counts,
            figures: counts.into(),
        })
        .collect();
    languages.sort_by(|a, b| a.lang.cmp(&b.lang));
    Report {
        file: file.to_string(),
        items: rows.len(),
        tags: tags.iter().zip(per_tag).map(|(t, c)| score(t, c)).collect(),
        micro: Totals {
            counts: total,
            figures: total.into(),
        },
        languages,
        errors,
        thresholds: Vec::new(),
        passed: true,
    }
}

fn mistake(row: &Row, tag: &str, tagged: &TaggedItem) -> Mistake {
    let matched = tagged
        .matches
        .iter()
        .filter(|m| m.tag == tag)
        .map(|m| Matched {
            term: m.term.clone(),
            text: m.text.clone(),
            field: m.place(),
        })
        .collect::<Vec<_>>();
    let false_positive = !matched.is_empty();
    let cancelled_by = tagged.cancelled.iter().find(|c| c.tag == tag).map(|c| Matched {
        term: c.context.clone(),
        text: c.context_text.clone(),
        field: c.context_field.as_str().to_string(),
    });
    Mistake {
        kind: if false_positive {
            "false_positive"
        } else {
            "false_negative"
        },
        id: row.id.clone(),
        line: row.line,
        lang: row.lang.clone(),
        tag: tag.to_string(),
        text: row.text(),
        matched,
        cancelled_by,
    }
}

#[cfg(test)]
mod tests;
