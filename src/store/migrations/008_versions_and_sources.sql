-- The date of each stored version as its publisher gave it (updated, else
-- published; NULL when undated), so that a feed listing an older version
-- again does not overwrite a newer one. Rows stored before this version
-- get theirs the next time their feed lists them.
ALTER TABLE items ADD COLUMN version_date TEXT;

-- What <source> says about a publisher's feed: its own id (Atom <id>),
-- its format (the media type of rel="self"), and the last successful poll
-- that found it changed. Before this version, the last time an item of
-- the source was first stored is the best estimate of the latter.
ALTER TABLE sources ADD COLUMN feed_id TEXT;
ALTER TABLE sources ADD COLUMN feed_format TEXT;
ALTER TABLE sources ADD COLUMN changed_at TEXT;
UPDATE sources SET changed_at = coalesce(
    (SELECT max(first_seen) FROM items WHERE items.source_id = sources.id),
    last_success_at);
-- The id and format are only known from a document: the next poll of each
-- source fetches it whole once (no conditional GET), which also rereads
-- its relative links against the publisher's site. In that poll, an item
-- without a GUID whose link now resolves elsewhere takes over its earlier
-- row rather than arriving (and being announced) as new.
UPDATE sources SET etag = NULL, last_modified = NULL;
ALTER TABLE sources ADD COLUMN relink_pending INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET relink_pending = 1;

-- When what the feeds show last changed (items stored, edited, pruned or
-- re-tagged): an empty feed's <updated>. One row.
CREATE TABLE store_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    changed_at TEXT NOT NULL
) STRICT;
INSERT INTO store_state (id, changed_at)
    VALUES (1, coalesce((SELECT max(first_seen) FROM items), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));

-- Each served document's digest and the Last-Modified it was given when
-- its bytes last changed (Unix seconds), so that the date survives a
-- restart and moves only when the bytes do.
CREATE TABLE documents (
    key           TEXT PRIMARY KEY,
    digest        TEXT NOT NULL,
    last_modified INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX documents_age ON documents(last_modified);
