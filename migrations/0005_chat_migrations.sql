-- Groups that became supergroups. The old id is dead and everything it owned lives on under the
-- new one. Kept so that a late service message, or a stale update from the old group (which
-- re-creates its row with default settings), never moves that row over the supergroup's own.
CREATE TABLE chat_migrations (
    old_chat_id INTEGER PRIMARY KEY,
    new_chat_id INTEGER NOT NULL,
    migrated_at TEXT    NOT NULL
);
