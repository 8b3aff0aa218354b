-- The search text stored once, in the index, rather than twice. Each
-- item's folded title and summary (about as long as its summary) was a
-- column of items for the index to read back (external content): 40 %
-- of an item's row, written to the log and again by the checkpoint
-- (docs/benchmarks.md). The index is now contentless: it holds the
-- words, not the text, and finds the same rowids for the same queries
-- (same column name, tokenizer and detail). With `contentless_delete`
-- an entry is deleted by its rowid alone, so retention (and anyone
-- deleting items) still keeps the index in step through the trigger
-- below; the writer indexes new and edited items itself, from the text
-- it has in memory, once per group commit (store/group.rs). Rows stored
-- by other means (a hand insert in the sqlite3 shell) are not indexed.
DROP TRIGGER items_search_insert;
DROP TRIGGER items_search_delete;
DROP TRIGGER items_search_update;

CREATE VIRTUAL TABLE items_search_contentless USING fts5(
    search_text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO items_search_contentless (items_search_contentless, rank) VALUES ('automerge', 16);
INSERT INTO items_search_contentless (rowid, search_text) SELECT id, search_text FROM items;
DROP TABLE items_search;
ALTER TABLE items_search_contentless RENAME TO items_search;

CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_search WHERE rowid = old.id;
END;

-- The deferral of migration 13 is the writer's own business now.
DROP TABLE search_deferred;
ALTER TABLE items DROP COLUMN search_text;
