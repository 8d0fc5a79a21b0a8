-- PostgreSQL twin of migrations/0009_chat_language.sql: a chat's language is NULL (DEFAULT_LANGUAGE)
-- until the chat chooses one; chats recorded before keep the 'en' they have been reading.
ALTER TABLE chats ALTER COLUMN language DROP NOT NULL, ALTER COLUMN language DROP DEFAULT;
