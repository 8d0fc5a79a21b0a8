-- PostgreSQL twin of migrations/0004_ledger_skipped.sql: a day can be 'skipped' (nothing due).
-- PostgreSQL alters the CHECK constraint in place where SQLite rebuilds the table.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('claimed', 'sent', 'failed', 'skipped'));
