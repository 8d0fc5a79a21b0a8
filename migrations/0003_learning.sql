-- Spaced review: one FSRS card per user and question. The card is kept as the fsrs package's own
-- JSON (so its state round-trips exactly); due_at repeats card.due so that "what is due" is an index scan.
CREATE TABLE review_cards (
    user_id     INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    card        TEXT    NOT NULL,                -- fsrs.Card.to_json()
    due_at      TEXT    NOT NULL,                -- UTC ISO-8601, equal to the card's due time
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, question_id)
);
CREATE INDEX review_cards_due ON review_cards (user_id, due_at);

-- A user's /review session: only the answer to poll_id brings the next card, so an older review
-- poll answered late never starts a second stream of questions.
CREATE TABLE review_sessions (
    user_id    INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    poll_id    TEXT,
    sent       INTEGER NOT NULL DEFAULT 0,
    correct    INTEGER NOT NULL DEFAULT 0,
    started_at TEXT    NOT NULL
);

-- Mock tests (/test): kept here so that a restart neither loses a running test nor its clock.
CREATE TABLE mock_tests (
    test_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    topic_id    TEXT,                            -- NULL: all topics
    size        INTEGER NOT NULL,
    current     INTEGER NOT NULL DEFAULT 0,      -- position of the question now open
    open_period INTEGER NOT NULL,                -- seconds per question
    state       TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'finished', 'abandoned')),
    started_at  TEXT    NOT NULL,
    finished_at TEXT
);
-- One test at a time per user.
CREATE UNIQUE INDEX mock_tests_one_running ON mock_tests (user_id) WHERE state = 'running';
CREATE INDEX mock_tests_user ON mock_tests (user_id, started_at);

CREATE TABLE mock_test_items (
    test_id       INTEGER NOT NULL REFERENCES mock_tests (test_id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    question_id   TEXT    NOT NULL,
    poll_id       TEXT,                          -- set once the question is sent
    closes_at     TEXT,                          -- UTC: sent time + open_period
    outcome       TEXT    CHECK (outcome IN ('correct', 'wrong', 'unanswered')),
    chosen_option INTEGER,                       -- index in the content's options
    PRIMARY KEY (test_id, position)
);
CREATE UNIQUE INDEX mock_test_items_poll ON mock_test_items (poll_id);
CREATE INDEX mock_test_items_open ON mock_test_items (closes_at) WHERE outcome IS NULL AND closes_at IS NOT NULL;

-- /mistakes reads a user's wrong answers, newest first.
CREATE INDEX answers_user_wrong ON answers (user_id, is_correct, answered_at);
