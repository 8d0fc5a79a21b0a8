"""Everything that sends to Telegram: the sender with its retries, the daily push, learning
follow-ups, the HTTP transport, the repeating jobs and push-now."""
