-- The search index written once per group commit rather than item by
-- item. FTS5 moves the terms it holds in memory to a new segment at every
-- SAVEPOINT, and a group commit opens one per poll: a group of 40 polls
-- wrote 40 segments and merged them (docs/benchmarks.md). While the
-- writer holds a row here (only inside its own transaction, never
-- committed), items with an id above `after` are left out of the index
-- by the triggers, and the writer indexes them in one statement after the
-- group's last poll, before the commit. A poll rolled back to its
-- savepoint leaves no row, so nothing of it is indexed. With the table
-- empty (every other writer, the sqlite3 shell) the triggers index as
-- before.
CREATE TABLE search_deferred (after INTEGER NOT NULL) STRICT;

DROP TRIGGER items_search_insert;
CREATE TRIGGER items_search_insert AFTER INSERT ON items
WHEN NOT EXISTS (SELECT 1 FROM search_deferred WHERE new.id > after) BEGIN
    INSERT INTO items_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- A deferred row was never indexed: deleting it, or changing its text,
-- leaves the index alone (the group's indexing reads the text it ends with).
DROP TRIGGER items_search_delete;
CREATE TRIGGER items_search_delete AFTER DELETE ON items
WHEN NOT EXISTS (SELECT 1 FROM search_deferred WHERE old.id > after) BEGIN
    INSERT INTO items_search (items_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;

DROP TRIGGER items_search_update;
CREATE TRIGGER items_search_update AFTER UPDATE OF search_text ON items
WHEN old.search_text IS NOT new.search_text
     AND NOT EXISTS (SELECT 1 FROM search_deferred WHERE old.id > after) BEGIN
    INSERT INTO items_search (items_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO items_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- Never used: the language filter compares lower(language), which an
-- index on the column cannot serve, so it only cost a write per item.
DROP INDEX items_language;
