"""Every handler, registered in one place and in a deliberate order."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    TypeHandler,
    filters,
)

from bot.handlers import answers, basics, callbacks, errors, groups, learning, settings, stats, study
from bot.handlers.common import remember

#: New messages and channel posts; edited ones are ignored on purpose.
FRESH = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


def register(application: Application) -> None:
    """Group -1 records who wrote; group 0 answers. Order within group 0 matters: the first
    matching handler wins, so commands come first and the catch-alls last."""
    application.add_handler(TypeHandler(object, remember), group=-1)
    application.add_handler(ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(ChatMemberHandler(groups.on_chat_member, ChatMemberHandler.CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.on_migrate))

    commands = {
        "start": basics.start,
        "help": basics.help_command,
        "fact": study.fact,
        "quiz": study.quiz,
        "topics": study.topics,
        "topic": study.topic,
        "stats": stats.stats,
        "leaderboard": groups.leaderboard,
        "subscribe": settings.subscribe,
        "unsubscribe": settings.unsubscribe,
        "settime": settings.settime,
        "timezone": settings.timezone,
        "pause": settings.pause,
        "resume": settings.resume,
        "settings": settings.show_settings,
        "review": learning.review,
        "mistakes": learning.mistakes,
        "test": learning.test,
        "mains": learning.mains,
        "export": learning.export,
        "forget": learning.forget,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=FRESH))

    application.add_handler(CallbackQueryHandler(settings.on_settings_button, pattern=r"^(set|sub|tz):"))
    application.add_handler(CallbackQueryHandler(learning.on_button, pattern=learning.PATTERN))
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    application.add_handler(PollAnswerHandler(answers.on_poll_answer))
    application.add_handler(PollHandler(groups.on_poll))

    application.add_handler(MessageHandler(FRESH & filters.COMMAND, basics.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND, basics.plain_text)
    )
    # Group 1 runs after the answer: a command posted in a channel is then removed.
    application.add_handler(
        MessageHandler(filters.UpdateType.CHANNEL_POST & filters.COMMAND, groups.remove_channel_command), group=1
    )
    application.add_error_handler(errors.on_error)
