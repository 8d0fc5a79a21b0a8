"""Every user-facing string, keyed, in one place so that a Hindi table can sit beside the English one.

Texts are Telegram HTML. Placeholders are filled by :func:`t`; values that come from users or
content must be escaped by the caller (``html.escape``) before they are passed in.
"""

from __future__ import annotations

from bot.render.catalog import TRANSLATED, load_table
from bot.render.locale import plural_key

EN: dict[str, str] = {
    # --- start and help -------------------------------------------------------------------------
    "start.greeting": "Namaste, {name}! 👋",
    "help.intro": (
        "<b>studybot</b>: sourced facts and quiz polls on <b>IOM</b> and the <b>Colombo Process</b> for UPSC "
        "Prelims and Mains GS-II. Your answers are saved, so /stats shows your progress."
    ),
    "help.footer": "Tip: try /topic colombo or /quiz.",
    # --- command descriptions (menus and /help) -------------------------------------------------
    "cmd.start": "What this bot does",
    "cmd.help": "All commands",
    "cmd.fact": "A fact with its source — /fact [topic]",
    "cmd.quiz": "A quiz poll — /quiz [topic]; in groups admins start a session: /quiz 10",
    "cmd.topics": "Every topic",
    "cmd.topic": "A topic's study page — /topic <name>",
    "cmd.stats": "Your answers, accuracy and streak",
    "cmd.subscribe": "Daily fact and quiz — /subscribe [topic]",
    "cmd.unsubscribe": "Stop the daily push",
    "cmd.settime": "Daily push time — /settime HH:MM",
    "cmd.timezone": "Your time zone — /timezone Asia/Kolkata",
    "cmd.pause": "Pause the daily push — /pause <days>",
    "cmd.resume": "Resume the daily push",
    "cmd.settings": "Your daily push settings",
    "cmd.leaderboard": "Top members of this group — /leaderboard [week|all]",
    "cmd.review": "Questions due for spaced review",
    "cmd.mistakes": "Your latest wrong answers",
    "cmd.test": "A 10-question mock test — /test [topic]",
    "cmd.mains": "A Mains answer-writing prompt — /mains [topic]",
    "cmd.export": "Download your answer history (CSV)",
    "cmd.forget": "Delete everything stored about you",
    "cmd.language": "This chat's language — /language en or /language hi",
    # --- facts and quizzes ----------------------------------------------------------------------
    "fact.header": "💡 <b>{topic}</b>",
    "fact.source": "<i>Source: {source}</i>",
    "fact.as_of": "(as of {date})",
    "quiz.next": "Ready for the next one?",
    "button.share": "📣 Share",
    "button.quiz_me_on_this": "❓ Quiz me on this",
    "share.test": "I scored {score}/{max} in a UPSC Prelims mock test ({correct} right, {wrong} wrong) — practise IOM and the Colombo Process with me:",
    "share.stats": "I've answered {answered} UPSC questions on IOM and the Colombo Process, {accuracy}% right — study with me:",
    "button.next_same": "🎯 Next: {title}",
    "button.next_any": "🎲 Any topic",
    "quiz.statements_header": "📝 <b>{topic}</b>",
    "quiz.full_explanation": "📖 <b>Explanation</b>\n{text}\n\n<i>Source: {source}</i>",
    "quiz.source_footer": "Source: {source}",
    # --- topics ---------------------------------------------------------------------------------
    "topics.header": "<b>Topics</b> — tap one for its study page:",
    "topics.line": "• <b>{title}</b> — {description}",
    "topic.page": "📚 <b>{title}</b>\n\n<b>Key takeaways</b>\n{takeaways}\n\n<b>Exam relevance</b>: {relevance}",
    "topic.not_found": "No topic like “{query}”. Did you mean one of these?",
    "topic.choose": "Several topics match “{query}”. Which one?",
    "topic.usage": "Which topic? Try /topic colombo — or pick one:",
    "button.fact": "💡 Fact",
    "button.quiz": "❓ Quiz",
    "button.page": "📚 Study page",
    # --- stats ----------------------------------------------------------------------------------
    "stats.none": (
        "📊 You have not answered any questions {where} yet. Send /quiz for a question — your answers are "
        "counted from then on."
    ),
    "stats.header": "📊 <b>Your answers</b> {where}",
    "stats.where_private": "in this private chat",
    "stats.where_group": "in <b>{title}</b>",
    "stats.summary": (
        "Answered: <b>{answered}</b>\nCorrect: <b>{correct}</b>\nAccuracy: <b>{accuracy}%</b>\n"
        "Streak: <b>{streak}</b> (best {best})"
    ),
    "stats.topic_line": "• {title}: {correct}/{answered} ({accuracy}%)",
    "stats.by_topic": "<b>By topic</b>",
    # --- daily push settings -------------------------------------------------------------------
    "sub.done": (
        "✅ Subscribed! You'll get a fact and a quiz every day at <b>{time}</b> ({tz}){topic}.\n"
        "Change it with /settime HH:MM or /timezone, pause with /pause, stop with /unsubscribe."
    ),
    "sub.done_now": (
        "✅ Subscribed! Here is today's fact and quiz; the next come tomorrow at <b>{time}</b> ({tz}){topic}.\n"
        "Change it with /settime HH:MM or /timezone, pause with /pause, stop with /unsubscribe."
    ),
    "sub.topic_suffix": " on <b>{topic}</b>",
    "sub.stopped": "🔕 Unsubscribed. Your progress is kept — /subscribe brings the daily push back.",
    "sub.not_subscribed": "This chat is not subscribed. Send /subscribe for a daily fact and quiz.",
    "settime.usage": "Send the time, for example <code>/settime 07:30</code>, <code>/settime 7.30</code> or <code>/settime 9:15 pm</code>.",
    "input.time_unreadable": "I couldn't read “{typed}” as a time of day.",
    "input.time_range": "“{typed}” is not a time of day: hours go up to 23 (or 12 with am/pm), minutes up to 59.",
    "input.days_unreadable": "I couldn't read “{typed}” as a number of days.",
    "input.days_zero": "A pause lasts at least one day.",
    "input.days_too_many": "A pause can last at most {max} days.",
    "settime.done": "⏰ Daily push time set to <b>{time}</b> ({tz}).",
    "timezone.usage": "Send an IANA time zone, for example <code>/timezone Asia/Kolkata</code> or <code>/timezone Europe/London</code>.",
    "timezone.done": "🌐 Time zone set to <b>{tz}</b>. Local time there is {local}.",
    "timezone.done_guess": "🌐 Time zone set to <b>{tz}</b> (from “{query}”). Local time there is {local}.",
    "timezone.suggest": "I don't know the time zone “{query}”. Did you mean one of these?",
    "timezone.unknown": "I don't know the time zone “{query}”. Try a name like <code>Asia/Kolkata</code>.",
    "pause.usage": "Send how many days to pause, from 1 to {max}, for example <code>/pause 7</code> or <code>/pause 2 weeks</code>.",
    "pause.done": "⏸ Paused until <b>{date}</b>; the push comes back the day after. /resume restarts it sooner.",
    "resume.done": "▶️ Resumed. Next push: {next}.",
    "resume.not_paused": "The daily push is not paused.",
    "settings.header": "⚙️ <b>Daily push settings</b>",
    "settings.body": (
        "Subscribed: <b>{subscribed}</b>\nTime: <b>{time}</b>\nTime zone: <b>{tz}</b>\nTopic: <b>{topic}</b>\n"
        "Quiz per push: <b>{size}</b>\nPaused: <b>{paused}</b>\nNext push: <b>{next}</b>"
    ),
    "settings.all_topics": "all topics",
    "settings.yes": "yes",
    "settings.no": "no",
    "settings.not_paused": "no",
    "settings.paused_until": "until {date}",
    "settings.none": "—",
    "button.subscribe": "🔔 Subscribe",
    "button.unsubscribe": "🔕 Unsubscribe",
    "button.pause_week": "⏸ Pause 7 days",
    "button.resume": "▶️ Resume",
    "settings.saved": "Saved.",
    "admin.only": "Only this group's admins can change its settings.",
    # --- the chat's language -------------------------------------------------------------------------
    "language.name.en": "English",
    "language.name.hi": "हिन्दी",
    "language.choose": "🌐 This chat reads <b>{current}</b>. Choose its language:",
    "language.done": "✅ This chat now reads <b>English</b>. /language changes it again.",
    "language.unknown": (
        "I don't know the language “{query}”. Choose one: <code>/language en</code> (English) or "
        "<code>/language hi</code> (हिन्दी)."
    ),
    "settings.language": "Language: <b>{language}</b>",
    # --- the daily push itself --------------------------------------------------------------------
    "push.header": "☀️ <b>Your daily study — {date}</b>",
    "push.late": "⏰ Sorry, this is late — it was due at {time}.",
    "push.streak": "🔥 Streak: {days}. Answer today's quiz to keep it going!",
    "push.nudge": "🎯 Answer today's quiz to start a streak!",
    "push.group_nudge": "🎯 Everyone: answer today's quiz — /leaderboard shows who's ahead.",
    # --- groups and channels ---------------------------------------------------------------------
    "group.welcome": (
        "👋 Hello, {title}! I'm a study bot for UPSC aspirants: facts and quiz polls on IOM and the Colombo Process.\n"
        "• /quiz — a quiz for everyone; each member's answers count for them\n"
        "• /leaderboard — who's ahead this week\n"
        "• Admins: /quiz 10 for a timed quiz session with a ranking, /subscribe for a daily fact and quiz, "
        "/settings to adjust it."
    ),
    "group.cooldown": "⏳ One {what} every {every} s in this group — the next in {seconds} s.",
    "group.cooldown_quiz": "quiz",
    "group.cooldown_fact": "fact",
    "group.only": "/leaderboard works in group chats. Add me to your study group to compete!",
    "leaderboard.header": "🏆 <b>Leaderboard — {period}</b>",
    "leaderboard.week": "this week",
    "leaderboard.all": "all time",
    "leaderboard.line": "{rank}. {name} — {correct} correct ({accuracy}%)",
    "leaderboard.own": "…\nYou: {rank}. {name} — {correct} correct ({accuracy}%)",
    "leaderboard.empty": "No answers yet {period}. Send /quiz to get going!",
    "leaderboard.usage": "Use /leaderboard week or /leaderboard all.",
    "summary.yesterday": "📊 Yesterday's quiz: {answered} answered, {percent}% correct{fastest}.",
    "summary.fastest": "; fastest correct: {name}",
    "summary.none": "📊 Nobody answered yesterday's quiz — today's another chance!",
    "summary.answer": "✅ Answer: {answer}",
    "channel.stats": (
        "📊 <b>{title}</b>\nQuizzes posted: <b>{polls}</b>\nVotes: <b>{votes}</b>\nCorrect: <b>{percent}%</b> of votes"
    ),
    "channel.stats_usage": "To see a channel's figures, send /stats @channelname here (channel admins only).",
    "channel.not_admin": "Only a channel's admins can see its figures, and only once I am one of its admins too.",
    # --- learning -------------------------------------------------------------------------------
    "private.only": "I'll do that in our private chat, so this group isn't flooded — tap below (then press Start).",
    "button.open_private": "📩 Open private chat",
    # spaced review
    "review.none_yet": (
        "Nothing to review yet. Answer a few /quiz questions — the ones you miss come back here at the right moment."
    ),
    "review.nothing_due": "✅ Nothing due for review right now. Next review: <b>{when}</b>.",
    "review.start": "🔁 <b>{due}</b> due for review. Here they come, one at a time{limit}.",
    "review.limit": " (up to {size} this session)",
    "review.more_due": "Session done: {correct}/{answered} correct. <b>{due}</b> more due — /review to go on.",
    "review.all_done": "🎉 All done: {correct}/{answered} correct. Next review on <b>{when}</b>.",
    "review.all_done_later": "🎉 All done: {correct}/{answered} correct.",
    "button.review_more": "🔁 Continue review",
    "push.review_due": "🔁 {count} due for review — /review",
    # mistakes
    "mistakes.none": "No mistakes on record — every answer right so far. Keep going with /quiz or /test!",
    "mistakes.page": "❌ <b>Mistake {n} of {total}</b> — {topic} ({date})",
    "mistakes.yours": "Your answer: {answer}",
    "mistakes.correct": "Correct answer: <b>{answer}</b>",
    "button.newer": "◀ Newer",
    "button.older": "Older ▶",
    "button.practise_topic": "🎯 Practise this topic",
    # mock tests
    "test.intro": (
        "📝 <b>Mock test</b> — {topic}: {size} questions, {seconds} s each.\n"
        "Marking as in UPSC Prelims: +2 correct, −0.66 wrong, 0 unanswered. Good luck!"
    ),
    "test.all_topics": "all topics",
    "test.busy": "You already have a mock test running (question {n} of {size}). Answer it — or give it up:",
    "button.test_quit": "🏳 Give up the test",
    "test.label": "Q{n}/{size}",
    "test.time_up": "⏱ Time's up for Q{n}/{size}: it counts as unanswered (0 marks).",
    "test.abandoned": "Test given up. Start another with /test.",
    "test.abandoned_partial": (
        "Test given up after {answered} of {size} questions: <b>{correct}</b> correct, <b>{wrong}</b> wrong — "
        "score <b>{score}</b>. Start another with /test."
    ),
    "test.none_running": "No test is running. Start one with /test.",
    "test.result": (
        "📝 <b>Mock test result</b> — {topic}\n\n"
        "✅ Correct: <b>{correct}</b>\n❌ Wrong: <b>{wrong}</b>\n⏭ Unanswered: <b>{unanswered}</b>\n"
        "Score: <b>{score}</b> / {max} (+2 correct, −0.66 wrong, 0 unanswered)\nTime taken: <b>{time}</b>"
    ),
    "test.minutes": "{minutes} min {seconds} s",
    "test.seconds": "{seconds} s",
    "test.perfect": "Every answer right — excellent!",
    "test.missed_header": "<b>The ones you missed</b>",
    "test.missed_item": "<b>Q{n}.</b> {question}\nYour answer: {chosen}\nCorrect: <b>{correct}</b>\n📖 {explanation}\n<i>Source: {source}</i>",
    "test.unanswered": "— (no answer)",
    "button.test_again": "📝 Another test",
    # mains answer writing
    "mains.prompt": (
        "✍️ <b>Mains answer writing — GS-II</b>\n<i>{topic}</i>\n\n{prompt}\n\n"
        "Write about <b>{words} words</b> in <b>{minutes} minutes</b>, then compare with the model answer's key points."
    ),
    "mains.key_points": "🔑 <b>Key points of a model answer</b>\n{points}\n\n<i>Source: {source}</i>",
    "mains.none": "There is no Mains prompt for that topic yet.",
    "button.key_points": "🔑 Model answer key points",
    "button.another_prompt": "✍️ Another prompt",
    # your data
    "export.caption": "📄 Your answer history: {count}. Times are in {tz}.",
    "export.empty": "You have no answers on record yet, so there is nothing to export.",
    "forget.confirm": (
        "⚠️ <b>Delete everything I store about you?</b>\n"
        "Your answers (in every chat), review cards, mock tests and your private chat's settings. "
        "This cannot be undone."
    ),
    "button.forget_yes": "🗑 Yes, delete everything",
    "button.forget_no": "Cancel",
    "forget.done": (
        "🗑 Deleted: {answers}, {cards}, {tests}{settings}{profile}.\n"
        "Nothing about you is stored any more; send /start whenever you want to begin again."
    ),
    "forget.settings": ", your chat settings",
    "forget.profile": ", your name",
    "forget.cancelled": "Cancelled — nothing was deleted.",
    "forget.nothing": "Nothing is stored about you — it was all deleted already.",
    # /stats additions
    "stats.score": "UPSC score: <b>{score}</b> (+2 right, −0.66 wrong) — <b>{per100}</b> per 100 questions",
    "stats.score_early": "UPSC score: <b>{score}</b> (+2 right, −0.66 wrong) — a per-100 figure comes after {n} answers",
    "stats.activity": "Last 14 days: <code>{spark}</code>",
    "stats.weakest": "<b>Weakest topics</b> — tap one to practise:",
    "stats.weak_line": "• {title}: {accuracy}% of {answered}",
    "stats.chart_caption": "📈 Your answers per day, last 14 days",
    "stats.chart_title": "Answers per day, last 14 days",
    "stats.chart_axis": "answers",
    "button.practise": "🎯 {title}",
    # --- counted things: .one and .other, chosen by each language's plural rule (bot/render/locale.py) --
    "count.day.one": "{n} day",
    "count.day.other": "{n} days",
    "count.question.one": "{n} question",
    "count.question.other": "{n} questions",
    "count.answer.one": "{n} answer",
    "count.answer.other": "{n} answers",
    "count.card.one": "{n} review card",
    "count.card.other": "{n} review cards",
    "count.test.one": "{n} mock test",
    "count.test.other": "{n} mock tests",
    # --- operators (ADMIN_IDS only) -------------------------------------------------------------
    "cmd.admin": "Operator: how the bot is doing",
    "cmd.reload": "Operator: load the content bank again",
    "admin.overview": (
        "<b>studybot {version}</b> · up {uptime}\n\n"
        "<b>Users</b> {users}\n"
        "<b>Chats</b> private {private}, groups {groups}, channels {channels}\n"
        "<b>Active subscriptions</b> {subscribed}\n"
        "<b>Answers</b> today {today}, 7 days {week}, all {all}\n"
        "<b>Today's push</b> due {due}: sent {sent} (late {late}), failed {failed}, pending {pending}\n"
        "<b>Deactivated</b> blocked {blocked}, removed {removed}\n"
        "<b>Store</b> <code>{store}</code>, {size}\n"
        "<b>Content</b> {topics} topics, {facts} facts, {questions} questions, {mains} Mains prompts"
    ),
    "admin.uptime": "{hours}h {minutes}m",
    "admin.uptime_days": "{days}d {hours}h {minutes}m",
    "reload.invalid": "⚠️ The bank in <code>{where}</code> has problems; the old one stays.\n\n{problems}",
    "reload.more": "… and {n} more",
    "reload.done": (
        "✅ Bank reloaded: {topics} topics, {facts} facts, {questions} questions, {mains} Mains prompts.\n"
        "Added: {added}\nRemoved: {removed}"
    ),
    "reload.none": "none",
    "alert.error": (
        "⚠️ <b>{error_type}</b>: {error}\nUpdate: {kind}\nHandler: {handler}{text}\n"
        "(more of this type in the next 10 minutes stay in the log)"
    ),
    "alert.text": "\nText: {text}",
    "cmd.broadcast": "Operator: a message to every active chat",
    "button.broadcast_confirm": "✅ Send it",
    "button.broadcast_cancel": "✖️ Cancel",
    "broadcast.usage": (
        "Send <code>/broadcast [private|groups|channels] your text</code>, or reply with "
        "<code>/broadcast [private|groups|channels]</code> to a message to copy it. Without an audience it goes "
        "to every active chat."
    ),
    "broadcast.preview": "📣 <b>Broadcast #{id}</b> to {size} ({audience}). Send it?",
    "broadcast.preview_copy": "It is a copy of the message you replied to.",
    "broadcast.preview_long": "Its text has {n} characters.",
    "broadcast.audience.all": "every active chat",
    "broadcast.audience.private": "private chats",
    "broadcast.audience.groups": "groups",
    "broadcast.audience.channels": "channels",
    "broadcast.progress": "📣 <b>Broadcast #{id}</b>: {done} of {total} chats — sent {sent}, failed {failed}, "
    "deactivated {deactivated}…",
    "broadcast.summary": "📣 <b>Broadcast #{id}</b> done: sent {sent} of {total}{already}, failed {failed}, "
    "deactivated {deactivated} (blocked or removed).",
    "broadcast.summary_already": " ({n} before a restart)",
    "broadcast.cancelled": "Broadcast #{id} cancelled; nothing was sent.",
    "broadcast.gone": "That broadcast has already been started or cancelled.",
    "count.chat.one": "{n} chat",
    "count.chat.other": "{n} chats",
    # --- errors and bad input -------------------------------------------------------------------
    "error.unknown_command": "I don't know that command. Send /help to see what I can do.",
    "error.text": "I answer commands — send /help to see them, or /quiz for a question.",
    "error.stale_button": "That button has expired. Send the command again.",
    "error.generic": "Sorry, something went wrong on my side. Please try again in a moment.",
    "error.store": "Sorry, I couldn't save that just now, so nothing changed. Please try again in a moment.",
    "error.store_answer": (
        "Sorry, I couldn't save your quiz answer just now, so it does not count yet. "
        "Send /quiz in a moment for another question."
    ),
    "error.too_long": "That is longer than I can read. Please keep it short, e.g. /topic colombo.",
    "error.empty_scope": "There is nothing in that topic yet.",
    # --- python -m bot console (plain terminal text, not HTML) ------------------------------------
    "console.banner": (
        "studybot console: your private chat with the bot, no Telegram needed (database {db}).\n"
        "Type a command such as /quiz or /help; a number answers the latest poll, a letter presses a button; "
        ":help lists the console's own verbs."
    ),
    "console.help": (
        "/command or text   what you send to the bot\n"
        "1, 2, …            answer the latest open poll with that option\n"
        "a, b, …            press that button of the latest message with buttons\n"
        ":group             go to a study group with two more members, {members}\n"
        ":as NAME           in the group, speak as {names}\n"
        ":channel           go to a channel you administer\n"
        ":private           back to your private chat\n"
        ":push              today's daily push for every subscribed chat, now\n"
        ":tomorrow          the clock moves one day: reviews fall due, streaks count, the push comes\n"
        ":quit              leave (end of input does too)"
    ),
    "console.unknown_verb": "There is no console verb {verb}; :help lists them.",
    "console.as_usage": "Say who: :as {names}.",
    "console.as_needs_group": ":as works in the study group; go there with :group.",
    "console.as_now": "You speak as {name} now.",
    "console.no_poll": "There is no open poll here that {name} has not answered yet.",
    "console.bad_option": "That poll has options 1 to {count}.",
    "console.no_buttons": "No message here has buttons.",
    "console.bad_button": "The latest message with buttons has {first} to {last}.",
    "console.url_button": "That button opens {url}",
    "console.in_chat": "── {title} ──",
    "console.private_title": "private chat with the bot",
    "console.group_title": "UPSC study group",
    "console.channel_title": "UPSC daily (channel)",
    "console.tomorrow": "⏩ One day later: it is {when} now.",
    "console.push": "⏰ Daily push: {summary}",
    "console.photo": "[photo: {caption}; saved to {path}]",
    "console.document": "[file {name}: {caption}; saved to {path}]",
    "console.deleted": "(the bot deleted a message)",
    "console.edited": "(edited)",
    "console.toast": "(pop-up: {text})",
    "console.refused": "⚠ Telegram would refuse {method}: {description}",
    "console.poll": "📊 {kind}: {question}",
    "console.quiz": "Quiz",
    "console.anonymous_quiz": "Anonymous quiz",
    "console.regular_poll": "Poll",
    "console.answer_hint": "(answer with a number)",
    "console.correct_mark": "✓ correct",
    "console.chosen_mark": "← your answer",
    "console.explanation": "💡 {text}",
    "console.busy": "(the bot is still busy after {seconds} s; what it sends will show after your next line)",
    "console.bye": "Bye. Your console chats are kept in {db}.",
    # --- study flow, part B (issue #12) ---
    "start.intro": (
        "I help you prepare for UPSC Prelims and Mains GS-II on <b>IOM</b> and the <b>Colombo Process</b>: "
        "short sourced facts and quiz polls, with your progress saved.\nWhere shall we start? (/help lists "
        "every command.)"
    ),
    "button.quiz_me": "❓ Quiz me",
    "button.todays_fact": "💡 Today's fact",
    "button.topics": "📚 Topics",
    "button.daily_quiz": "🔔 Daily quiz",
    "help.group.study": "Study",
    "help.group.practice": "Practice and progress",
    "help.group.daily": "Daily push",
    "help.group.data": "Your data",
    "help.group.basics": "This bot",
    "help.admins": "<b>For admins</b>: {commands} — or /settings for buttons.",
    "topic.page_summary": "<b>Summary</b>\n{summary}",
    "button.read_summary": "📖 Read the summary",
    "button.related": "🔗 {title}",
    "stats.where_all": "in all chats (what /review draws on)",
    "button.stats_all": "🌐 All chats",
    "button.stats_here": "◀ This chat only",
    "button.stats_all_private": "🌐 All chats (in private)",
    "sub.done_channel": (
        "✅ Subscribed! This channel gets a fact and a quiz every day at <b>{time}</b> ({tz}){topic}.\n"
        "Change it with /settime HH:MM or /timezone, pause with /pause, stop with /unsubscribe."
    ),
    "sub.done_now_channel": (
        "✅ Subscribed! Today's fact and quiz follow; the next come tomorrow at <b>{time}</b> ({tz}){topic}.\n"
        "Change it with /settime HH:MM or /timezone, pause with /pause, stop with /unsubscribe."
    ),
    "push.header_shared": "☀️ <b>Today's study — {date}</b>",
    "summary.channel_yesterday": "📊 Yesterday's quiz: {votes}, {percent}% correct.",
    "summary.vote": "1 vote",
    "summary.votes": "{count} votes",
    "summary.question": "❓ <i>{question}</i>",
    "session.intro": (
        "🏁 <b>Quiz session</b> — {topic}: <b>{size}</b> questions, {seconds} s each, one after another.\n"
        "Marking as in UPSC Prelims: +2 correct, −0.66 wrong, 0 unanswered. The ranking follows the last one!"
    ),
    "session.busy": (
        "A quiz session is already running here (question {n} of {size}). An admin can end it with /quiz stop."
    ),
    "session.size": "A quiz session has {min} to {max} questions, for example <code>/quiz 10</code>.",
    "session.none_running": "No quiz session is running. An admin can start one with <code>/quiz 10</code>.",
    "session.admins_only": "Only this group's admins can stop a quiz session.",
    "session.over_header": "🏆 <b>Quiz session over</b> — {asked} questions",
    "session.stopped_header": "🏁 <b>Quiz session stopped</b> after {asked} of {size} questions",
    "session.line": "{place} {name} — <b>{marks}</b> ({correct} ✅, {wrong} ❌)",
    "session.nobody": "Nobody answered this time — an admin can start another with /quiz 10.",
    "session.marking": "<i>+2 correct, −0.66 wrong, 0 unanswered.</i>",
    "session.podium": "{place} {name} ({marks})",
    "session.podium_empty": "nobody answered",
    "leaderboard.last_session": "🏁 Last quiz session: {podium}",
    "topic.nothing_close": "Nothing here is like “{query}”. These are all the topics — pick one:",
}

#: One table per language, each falling back to English per key. The translations are read once, here, from the
#: gettext catalogs that translators edit (bot/render/locales/<lang>.po; see bot/render/catalog.py).
_TABLES: dict[str, dict[str, str]] = {"en": EN} | {lang: load_table(lang, EN) for lang in TRANSLATED}


def tn(key: str, n: int, lang: str = "en") -> str:
    """``n`` of a counted thing: ``tn("count.day", 1)`` is "1 day", ``tn("count.day", 3)`` "3 days".

    The ``.one``/``.other`` key is chosen by the language's own plural rule: Hindi's "one" covers 0 as well."""
    return t(f"{key}.{plural_key(n, lang)}", lang, n=n)


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to English), with placeholders filled."""
    table = _TABLES.get(lang, EN)
    template = table.get(key) or EN[key]
    return template.format(**values) if values else template
