-- Notifications waiting to be sent, written in the same transaction as the
-- items that cause them: one row per (channel, item), never two. A row is
-- 'delivered' only after the receiver acknowledged it; 'dead' after the
-- channel's attempts or age ran out (`thbwatch notify retry` revives it).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,
    item_id         INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TEXT,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (channel, item_id)
) STRICT;

CREATE INDEX outbox_due ON outbox(channel, next_attempt_at) WHERE state = 'pending';
