//! Article texts of `full_text` sources: which are due to be fetched,
//! storing one with the item's new matches, recording a failure with its
//! next attempt. Kept in `item_texts`, apart from the item, so the feed's
//! next version of an entry never overwrites its article.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::ingest::timestamp;
use super::{Error, Store};
use crate::model::{Cancelled, Item, Match, SourceId};

/// An article to fetch, with what its item's tagging needs.
#[derive(Clone, Debug)]
pub(crate) struct DueText {
    pub item_id: i64,
    pub link: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The item as stored (title, summary, content, categories, language
    /// and content hash).
    pub item: Item,
}

/// An item's article as stored.
#[cfg(test)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArticleText {
    /// `pending`, `fetched` or `failed`.
    pub state: String,
    pub link: String,
    pub text: Option<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

impl Store {
    /// Articles of `source` due by `now`, the oldest first.
    pub(crate) async fn due_texts(
        &self,
        source: &SourceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueText>, Error> {
        let source = source.as_str().to_string();
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.item_id, t.link, t.attempts, i.title, i.summary, i.content, i.categories, i.language,
                        i.content_hash
                 FROM item_texts t JOIN items i ON i.id = t.item_id
                 WHERE t.source_id = ?1 AND t.state = 'pending' AND t.next_attempt_at <= ?2
                 ORDER BY t.next_attempt_at, t.item_id LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![source, timestamp(now), limit as i64], |row| {
                let categories: String = row.get(6)?;
                Ok(DueText {
                    item_id: row.get(0)?,
                    link: row.get(1)?,
                    attempts: row.get(2)?,
                    item: Item {
                        title: row.get(3)?,
                        summary: row.get(4)?,
                        content: row.get(5)?,
                        categories: categories.lines().map(str::to_string).collect(),
                        language: row.get(7)?,
                        content_hash: row.get(8)?,
                        ..Item::default()
                    },
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Stores an article's text and the item's matches over it and its
    /// other fields, unless the entry's link changed meanwhile (the text
    /// is then fetched again). The matches are kept only if the item is
    /// still the version they were computed from. Returns whether the
    /// text was stored.
    pub(crate) async fn store_text(
        &self,
        due: DueText,
        text: String,
        matches: Vec<Match>,
        cancelled: Vec<Cancelled>,
        at: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let stored = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let updated = tx.execute(
                    "UPDATE item_texts SET state = 'fetched', text = ?3, fetched_at = ?4, last_error = NULL
                     WHERE item_id = ?1 AND link = ?2 AND state = 'pending'",
                    params![due.item_id, due.link, text, timestamp(at)],
                )?;
                if updated == 0 {
                    return Ok(false);
                }
                let hash: Option<String> = tx
                    .query_row("SELECT content_hash FROM items WHERE id = ?1", [due.item_id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if hash.as_deref() == Some(due.item.content_hash.as_str()) {
                    super::ingest::replace_matches(&tx, due.item_id, &matches, &cancelled)?;
                }
                super::documents::mark_changed(&tx, at)?;
                tx.commit()?;
                Ok(true)
            })
            .await?;
        if stored {
            self.bump_generation();
        }
        Ok(stored)
    }

    /// An attempt failed: tried again at `next`, or never (`None`).
    pub(crate) async fn text_failed(
        &self,
        due: &DueText,
        error: String,
        next: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        let (id, link) = (due.item_id, due.link.clone());
        self.write(move |conn| {
            conn.execute(
                "UPDATE item_texts SET attempts = attempts + 1, last_error = ?3,
                        state = iif(?4 IS NULL, 'failed', 'pending'), next_attempt_at = coalesce(?4, next_attempt_at)
                 WHERE item_id = ?1 AND link = ?2 AND state = 'pending'",
                params![id, link, error, next.map(timestamp)],
            )?;
            Ok(())
        })
        .await
    }

    /// The article stored for an item, if one was ever wanted.
    #[cfg(test)]
    pub(crate) async fn article_text(&self, item_id: i64) -> Result<Option<ArticleText>, Error> {
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT state, link, text, attempts, last_error FROM item_texts WHERE item_id = ?1",
                    [item_id],
                    |row| {
                        Ok(ArticleText {
                            state: row.get(0)?,
                            link: row.get(1)?,
                            text: row.get(2)?,
                            attempts: row.get(3)?,
                            last_error: row.get(4)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }
}

/// A new item's article, to be fetched from `link` from `now` on.
pub(super) fn want(
    tx: &rusqlite::Connection,
    item_id: i64,
    source: &str,
    link: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO item_texts (item_id, source_id, link, next_attempt_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![item_id, source, link, timestamp(now)])?;
    Ok(())
}

/// An edited item: when its link changed, its article is fetched again
/// (and the old article's matches go with it). Returns whether the item
/// keeps an article whose matches still hold.
pub(super) fn edited(
    tx: &rusqlite::Connection,
    item_id: i64,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let stored: Option<(String, String)> = tx
        .prepare_cached("SELECT link, state FROM item_texts WHERE item_id = ?1")?
        .query_row([item_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((old_link, state)) = stored else {
        return Ok(false);
    };
    match link {
        Some(link) if link != old_link => {
            tx.prepare_cached(
                "UPDATE item_texts SET link = ?2, state = 'pending', text = NULL, attempts = 0, last_error = NULL,
                        next_attempt_at = ?3, fetched_at = NULL
                 WHERE item_id = ?1",
            )?
            .execute(params![item_id, link, timestamp(now)])?;
            Ok(false)
        }
        _ => Ok(state == "fetched"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use crate::model::{Field, Item, Match, SourceId, TaggedItem};
    use crate::notify::Route;
    use crate::store::test_support::{fetched, routed};
    use crate::store::{FIRST_POLL_ARTICLES, PollRecord, Store, TextFetch};

    /// A poll of a `full_text` source whose channel takes its tagged items.
    fn poll(items: Vec<TaggedItem>) -> PollRecord {
        let record = PollRecord {
            source_url: "https://iem.example/rss".into(),
            full_text: Some(TextFetch {
                wait: std::time::Duration::from_secs(300),
            }),
            ..fetched("iem", items)
        };
        let hook = Route {
            channel: "hook".into(),
            tags: vec!["trafficking".into()],
            sources: Vec::new(),
            languages: Vec::new(),
            backlog: true,
        };
        routed(record, vec![hook])
    }

    fn item(n: i64, title: &str, link: &str) -> TaggedItem {
        crate::normalize::tagged(
            Item {
                key: format!("guid:{n}"),
                link: Some(link.into()),
                title: title.into(),
                published: Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + Duration::hours(n)),
                content_hash: format!("{title}{link}"),
                ..Item::default()
            },
            Vec::new(),
        )
    }

    fn article_match() -> Match {
        Match {
            tag: "trafficking".into(),
            term: "cilvēku tirdzniecīb*".into(),
            field: Field::Article,
            end_field: None,
            text: "cilvēku tirdzniecību".into(),
            snippet: "par cilvēku tirdzniecību un piespiedu darbu".into(),
        }
    }

    async fn tags(store: &Store) -> Vec<(String, String)> {
        store
            .call(|conn| {
                let mut stmt = conn.prepare("SELECT tag, field FROM item_matches ORDER BY tag, field")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .unwrap()
    }

    /// A source's first poll wants only its newest 20 articles; each new
    /// item's notification waits for its text, untagged as it is.
    #[tokio::test]
    async fn the_first_poll_wants_only_the_newest_articles() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let items = (0..25)
            .map(|n| item(n, &format!("Jaunums {n}"), &format!("https://iem.example/{n}")))
            .collect();
        store.ingest(poll(items)).await.unwrap();
        let due = store.due_texts(&SourceId::new("iem"), Utc::now(), 100).await.unwrap();
        assert_eq!(due.len(), FIRST_POLL_ARTICLES);
        let mut wanted: Vec<String> = due.iter().map(|d| d.link.clone()).collect();
        wanted.sort();
        let mut newest: Vec<String> = (5..25).map(|n| format!("https://iem.example/{n}")).collect();
        newest.sort();
        assert_eq!(wanted, newest);
        // Waiting rows for the newest 20; the other 5 are untagged, so the
        // tag-filtered channel takes none of them.
        let queued: i64 = store
            .call(|conn| {
                Ok(conn.query_row(
                    "SELECT count(*) FROM outbox WHERE awaiting_text_until IS NOT NULL",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(queued, FIRST_POLL_ARTICLES as i64);
        assert!(
            store
                .due_deliveries("hook", Utc::now(), true, 100)
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// The feed's next version of the entry keeps the article and its
    /// tag; a new link wants the article again, and drops the old one's.
    #[tokio::test]
    async fn an_edit_keeps_the_article_and_a_new_link_fetches_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        store
            .ingest(poll(vec![item(1, "Policija aiztur grupu", "https://iem.example/1")]))
            .await
            .unwrap();
        let due = store.due_texts(&SourceId::new("iem"), Utc::now(), 10).await.unwrap();
        assert_eq!(due.len(), 1);
        let item_id = due[0].item_id;
        let stored = store
            .store_text(
                due[0].clone(),
                "Kriminālprocess ir uzsākts par cilvēku tirdzniecību.".into(),
                vec![article_match()],
                Vec::new(),
                Utc::now(),
            )
            .await
            .unwrap();
        assert!(stored);
        // Delivered now: the text is in.
        assert_eq!(
            store.due_deliveries("hook", Utc::now(), true, 10).await.unwrap().len(),
            1
        );

        store
            .ingest(poll(vec![item(
                1,
                "Policija aiztur grupu (papildināts)",
                "https://iem.example/1",
            )]))
            .await
            .unwrap();
        assert_eq!(tags(&store).await, [("trafficking".to_string(), "article".to_string())]);
        let text = store.article_text(item_id).await.unwrap().unwrap();
        assert_eq!(text.state, "fetched");

        store
            .ingest(poll(vec![item(
                1,
                "Policija aiztur grupu (papildināts)",
                "https://iem.example/1-jauns",
            )]))
            .await
            .unwrap();
        assert!(tags(&store).await.is_empty());
        let text = store.article_text(item_id).await.unwrap().unwrap();
        assert_eq!(
            (text.state.as_str(), text.link.as_str()),
            ("pending", "https://iem.example/1-jauns")
        );
    }

    /// A failure is recorded with its next attempt; the last one gives up.
    #[tokio::test]
    async fn failures_wait_their_turn_and_then_give_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        store
            .ingest(poll(vec![item(1, "Jaunums", "https://iem.example/1")]))
            .await
            .unwrap();
        let source = SourceId::new("iem");
        let due = store.due_texts(&source, Utc::now(), 10).await.unwrap().remove(0);
        let next = Utc::now() + Duration::minutes(2);
        store.text_failed(&due, "HTTP 500".into(), Some(next)).await.unwrap();
        assert!(store.due_texts(&source, Utc::now(), 10).await.unwrap().is_empty());
        let again = store.due_texts(&source, next, 10).await.unwrap().remove(0);
        assert_eq!(again.attempts, 1);
        store.text_failed(&again, "HTTP 500".into(), None).await.unwrap();
        let text = store.article_text(due.item_id).await.unwrap().unwrap();
        assert_eq!((text.state.as_str(), text.attempts), ("failed", 2));
        assert_eq!(text.last_error.as_deref(), Some("HTTP 500"));
        assert!(store.due_texts(&source, next, 10).await.unwrap().is_empty());
    }
}
