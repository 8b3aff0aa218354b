//! Reads for the published feeds and the command line: entries newest
//! first, and each source's health.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params_from_iter, types::Value};

use super::{Error, Store};
use crate::model::{Cancelled, Copy, Entry, FeedFormat, Field, Match, SourceId};

/// Which entries a feed shows.
#[derive(Clone, Debug, Default)]
pub struct EntryQuery {
    /// Only items that carry at least one tag.
    pub tagged_only: bool,
    pub tag: Option<String>,
    pub source: Option<SourceId>,
    /// Only items of these sources (a country's, say); `Some(empty)` matches nothing.
    pub sources_in: Option<Vec<SourceId>>,
    /// Only items in this language (primary subtag, lower case).
    pub language: Option<String>,
    /// Only items whose title or summary match this FTS5 expression
    /// ([`crate::search::Search::fts`]).
    pub search: Option<String>,
    /// Only items dated at or after this time (RFC 3339, UTC).
    pub since: Option<String>,
    /// Only items dated before this time (RFC 3339, UTC).
    pub until: Option<String>,
    /// Only entries after this cursor in feed order (older ones).
    pub before: Option<String>,
    pub limit: usize,
}

/// What the polls of a source found, as stored (the command line and
/// `/sources.json` judge it against the configuration).
#[derive(Clone, Debug, Default)]
pub struct SourceHealth {
    pub id: SourceId,
    /// The URL last polled.
    pub url: String,
    pub feed_title: Option<String>,
    pub first_attempt: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// `ok`, `not modified`, `error` or `gone`.
    pub last_status: Option<String>,
    pub http_status: Option<u16>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub next_attempt: Option<DateTime<Utc>>,
    pub moved_to: Option<String>,
    /// What had to be mended in the last document it served.
    pub warning: Option<String>,
    /// Items stored from this source.
    pub items: u64,
}

/// The rows whose tags an article carries: itself and its cross-source
/// duplicates.
const COPIES: &str = "(SELECT i.id UNION ALL SELECT d.id FROM items d WHERE d.duplicate_of = i.id)";

fn entry_columns() -> String {
    format!(
        "i.entry_id, i.source_id, COALESCE(s.title, s.feed_title, s.id), s.url, s.site_link,
         i.link, i.title, i.summary, i.content, i.author, i.language, i.published, i.updated,
         (SELECT group_concat(tag, ' ') FROM
            (SELECT DISTINCT tag FROM item_tags WHERE item_id IN {COPIES} ORDER BY tag)),
         i.id, i.sort_time, s.feed_id, s.feed_format, s.changed_at"
    )
}

/// Hits beyond which a search is broad: its items are found by walking
/// the feed's order and checking each against the hits (a few hundred
/// steps for a page), not by reading every hit and sorting them.
const BROAD_SEARCH: i64 = 2_000;

/// Whether a search has more than [`BROAD_SEARCH`] hits (counting stops
/// there).
fn broad(conn: &rusqlite::Connection, search: &str) -> Result<bool, Error> {
    let hits: i64 = conn
        .prepare_cached("SELECT count(*) FROM (SELECT rowid FROM items_search WHERE items_search MATCH ?1 LIMIT ?2)")?
        .query_row(rusqlite::params![search, BROAD_SEARCH + 1], |r| r.get(0))?;
    Ok(hits > BROAD_SEARCH)
}

/// The optional filters of a feed request, as SQL; `broad`: the search
/// is broad ([`broad`]), and no index but the feed's order may lead
/// (`+column` keeps SQLite from choosing one: a source's index would read
/// all its items and sort them).
fn filter(query: &EntryQuery, broad: bool, sql: &mut String, args: &mut Vec<Value>) {
    if let Some(ids) = &query.sources_in {
        let marks = vec!["?"; ids.len()].join(", ");
        let column = if broad { "+i.source_id" } else { "i.source_id" };
        sql.push_str(&format!(" AND {column} IN ({marks})"));
        args.extend(ids.iter().map(|id| Value::Text(id.as_str().to_string())));
    }
    if let Some(language) = &query.language {
        sql.push_str(" AND (lower(i.language) = ? OR lower(i.language) LIKE ? ESCAPE '\\')");
        args.push(Value::Text(language.clone()));
        args.push(Value::Text(format!("{}-%", like_escape(language))));
    }
    if let Some(search) = &query.search {
        // `+i.id` keeps SQLite from looking up every hit by its id: a
        // broad search walks the feed's order instead (items_sort).
        let id = if broad { "+i.id" } else { "i.id" };
        sql.push_str(&format!(
            " AND {id} IN (SELECT rowid FROM items_search WHERE items_search MATCH ?)"
        ));
        args.push(Value::Text(search.clone()));
    }
    if let Some(since) = &query.since {
        sql.push_str(" AND i.sort_time >= ?");
        args.push(Value::Text(since.clone()));
    }
    if let Some(until) = &query.until {
        sql.push_str(" AND i.sort_time < ?");
        args.push(Value::Text(until.clone()));
    }
    if let Some((time, id)) = query.before.as_deref().and_then(parse_cursor) {
        sql.push_str(" AND (i.sort_time < ? OR (i.sort_time = ? AND i.id < ?))");
        args.extend([Value::Text(time.clone()), Value::Text(time), Value::Integer(id)]);
    }
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// An entry's place in feed order: its sort time and row id.
fn cursor(sort_time: &str, id: i64) -> String {
    format!("{sort_time}~{id}")
}

/// `None` for anything that is not a cursor this store made.
pub fn parse_cursor(text: &str) -> Option<(String, i64)> {
    let (time, id) = text.rsplit_once('~')?;
    DateTime::parse_from_rfc3339(time).ok()?;
    Some((time.to_string(), id.parse().ok()?))
}

/// The other sources that published the same article.
fn copies_of(conn: &rusqlite::Connection, id: i64) -> Result<Vec<Copy>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.source_id, COALESCE(s.title, s.feed_title, s.id), d.link, s.url, s.feed_format
         FROM items d JOIN sources s ON s.id = d.source_id
         WHERE d.duplicate_of = ?1 ORDER BY d.id",
    )?;
    let rows = stmt.query_map([id], |row| {
        Ok(Copy {
            source_id: SourceId::new(row.get::<_, String>(0)?),
            source_title: row.get(1)?,
            link: row.get(2)?,
            source_url: public_address(&row.get::<_, String>(3)?),
            source_format: format(row, 4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

impl Store {
    /// Entries newest first; cross-source duplicates show once, under the
    /// source that published the article first.
    pub async fn entries(&self, query: EntryQuery) -> Result<Vec<Entry>, Error> {
        self.read(move |conn| {
            let mut sql = format!(
                "SELECT {} FROM items i JOIN sources s ON s.id = i.source_id
                 WHERE i.duplicate_of IS NULL",
                entry_columns()
            );
            let mut args: Vec<Value> = Vec::new();
            if let Some(tag) = &query.tag {
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM item_tags t WHERE t.item_id IN {COPIES} AND t.tag = ?)"
                ));
                args.push(Value::Text(tag.clone()));
            } else if query.tagged_only {
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM item_tags t WHERE t.item_id IN {COPIES})"
                ));
            }
            let broad = match &query.search {
                Some(search) => broad(conn, search)?,
                None => false,
            };
            if let Some(source) = &query.source {
                // A broad search walks the feed's order (see `filter`).
                let column = if broad { "+i.source_id" } else { "i.source_id" };
                sql.push_str(&format!(" AND {column} = ?"));
                args.push(Value::Text(source.as_str().to_string()));
            }
            filter(&query, broad, &mut sql, &mut args);
            sql.push_str(" ORDER BY i.sort_time DESC, i.id DESC LIMIT ?");
            args.push(Value::Integer(i64::try_from(query.limit).unwrap_or(i64::MAX)));
            let entries = read_entries(conn, &sql, params_from_iter(args))?;
            Ok(entries.into_iter().map(|(_, entry)| entry).collect())
        })
        .await
    }

    /// Every source the database knows, with what its polls found.
    pub async fn source_health(&self) -> Result<Vec<SourceHealth>, Error> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT s.id, s.url, s.feed_title, s.first_polled_at, s.last_polled_at, s.last_success_at,
                        s.last_status, s.http_status, s.last_error, s.consecutive_failures,
                        s.next_attempt_at, s.moved_to, s.last_warning,
                        (SELECT count(*) FROM items WHERE source_id = s.id)
                 FROM sources s ORDER BY s.id",
            )?;
            let time = |row: &Row<'_>, i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
                Ok(row.get::<_, Option<String>>(i)?.and_then(|t| parse_time(&t)))
            };
            let rows = stmt.query_map([], |row| {
                Ok(SourceHealth {
                    id: SourceId::new(row.get::<_, String>(0)?),
                    url: row.get(1)?,
                    feed_title: row.get(2)?,
                    first_attempt: time(row, 3)?,
                    last_attempt: time(row, 4)?,
                    last_success: time(row, 5)?,
                    last_status: row.get(6)?,
                    http_status: row.get(7)?,
                    last_error: row.get(8)?,
                    consecutive_failures: row.get(9)?,
                    next_attempt: time(row, 10)?,
                    moved_to: row.get(11)?,
                    warning: row.get(12)?,
                    items: row.get(13)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .map(|stored| self.status.overlay(stored))
    }
}

/// The entries with these item ids (the items of deliveries), by id.
pub(super) fn entries_by_id(conn: &rusqlite::Connection, ids: &[i64]) -> Result<Vec<(i64, Entry)>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM items i JOIN sources s ON s.id = i.source_id WHERE i.id IN ({marks}) ORDER BY i.id",
        entry_columns()
    );
    read_entries(conn, &sql, params_from_iter(ids.iter()))
}

/// Runs an entry query (selecting [`entry_columns`]) and completes each
/// entry with its matches and copies; with each its item id.
fn read_entries(
    conn: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<(i64, Entry)>, Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |row| Ok((row.get::<_, i64>(14)?, entry_from_row(row)?)))?;
    let mut entries = Vec::new();
    for row in rows {
        let (id, mut entry) = row?;
        entry.matches = matches_of(conn, id)?;
        entry.cancelled = cancelled_of(conn, id, &entry.tags)?;
        entry.copies = copies_of(conn, id)?;
        entries.push((id, entry));
    }
    Ok(entries)
}

/// The matches of an item and its cross-source copies, one per (tag,
/// term, field), by tag then field.
fn matches_of(conn: &rusqlite::Connection, id: i64) -> Result<Vec<Match>, Error> {
    // With min(), SQLite takes the other columns from that same row, so a
    // match's text and snippet come from one copy.
    let mut stmt = conn.prepare_cached(
        "SELECT tag, term, field, text, snippet, min(item_id), end_field FROM item_matches
         WHERE item_id IN (SELECT ?1 UNION ALL SELECT id FROM items WHERE duplicate_of = ?1)
         GROUP BY tag, term, field",
    )?;
    let rows = stmt.query_map([id], |row| {
        let field: String = row.get(2)?;
        let end_field: Option<String> = row.get(6)?;
        Ok(Match {
            tag: row.get(0)?,
            term: row.get(1)?,
            field: Field::parse(&field).unwrap_or(Field::Content),
            end_field: end_field.as_deref().and_then(Field::parse),
            text: row.get(3)?,
            snippet: row.get(4)?,
        })
    })?;
    let mut matches = rows.collect::<Result<Vec<_>, _>>()?;
    matches.sort_by(|a, b| (&a.tag, a.field, &a.term).cmp(&(&b.tag, b.field, &b.term)));
    Ok(matches)
}

/// The tags a context cancelled in an item or its copies, one per tag,
/// leaving out those a copy earned anyway.
fn cancelled_of(conn: &rusqlite::Connection, id: i64, tags: &[String]) -> Result<Vec<Cancelled>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT tag, term, field, text, context, context_field, context_text, min(item_id)
         FROM item_cancellations
         WHERE item_id IN (SELECT ?1 UNION ALL SELECT id FROM items WHERE duplicate_of = ?1)
         GROUP BY tag ORDER BY tag",
    )?;
    let rows = stmt.query_map([id], |row| {
        let field: String = row.get(2)?;
        let context_field: String = row.get(5)?;
        Ok(Cancelled {
            tag: row.get(0)?,
            term: row.get(1)?,
            field: Field::parse(&field).unwrap_or(Field::Content),
            text: row.get(3)?,
            context: row.get(4)?,
            context_field: Field::parse(&context_field).unwrap_or(Field::Content),
            context_text: row.get(6)?,
        })
    })?;
    let mut cancelled = rows.collect::<Result<Vec<_>, _>>()?;
    cancelled.retain(|c| !tags.contains(&c.tag));
    Ok(cancelled)
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let tags: Option<String> = row.get(13)?;
    Ok(Entry {
        entry_id: row.get(0)?,
        source_id: SourceId::new(row.get::<_, String>(1)?),
        source_title: row.get(2)?,
        source_url: public_address(&row.get::<_, String>(3)?),
        source_link: row.get(4)?,
        source_feed_id: row.get(16)?,
        source_format: format(row, 17)?,
        source_updated: row.get::<_, Option<String>>(18)?.and_then(|s| parse_time(&s)),
        link: row.get(5)?,
        title: row.get(6)?,
        summary: row.get(7)?,
        content: row.get(8)?,
        author: row.get(9)?,
        language: row.get(10)?,
        published: row.get::<_, Option<String>>(11)?.and_then(|s| parse_time(&s)),
        updated: parse_time(&row.get::<_, String>(12)?).unwrap_or_default(),
        tags: tags
            .map(|t| t.split(' ').map(str::to_string).collect())
            .unwrap_or_default(),
        matches: Vec::new(),
        cancelled: Vec::new(),
        copies: Vec::new(),
        cursor: cursor(&row.get::<_, String>(15)?, row.get(14)?),
    })
}

/// A stored feed format; `None` for none (or a name this version does not know).
fn format(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<FeedFormat>> {
    Ok(row
        .get::<_, Option<String>>(index)?
        .as_deref()
        .and_then(FeedFormat::parse))
}

/// A source's stored address as the published entries show it: without
/// credential-looking query values, and a hidden address (stored as its
/// origin and a digest) as its origin.
fn public_address(stored: &str) -> String {
    url::Url::parse(stored).map_or_else(|_| crate::redact::text(stored), |u| crate::redact::url(&u))
}

pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}
