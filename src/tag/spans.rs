//! Rules evaluated over the phrase occurrences of one item: proximity
//! joins occurrences within one text, AND, OR and NOT look at the whole
//! item, excludes cancel the occurrences they cover. Pure.

use super::phrases::{Hit, PhraseIds};
use super::syntax::{Query, Span};

/// Most occurrences one proximity part keeps in one item: enough for any
/// explanation, and a bound on text written to be slow.
const MAX_OCCURRENCES: usize = 1_000;

/// A [`Span`] with its phrases numbered.
#[derive(Debug)]
pub(super) enum SpanExpr {
    Phrases(Vec<usize>),
    Near {
        left: Box<SpanExpr>,
        right: Box<SpanExpr>,
        within: usize,
        ordered: bool,
    },
    Either(Vec<SpanExpr>),
}

/// A [`Query`] with its phrases numbered.
#[derive(Debug)]
pub(super) enum QueryExpr {
    Span(SpanExpr),
    All(Vec<QueryExpr>),
    Any(Vec<QueryExpr>),
    Not { query: Box<QueryExpr>, written: String },
}

impl SpanExpr {
    pub(super) fn compile(span: &Span, ids: &mut PhraseIds) -> SpanExpr {
        match span {
            Span::Phrases(phrases) => SpanExpr::Phrases(phrases.iter().map(|p| ids.id(p)).collect()),
            Span::Near {
                left,
                right,
                within,
                ordered,
            } => SpanExpr::Near {
                left: Box::new(SpanExpr::compile(left, ids)),
                right: Box::new(SpanExpr::compile(right, ids)),
                within: usize::from(*within),
                ordered: *ordered,
            },
            Span::Either(spans) => SpanExpr::Either(spans.iter().map(|s| SpanExpr::compile(s, ids)).collect()),
        }
    }

    fn phrases(&self, out: &mut Vec<usize>) {
        match self {
            SpanExpr::Phrases(ids) => out.extend(ids),
            SpanExpr::Near { left, right, .. } => {
                left.phrases(out);
                right.phrases(out);
            }
            SpanExpr::Either(spans) => spans.iter().for_each(|s| s.phrases(out)),
        }
    }

    /// Whether the item has the phrases this could match with at all (a
    /// cheap test before evaluating).
    fn possible(&self, found: &Found<'_>) -> bool {
        match self {
            SpanExpr::Phrases(ids) => ids.iter().any(|&id| !found.of(id).is_empty()),
            SpanExpr::Near { left, right, .. } => left.possible(found) && right.possible(found),
            SpanExpr::Either(spans) => spans.iter().any(|s| s.possible(found)),
        }
    }

    pub(super) fn has_near(&self) -> bool {
        match self {
            SpanExpr::Phrases(_) => false,
            SpanExpr::Near { .. } => true,
            SpanExpr::Either(spans) => spans.iter().any(SpanExpr::has_near),
        }
    }
}

impl QueryExpr {
    pub(super) fn compile(query: &Query, ids: &mut PhraseIds) -> QueryExpr {
        match query {
            Query::Span(span) => QueryExpr::Span(SpanExpr::compile(span, ids)),
            Query::All(parts) => QueryExpr::All(parts.iter().map(|q| QueryExpr::compile(q, ids)).collect()),
            Query::Any(parts) => QueryExpr::Any(parts.iter().map(|q| QueryExpr::compile(q, ids)).collect()),
            Query::Not { query, written } => QueryExpr::Not {
                query: Box::new(QueryExpr::compile(query, ids)),
                written: written.clone(),
            },
        }
    }

    /// The phrases of its positive parts (`negated`: of its NOT parts too).
    pub(super) fn phrases(&self, negated: bool, out: &mut Vec<usize>) {
        match self {
            QueryExpr::Span(span) => span.phrases(out),
            QueryExpr::All(parts) | QueryExpr::Any(parts) => parts.iter().for_each(|q| q.phrases(negated, out)),
            QueryExpr::Not { query, .. } if negated => query.phrases(negated, out),
            QueryExpr::Not { .. } => {}
        }
    }

    /// Whether the item has the phrases its positive parts need.
    pub(super) fn possible(&self, found: &Found<'_>) -> bool {
        match self {
            QueryExpr::Span(span) => span.possible(found),
            QueryExpr::All(parts) => parts.iter().all(|q| q.possible(found)),
            QueryExpr::Any(parts) => parts.iter().any(|q| q.possible(found)),
            QueryExpr::Not { .. } => true,
        }
    }

    pub(super) fn has_near(&self) -> bool {
        match self {
            QueryExpr::Span(span) => span.has_near(),
            QueryExpr::All(parts) | QueryExpr::Any(parts) => parts.iter().any(QueryExpr::has_near),
            QueryExpr::Not { query, .. } => query.has_near(),
        }
    }
}

/// An occurrence of a span in a slot: bytes `start..end` of its folded
/// text and words `first_word..=last_word`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Occ {
    pub slot: usize,
    pub first_word: usize,
    pub last_word: usize,
    pub start: usize,
    pub end: usize,
}

impl From<&Hit> for Occ {
    fn from(h: &Hit) -> Occ {
        Occ {
            slot: h.slot,
            first_word: h.first_word,
            last_word: h.last_word,
            start: h.start,
            end: h.end,
        }
    }
}

/// Whether a query holds for an item, and the evidence.
#[derive(Debug)]
pub(super) enum Outcome<'q> {
    /// The first occurrence of each positive part in each place.
    Yes(Vec<Occ>),
    No,
    /// The positive parts hold, but a NOT part was found.
    Negated {
        by: &'q str,
        found: Occ,
        would: Vec<Occ>,
    },
}

/// Which phrase occurrences count for a rule.
pub(super) struct Keep<'a> {
    /// In a field the rule looks at.
    pub field: &'a dyn Fn(&Occ) -> bool,
    /// Not cancelled by one of the rule's excludes.
    pub covers: Option<&'a Covers>,
}

impl Keep<'_> {
    fn keeps(&self, occ: &Occ, positive: bool) -> bool {
        (self.field)(occ) && !(positive && self.covers.is_some_and(|c| c.find(occ).is_some()))
    }
}

/// The phrase occurrences of one item, and where its places are.
pub(super) struct Found<'a> {
    /// Sorted by phrase, slot, start.
    pub hits: &'a [Hit],
    /// Per slot, where a joined title ends and its summary starts.
    pub joins: &'a [Option<usize>],
    /// Bit per phrase id: whether it has hits ([`present`]).
    pub present: &'a [u64],
}

/// The bit set of the phrases `hits` has, for [`Found::present`]: most
/// phrases a rule asks for are absent from most items, and a bit says so
/// without a search.
pub(super) fn present(hits: &[Hit], phrases: usize) -> Vec<u64> {
    let mut bits = vec![0u64; phrases.div_ceil(64)];
    for hit in hits {
        bits[hit.phrase / 64] |= 1 << (hit.phrase % 64);
    }
    bits
}

impl Found<'_> {
    pub(super) fn of(&self, phrase: usize) -> &[Hit] {
        if self
            .present
            .get(phrase / 64)
            .is_none_or(|w| w & (1 << (phrase % 64)) == 0)
        {
            return &[];
        }
        let lo = self.hits.partition_point(|h| h.phrase < phrase);
        let hi = self.hits.partition_point(|h| h.phrase <= phrase);
        &self.hits[lo..hi]
    }

    /// Which part of its slot an occurrence is in: before a join (0),
    /// after it (1), or across it (2).
    pub(super) fn place(&self, occ: &Occ) -> (usize, u8) {
        let part = match self.joins.get(occ.slot).copied().flatten() {
            None => 0,
            Some(join) if occ.end <= join => 0,
            Some(join) if occ.start > join => 1,
            Some(_) => 2,
        };
        (occ.slot, part)
    }

    /// Every occurrence of a span, sorted.
    pub(super) fn spans(&self, expr: &SpanExpr, keep: &Keep<'_>, positive: bool) -> Vec<Occ> {
        let mut out: Vec<Occ> = match expr {
            SpanExpr::Phrases(ids) => ids
                .iter()
                .flat_map(|&id| self.of(id).iter().map(Occ::from))
                .filter(|o| keep.keeps(o, positive))
                .collect(),
            SpanExpr::Near {
                left,
                right,
                within,
                ordered,
            } => {
                let left = self.spans(left, keep, positive);
                if left.is_empty() {
                    return left;
                }
                near(&left, &self.spans(right, keep, positive), *within, *ordered)
            }
            SpanExpr::Either(spans) => spans.iter().flat_map(|s| self.spans(s, keep, positive)).collect(),
        };
        out.sort_unstable();
        out.dedup_by(|a, b| (a.slot, a.start, a.end) == (b.slot, b.start, b.end));
        out
    }

    /// Whether the item satisfies `query`, with the evidence.
    pub(super) fn holds<'q>(&self, query: &'q QueryExpr, keep: &Keep<'_>) -> Outcome<'q> {
        match query {
            QueryExpr::Span(span) => {
                let mut seen = Vec::new();
                let first: Vec<Occ> = self
                    .spans(span, keep, true)
                    .into_iter()
                    .filter(|o| {
                        let place = self.place(o);
                        let new = !seen.contains(&place);
                        if new {
                            seen.push(place);
                        }
                        new
                    })
                    .collect();
                if first.is_empty() {
                    Outcome::No
                } else {
                    Outcome::Yes(first)
                }
            }
            QueryExpr::All(parts) => self.all(parts, keep),
            QueryExpr::Any(parts) => {
                let mut negated = None;
                for part in parts {
                    match self.holds(part, keep) {
                        Outcome::Yes(evidence) => return Outcome::Yes(evidence),
                        Outcome::No => {}
                        n @ Outcome::Negated { .. } => {
                            negated.get_or_insert(n);
                        }
                    }
                }
                negated.unwrap_or(Outcome::No)
            }
            // Only ever inside All (the parser sees to it).
            QueryExpr::Not { .. } => Outcome::No,
        }
    }

    fn all<'q>(&self, parts: &'q [QueryExpr], keep: &Keep<'_>) -> Outcome<'q> {
        let mut evidence = Vec::new();
        for part in parts.iter().filter(|p| !matches!(p, QueryExpr::Not { .. })) {
            match self.holds(part, keep) {
                Outcome::Yes(found) => evidence.extend(found),
                other => return other,
            }
        }
        for part in parts {
            let QueryExpr::Not { query, written } = part else {
                continue;
            };
            // What a NOT leaves out counts wherever the rule looks, even
            // inside an exclude's words.
            let anywhere = Keep {
                field: keep.field,
                covers: None,
            };
            if let Outcome::Yes(found) = self.holds(query, &anywhere) {
                return Outcome::Negated {
                    by: written,
                    found: found[0],
                    would: evidence,
                };
            }
        }
        Outcome::Yes(evidence)
    }
}

/// Pairs of occurrences, one of each side, in the same slot with at most
/// `within` words between them (`ordered`: the left one first).
fn near(left: &[Occ], right: &[Occ], within: usize, ordered: bool) -> Vec<Occ> {
    let longest = right.iter().map(|r| r.last_word - r.first_word).max().unwrap_or(0);
    let mut out = Vec::new();
    for l in left {
        let from = l.first_word.saturating_sub(within + 1 + longest);
        let lo = right.partition_point(|r| (r.slot, r.first_word) < (l.slot, from));
        let reach = l.last_word + within + 1;
        for r in right[lo..]
            .iter()
            .take_while(|r| r.slot == l.slot && r.first_word <= reach)
        {
            let gap = if r.first_word > l.last_word {
                Some(r.first_word - l.last_word - 1)
            } else if !ordered && l.first_word > r.last_word {
                Some(l.first_word - r.last_word - 1)
            } else {
                None
            };
            if gap.is_some_and(|g| g <= within) {
                out.push(Occ {
                    slot: l.slot,
                    first_word: l.first_word.min(r.first_word),
                    last_word: l.last_word.max(r.last_word),
                    start: l.start.min(r.start),
                    end: l.end.max(r.end),
                });
                if out.len() == MAX_OCCURRENCES {
                    return out;
                }
            }
        }
    }
    out
}

/// A rule's exclude occurrences, sorted by slot and start with the
/// running furthest end, so "is this occurrence covered?" is a binary
/// search however many there are.
pub(super) struct Covers {
    /// (slot, start, furthest end so far in the slot, exclude index).
    by_start: Vec<(usize, usize, usize, usize)>,
}

impl Covers {
    pub(super) fn new(found: &Found<'_>, excludes: &[SpanExpr]) -> Covers {
        let everywhere = Keep {
            field: &|_| true,
            covers: None,
        };
        let mut all: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (index, exclude) in excludes.iter().enumerate() {
            all.extend(
                found
                    .spans(exclude, &everywhere, false)
                    .iter()
                    .map(|o| (o.slot, o.start, o.end, index)),
            );
        }
        all.sort_unstable();
        let mut furthest: Option<(usize, usize, usize)> = None;
        for entry in &mut all {
            let (slot, _, end, index) = *entry;
            match furthest {
                Some((s, e, _)) if s == slot && e >= end => {}
                _ => furthest = Some((slot, end, index)),
            }
            if let Some((_, e, i)) = furthest {
                (entry.2, entry.3) = (e, i);
            }
        }
        Covers { by_start: all }
    }

    /// The exclude covering `occ`, if one does.
    pub(super) fn find(&self, occ: &Occ) -> Option<usize> {
        let last = self
            .by_start
            .partition_point(|x| (x.0, x.1) <= (occ.slot, occ.start))
            .checked_sub(1)?;
        let (slot, _, end, index) = self.by_start[last];
        (slot == occ.slot && end >= occ.end).then_some(index)
    }
}
