//! Which version of an item counts: of several versions listed under one
//! key in one document, the newest; and whether a version a feed lists now
//! may replace the one stored. Pure, no I/O.
//!
//! A version's date is its `updated`, else its `published` date. Some CMSs
//! list an updated press release and, after it, the original under the
//! same GUID; some list them the other way round; a feed may also fall back
//! to an older version for a while. Dates decide where they can, the order
//! of the document where they cannot.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::Item;

/// When this version was last changed, as its publisher dates it.
pub(crate) fn date(item: &Item) -> Option<DateTime<Utc>> {
    item.updated.or(item.published)
}

/// One version per key: the newest by date, then by `published`, then the
/// first listed (a CMS lists its newest first). A dated version is newer
/// than an undated one. Keys keep the order of their first appearance.
/// Returns the versions kept and how many were dropped.
#[cfg(test)]
pub(crate) fn newest_per_key(items: Vec<Item>) -> (Vec<Item>, usize) {
    newest_per_key_by(items, |item| item)
}

/// [`newest_per_key`] for items carried with something else.
pub(crate) fn newest_per_key_by<T>(items: Vec<T>, item_of: impl Fn(&T) -> &Item) -> (Vec<T>, usize) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(items.len());
    let mut dropped = 0;
    for entry in items {
        let item = item_of(&entry);
        match index.get(&item.key) {
            Some(&at) => {
                dropped += 1;
                // Strictly newer only: on a tie the first listed stays.
                if rank(item) > rank(item_of(&kept[at])) {
                    kept[at] = entry;
                }
            }
            None => {
                index.insert(item.key.clone(), kept.len());
                kept.push(entry);
            }
        }
    }
    (kept, dropped)
}

/// How new a version is; `None` sorts before any date.
fn rank(item: &Item) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    (date(item), item.published)
}

/// Whether a version dated `incoming` may replace the stored version
/// dated `stored` (both as [`date`] gives them; `now` is the poll's time).
///
/// - Both dated: unless the stored one is newer. Equal dates replace: a
///   publisher correcting a typo rarely changes the date.
/// - Only the stored one dated: not replaced. An undated listing says
///   nothing about being newer, and must not undo a dated update.
/// - Only the incoming one dated, or neither: replaced, so that the edits
///   of publishers who never date their items are still followed.
/// - A stored date in the future proves nothing (a wrong time zone, a
///   typo): it does not hold its version in place.
pub(crate) fn replaces(stored: Option<DateTime<Utc>>, incoming: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match (stored.filter(|s| *s <= now), incoming) {
        (Some(stored), Some(incoming)) => incoming >= stored,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> Option<DateTime<Utc>> {
        Some(DateTime::from_timestamp(1_800_000_000 + i64::from(hour) * 3600, 0).unwrap())
    }

    fn version(key: &str, title: &str, updated: Option<DateTime<Utc>>, published: Option<DateTime<Utc>>) -> Item {
        Item {
            key: key.into(),
            title: title.into(),
            updated,
            published: published.or(updated),
            ..Item::default()
        }
    }

    fn titles(items: &[Item]) -> Vec<&str> {
        items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn the_newest_version_of_each_key_is_kept_in_first_appearance_order() {
        let cases: &[(&str, Vec<Item>, &[&str], usize)] = &[
            (
                "newest first",
                vec![
                    version("a", "a2", at(2), None),
                    version("b", "b", at(0), None),
                    version("a", "a1", at(1), None),
                ],
                &["a2", "b"],
                1,
            ),
            (
                "newest last",
                vec![version("a", "a1", at(1), None), version("a", "a2", at(2), None)],
                &["a2"],
                1,
            ),
            (
                "equal dates: first listed",
                vec![version("a", "first", at(1), None), version("a", "second", at(1), None)],
                &["first"],
                1,
            ),
            (
                "equal updated: later published",
                vec![version("a", "older", at(3), at(1)), version("a", "newer", at(3), at(2))],
                &["newer"],
                1,
            ),
            (
                "dated beats undated",
                vec![version("a", "undated", None, None), version("a", "dated", None, at(1))],
                &["dated"],
                1,
            ),
            (
                "undated: first listed",
                vec![version("a", "first", None, None), version("a", "second", None, None)],
                &["first"],
                1,
            ),
            (
                "three versions, newest in the middle",
                vec![
                    version("a", "a1", at(1), None),
                    version("a", "a3", at(3), None),
                    version("a", "a2", at(2), None),
                ],
                &["a3"],
                2,
            ),
        ];
        for (name, items, expected, dropped) in cases {
            let (kept, count) = newest_per_key(items.clone());
            assert_eq!(titles(&kept), *expected, "{name}");
            assert_eq!(count, *dropped, "{name}");
        }
    }

    #[test]
    fn a_stored_version_is_replaced_only_by_one_as_new_or_newer() {
        let now = at(10).unwrap();
        let cases = [
            (at(2), at(1), false, "older"),
            (at(1), at(1), true, "same date"),
            (at(1), at(2), true, "newer"),
            (at(1), None, false, "undated after dated"),
            (None, at(1), true, "dated after undated"),
            (None, None, true, "never dated"),
            (at(12), at(1), true, "stored date in the future"),
        ];
        for (stored, incoming, expected, name) in cases {
            assert_eq!(replaces(stored, incoming, now), expected, "{name}");
        }
    }
}
