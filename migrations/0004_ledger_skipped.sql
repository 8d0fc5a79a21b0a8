-- A chat that subscribes after its push time has nothing due that day: the ledger records the day
-- as 'skipped' so the first push comes the next day instead of arriving "late" at once.
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt.
CREATE TABLE deliveries_new (
    chat_id    INTEGER NOT NULL,
    local_date TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'skipped')),
    attempts   INTEGER NOT NULL DEFAULT 1,
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT,
    error      TEXT,
    PRIMARY KEY (chat_id, local_date)
);
INSERT INTO deliveries_new SELECT chat_id, local_date, state, attempts, claimed_at, sent_at, error FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
