-- Text search for the published feeds (?q=): the item's title and summary
-- text, folded as keyword matching folds (case, diacritics), filled in by
-- the program (rows stored before this version at the next start).
ALTER TABLE items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- The filters' other columns.
CREATE INDEX items_language ON items(language) WHERE duplicate_of IS NULL;
