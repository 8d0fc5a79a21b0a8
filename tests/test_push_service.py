"""The daily push service with a controllable clock: due times, time zones, the ledger, failures."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.services.push import ChatGone, ChatMoved, DuePush, PushService, TryLater, due_push
from bot.storage.repository import ChatRecord
from bot.storage.sqlite import SqliteRepository

IST = ZoneInfo("Asia/Kolkata")
EIGHT = dt.time(8, 0)


async def subscribe(repo: SqliteRepository, chat_id: int, **settings: object) -> None:
    await repo.upsert_chat(chat_id, "private", str(chat_id), None)
    await repo.update_chat(chat_id, subscribed=True, **settings)


class Recorder:
    """A Deliver that records who was served, failing as told."""

    def __init__(self, failures: dict[int, Exception] | None = None) -> None:
        self.served: list[int] = []
        self.failures = failures or {}

    async def __call__(self, push: DuePush) -> None:
        if push.chat.chat_id in self.failures:
            raise self.failures[push.chat.chat_id]
        self.served.append(push.chat.chat_id)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


async def test_pushes_in_three_time_zones_arrive_at_their_local_times(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)  # default: 08:00 Asia/Kolkata = 02:30 UTC
    await subscribe(repo, 2, timezone="Europe/London")  # 08:00 GMT in March = 08:00 UTC
    await subscribe(repo, 3, timezone="America/New_York", push_time="07:00")  # 07:00 EST = 12:00 UTC
    # New York's 1 March (still running at 02:29 UTC) was served already.
    await repo.claim_delivery(3, dt.date(2026, 3, 1), utc(2026, 3, 1, 12, 0), dt.timedelta(minutes=2))
    await repo.finish_delivery(3, dt.date(2026, 3, 1), "sent", utc(2026, 3, 1, 12, 0))
    service = PushService(repo, IST, EIGHT)
    served: dict[str, list[int]] = {}
    for label, when in [
        ("02:29", utc(2026, 3, 2, 2, 29)),
        ("02:30", utc(2026, 3, 2, 2, 30)),
        ("08:00", utc(2026, 3, 2, 8, 0)),
        ("11:59", utc(2026, 3, 2, 11, 59)),
        ("12:00", utc(2026, 3, 2, 12, 0)),
    ]:
        recorder = Recorder()
        await service.run(when, recorder)
        served[label] = recorder.served
    assert served == {"02:29": [], "02:30": [1], "08:00": [2], "11:59": [], "12:00": [3]}


async def test_dst_zone_moves_the_utc_time_of_the_push(repo: SqliteRepository) -> None:
    await subscribe(repo, 1, timezone="Europe/London")
    service = PushService(repo, IST, EIGHT)
    # 29 March 2026: the clocks go forward, 08:00 BST is 07:00 UTC.
    before, after = Recorder(), Recorder()
    await service.run(utc(2026, 3, 29, 6, 59), before)
    await service.run(utc(2026, 3, 29, 7, 0), after)
    assert (before.served, after.served) == ([], [1])


async def test_each_chat_is_served_once_a_day(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)
    service = PushService(repo, IST, EIGHT)
    first, second, next_day = Recorder(), Recorder(), Recorder()
    report = await service.run(utc(2026, 3, 2, 3, 0), first)
    again = await service.run(utc(2026, 3, 2, 9, 0), second)
    await service.run(utc(2026, 3, 3, 3, 0), next_day)
    assert (first.served, second.served, next_day.served) == ([1], [], [1])
    assert report.summary() == "sent 1, already served 0, skipped 0, failed 0, deactivated 0"
    assert again.summary() == "sent 0, already served 1, skipped 0, failed 0, deactivated 0"


async def test_a_missed_push_is_caught_up_late_until_local_midnight(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)
    chat = await repo.get_chat(1)
    assert chat is not None
    push = due_push(chat, utc(2026, 3, 2, 10, 0), IST, EIGHT)  # 15:30 IST
    assert push is not None and push.late and push.local_date == dt.date(2026, 3, 2)
    # Just after local midnight the missed day is gone; the new day is not due until 08:00.
    assert due_push(chat, utc(2026, 3, 2, 18, 31), IST, EIGHT) is None


async def test_a_paused_chat_is_skipped_until_its_pause_ends(repo: SqliteRepository) -> None:
    await subscribe(repo, 1, paused_until=dt.date(2026, 3, 3))
    service = PushService(repo, IST, EIGHT)
    days = []
    for day in (2, 3, 4):
        recorder = Recorder()
        await service.run(utc(2026, 3, day, 3, 0), recorder)
        days.append(recorder.served)
    assert days == [[], [], [1]]


async def test_a_blocked_chat_is_marked_inactive_and_not_retried(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)
    await subscribe(repo, 2)
    service = PushService(repo, IST, EIGHT)
    report = await service.run(utc(2026, 3, 2, 3, 0), Recorder({1: ChatGone("blocked")}))
    assert (report.sent, report.deactivated) == (1, 1)
    chat = await repo.get_chat(1)
    assert chat is not None and not chat.active
    retry = Recorder()
    await service.run(utc(2026, 3, 3, 3, 0), retry)
    assert retry.served == [2]


async def test_a_temporary_failure_is_retried_on_the_next_tick(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)
    await subscribe(repo, 2)
    service = PushService(repo, IST, EIGHT)
    first = Recorder({1: TryLater("500")})
    report = await service.run(utc(2026, 3, 2, 3, 0), first)
    assert (first.served, report.failed) == ([2], 1)
    second = Recorder()
    await service.run(utc(2026, 3, 2, 3, 1), second)
    assert second.served == [1]


async def test_chat_not_subscribed_or_inactive_is_never_due() -> None:
    chat = ChatRecord(1, "private", subscribed=False)
    assert due_push(chat, utc(2026, 3, 2, 10, 0), IST, EIGHT) is None
    inactive = ChatRecord(1, "private", subscribed=True, active=False)
    assert due_push(inactive, utc(2026, 3, 2, 10, 0), IST, EIGHT) is None


GROUP, SUPERGROUP = -4001, -1003500000001
TODAY = dt.date(2026, 3, 2)


async def subscribe_group(repo: SqliteRepository) -> None:
    await repo.upsert_chat(GROUP, "group", "Study circle", None)
    await repo.update_chat(GROUP, subscribed=True, push_time="07:30")


async def test_a_group_that_became_a_supergroup_is_moved_and_served_there_once(repo: SqliteRepository) -> None:
    await subscribe_group(repo)
    service = PushService(repo, IST, EIGHT)
    first = Recorder({GROUP: ChatMoved(SUPERGROUP)})
    report = await service.run(utc(2026, 3, 2, 3, 0), first)
    assert first.served == [SUPERGROUP]
    assert report.summary() == "sent 1, already served 0, skipped 0, failed 0, deactivated 0"
    chat = await repo.get_chat(SUPERGROUP)
    assert chat is not None and chat.subscribed and chat.push_time == "07:30"
    delivery = await repo.get_delivery(SUPERGROUP, TODAY)
    assert delivery is not None and delivery.state == "sent"
    assert await repo.get_delivery(GROUP, TODAY) is None
    again = Recorder({GROUP: ChatMoved(SUPERGROUP)})
    report = await service.run(utc(2026, 3, 2, 3, 1), again)
    assert (again.served, report.already) == ([], 1)


async def test_a_group_moved_meanwhile_by_its_service_message_is_served_once(repo: SqliteRepository) -> None:
    await subscribe_group(repo)
    served: list[int] = []

    async def deliver(push: DuePush) -> None:
        if push.chat.chat_id == GROUP:
            # The bot handles the service message after this run claimed the old id.
            assert await repo.migrate_chat(GROUP, SUPERGROUP)
            raise ChatMoved(SUPERGROUP)
        served.append(push.chat.chat_id)

    report = await PushService(repo, IST, EIGHT).run(utc(2026, 3, 2, 3, 0), deliver)
    assert (served, report.sent, report.failed) == ([SUPERGROUP], 1, 0)
    delivery = await repo.get_delivery(SUPERGROUP, TODAY)
    assert delivery is not None and delivery.state == "sent"


async def test_a_moved_group_is_not_sent_what_its_supergroup_had_today(repo: SqliteRepository) -> None:
    await subscribe_group(repo)
    await subscribe(repo, SUPERGROUP)
    await repo.claim_delivery(SUPERGROUP, TODAY, utc(2026, 3, 2, 2, 30), dt.timedelta(minutes=2))
    await repo.finish_delivery(SUPERGROUP, TODAY, "sent", utc(2026, 3, 2, 2, 30))
    recorder = Recorder({GROUP: ChatMoved(SUPERGROUP)})
    report = await PushService(repo, IST, EIGHT).run(utc(2026, 3, 2, 3, 0), recorder)
    assert (recorder.served, report.sent, report.already, report.failed) == ([], 0, 2, 0)


async def test_a_skipped_day_is_never_reported_as_served_and_push_now_sends_it(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)
    today = dt.date(2026, 3, 2)
    await repo.skip_delivery(1, today, utc(2026, 3, 2, 2, 0))  # a change of time after it had passed
    service = PushService(repo, IST, EIGHT)
    tick = await service.run(utc(2026, 3, 2, 3, 0), Recorder())
    assert (tick.sent, tick.already, tick.skipped) == (0, 0, 1)
    operator = Recorder()
    pushed = await service.run(utc(2026, 3, 2, 3, 0), operator, take_skipped=True)
    assert operator.served == [1] and (pushed.sent, pushed.already) == (1, 0)
    again = await service.run(utc(2026, 3, 2, 3, 1), Recorder(), take_skipped=True)
    assert (again.sent, again.already) == (0, 1)


async def test_serve_now_pushes_one_chat_through_the_ledger(repo: SqliteRepository) -> None:
    await subscribe(repo, 1)
    service = PushService(repo, IST, EIGHT)
    chat = await repo.get_chat(1)
    assert chat is not None
    recorder = Recorder()
    report = await service.serve_now(chat, utc(2026, 3, 2, 10, 0), recorder)
    assert report.sent == 1 and recorder.served == [1]
    tick = Recorder()
    await service.run(utc(2026, 3, 2, 10, 1), tick)
    assert tick.served == []
