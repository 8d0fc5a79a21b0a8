-- Group quiz sessions (/quiz 10 by an admin): N questions one after another, each open for a set
-- time, then a ranking. Scores are read from the answers to the session's polls.
CREATE TABLE quiz_sessions (
    session_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    topic_id    TEXT,                            -- NULL: all topics
    size        INTEGER NOT NULL,
    current     INTEGER NOT NULL DEFAULT 0,      -- position of the question now open
    open_period INTEGER NOT NULL,                -- seconds per question
    state       TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'finished', 'stopped')),
    started_at  TEXT    NOT NULL,
    finished_at TEXT
);
-- One session at a time per group.
CREATE UNIQUE INDEX quiz_sessions_one_running ON quiz_sessions (chat_id) WHERE state = 'running';
CREATE INDEX quiz_sessions_chat ON quiz_sessions (chat_id, finished_at);

CREATE TABLE quiz_session_items (
    session_id  INTEGER NOT NULL REFERENCES quiz_sessions (session_id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    poll_id     TEXT,                            -- set once the question is sent
    closes_at   TEXT,                            -- UTC: sent time + open_period
    closed      INTEGER NOT NULL DEFAULT 0,      -- 1 once its time ran out (or the session stopped)
    PRIMARY KEY (session_id, position)
);
CREATE UNIQUE INDEX quiz_session_items_poll ON quiz_session_items (poll_id);
CREATE INDEX quiz_session_items_open ON quiz_session_items (closes_at) WHERE closed = 0 AND closes_at IS NOT NULL;
