//! `thbwatch eval`'s thresholds and its report for people (the JSON is
//! the [`Report`] serialised). Pure.

use serde::Serialize;

use super::{Counts, Figures, Mistake, Report};

/// The `--min-*` options: each figure must reach its minimum.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Minimums {
    /// Micro precision over all tags.
    pub precision: Option<f64>,
    /// Micro recall over all tags.
    pub recall: Option<f64>,
    /// The recall of every language that has positive labels.
    pub language_recall: Option<f64>,
}

/// One figure checked against its minimum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Threshold {
    /// `precision`, `recall`, or `recall of LANG`.
    pub name: String,
    pub min: f64,
    /// `None`: the file cannot measure it (no predictions, no positives).
    pub value: Option<f64>,
    pub passed: bool,
}

impl Report {
    /// Checks the figures against the minimums given; `passed` is false
    /// when any is below (or cannot be measured).
    pub(crate) fn apply(&mut self, min: &Minimums) {
        let mut checks = Vec::new();
        let mut check = |name: String, min: f64, value: Option<f64>| {
            let passed = value.is_some_and(|v| v >= min);
            checks.push(Threshold {
                name,
                min,
                value,
                passed,
            });
        };
        if let Some(p) = min.precision {
            check("precision".into(), p, self.micro.figures.precision);
        }
        if let Some(r) = min.recall {
            check("recall".into(), r, self.micro.figures.recall);
        }
        if let Some(r) = min.language_recall {
            // A language without positive labels has no recall to check.
            for l in self.languages.iter().filter(|l| l.figures.recall.is_some()) {
                check(format!("recall of {}", l.lang), r, l.figures.recall);
            }
        }
        self.passed = checks.iter().all(|c| c.passed);
        self.thresholds = checks;
    }
}

fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

fn row(name: &str, c: &Counts, f: &Figures) -> String {
    format!(
        "{name:<24} {:>5} {:>5} {:>5}  {:>9}  {:>6}  {:>5}\n",
        c.tp,
        c.fp,
        c.fn_,
        figure(f.precision),
        figure(f.recall),
        figure(f.f1)
    )
}

/// The report as people read it: per tag, the micro totals, per
/// language, every mistake, and the thresholds.
pub fn to_text(r: &Report) -> String {
    let mut out = format!("{}: {} items\n\n", r.file, r.items);
    out.push_str(&format!(
        "{:<24} {:>5} {:>5} {:>5}  {:>9}  {:>6}  {:>5}\n",
        "tag", "tp", "fp", "fn", "precision", "recall", "f1"
    ));
    for s in &r.tags {
        out.push_str(&row(&s.tag, &s.counts, &s.figures));
    }
    out.push_str(&row("all tags (micro)", &r.micro.counts, &r.micro.figures));
    out.push_str(&format!(
        "\n{:<8} {:>5} {:>5} {:>5} {:>5}  {:>9}  {:>6}\n",
        "lang", "items", "tp", "fp", "fn", "precision", "recall"
    ));
    for l in &r.languages {
        out.push_str(&format!(
            "{:<8} {:>5} {:>5} {:>5} {:>5}  {:>9}  {:>6}\n",
            l.lang,
            l.items,
            l.counts.tp,
            l.counts.fp,
            l.counts.fn_,
            figure(l.figures.precision),
            figure(l.figures.recall)
        ));
    }
    out.push_str(&format!("\nerrors: {}\n", r.errors.len()));
    for m in &r.errors {
        out.push_str(&mistake(m));
    }
    if !r.thresholds.is_empty() {
        out.push_str("\nthresholds:\n");
        for t in &r.thresholds {
            let verdict = if t.passed { "ok" } else { "FAILED" };
            let sign = if t.passed { ">=" } else { "<" };
            out.push_str(&format!(
                "{}: {} {sign} {:.3}: {verdict}\n",
                t.name,
                figure(t.value),
                t.min
            ));
        }
    }
    out
}

fn mistake(m: &Mistake) -> String {
    let kind = if m.kind == "false_positive" { "FP" } else { "FN" };
    let mut out = format!("{kind} {} (line {}, {}) {}: {}\n", m.id, m.line, m.lang, m.tag, m.text);
    for w in &m.matched {
        out.push_str(&format!(
            "   matched {:?} in {} by term {:?}\n",
            w.text, w.field, w.term
        ));
    }
    if let Some(c) = &m.cancelled_by {
        out.push_str(&format!(
            "   cancelled by context {:?}: {:?} in {}\n",
            c.term, c.text, c.field
        ));
    }
    out
}
