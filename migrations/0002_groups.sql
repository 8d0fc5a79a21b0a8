-- Messages the bot will delete later to keep a channel clean (its confirmations of admin commands).
CREATE TABLE pending_deletions (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    delete_at  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX pending_deletions_due ON pending_deletions (delete_at);

-- Leaderboards and daily summaries read a group's answers by poll.
CREATE INDEX answers_poll ON answers (poll_id, is_correct, answered_at);
CREATE INDEX polls_purpose ON polls (chat_id, purpose, sent_at);
