//! Opening the database: pragmas, and numbered migrations applied in order
//! by `PRAGMA user_version`.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// Each entry is applied once, in order; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_source_health.sql"),
    include_str!("migrations/003_match_explanations.sql"),
    include_str!("migrations/004_feed_queries.sql"),
    include_str!("migrations/005_outbox.sql"),
    include_str!("migrations/006_retention.sql"),
];

pub fn open(path: &Path) -> Result<Connection, String> {
    let mut conn = Connection::open(path).map_err(|e| e.to_string())?;
    configure(&mut conn).map_err(|e| e.to_string())?;
    let current: usize = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| e.to_string())?;
    if current > MIGRATIONS.len() {
        return Err(format!(
            "schema version {current} was written by a newer thbwatch (this one knows {}); \
             run the newer version or restore a backup",
            MIGRATIONS.len()
        ));
    }
    migrate(&mut conn, current).map_err(|e| format!("migration failed: {e}"))?;
    fill_search_text(&mut conn).map_err(|e| format!("cannot index stored items for search: {e}"))?;
    Ok(conn)
}

/// Items stored before text search existed get their search text, in one
/// transaction (a no-op once done: the query finds nothing).
fn fill_search_text(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut read = tx.prepare("SELECT id, title, summary FROM items WHERE search_text = ''")?;
        let rows: Vec<(i64, String, Option<String>)> = read
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut write = tx.prepare("UPDATE items SET search_text = ?2 WHERE id = ?1")?;
        for (id, title, summary) in rows {
            write.execute(rusqlite::params![id, super::search_text(&title, summary.as_deref())])?;
        }
    }
    tx.commit()
}

fn configure(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Space freed by pruning can be returned to the file system
    // (incremental vacuum); this only takes on a new, empty database.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")
}

fn migrate(conn: &mut Connection, current: usize) -> Result<(), rusqlite::Error> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_reopen_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open(&path).unwrap();
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len());
        drop(conn);
        open(&path).unwrap();
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(open(&path).unwrap_err().contains("newer thbwatch"));
    }
}
