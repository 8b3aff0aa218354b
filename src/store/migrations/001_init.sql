-- Sources: identity is the config id; the row keeps what polling learnt.
CREATE TABLE sources (
    id                   TEXT PRIMARY KEY,
    url                  TEXT NOT NULL,
    title                TEXT,
    feed_title           TEXT,
    site_link            TEXT,
    etag                 TEXT,
    last_modified        TEXT,
    last_polled_at       TEXT,
    last_success_at      TEXT,
    last_status          TEXT,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Items: unique per (source, key). A cross-source duplicate points at the
-- item first stored with the same canonical link.
CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    source_id      TEXT NOT NULL REFERENCES sources(id),
    key            TEXT NOT NULL,
    entry_id       TEXT NOT NULL UNIQUE,
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
    UNIQUE (source_id, key)
) STRICT;

CREATE INDEX items_canonical_link ON items(canonical_link) WHERE canonical_link IS NOT NULL;
CREATE INDEX items_sort ON items(sort_time DESC, id DESC) WHERE duplicate_of IS NULL;
CREATE INDEX items_duplicate_of ON items(duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Why an item carries a tag: the term and the field that matched. Only the
-- item's own matches: an article's tags are the union over it and its
-- cross-source duplicates, computed when read, so an edit of any copy
-- never loses the tags the others earned.
CREATE TABLE item_tags (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    term    TEXT NOT NULL,
    field   TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
) STRICT, WITHOUT ROWID;

CREATE INDEX item_tags_tag ON item_tags(tag, item_id);
