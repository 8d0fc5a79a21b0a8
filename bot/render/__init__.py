"""Everything a user reads: texts (the strings table), messages, keyboards, callback data, charts."""
