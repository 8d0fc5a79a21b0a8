-- PostgreSQL twin of migrations/0002_groups.sql.
CREATE INDEX answers_poll ON answers (poll_id, is_correct, answered_at);
CREATE INDEX polls_purpose ON polls (chat_id, purpose, sent_at);
