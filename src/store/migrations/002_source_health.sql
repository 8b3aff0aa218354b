-- Source health for polite, never-ending polling: the HTTP status of the
-- last answer, when to try again after a failure (kept across restarts),
-- where a permanent redirect leads, and when the source was first tried
-- (a source that never succeeded goes stale from then).
ALTER TABLE sources ADD COLUMN http_status INTEGER;
ALTER TABLE sources ADD COLUMN next_attempt_at TEXT;
ALTER TABLE sources ADD COLUMN moved_to TEXT;
ALTER TABLE sources ADD COLUMN first_polled_at TEXT;
UPDATE sources SET first_polled_at = last_polled_at;

-- 1 when the feed gave no usable date and the poll time stands in for it.
ALTER TABLE items ADD COLUMN dated_by_poll INTEGER NOT NULL DEFAULT 0;
