//! The budgets of docs/benchmarks.md and the CI guard: each figure
//! against its budget, and the figures that miss it by more than 3x.

use crate::options::Options;
use crate::report::{Figures, number};

/// A budget: the figure, what it must be, whether more is better, and
/// where the CI guard fails.
struct Budget {
    what: &'static str,
    key: &'static str,
    unit: &'static str,
    limit: f64,
    higher_is_better: bool,
    /// Beyond this the guard fails: the budget missed by 3x.
    guard: f64,
    /// The same figure from CPU time, for the guard: what it would be
    /// with the machine's cores to itself. Other work on a shared machine
    /// stretches wall-clock time, not CPU time; the guard judges the
    /// better of the two, so only more work per item fails it.
    cpu_key: Option<&'static str>,
}

const fn budget(what: &'static str, key: &'static str, unit: &'static str, limit: f64, higher: bool) -> Budget {
    Budget {
        what,
        key,
        unit,
        limit,
        higher_is_better: higher,
        guard: if higher { limit / 3.0 } else { limit * 3.0 },
        cpu_key: None,
    }
}

// The first cycle and the in-process ingest still miss their budgets
// (docs/benchmarks.md says why). Their guards stay where they were before
// the budgets were tightened, 3x the former 3 s budget and a third of the
// 18,170 items/s recorded then, so the guard catches a collapse of either
// while the budgets themselves are reported as missed.
const BUDGETS: &[Budget] = &[
    Budget {
        cpu_key: Some("first cpu"),
        guard: 9.0,
        ..budget("first cycle (all new)", "first", "s", 1.5, false)
    },
    budget("first cycle / newsboat's", "newsboat ratio", "", 0.12, false),
    budget("304 cycle", "304", "s", 1.0, false),
    Budget {
        cpu_key: Some("ingest cpu"),
        guard: 6_000.0,
        ..budget("in-process ingest", "ingest", "items/s", 50_000.0, true)
    },
    // Tagging misses its budget too, and each pass of the default rules
    // adds terms (the thirteenth: 22 % more time per byte). The machine's
    // speed varies by a third between hours (32.8 to 36 MB/s with the same
    // rules and binary on 2026-12-03), so the guard is a quarter of the
    // budget: it catches a collapse of the engine, not a slow hour.
    Budget {
        guard: 25.0,
        ..budget("tagging", "tagging", "MB/s", 100.0, true)
    },
    budget("/feed.atom gzip", "rate gzip", "req/s", 20_000.0, true),
    // With 50 closed-loop clients on 2 shared cores, p99 mostly measures
    // queueing: reported, never a reason for the guard to fail.
    Budget {
        guard: f64::INFINITY,
        ..budget("/feed.atom gzip p99", "p99 gzip", "ms", 5.0, false)
    },
    budget("/feed.atom 304", "rate plain 304", "req/s", 30_000.0, true),
    budget("/feed.atom gzip 304", "rate gzip 304", "req/s", 30_000.0, true),
    budget("RSS steady, unit's env", "rss steady", "MiB", 64.0, false),
    budget("start-up to READY", "startup", "ms", 1_000.0, false),
];

/// Prints each budget with the figure it judges (the median; for the
/// guard, the best run) and returns those missed by more than 3x.
pub(crate) fn judge(options: &Options, figures: &Figures) -> Vec<String> {
    println!();
    println!(
        "budgets ({} sources x {} items{}):",
        options.sources,
        options.items,
        if options.guard { "; guard: fails beyond 3x" } else { "" }
    );
    let mut missed = Vec::new();
    for budget in BUDGETS {
        let Some((median, min, max)) = figures.summary(budget.key) else {
            continue;
        };
        // The guard judges the best run (see main), and for figures that
        // other work stretches, the better of wall and CPU time; the
        // report, the median.
        let best = |key: &str| {
            figures
                .summary(key)
                .map(|(_, min, max)| if budget.higher_is_better { max } else { min })
        };
        let median = match (options.guard, budget.cpu_key.and_then(best)) {
            (false, _) => median,
            (true, None) if budget.higher_is_better => max,
            (true, None) => min,
            (true, Some(cpu)) if budget.higher_is_better => max.max(cpu),
            (true, Some(cpu)) => min.min(cpu),
        };
        let (met, gross) = if budget.higher_is_better {
            (median >= budget.limit, median < budget.guard)
        } else {
            (median <= budget.limit, median > budget.guard)
        };
        let sign = if budget.higher_is_better { "≥" } else { "≤" };
        let verdict = match (met, gross) {
            (true, _) => "met".to_string(),
            (false, false) if budget.guard.is_infinite() => "MISSED (not guarded)".to_string(),
            (false, false) => format!("MISSED (guard: {} {})", number(budget.guard), budget.unit),
            (false, true) => format!("MISSED beyond the guard ({} {})", number(budget.guard), budget.unit),
        };
        println!(
            "  {:<28} {:>16}   budget {sign} {} {}   {verdict}",
            budget.what,
            format!("{} {}", number(median), budget.unit),
            number(budget.limit),
            budget.unit
        );
        if gross {
            missed.push(format!(
                "{} ({} {}, guard {})",
                budget.what,
                number(median),
                budget.unit,
                number(budget.guard)
            ));
        }
    }
    missed
}
