-- What had to be mended in the last document a source served ("repaired:
-- bare ampersand (3); truncated: 1 incomplete entry dropped"), NULL when
-- it was well-formed: shown by `sources`, /sources.json and /metrics so
-- the publisher can be told.
ALTER TABLE sources ADD COLUMN last_warning TEXT;
-- 1 for an item stored (or last edited) from a document that had to be
-- repaired before it could be read.
ALTER TABLE items ADD COLUMN repaired INTEGER NOT NULL DEFAULT 0;
