-- Entry ids are derived from (source_id, key), which is unique already:
-- the UNIQUE index on entry_id only cost writes. Its keys are random, so
-- every new item dirtied another page of it (a third of what an ingest
-- wrote). SQLite cannot drop a UNIQUE constraint, so the table is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter); the migration runs
-- with foreign keys off, so dropping the old table cascades nothing.
CREATE TABLE items_rebuilt (
    id             INTEGER PRIMARY KEY,
    source_id      TEXT NOT NULL REFERENCES sources(id),
    key            TEXT NOT NULL,
    entry_id       TEXT NOT NULL,
    link           TEXT,
    canonical_link TEXT,
    title          TEXT NOT NULL,
    summary        TEXT,
    content        TEXT,
    author         TEXT,
    language       TEXT,
    published      TEXT,
    updated        TEXT NOT NULL,
    sort_time      TEXT NOT NULL,
    first_seen     TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    duplicate_of   INTEGER REFERENCES items(id),
    dated_by_poll  INTEGER NOT NULL DEFAULT 0,
    categories     TEXT NOT NULL DEFAULT '',
    search_text    TEXT NOT NULL DEFAULT '',
    UNIQUE (source_id, key)
) STRICT;

INSERT INTO items_rebuilt (id, source_id, key, entry_id, link, canonical_link, title, summary, content,
                           author, language, published, updated, sort_time, first_seen, content_hash,
                           duplicate_of, dated_by_poll, categories, search_text)
    SELECT id, source_id, key, entry_id, link, canonical_link, title, summary, content,
           author, language, published, updated, sort_time, first_seen, content_hash,
           duplicate_of, dated_by_poll, categories, search_text
    FROM items;

DROP TABLE items;
ALTER TABLE items_rebuilt RENAME TO items;

CREATE INDEX items_canonical_link ON items(canonical_link) WHERE canonical_link IS NOT NULL;
CREATE INDEX items_sort ON items(sort_time DESC, id DESC) WHERE duplicate_of IS NULL;
CREATE INDEX items_duplicate_of ON items(duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX items_language ON items(language) WHERE duplicate_of IS NULL;
CREATE INDEX items_first_seen ON items(first_seen);
