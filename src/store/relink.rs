//! Items stored before relative links resolved against the publisher's
//! site: on each source's first successful poll since, an item without a
//! GUID (keyed by its link) whose link now resolves elsewhere takes over
//! its earlier row, found by title and date, rather than arriving as a new
//! item and being announced again.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::Error;
use super::ingest::timestamp;
use crate::model::Item;

/// The one earlier row of the same source with another link key, the same
/// title and the same date; none when there is none, or several.
pub(super) fn earlier_row(
    tx: &Connection,
    source: &str,
    item: &Item,
    now: DateTime<Utc>,
) -> Result<Option<i64>, Error> {
    if !item.key.starts_with("link:") {
        return Ok(None);
    }
    let rows: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM items
             WHERE source_id = ?1 AND key LIKE 'link:%' AND key != ?2 AND title = ?3 AND published IS ?4
             LIMIT 2",
        )?
        .query_map(
            params![
                source,
                item.key,
                item.title,
                item.published.map(|d| timestamp(d.min(now)))
            ],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok(match rows.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

/// Gives a row its new key; its entry id stays, so readers see the same
/// entry with its link mended.
pub(super) fn rekey(tx: &Connection, row: i64, key: &str) -> Result<(), Error> {
    tx.prepare_cached("UPDATE items SET key = ?2 WHERE id = ?1")?
        .execute(params![row, key])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Field, Item, Match, TaggedItem};
    use crate::notify::Route;
    use crate::store::test_support::{fetched, routed};
    use crate::store::{PollRecord, Store};

    /// A poll whose channel takes every tagged item, but not the backlog.
    fn poll(items: Vec<TaggedItem>) -> PollRecord {
        let record = PollRecord {
            source_url: "https://cdn.example/iem/rss".into(),
            ..fetched("iem", items)
        };
        let hook = Route {
            channel: "hook".into(),
            tags: Vec::new(),
            sources: Vec::new(),
            languages: Vec::new(),
            backlog: false,
        };
        routed(record, vec![hook])
    }

    fn item(link: &str, title: &str) -> TaggedItem {
        let published = chrono::DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z")
            .unwrap()
            .to_utc();
        let matched = Match {
            tag: "trafficking".into(),
            term: "cilvēku tirdzniecīb*".into(),
            field: Field::Title,
            end_field: None,
            text: "cilvēku tirdzniecība".into(),
            snippet: title.into(),
        };
        crate::normalize::tagged(
            Item {
                key: format!("link:{link}"),
                link: Some(link.into()),
                canonical_link: Some(link.into()),
                title: title.into(),
                published: Some(published),
                content_hash: link.into(),
                ..Item::default()
            },
            vec![matched],
        )
    }

    type Rows = Vec<(String, String, String)>;

    async fn rows(store: &Store) -> (Rows, i64) {
        store
            .call(|conn| {
                let mut stmt = conn.prepare("SELECT key, entry_id, link FROM items ORDER BY id")?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                let queued = conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
                Ok((rows, queued))
            })
            .await
            .unwrap()
    }

    /// An item without a GUID, stored by an earlier version under the link
    /// its relative link made against the feed's address: the first poll
    /// since mends its row instead of storing (and announcing) it again;
    /// later polls do not look for such rows any more.
    #[tokio::test]
    async fn the_first_poll_since_mends_an_items_link_instead_of_announcing_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let title = "Aizturēti cilvēku tirdzniecībā aizdomās turētie";
        store.ingest(poll(Vec::new())).await.unwrap();
        store
            .ingest(poll(vec![item("https://cdn.example/lv/1", title)]))
            .await
            .unwrap();
        let (before, queued) = rows(&store).await;
        assert_eq!(queued, 1);
        // As migration 8 leaves every source.
        store
            .call(|conn| Ok(conn.execute("UPDATE sources SET relink_pending = 1", [])?))
            .await
            .unwrap();

        let report = store
            .ingest(poll(vec![item("https://www.iem.gov.lv/lv/1", title)]))
            .await
            .unwrap();
        assert_eq!((report.new, report.updated), (0, 1));
        let (after, queued) = rows(&store).await;
        assert_eq!(queued, 1, "nothing announced again");
        assert_eq!(
            after,
            [(
                "link:https://www.iem.gov.lv/lv/1".to_string(),
                before[0].1.clone(),
                "https://www.iem.gov.lv/lv/1".to_string()
            )]
        );

        // Once only: a new item of the same title and date is news.
        let report = store
            .ingest(poll(vec![
                item("https://www.iem.gov.lv/lv/1", title),
                item("https://www.iem.gov.lv/lv/2", title),
            ]))
            .await
            .unwrap();
        assert_eq!(report.new, 1);
    }
}
