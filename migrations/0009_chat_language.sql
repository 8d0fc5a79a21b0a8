-- A chat's language becomes a choice: NULL follows the operator's DEFAULT_LANGUAGE (like the other
-- NULL settings), 'en' or 'hi' is what the chat chose (/language) or a private chat started in
-- (its user's Telegram language). Chats recorded before this keep the 'en' they have been reading:
-- a student months into the course must not wake up to another language. SQLite cannot drop a
-- NOT NULL, so the table is rebuilt.
CREATE TABLE chats_new (
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
    language     TEXT,                           -- en, hi; NULL: DEFAULT_LANGUAGE
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    push_size    INTEGER NOT NULL DEFAULT 1
);
INSERT INTO chats_new (chat_id, type, title, username, timezone, push_time, push_topic, subscribed, active,
                       paused_until, language, created_at, updated_at, push_size)
SELECT chat_id, type, title, username, timezone, push_time, push_topic, subscribed, active,
       paused_until, language, created_at, updated_at, push_size
FROM chats;
DROP TABLE chats;
ALTER TABLE chats_new RENAME TO chats;
CREATE INDEX chats_subscribed ON chats (subscribed, active, chat_id);
