"""``python -m bot``: run the bot, or one of the operator's subcommands."""

import sys

from bot.logging_setup import redact_std_streams

# Before anything else, so that even an import error's traceback is redacted.
redact_std_streams()

from bot.cli import main  # noqa: E402

sys.exit(main())
