-- PostgreSQL twin of migrations/0005_chat_migrations.sql.
CREATE TABLE chat_migrations (
    old_chat_id BIGINT PRIMARY KEY,
    new_chat_id BIGINT NOT NULL,
    migrated_at TEXT   NOT NULL
);
