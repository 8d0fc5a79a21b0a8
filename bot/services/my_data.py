"""A user's own data: /export as CSV, and /forget."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.content.loader import Bank
from bot.languages import ENGLISH
from bot.storage.repository import ForgetReport, Repository

#: The header row and the yes/no of the last column stay the same in every language, so a
#: spreadsheet or script reading an export works whatever language the chat reads.
EXPORT_COLUMNS = ("date", "topic", "question", "your_answer", "correct_answer", "correct")


@dataclass(frozen=True)
class Export:
    filename: str
    #: UTF-8 with a byte-order mark, so that spreadsheet programs read the dashes and quotes right.
    content: bytes
    rows: int


class MyDataService:
    def __init__(self, bank: Bank, repo: Repository) -> None:
        self.bank = bank
        self.repo = repo

    async def export_csv(self, user_id: int, tz: ZoneInfo, lang: str = ENGLISH) -> Export:
        """Every answer the user gave, oldest first, with local times in ``tz``; topics, questions
        and answers as ``lang`` reads them."""
        bank = self.bank.in_language(lang)
        answers = await self.repo.user_answers(user_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for a in answers:
            question = bank.question(a.question_id)
            topic = bank.topic(a.topic_id)
            if question is not None:
                text = question.asked()
                yours = _option(question.options, a.chosen_option)
                right = _option(question.options, a.correct_option)
            else:  # the question has left the bank since: keep the row, say what we know
                text, yours, right = a.question_id, str(a.chosen_option + 1), str(a.correct_option + 1)
            writer.writerow(
                [
                    a.answered_at.astimezone(tz).isoformat(timespec="seconds"),
                    topic.title if topic else a.topic_id,
                    text,
                    yours,
                    right,
                    "yes" if a.is_correct else "no",
                ]
            )
        return Export(f"studybot-answers-{user_id}.csv", out.getvalue().encode("utf-8-sig"), len(answers))

    async def forget(self, user_id: int) -> ForgetReport:
        """Delete everything stored about the user (see ``forget_user``)."""
        return await self.repo.forget_user(user_id)


def _option(options: list[str], index: int) -> str:
    return options[index] if 0 <= index < len(options) else str(index + 1)
