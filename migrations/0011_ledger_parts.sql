-- How many parts of a day's push (the fact message, then each quiz) have gone out, so that a push
-- whose quiz failed, or whose run was killed, is resumed where it stopped instead of sent whole again.
ALTER TABLE deliveries ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
