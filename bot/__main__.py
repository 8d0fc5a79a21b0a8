"""``python -m bot``: run the bot, or one of the operator's subcommands."""

import sys

from bot.cli import main

sys.exit(main())
