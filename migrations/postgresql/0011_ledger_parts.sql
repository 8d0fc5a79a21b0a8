-- PostgreSQL twin of migrations/0011_ledger_parts.sql: the parts of a day's push already sent.
ALTER TABLE deliveries ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
