-- Keys of pruned items, so an item pruned while still in its source's
-- feed is not stored again at the next poll.
CREATE TABLE tombstones (
    source_id TEXT NOT NULL,
    key       TEXT NOT NULL,
    pruned_at TEXT NOT NULL,
    PRIMARY KEY (source_id, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX items_first_seen ON items(first_seen);
