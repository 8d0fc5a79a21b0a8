"""studybot: a Telegram study bot for UPSC aspirants."""
