"""Services: the bot's behaviour, free of Telegram types."""
