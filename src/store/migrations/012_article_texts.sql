-- The article behind an item of a `full_text` source, kept apart from the
-- item so that the feed's next version of the entry never overwrites it.
-- `link` is the address the text was (or is to be) fetched from: when
-- the entry's link changes, the text is fetched again. 'pending' rows are
-- tried at next_attempt_at (with back-off after a failure) until
-- 'fetched', or 'failed' once the attempts ran out.
CREATE TABLE item_texts (
    item_id         INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    source_id       TEXT NOT NULL,
    link            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fetched', 'failed')),
    text            TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    fetched_at      TEXT
) STRICT;

CREATE INDEX item_texts_due ON item_texts(source_id, next_attempt_at) WHERE state = 'pending';

-- A notification of an item whose article is being fetched waits until
-- the text is in or this time has passed, then goes out with the tags of
-- that moment (NULL: it waits for nothing).
ALTER TABLE outbox ADD COLUMN awaiting_text_until TEXT;
