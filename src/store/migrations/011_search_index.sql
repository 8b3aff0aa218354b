-- Search over the whole history: an FTS5 index of the text `?q=` already
-- searched (items.search_text: title and summary folded as keyword
-- matching folds them, so diacritics and case are folded by the same code
-- for the index, the queries and the rules). The index holds no copy of
-- the text (external content); the triggers keep it in step with every
-- insert, edit and deletion (retention), whoever writes. The program
-- fills it for the rows already stored ('rebuild') in this migration.
CREATE VIRTUAL TABLE items_search USING fts5(
    search_text,
    content = 'items',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
-- No prefix indexes, and segments merged 16 at a time rather than 4: the
-- index is written at every commit, and the two prefix indexes with the
-- default merging tripled what a poll writes (docs/benchmarks.md). A
-- prefix query reads the range of words it covers instead.
INSERT INTO items_search (items_search, rank) VALUES ('automerge', 16);

CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_search (items_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;

CREATE TRIGGER items_search_update AFTER UPDATE OF search_text ON items
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO items_search (items_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO items_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

INSERT INTO items_search (items_search) VALUES ('rebuild');

-- Each source's recent polls, for the sources page: when, how it ended,
-- what it stored. Bounded: the program keeps the latest 50 per source.
CREATE TABLE poll_history (
    id          INTEGER PRIMARY KEY,
    source_id   TEXT NOT NULL,
    at          TEXT NOT NULL,
    status      TEXT NOT NULL,
    http_status INTEGER,
    error       TEXT,
    new_items   INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX poll_history_source ON poll_history(source_id, id);
