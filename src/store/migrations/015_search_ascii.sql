-- The search index tokenised by FTS5's `ascii` tokenizer rather than
-- `unicode61`. What is indexed is already folded (src/fold.rs: lower
-- case, diacritics handled, one ASCII space between words), so unicode61
-- only re-did, at half the database thread's FTS5 cost, what fold had
-- done; `ascii` splits on ASCII non-alphanumerics and keeps every other
-- byte in its word, which gives the same words over fold's output but for
-- 95 rare characters (vulgar fractions, "ŀ", enclosed letters "🅐", a few
-- Tai Lue and Vedic signs: docs/benchmarks.md, and the test in
-- store/schema.rs that walks every character).
--
-- The index is contentless, so it is rebuilt from its own words: the
-- `instance` view lists each item's words in order, and joined by spaces
-- they tokenise under `ascii` to the very same words at the same
-- positions (unicode61's words hold no ASCII punctuation nor upper case),
-- so every query finds what it found before. Items indexed with no word
-- at all keep their (empty) entry.
DROP TRIGGER items_search_delete;

CREATE VIRTUAL TABLE temp.items_search_words USING fts5vocab(main, items_search, instance);

CREATE VIRTUAL TABLE items_search_ascii USING fts5(
    search_text,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);
INSERT INTO items_search_ascii (items_search_ascii, rank) VALUES ('automerge', 16);
-- Each item's words joined, in a table of their own first: as a subquery
-- joined to the entries, SQLite would push the join into it and read the
-- whole index once per item.
CREATE TEMP TABLE items_search_texts (doc INTEGER PRIMARY KEY, text TEXT NOT NULL);
INSERT INTO temp.items_search_texts (doc, text)
SELECT doc, group_concat(term, ' ' ORDER BY offset) FROM temp.items_search_words GROUP BY doc;
INSERT INTO items_search_ascii (rowid, search_text)
SELECT entry.id, coalesce(words.text, '')
FROM items_search_docsize AS entry
LEFT JOIN temp.items_search_texts AS words ON words.doc = entry.id
ORDER BY entry.id;
DROP TABLE temp.items_search_texts;
DROP TABLE temp.items_search_words;
DROP TABLE items_search;
ALTER TABLE items_search_ascii RENAME TO items_search;

CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_search WHERE rowid = old.id;
END;
