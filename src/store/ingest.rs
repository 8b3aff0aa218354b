//! One poll's result written in one transaction: new and edited items,
//! their tags, cross-source duplicates, and the source's validators and
//! health. Validators never advance without the items they describe.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Error, Store};
use crate::model::{Cancelled, FeedMeta, Field, Item, Match, SourceId, TaggedItem, Validators};
use crate::versions;

pub use super::announce::{FIRST_POLL_ARTICLES, Recipient, Recipients, TextFetch};
use super::announce::{New, Outbox, want_articles};

/// Everything one poll of one source produced.
#[derive(Clone, Debug)]
pub struct PollRecord {
    pub source_id: SourceId,
    pub source_url: String,
    pub source_title: Option<String>,
    pub at: DateTime<Utc>,
    /// The status of the final answer, if the server answered.
    pub http_status: Option<u16>,
    /// Where a permanent redirect led (kept from the last poll on failure).
    pub moved_to: Option<String>,
    pub outcome: PollOutcome,
    /// The source fetches the article behind each new item.
    pub full_text: Option<TextFetch>,
}

#[derive(Clone, Debug)]
pub enum PollOutcome {
    Fetched {
        feed: FeedMeta,
        validators: Validators,
        items: Vec<TaggedItem>,
        /// The channels each item goes to if it is new, in the items'
        /// order (decided by `notify`; none for an item left out).
        recipients: Vec<Recipients>,
        /// What had to be mended in the document (`None`: it was
        /// well-formed); its items are marked as repaired.
        warning: Option<String>,
    },
    NotModified,
    Failed {
        error: String,
        /// No attempt before this (back-off or the server's Retry-After).
        next_attempt: DateTime<Utc>,
    },
}

/// What the next poll of a source needs to know from the last ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollState {
    /// Validators of the last success, if it was for the same URL.
    pub validators: Validators,
    pub consecutive_failures: u32,
    /// Set while backing off after failures.
    pub next_attempt: Option<DateTime<Utc>>,
    pub moved_to: Option<String>,
}

/// What an ingest changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Items stored for the first time (cross-source duplicates excluded).
    pub new: usize,
    /// Stored items whose content changed.
    pub updated: usize,
    /// Items already stored unchanged.
    pub unchanged: usize,
    /// New items that repeat an article another source published first.
    pub duplicates: usize,
    /// New or duplicate items that carry at least one tag.
    pub tagged: usize,
}

impl Store {
    /// Writes one poll's outcome atomically, maybe in one transaction
    /// with other polls (see [`super::group`]); answers once it is
    /// committed.
    pub async fn ingest(&self, record: PollRecord) -> Result<IngestReport, Error> {
        // A fetched feed may change more than items (titles, site links,
        // languages): the feeds are rendered afresh. 304s and failures
        // change nothing the feeds show.
        let fetched = matches!(record.outcome, PollOutcome::Fetched { .. });
        let (source, url, at) = (record.source_id.clone(), record.source_url.clone(), record.at);
        let (reply, answer) = tokio::sync::oneshot::channel();
        let pending = super::group::Pending {
            record: Box::new(record),
            reply,
        };
        let result = match self.jobs.send(super::Message::Ingest(pending)) {
            Ok(()) => answer.await.unwrap_or(Err(Error::Closed)),
            Err(_) => Err(Error::Closed),
        };
        if let Err(e) = &result {
            self.status.failed(e);
        }
        self.status.wrote(result.as_ref().map(|_| ()));
        // Until a poll of this source is stored again, its health shows
        // the one that could not be.
        self.status
            .poll_stored(source.as_str(), &url, at, result.as_ref().err());
        let report = result?;
        if fetched {
            self.bump_generation();
        }
        Ok(report)
    }

    /// Announces a poll whose document is being parsed: until the
    /// returned guard is dropped (just before its ingest, or when it is
    /// given up), polls being written wait for it to share their commit.
    pub fn expect_poll(&self) -> super::group::Expected {
        self.coming.expect()
    }

    /// What the last polls left for the next one. Validators and back-off
    /// only count for the same URL: a source whose address the user
    /// changed starts afresh.
    pub(crate) async fn poll_state(&self, source: &SourceId, url: &str) -> Result<PollState, Error> {
        let (id, url) = (source.as_str().to_string(), url.to_string());
        // From a reader: a poll's start never ends a group commit early
        // nor waits for one (a source's own polls never overlap, so its
        // last poll is committed).
        self.read(move |conn| {
            let sql = "SELECT etag, last_modified, consecutive_failures, next_attempt_at, moved_to
                       FROM sources WHERE id = ?1 AND url = ?2";
            let found = conn
                .query_row(sql, [id, url], |row| {
                    Ok(PollState {
                        validators: Validators {
                            etag: row.get(0)?,
                            last_modified: row.get(1)?,
                        },
                        consecutive_failures: row.get(2)?,
                        next_attempt: row
                            .get::<_, Option<String>>(3)?
                            .and_then(|t| super::query::parse_time(&t)),
                        moved_to: row.get(4)?,
                    })
                })
                .optional()?;
            Ok(found.unwrap_or_default())
        })
        .await
    }
}

/// Items whose search text is to be indexed (migration 14): each one's
/// row and its place among its poll's items. The group commit indexes
/// them once its last poll is written.
pub(super) type ToIndex = Vec<(i64, usize)>;

pub(super) fn write(tx: &Connection, record: &PollRecord) -> Result<(IngestReport, ToIndex), Error> {
    let id = record.source_id.as_str();
    let at = timestamp(record.at);
    // A changed URL is a fresh start: the old address's validators,
    // redirect, back-off and health say nothing about the new one.
    tx.prepare_cached(
        "INSERT INTO sources (id, url, title) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET
             title = excluded.title,
             etag = iif(url = excluded.url, etag, NULL),
             last_modified = iif(url = excluded.url, last_modified, NULL),
             moved_to = iif(url = excluded.url, moved_to, NULL),
             next_attempt_at = iif(url = excluded.url, next_attempt_at, NULL),
             consecutive_failures = iif(url = excluded.url, consecutive_failures, 0),
             last_success_at = iif(url = excluded.url, last_success_at, NULL),
             first_polled_at = iif(url = excluded.url, first_polled_at, NULL),
             last_status = iif(url = excluded.url, last_status, NULL),
             last_error = iif(url = excluded.url, last_error, NULL),
             changed_at = iif(url = excluded.url, changed_at, NULL),
             url = excluded.url",
    )?
    .execute(params![id, record.source_url, record.source_title])?;
    tx.prepare_cached(
        "UPDATE sources SET last_polled_at = ?2, first_polled_at = coalesce(first_polled_at, ?2),
                            http_status = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, at, record.http_status])?;
    let mut report = IngestReport::default();
    let mut to_index = ToIndex::new();
    match &record.outcome {
        PollOutcome::Fetched {
            feed,
            validators,
            items,
            recipients,
            warning,
        } => {
            // A source's first successful poll (new, or at a new URL) is a
            // baseline: what it finds is history, not news to alert on.
            let (baseline, relink): (bool, bool) = tx
                .prepare_cached("SELECT last_success_at IS NULL, relink_pending FROM sources WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let outbox = Outbox {
                baseline,
                source: &record.source_id,
                full_text: record.full_text.is_some(),
            };
            let document = Document {
                at: record.at,
                repaired: warning.is_some(),
            };
            let mut changed = false;
            let mut awaiting = Vec::new();
            let nobody = Recipients::default();
            for (index, tagged) in items.iter().enumerate() {
                let new = (tagged, recipients.get(index).unwrap_or(&nobody));
                let stored = store_item(tx, id, &document, new, &outbox, relink, &mut report)?;
                changed |= stored.changed;
                awaiting.extend(stored.awaiting.map(|row| (row, new)));
                to_index.extend(stored.index.map(|row| (row, index)));
            }
            if let Some(fetch) = record.full_text {
                want_articles(tx, &outbox, awaiting, fetch, record.at)?;
            }
            // The feed counts as changed (its <source> dated now) when an
            // item or what the feed says about itself changed; values
            // on the right of SET are the row's old ones.
            tx.prepare_cached(
                "UPDATE sources SET
                        changed_at = iif(?8 OR changed_at IS NULL OR feed_title IS NOT ?2 OR site_link IS NOT ?3
                                         OR feed_id IS NOT ?9 OR feed_format IS NOT ?10, ?6, changed_at),
                        feed_title = ?2, site_link = ?3, etag = ?4, last_modified = ?5,
                        last_success_at = ?6, last_status = 'ok', last_error = NULL,
                        consecutive_failures = 0, next_attempt_at = NULL, moved_to = ?7,
                        feed_id = ?9, feed_format = ?10, relink_pending = 0, last_warning = ?11
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                feed.title,
                feed.site_link,
                validators.etag,
                validators.last_modified,
                at,
                record.moved_to,
                changed,
                feed.id,
                feed.format.map(|f| f.as_str()),
                warning,
            ])?;
            if changed {
                super::documents::mark_changed(tx, record.at)?;
            }
        }
        PollOutcome::NotModified => {
            tx.prepare_cached(
                "UPDATE sources SET last_success_at = ?2, last_status = 'not modified', last_error = NULL,
                        consecutive_failures = 0, next_attempt_at = NULL, moved_to = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id, at, record.moved_to])?;
        }
        PollOutcome::Failed { error, next_attempt } => {
            let status = if record.http_status == Some(410) {
                "gone"
            } else {
                "error"
            };
            tx.prepare_cached(
                "UPDATE sources SET last_status = ?2, last_error = ?3, next_attempt_at = ?4,
                        consecutive_failures = consecutive_failures + 1, moved_to = ?5
                 WHERE id = ?1",
            )?
            .execute(params![id, status, error, timestamp(*next_attempt), record.moved_to])?;
        }
    }
    remember_poll(tx, record, &report)?;
    Ok((report, to_index))
}

/// Polls of a source kept for its page: the latest this many.
pub(crate) const POLL_HISTORY: usize = 50;

/// Adds this poll to the source's history and forgets the oldest beyond
/// [`POLL_HISTORY`].
fn remember_poll(tx: &Connection, record: &PollRecord, report: &IngestReport) -> Result<(), Error> {
    let (status, error) = match &record.outcome {
        PollOutcome::Fetched { warning, .. } => ("ok", warning.as_deref()),
        PollOutcome::NotModified => ("not modified", None),
        PollOutcome::Failed { error, .. } if record.http_status == Some(410) => ("gone", Some(error.as_str())),
        PollOutcome::Failed { error, .. } => ("error", Some(error.as_str())),
    };
    let id = record.source_id.as_str();
    tx.prepare_cached(
        "INSERT INTO poll_history (source_id, at, status, http_status, error, new_items, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        timestamp(record.at),
        status,
        record.http_status,
        error,
        report.new + report.duplicates,
        report.updated
    ])?;
    tx.prepare_cached(
        "DELETE FROM poll_history WHERE source_id = ?1 AND id <=
             (SELECT id FROM poll_history WHERE source_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![id, POLL_HISTORY])?;
    Ok(())
}

/// What storing one item did.
struct Stored {
    /// What the feeds show changed.
    changed: bool,
    /// The new item's row, when its notification waits for its article.
    awaiting: Option<i64>,
    /// The row whose search text (new, or edited) is to be indexed.
    index: Option<i64>,
}

impl Stored {
    fn changed(changed: bool) -> Stored {
        Stored {
            changed,
            awaiting: None,
            index: None,
        }
    }

    /// An edit of the stored item in `row`.
    fn edited(row: i64) -> Stored {
        Stored {
            changed: true,
            awaiting: None,
            index: Some(row),
        }
    }
}

/// The document a poll's items came from.
struct Document {
    at: DateTime<Utc>,
    /// It had to be repaired before it could be read.
    repaired: bool,
}

/// Stores one item of a poll; returns whether what the feeds show changed.
/// `relink`: the source's first poll since links resolve against its site.
fn store_item(
    tx: &Connection,
    source: &str,
    document: &Document,
    new: New<'_>,
    outbox: &Outbox<'_>,
    relink: bool,
    report: &mut IngestReport,
) -> Result<Stored, Error> {
    let tagged = new.0;
    let now = document.at;
    let item = &tagged.item;
    let version_date = versions::date(item);
    let existing: Option<Existing> = tx
        .prepare_cached("SELECT id, content_hash, version_date, language FROM items WHERE source_id = ?1 AND key = ?2")?
        .query_row(params![source, item.key], |row| {
            Ok(Existing {
                id: row.get(0)?,
                content_hash: row.get(1)?,
                version_date: row.get(2)?,
                language: row.get(3)?,
            })
        })
        .optional()?;
    match existing {
        Some(Existing {
            version_date: stored, ..
        }) if !versions::replaces(stored.as_deref().and_then(super::query::parse_time), version_date, now) => {
            // An older version than the one stored, listed again: the
            // stored one stays as it is.
            report.unchanged += 1;
            Ok(Stored::changed(false))
        }
        Some(stored) if stored.content_hash == item.content_hash => {
            // Not an edit, but what the rules look at besides the text may
            // have changed (categories, the detected language): keep them
            // current for retag (and fill in the version's date, which rows
            // stored by older versions lack). SQLite writes nothing when
            // they are equal.
            tx.prepare_cached(
                "UPDATE items SET categories = ?2, language = ?3, version_date = ?4
                     WHERE id = ?1 AND (categories IS NOT ?2 OR language IS NOT ?3 OR version_date IS NOT ?4)",
            )?
            .execute(params![
                stored.id,
                item.categories.join("\n"),
                item.language,
                version_date.map(timestamp)
            ])?;
            report.unchanged += 1;
            // Of these, only the language shows (the entry's xml:lang).
            Ok(Stored::changed(stored.language != item.language))
        }
        Some(stored) => {
            update_item(tx, stored.id, tagged, document)?;
            replace_edited_matches(tx, stored.id, tagged)?;
            report.updated += 1;
            Ok(Stored::edited(stored.id))
        }
        None if pruned(tx, source, &item.key)? => {
            report.unchanged += 1;
            Ok(Stored::changed(false))
        }
        None => {
            let earlier = match relink {
                true => super::relink::earlier_row(tx, source, item, now)?,
                false => None,
            };
            if let Some(row) = earlier {
                // Its link mended, not news.
                super::relink::rekey(tx, row, &item.key)?;
                update_item(tx, row, tagged, document)?;
                replace_edited_matches(tx, row, tagged)?;
                report.updated += 1;
                return Ok(Stored::edited(row));
            }
            let original = find_original(tx, source, item)?;
            let row_id = insert_item(tx, source, tagged, document, original)?;
            insert_matches(tx, row_id, &tagged.matches, &tagged.cancelled)?;
            let mut awaiting = None;
            if original.is_some() {
                // The same article from another source: announced once.
                report.duplicates += 1;
            } else if outbox.full_text && item.link.is_some() {
                report.new += 1;
                awaiting = Some(row_id);
            } else {
                report.new += 1;
                outbox.queue(tx, row_id, new, now, None)?;
            }
            if !tagged.matches.is_empty() {
                report.tagged += 1;
            }
            Ok(Stored {
                changed: true,
                awaiting,
                index: Some(row_id),
            })
        }
    }
}

/// What an ingest compares a polled item with.
struct Existing {
    id: i64,
    content_hash: String,
    version_date: Option<String>,
    language: Option<String>,
}

/// Whether retention deleted this item (still in its feed): not stored again.
fn pruned(tx: &Connection, source: &str, key: &str) -> Result<bool, Error> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM tombstones WHERE source_id = ?1 AND key = ?2")?
        .exists(params![source, key])?)
}

/// The first-stored item of another source with the same canonical link.
fn find_original(tx: &Connection, source: &str, item: &Item) -> Result<Option<i64>, Error> {
    let Some(link) = &item.canonical_link else {
        return Ok(None);
    };
    Ok(tx
        .prepare_cached(
            "SELECT id FROM items
             WHERE canonical_link = ?1 AND source_id != ?2 AND duplicate_of IS NULL
             ORDER BY id LIMIT 1",
        )?
        .query_row(params![link, source], |row| row.get(0))
        .optional()?)
}

fn insert_item(
    tx: &Connection,
    source: &str,
    tagged: &TaggedItem,
    document: &Document,
    duplicate_of: Option<i64>,
) -> Result<i64, Error> {
    let now = document.at;
    let item = &tagged.item;
    // A date in the future (a wrong time zone, a typo) must not pin an item
    // to the top of the feed or date the feed ahead: it becomes the poll time.
    let published = item.published.map(|d| d.min(now));
    let updated = item.updated.or(item.published).map_or(now, |d| d.min(now));
    let sort_time = published.unwrap_or(updated);
    tx.prepare_cached(
        "INSERT INTO items (source_id, key, entry_id, link, canonical_link, title, summary, content,
                            author, language, published, updated, sort_time, first_seen,
                            content_hash, duplicate_of, dated_by_poll, categories, version_date, repaired)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        source,
        item.key,
        entry_id(source, &item.key),
        item.link,
        item.canonical_link,
        item.title,
        item.summary,
        item.content,
        item.author,
        item.language,
        item.published.map(|d| timestamp(d.min(now))),
        timestamp(updated),
        timestamp(sort_time),
        timestamp(now),
        item.content_hash,
        duplicate_of,
        item.published.is_none() && item.updated.is_none(),
        item.categories.join("\n"),
        versions::date(item).map(timestamp),
        document.repaired,
    ])?;
    Ok(tx.last_insert_rowid())
}

fn update_item(tx: &Connection, row_id: i64, tagged: &TaggedItem, document: &Document) -> Result<(), Error> {
    let now = document.at;
    let item = &tagged.item;
    // An edit is news to readers: it is "updated" now unless the feed says
    // when (and never later than now).
    let updated = item.updated.map_or(now, |d| d.min(now));
    tx.prepare_cached(
        "UPDATE items SET link = ?2, canonical_link = ?3, title = ?4, summary = ?5, content = ?6,
                          author = ?7, language = ?8, published = ?9, updated = ?10, content_hash = ?11,
                          dated_by_poll = ?12, categories = ?13, version_date = ?14, repaired = ?15
         WHERE id = ?1",
    )?
    .execute(params![
        row_id,
        item.link,
        item.canonical_link,
        item.title,
        item.summary,
        item.content,
        item.author,
        item.language,
        item.published.map(|d| timestamp(d.min(now))),
        timestamp(updated),
        item.content_hash,
        item.published.is_none() && item.updated.is_none(),
        item.categories.join("\n"),
        versions::date(item).map(timestamp),
        document.repaired,
    ])?;
    // Its words leave the index now; the new text's come with the group's
    // indexing.
    tx.prepare_cached("DELETE FROM items_search WHERE rowid = ?1")?
        .execute([row_id])?;
    Ok(())
}

/// An edited item's matches: the new version's, and those its stored
/// article gave, unless its link changed (the article is then fetched
/// again, and tags it anew).
fn replace_edited_matches(tx: &Connection, row_id: i64, tagged: &TaggedItem) -> Result<(), Error> {
    let keeps_article = super::texts::edited(tx, row_id, tagged.item.link.as_deref(), chrono::Utc::now())?;
    if !keeps_article {
        return replace_matches(tx, row_id, &tagged.matches, &tagged.cancelled);
    }
    let article = Field::Article.as_str();
    tx.prepare_cached("DELETE FROM item_matches WHERE item_id = ?1 AND field != ?2")?
        .execute(params![row_id, article])?;
    for table in ["item_tags", "item_cancellations"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE item_id = ?1"))?
            .execute([row_id])?;
    }
    insert_matches(tx, row_id, &tagged.matches, &tagged.cancelled)?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO item_tags (item_id, tag, term, field)
         SELECT item_id, tag, term, field FROM item_matches WHERE item_id = ?1 AND field = ?2",
    )?
    .execute(params![row_id, article])?;
    Ok(())
}

/// Replaces an item's matches: every one in `item_matches`, the first per
/// tag in `item_tags`, and the tags a context cancelled.
pub(super) fn replace_matches(
    tx: &Connection,
    row_id: i64,
    matches: &[Match],
    cancelled: &[Cancelled],
) -> Result<(), Error> {
    for table in ["item_tags", "item_matches", "item_cancellations"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE item_id = ?1"))?
            .execute([row_id])?;
    }
    insert_matches(tx, row_id, matches, cancelled)
}

/// Stores the matches of an item that has none yet.
fn insert_matches(tx: &Connection, row_id: i64, matches: &[Match], cancelled: &[Cancelled]) -> Result<(), Error> {
    let mut tag =
        tx.prepare_cached("INSERT OR IGNORE INTO item_tags (item_id, tag, term, field) VALUES (?1, ?2, ?3, ?4)")?;
    let mut all = tx.prepare_cached(
        "INSERT OR IGNORE INTO item_matches (item_id, tag, term, field, text, snippet, end_field)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for m in matches {
        tag.execute(params![row_id, m.tag, m.term, m.field.as_str()])?;
        let end_field = m.end_field.map(Field::as_str);
        all.execute(params![
            row_id,
            m.tag,
            m.term,
            m.field.as_str(),
            m.text,
            m.snippet,
            end_field
        ])?;
    }
    if cancelled.is_empty() {
        return Ok(());
    }
    let mut cancel = tx.prepare_cached(
        "INSERT OR IGNORE INTO item_cancellations
         (item_id, tag, term, field, text, context, context_field, context_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for c in cancelled {
        cancel.execute(params![
            row_id,
            c.tag,
            c.term,
            c.field.as_str(),
            c.text,
            c.context,
            c.context_field.as_str(),
            c.context_text
        ])?;
    }
    Ok(())
}

/// RFC 3339 in UTC with a fixed shape, so text order is time order.
pub(super) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An entry's permanent Atom id, from the source id and the item key.
pub(super) fn entry_id(source: &str, key: &str) -> String {
    crate::model::name_urn(&[source, key])
}

#[cfg(test)]
mod tests {
    use super::entry_id;

    #[test]
    fn entry_ids_are_stable_version_8_uuids() {
        let id = entry_id("cbss", "guid:https://cbss.org/?p=1");
        assert_eq!(id, entry_id("cbss", "guid:https://cbss.org/?p=1"));
        assert_ne!(id, entry_id("lv-interior", "guid:https://cbss.org/?p=1"));
        assert_eq!(id.len(), "urn:uuid:".len() + 36);
        assert_eq!(&id[9 + 14..9 + 15], "8");
    }
}
