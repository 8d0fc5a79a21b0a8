-- PostgreSQL twin of migrations/0006_push_size.sql.
ALTER TABLE chats ADD COLUMN push_size INTEGER NOT NULL DEFAULT 1;
