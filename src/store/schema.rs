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
    Ok(conn)
}

fn configure(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(5))?;
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
