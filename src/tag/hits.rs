//! The phrase occurrences of one item put in order (phrase, slot, start,
//! …) without duplicates, as [`super::spans::Found`] searches them. Pure.
//!
//! The phrase search gives each phrase's occurrences in (slot, start)
//! order already: slots are searched in turn, and one phrase is anchored
//! on one needle, whose matches come by their end. So grouping the hits
//! by phrase, keeping their order, is usually the whole sort: that sorts
//! 8-byte keys (phrase and arrival) instead of 48-byte hits compared
//! field by field. The result is checked, and anything else is sorted in
//! full, so the order never depends on how the search finds them.

use super::phrases::Hit;

/// Sorts `hits` in `Hit`'s order and drops duplicates (an infix word
/// found twice inside one word gives the same hit twice).
pub(super) fn sort(hits: &mut Vec<Hit>) {
    if let Some(grouped) = grouped(hits) {
        *hits = grouped;
        if hits.is_sorted() {
            hits.dedup();
            return;
        }
    }
    hits.sort_unstable();
    hits.dedup();
}

/// The hits grouped by phrase, each phrase's in the order they came;
/// `None` if a phrase id or the count does not fit a key.
fn grouped(hits: &[Hit]) -> Option<Vec<Hit>> {
    if u32::try_from(hits.len()).is_err() {
        return None;
    }
    let mut keys = Vec::with_capacity(hits.len());
    for (index, hit) in hits.iter().enumerate() {
        let phrase = u32::try_from(hit.phrase).ok()?;
        keys.push((u64::from(phrase) << 32) | index as u64);
    }
    // Unique keys: unstable is stable here.
    keys.sort_unstable();
    Some(
        keys.iter()
            .map(|&key| hits[(key & u64::from(u32::MAX)) as usize])
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::sort;
    use crate::tag::phrases::Hit;

    /// What the tagger did before: a full sort of the hits, then dedup.
    fn sorted_in_full(mut hits: Vec<Hit>) -> Vec<Hit> {
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    fn hit(phrase: usize, slot: usize, start: usize) -> Hit {
        Hit {
            phrase,
            slot,
            start,
            end: start + 3,
            first_word: start / 4,
            last_word: start / 4 + phrase % 3,
        }
    }

    #[test]
    fn any_order_sorts_as_a_full_sort_does() {
        // Arrival orders the grouping alone cannot finish (a phrase's
        // hits out of order, duplicates apart, equal starts with other
        // ends), the ones it can, and phrase ids beyond a key.
        let cases = vec![
            vec![],
            vec![hit(3, 0, 5)],
            vec![hit(3, 0, 5), hit(1, 0, 9), hit(3, 0, 12), hit(1, 1, 2), hit(3, 1, 4)],
            vec![hit(3, 0, 12), hit(3, 0, 5), hit(1, 0, 9)],
            vec![hit(2, 1, 4), hit(2, 0, 4), hit(2, 1, 4), hit(2, 0, 4)],
            vec![hit(7, 0, 4), hit(7, 0, 4), hit(5, 0, 8), hit(7, 0, 4)],
            vec![
                Hit { end: 9, ..hit(4, 0, 2) },
                hit(4, 0, 2),
                Hit { end: 1, ..hit(4, 0, 2) },
            ],
            vec![hit(usize::MAX, 0, 1), hit(0, 0, 2), hit(1 << 40, 0, 0)],
        ];
        for hits in cases {
            let mut ours = hits.clone();
            sort(&mut ours);
            assert_eq!(ours, sorted_in_full(hits.clone()), "{hits:?}");
        }
        // Every arrival order of a small set with duplicates.
        let base = [hit(2, 0, 1), hit(1, 0, 3), hit(2, 0, 1), hit(2, 1, 0), hit(1, 0, 2)];
        let mut order: Vec<usize> = (0..base.len()).collect();
        let mut seen = 0;
        permutations(&mut order, 0, &mut |order| {
            let hits: Vec<Hit> = order.iter().map(|&i| base[i]).collect();
            let mut ours = hits.clone();
            sort(&mut ours);
            assert_eq!(ours, sorted_in_full(hits.clone()), "{hits:?}");
            seen += 1;
        });
        assert_eq!(seen, 120);
    }

    /// The phrase search's own output over every labelled row and probe,
    /// with the default rules: the same order as the full sort gives.
    #[test]
    fn the_search_output_sorts_as_a_full_sort_does() {
        use crate::model::Field;
        use crate::tag::{Tagger, gating, slots};
        let tagger = Tagger::new(&gating::default_rules()).unwrap();
        let mut texts: Vec<(String, String)> = gating::rows().into_iter().map(|r| (r.1, r.2)).collect();
        texts.extend(gating::probes().into_iter().map(|p| (p.1.clone(), p.1)));
        let mut grouped_whole = 0;
        for (title, summary) in &texts {
            let fields = [(Field::Title, title.as_str()), (Field::Summary, summary.as_str())];
            let mut hits = Vec::new();
            for (index, slot) in slots::slots(&fields).iter().enumerate() {
                tagger
                    .phrases
                    .find(index, &slot.folded.text, tagger.proximity, &mut hits);
            }
            grouped_whole += usize::from(super::grouped(&hits).is_some_and(|g| g.is_sorted()));
            let mut ours = hits.clone();
            sort(&mut ours);
            assert_eq!(ours, sorted_in_full(hits), "{title} | {summary}");
        }
        // The grouping is what sorts them (the full sort is the fallback).
        assert_eq!(grouped_whole, texts.len());
    }

    fn permutations(items: &mut [usize], from: usize, each: &mut dyn FnMut(&[usize])) {
        if from == items.len() {
            each(items);
            return;
        }
        for i in from..items.len() {
            items.swap(from, i);
            permutations(items, from + 1, each);
            items.swap(from, i);
        }
    }
}
