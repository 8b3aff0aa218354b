//! Each term's gate: a set of phrases at least one of which must occur
//! for the term to hold, chosen to be as rare as the rule allows (the
//! trafficking side of `trafficking AND work words`, the rarer side of a
//! NEAR). Tagging evaluates only the terms whose gate was found, so the
//! everyday words of the other sides (work, hours, wages, border…) no
//! longer make every term that mentions them a candidate. Pure.

use std::collections::HashSet;

use super::spans::{QueryExpr, SpanExpr};
use super::syntax::{Phrase, Word};

/// A necessary phrase set and its estimated cost (how often some phrase
/// of it occurs, in arbitrary units: smaller is rarer).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Gate {
    pub phrases: Vec<usize>,
    cost: f64,
}

impl Gate {
    fn of(ids: &[usize], costs: &[f64]) -> Gate {
        let mut gate = Gate {
            phrases: Vec::new(),
            cost: 0.0,
        };
        gate.add(ids, costs);
        gate
    }

    fn add(&mut self, ids: &[usize], costs: &[f64]) {
        for &id in ids {
            if !self.phrases.contains(&id) {
                self.phrases.push(id);
                self.cost += costs[id];
            }
        }
    }

    fn union(mut self, other: Gate, costs: &[f64]) -> Gate {
        self.add(&other.phrases, costs);
        self
    }

    fn rarer(self, other: Gate) -> Gate {
        if other.cost < self.cost { other } else { self }
    }
}

/// How common each phrase (by id) is likely to be, with no corpus to
/// count in: each alternative adds to the chance that one occurs, short
/// prefixes occur inside many words, and every further word makes a
/// phrase rarer. A word that the rules elsewhere only count in a longer
/// phrase ("handel" of "handel ludźmi", "grensen" of "over grensen") is
/// an everyday word that needs qualifying: alone, it counts as common.
pub(super) fn costs(phrases: &[Phrase]) -> Vec<f64> {
    let qualified: HashSet<&Word> = phrases.iter().filter(|p| p.len() > 1).flatten().collect();
    phrases
        .iter()
        .map(|phrase| {
            let Some(first) = phrase.first() else { return 1.0 };
            let chars = first.folded.chars().count();
            let open = first.prefix || first.infix;
            let mut word = match (open, chars) {
                (true, 0..=4) => 4.0,
                (true, 5..=6) => 2.0,
                (false, 0..=3) => 2.0,
                _ => 1.0,
            };
            if phrase.len() == 1 && qualified.contains(first) {
                word *= 4.0;
            }
            word * 0.3f64.powi(i32::try_from(phrase.len() - 1).unwrap_or(i32::MAX))
        })
        .collect()
}

/// The gate of a term, or `None` when it could hold without any phrase
/// (no rule the parser accepts does, but nothing here relies on that).
/// `costs`: [`costs`] of the phrases.
pub(super) fn of_term(query: &QueryExpr, costs: &[f64]) -> Option<Gate> {
    match query {
        QueryExpr::Span(span) => Some(of_span(span, costs)),
        // Every positive part must hold: any one's gate will do.
        QueryExpr::All(parts) => parts
            .iter()
            .filter(|p| !matches!(p, QueryExpr::Not { .. }))
            .filter_map(|p| of_term(p, costs))
            .reduce(Gate::rarer),
        // Any part may hold: every part's gate is needed, together.
        QueryExpr::Any(parts) => parts
            .iter()
            .map(|p| of_term(p, costs))
            .try_fold(Gate::of(&[], costs), |gate, part| Some(gate.union(part?, costs))),
        // What a NOT finds never makes a term hold.
        QueryExpr::Not { .. } => None,
    }
}

fn of_span(span: &SpanExpr, costs: &[f64]) -> Gate {
    match span {
        SpanExpr::Phrases(ids) => Gate::of(ids, costs),
        // Both sides must occur.
        SpanExpr::Near { left, right, .. } => of_span(left, costs).rarer(of_span(right, costs)),
        SpanExpr::Either(spans) => spans
            .iter()
            .map(|s| of_span(s, costs))
            .fold(Gate::of(&[], costs), |gate, s| gate.union(s, costs)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::phrases::PhraseIds;
    use super::super::spans::QueryExpr;
    use super::super::syntax::{self, Role};
    use super::of_term;

    /// The phrases (as folded words) of a term's gate.
    fn gate(query: &str) -> Option<Vec<String>> {
        let mut ids = PhraseIds::default();
        let parsed = syntax::parse(query, Role::Term).unwrap();
        let compiled = QueryExpr::compile(&parsed, &mut ids);
        let phrases = ids.into_list();
        let gate = of_term(&compiled, &super::costs(&phrases))?;
        let mut words: Vec<String> = gate
            .phrases
            .iter()
            .map(|&p| {
                phrases[p]
                    .iter()
                    .map(|w| {
                        format!(
                            "{}{}{}",
                            if w.infix { "*" } else { "" },
                            w.folded,
                            if w.prefix { "*" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        words.sort();
        Some(words)
    }

    fn set(words: &[&str]) -> Option<Vec<String>> {
        let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        words.sort();
        Some(words)
    }

    #[test]
    fn a_phrase_or_a_group_is_its_own_gate() {
        assert_eq!(gate("human trafficking"), set(&["human trafficking"]));
        assert_eq!(gate("(a | b c | dogs*)"), set(&["a", "b c", "dogs*"]));
    }

    #[test]
    fn an_and_is_gated_by_its_rarest_part() {
        assert_eq!(
            gate("(*menneskehandel* | menneskehandl*) AND (arbejde* | løn | timer | pas | gård | landbrug*)"),
            set(&["*menneskehandel*", "menneskehandl*"])
        );
        // Order does not matter.
        assert_eq!(
            gate("(arbejde* | løn | timer | pas | gård | landbrug*) AND (*menneskehandel* | menneskehandl*)"),
            set(&["*menneskehandel*", "menneskehandl*"])
        );
        // A phrase of several words is rarer than any of its words.
        assert_eq!(gate("(work | wages) AND \"forced labour\""), set(&["forced labour"]));
    }

    #[test]
    fn a_not_part_is_never_a_gate() {
        assert_eq!(
            gate("(work | hours | wages) AND NOT trafficking"),
            set(&["hours", "wages", "work"])
        );
        assert_eq!(
            gate("(work | hours | wages) AND trafficking AND NOT (brothel* | sex*)"),
            set(&["trafficking"])
        );
    }

    #[test]
    fn an_or_needs_every_alternatives_gate() {
        assert_eq!(
            gate("(trafficking AND (work | hours)) OR (slavery AND (wages | pay | farm))"),
            set(&["slavery", "trafficking"])
        );
        // An alternative without a gate (none the parser accepts) leaves
        // the whole without one: covered by `of_term`'s None.
    }

    #[test]
    fn a_near_is_gated_by_its_rarer_side() {
        assert_eq!(
            gate("(forced | made | compelled | ordered | told) NEAR/4 (begging | stealing)"),
            set(&["begging", "stealing"])
        );
        assert_eq!(gate("(police | polizei) NEAR/6 (traffick*)"), set(&["traffick*"]));
        // Nested: the rarest side anywhere down the proximity.
        assert_eq!(
            gate("(work | hours | days | wages) NEAR/8 ((passport* | documents | papers) NEAR/3 (taken | kept))"),
            set(&["kept", "taken"])
        );
        // Alternatives of spans: every alternative's gate together.
        assert_eq!(
            gate("((work | hours | wages) NEAR/3 slavery | \"debt bondage\")"),
            set(&["debt bondage", "slavery"])
        );
    }

    #[test]
    fn a_word_the_rules_qualify_elsewhere_counts_as_common() {
        // "handel" alone would be the rarer side, but "handel ludźmi" says
        // it is an everyday word.
        assert_eq!(
            gate("((handel | handlet) NEAR/3 (kvinner | jenter | barn | mennesker)) OR handel ludźmi"),
            set(&["barn", "handel ludzmi", "jenter", "kvinner", "mennesker"])
        );
    }

    #[test]
    fn short_prefixes_count_as_common() {
        assert_eq!(gate("arb* NEAR/3 (exploited | abused)"), set(&["abused", "exploited"]));
    }
}
