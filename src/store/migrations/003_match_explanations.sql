-- Every match an item's text made, for "why was this tagged?": the rule's
-- term, the field, the words as they appeared and a snippet around them.
-- item_tags keeps one row per tag (its first match) for fast feed queries.
CREATE TABLE item_matches (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    term    TEXT NOT NULL,
    field   TEXT NOT NULL,
    text    TEXT NOT NULL,
    snippet TEXT NOT NULL,
    PRIMARY KEY (item_id, tag, term, field)
) STRICT, WITHOUT ROWID;

-- Matches stored before this version had no text: it stays empty (shown as
-- nothing) until `thbwatch retag` or an edit of the item fills it in.
INSERT INTO item_matches (item_id, tag, term, field, text, snippet)
    SELECT item_id, tag, term, field, '', '' FROM item_tags;

-- Categories are matched too (a rule may look only at them), so re-tagging
-- stored items needs them: one per line.
ALTER TABLE items ADD COLUMN categories TEXT NOT NULL DEFAULT '';
