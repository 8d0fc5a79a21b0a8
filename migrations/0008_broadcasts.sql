-- Operators' broadcasts (/broadcast): one row per broadcast, and a ledger of its sends, so that
-- a restart resumes it and no chat gets it twice (a claim before the send, sent after it).
CREATE TABLE broadcasts (
    broadcast_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_id          INTEGER NOT NULL,              -- the operator who asked (their private chat)
    audience          TEXT    NOT NULL CHECK (audience IN ('all', 'private', 'groups', 'channels')),
    text              TEXT,                          -- HTML to send, or NULL: copy the source message
    source_chat_id    INTEGER,
    source_message_id INTEGER,
    state             TEXT    NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'running', 'done', 'cancelled')),
    progress_message  INTEGER,                       -- the message in the operator's chat edited as it runs
    created_at        TEXT    NOT NULL,
    started_at        TEXT,
    finished_at       TEXT
);
CREATE INDEX broadcasts_state ON broadcasts (state);

CREATE TABLE broadcast_deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (broadcast_id) ON DELETE CASCADE,
    chat_id      INTEGER NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'gone')),
    attempts     INTEGER NOT NULL DEFAULT 1,
    claimed_by   TEXT    NOT NULL,                   -- the process (run) that holds the claim
    claimed_at   TEXT    NOT NULL,
    sent_at      TEXT,
    error        TEXT,
    PRIMARY KEY (broadcast_id, chat_id)
);
