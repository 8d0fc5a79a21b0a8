-- PostgreSQL twin of migrations/0001_initial.sql: the same tables, columns and meanings.
-- Telegram ids do not fit in 32 bits, so they are BIGINT; times stay UTC ISO-8601 text as in SQLite,
-- so that both stores sort, compare and copy them the same way.
CREATE TABLE chats (
    chat_id      BIGINT  PRIMARY KEY,
    type         TEXT    NOT NULL,
    title        TEXT,
    username     TEXT,
    timezone     TEXT,
    push_time    TEXT,
    push_topic   TEXT,
    subscribed   INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,
    paused_until TEXT,
    language     TEXT    NOT NULL DEFAULT 'en',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX chats_subscribed ON chats (subscribed, active, chat_id);

CREATE TABLE users (
    user_id    BIGINT PRIMARY KEY,
    first_name TEXT   NOT NULL,
    username   TEXT,
    updated_at TEXT   NOT NULL
);

CREATE TABLE seen_items (
    chat_id BIGINT NOT NULL,
    kind    TEXT   NOT NULL CHECK (kind IN ('fact', 'question')),
    scope   TEXT   NOT NULL,
    item_id TEXT   NOT NULL,
    seen_at TEXT   NOT NULL,
    PRIMARY KEY (chat_id, kind, scope, item_id)
);

CREATE TABLE polls (
    poll_id        TEXT    PRIMARY KEY,
    chat_id        BIGINT  NOT NULL,
    message_id     BIGINT,
    question_id    TEXT    NOT NULL,
    option_order   TEXT    NOT NULL,
    correct_option INTEGER NOT NULL,
    purpose        TEXT    NOT NULL DEFAULT 'quiz',
    requested_by   BIGINT,
    is_anonymous   INTEGER NOT NULL DEFAULT 0,
    sent_at        TEXT    NOT NULL,
    voter_counts   TEXT,
    total_voters   INTEGER
);
CREATE INDEX polls_chat ON polls (chat_id, sent_at);

CREATE TABLE answers (
    poll_id        TEXT    NOT NULL REFERENCES polls (poll_id) ON DELETE CASCADE,
    user_id        BIGINT  NOT NULL,
    chat_id        BIGINT  NOT NULL,
    question_id    TEXT    NOT NULL,
    topic_id       TEXT    NOT NULL,
    chosen_option  INTEGER NOT NULL,
    correct_option INTEGER NOT NULL,
    is_correct     INTEGER NOT NULL,
    answered_at    TEXT    NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
CREATE INDEX answers_user ON answers (user_id, chat_id, answered_at);
CREATE INDEX answers_chat ON answers (chat_id, answered_at);

CREATE TABLE deliveries (
    chat_id    BIGINT  NOT NULL,
    local_date TEXT    NOT NULL,
    state      TEXT    NOT NULL CONSTRAINT deliveries_state_check CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 1,
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT,
    error      TEXT,
    PRIMARY KEY (chat_id, local_date)
);
CREATE TABLE pending_deletions (
    chat_id    BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    delete_at  TEXT   NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX pending_deletions_due ON pending_deletions (delete_at);
