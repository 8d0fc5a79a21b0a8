-- Every answer updates each index of answers, and answers are the busiest write by far (a group's
-- every member answers every quiz). Two of the five served no query the others cannot:
-- * answers_poll (poll_id, is_correct, answered_at): a poll's answers are found by the primary key
--   (poll_id, user_id), which starts with poll_id; a poll has at most its chat's members' answers.
-- * answers_user_wrong (user_id, is_correct, answered_at): /mistakes reads one user's answers, which
--   answers_user (user_id, chat_id, answered_at) finds; the wrong ones are picked from those.
DROP INDEX IF EXISTS answers_poll;
DROP INDEX IF EXISTS answers_user_wrong;
