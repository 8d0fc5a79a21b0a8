"""Progress in the exam's terms: UPSC marking, weakest topics, streaks by local day, the activity chart."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.render import charts
from bot.render import messages as render
from bot.services.scoring import activity, format_marks, score_per_hundred, sparkline, upsc_score, weakest
from bot.services.stats import StatsService, TopicStats, UserStats
from bot.services.study import StudyService
from bot.storage.sqlite import SqliteRepository
from tests.learning_helpers import NOW, answer, bank, questions

KOLKATA = ZoneInfo("Asia/Kolkata")
USER = 7


# --- score arithmetic ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("correct", "wrong", "score"),
    [(0, 0, "0.00"), (1, 0, "2.00"), (0, 1, "-0.66"), (7, 2, "12.68"), (8, 1, "15.34"), (0, 3, "-1.98")],
)
def test_upsc_score_is_plus_two_per_right_and_minus_0_66_per_wrong(correct: int, wrong: int, score: str) -> None:
    assert upsc_score(correct, wrong) == Decimal(score)


def test_score_per_hundred_questions_scales_to_a_full_paper() -> None:
    assert score_per_hundred(1, 0) == Decimal("200.00")
    assert score_per_hundred(50, 50) == Decimal("67.00")  # (100 − 33) per 100 answered
    assert score_per_hundred(2, 1) == Decimal("111.33")  # (4 − 0.66) / 3 × 100
    assert score_per_hundred(0, 0) == Decimal("0.00")


def test_marks_show_decimals_only_when_there_are_any() -> None:
    assert [format_marks(Decimal(x)) for x in ("20.00", "15.34", "-0.66")] == ["20", "15.34", "-0.66"]


# --- weakest topics and activity -----------------------------------------------------------------
def test_the_weakest_three_topics_are_the_least_accurate_and_perfect_ones_are_not_weak() -> None:
    topics = [
        TopicStats("a", "A", 10, 9),
        TopicStats("b", "B", 4, 1),
        TopicStats("c", "C", 5, 5),
        TopicStats("d", "D", 8, 2),
        TopicStats("e", "E", 3, 2),
    ]
    assert [x.topic_id for x in weakest(topics)] == ["d", "b", "e"]  # 25% (8 answers) before 25% (4)


def test_activity_counts_answers_per_local_day_for_fourteen_days() -> None:
    times = [NOW, NOW, NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=30)]
    days = activity(times, KOLKATA, NOW.astimezone(KOLKATA).date())
    assert len(days) == 14 and days[-1] == (NOW.astimezone(KOLKATA).date(), 2)
    assert [count for _, count in days] == [0] * 10 + [1, 0, 0, 2]


def test_sparkline_scales_to_the_busiest_day_and_marks_idle_days() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "·▁▂▄█"
    assert sparkline([0, 0]) == "··"


# --- streaks -------------------------------------------------------------------------------------
async def test_streak_counts_days_in_the_chats_timezone_across_midnight(repo: SqliteRepository) -> None:
    study = StudyService(bank(), repo)
    first, second = questions(count=2)
    # 23:50 and 00:10 in India: two days there, one day in UTC (18:20 and 18:40).
    before_midnight = dt.datetime(2026, 3, 2, 18, 20, tzinfo=dt.UTC)
    await answer(study, first, USER, correct=True, now=before_midnight)
    await answer(study, second, USER, correct=True, now=before_midnight + dt.timedelta(minutes=20))
    stats = StatsService(bank(), repo)
    later = before_midnight + dt.timedelta(hours=1)
    in_india = await stats.user_stats(USER, USER, KOLKATA, later)
    in_utc = await stats.user_stats(USER, USER, ZoneInfo("UTC"), later)
    assert (in_india.streak, in_india.best_streak) == (2, 2)
    assert (in_utc.streak, in_utc.best_streak) == (1, 1)


async def test_user_stats_carry_score_weakest_topics_and_activity(repo: SqliteRepository) -> None:
    study = StudyService(bank(), repo)
    right, wrong = questions("iom-basics", count=2)
    other = questions("colombo-process", count=1)[0]
    await answer(study, right, USER, correct=True, now=NOW)
    await answer(study, wrong, USER, correct=False, now=NOW)
    await answer(study, other, USER, correct=True, now=NOW)
    result = await StatsService(bank(), repo).user_stats(USER, USER, KOLKATA, NOW)
    assert result.score == Decimal("3.34") and result.score_per_100 == Decimal("111.33")
    assert [x.topic_id for x in result.weakest] == ["iom-basics"]
    assert result.activity[-1][1] == 3


# --- rendering -----------------------------------------------------------------------------------
def sample_stats() -> UserStats:
    today = NOW.date()
    days = tuple((today - dt.timedelta(days=13 - i), i % 3) for i in range(14))
    return UserStats(
        answered=10,
        correct=7,
        streak=2,
        best_streak=5,
        topics=[TopicStats("iom-basics", "IOM <basics>", 10, 7)],
        activity=days,
    )


def test_stats_text_shows_the_upsc_score_per_hundred_and_the_weakest_topics() -> None:
    text = render.stats(sample_stats(), "(this chat)", "en")
    assert "UPSC score: <b>12.02</b>" in text and "<b>120.20</b> per 100 questions" in text
    assert "Weakest topics" in text and "IOM &lt;basics&gt;: 70% of 10" in text


def test_stats_text_has_a_sparkline_only_when_no_chart_is_sent() -> None:
    assert "Last 14 days: <code>·▄█·▄█·▄█·▄█·▄</code>" in render.stats(sample_stats(), "", "en")
    assert "Last 14 days" not in render.stats(sample_stats(), "", "en", sparkline=False)


async def test_without_matplotlib_there_is_no_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes any import of it fail
    assert await charts.activity_png(sample_stats().activity, "en") is None


async def test_the_activity_chart_is_a_png_when_matplotlib_is_installed() -> None:
    pytest.importorskip("matplotlib")
    png = await charts.activity_png(sample_stats().activity, "en")
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
