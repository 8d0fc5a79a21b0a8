-- How many quiz questions a chat's daily push carries (1, 5 or 10), each through the rotation.
ALTER TABLE chats ADD COLUMN push_size INTEGER NOT NULL DEFAULT 1;
