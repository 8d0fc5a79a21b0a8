-- Chats the bot has seen, with their push settings. NULL settings mean "the operator's default".
CREATE TABLE chats (
    chat_id      INTEGER PRIMARY KEY,
    type         TEXT    NOT NULL,               -- private, group, supergroup, channel
    title        TEXT,
    username     TEXT,
    timezone     TEXT,                           -- IANA name
    push_time    TEXT,                           -- HH:MM, local
    push_topic   TEXT,                           -- NULL: all topics
    subscribed   INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,     -- 0 after the bot was blocked or removed
    paused_until TEXT,                           -- local date (inclusive) until which pushes are skipped
    language     TEXT    NOT NULL DEFAULT 'en',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX chats_subscribed ON chats (subscribed, active, chat_id);

CREATE TABLE users (
    user_id    INTEGER PRIMARY KEY,
    first_name TEXT    NOT NULL,
    username   TEXT,
    updated_at TEXT    NOT NULL
);

-- The no-repeat rotation: what a chat has seen in a scope (a topic id or '*') since the cycle began.
CREATE TABLE seen_items (
    chat_id INTEGER NOT NULL,
    kind    TEXT    NOT NULL CHECK (kind IN ('fact', 'question')),
    scope   TEXT    NOT NULL,
    item_id TEXT    NOT NULL,
    seen_at TEXT    NOT NULL,
    PRIMARY KEY (chat_id, kind, scope, item_id)
);

-- Every quiz poll the bot sent, with the shuffled order it showed, so answers are checked against it.
CREATE TABLE polls (
    poll_id        TEXT    PRIMARY KEY,
    chat_id        INTEGER NOT NULL,
    message_id     INTEGER,
    question_id    TEXT    NOT NULL,
    option_order   TEXT    NOT NULL,             -- JSON: shown position -> index in the content's options
    correct_option INTEGER NOT NULL,             -- shown position of the correct option
    purpose        TEXT    NOT NULL DEFAULT 'quiz',
    requested_by   INTEGER,
    is_anonymous   INTEGER NOT NULL DEFAULT 0,
    sent_at        TEXT    NOT NULL,
    voter_counts   TEXT,                         -- JSON list, anonymous (channel) polls only
    total_voters   INTEGER
);
CREATE INDEX polls_chat ON polls (chat_id, sent_at);

-- One row per (poll, user): a re-delivered poll_answer never counts twice.
CREATE TABLE answers (
    poll_id        TEXT    NOT NULL REFERENCES polls (poll_id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    chat_id        INTEGER NOT NULL,
    question_id    TEXT    NOT NULL,
    topic_id       TEXT    NOT NULL,
    chosen_option  INTEGER NOT NULL,             -- index in the content's options
    correct_option INTEGER NOT NULL,             -- index in the content's options
    is_correct     INTEGER NOT NULL,
    answered_at    TEXT    NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
CREATE INDEX answers_user ON answers (user_id, chat_id, answered_at);
CREATE INDEX answers_chat ON answers (chat_id, answered_at);

-- The delivery ledger: one row per chat per local date makes the daily push exactly-once.
CREATE TABLE deliveries (
    chat_id    INTEGER NOT NULL,
    local_date TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 1,
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT,
    error      TEXT,
    PRIMARY KEY (chat_id, local_date)
);
