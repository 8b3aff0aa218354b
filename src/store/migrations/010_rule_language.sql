-- The rule language reads a title cut with "…" together with the summary
-- that continues it: such a match starts in one field and ends in
-- another (NULL: the same field).
ALTER TABLE item_matches ADD COLUMN end_field TEXT;

-- Tags an item would have had but for a context of the rule (`unless`)
-- found in it: which tag, the term that had matched and where, and the
-- context and where it was found. One row per cancelled tag.
CREATE TABLE item_cancellations (
    item_id       INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag           TEXT NOT NULL,
    term          TEXT NOT NULL,
    field         TEXT NOT NULL,
    text          TEXT NOT NULL,
    context       TEXT NOT NULL,
    context_field TEXT NOT NULL,
    context_text  TEXT NOT NULL,
    PRIMARY KEY (item_id, tag)
) STRICT, WITHOUT ROWID;
