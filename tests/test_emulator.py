"""Specification of the Bot API emulator (bot/emulator/): what it answers, and the errors Telegram gives.

Most tests talk to the fake over HTTP with httpx, encoding parameters the way PTB does (form data,
non-strings JSON-encoded); a few drive a real ``telegram.Bot`` / ``Application`` against it.
"""

import asyncio
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Poll, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.emulator import FakeBotAPI

USER = 42
GROUP = -1001234567890
CHANNEL = -1009876543210
PNG_1X1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def url(fake: FakeBotAPI, method: str, token: str | None = None) -> str:
    return f"{fake.base_url}{token or fake.token}/{method}"


def encode(params: dict[str, Any]) -> dict[str, str]:
    """Like PTB: strings as they are, everything else JSON-encoded."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in params.items()}


def call(fake: FakeBotAPI, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = httpx.post(url(fake, method), data=encode(params), timeout=10)
    return response.status_code, response.json()


def result(fake: FakeBotAPI, method: str, **params: Any) -> Any:
    status, body = call(fake, method, **params)
    assert (status, body["ok"]) == (200, True), body
    return body["result"]


def error(fake: FakeBotAPI, method: str, **params: Any) -> tuple[int, str]:
    status, body = call(fake, method, **params)
    assert body["ok"] is False
    assert body["error_code"] == status
    return status, body["description"]


@pytest.fixture
def fake(fake_api: FakeBotAPI) -> FakeBotAPI:
    fake_api.add_private_chat(USER, "Asha", username="asha")
    fake_api.add_group(GROUP, "UPSC aspirants", admins=[7], members={8: "Ravi"})
    fake_api.add_channel(CHANNEL, "IOM daily", "iomdaily")
    return fake_api


def poll_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "chat_id": USER,
        "question": "Where is IOM headquartered?",
        "options": ["Geneva", "New York", "Vienna"],
    }
    params.update(overrides)
    return params


# ----------------------------------------------------------------------------- envelope


def test_get_me_returns_the_bot_user(fake: FakeBotAPI) -> None:
    me = result(fake, "getMe")
    assert me["id"] == 123456
    assert me["is_bot"] is True
    assert me["username"] == "studybot_test_bot"


def test_request_with_wrong_token_is_unauthorized(fake: FakeBotAPI) -> None:
    response = httpx.post(url(fake, "getMe", token="123456:WRONG"), timeout=10)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_is_not_found(fake: FakeBotAPI) -> None:
    assert error(fake, "sendTelepathy", chat_id=USER) == (404, "Not Found")


def test_method_names_are_case_insensitive(fake: FakeBotAPI) -> None:
    assert result(fake, "getme")["id"] == 123456


def test_requests_record_params_decoded_back_to_python_values(fake: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Next", "callback_data": "next:1"}]]}
    result(fake, "sendMessage", chat_id=USER, text="123", reply_markup=markup)
    (params,) = fake.calls("sendMessage", chat_id=USER)
    assert params == {"chat_id": USER, "text": "123", "reply_markup": markup}


# ------------------------------------------------------------------------------ sendMessage


def test_send_message_returns_a_real_message_from_the_bot(fake: FakeBotAPI) -> None:
    first = result(fake, "sendMessage", chat_id=USER, text="Hello")
    second = result(fake, "sendMessage", chat_id=USER, text="Again")
    assert first["from"] == {"id": 123456, "is_bot": True, "first_name": "StudyBot", "username": "studybot_test_bot"}
    assert first["chat"] == {"id": USER, "first_name": "Asha", "username": "asha", "type": "private"}
    assert first["text"] == "Hello"
    assert isinstance(first["date"], int)
    assert second["message_id"] == first["message_id"] + 1
    assert [m["text"] for m in fake.sent_messages(USER)] == ["Hello", "Again"]


def test_send_message_to_unknown_chat_is_chat_not_found(fake: FakeBotAPI) -> None:
    assert error(fake, "sendMessage", chat_id=999, text="hi") == (400, "Bad Request: chat not found")


def test_send_message_to_user_who_blocked_the_bot_is_forbidden(fake: FakeBotAPI) -> None:
    fake.block(USER)
    assert error(fake, "sendMessage", chat_id=USER, text="hi") == (403, "Forbidden: bot was blocked by the user")


def test_send_message_to_supergroup_the_bot_was_kicked_from_is_forbidden(fake: FakeBotAPI) -> None:
    fake.block(GROUP)
    assert error(fake, "sendMessage", chat_id=GROUP, text="hi") == (
        403,
        "Forbidden: bot was kicked from the supergroup chat",
    )


def test_unblock_lets_messages_through_again(fake: FakeBotAPI) -> None:
    fake.block(USER)
    fake.unblock(USER)
    assert result(fake, "sendMessage", chat_id=USER, text="back")["text"] == "back"


def test_send_message_to_channel_by_username(fake: FakeBotAPI) -> None:
    sent = result(fake, "sendMessage", chat_id="@iomdaily", text="Fact of the day")
    assert sent["chat"]["type"] == "channel"
    assert sent["sender_chat"]["id"] == CHANNEL


def test_send_message_rejects_empty_text(fake: FakeBotAPI) -> None:
    assert error(fake, "sendMessage", chat_id=USER, text="") == (400, "Bad Request: message text is empty")


def test_send_message_rejects_text_over_4096_characters(fake: FakeBotAPI) -> None:
    assert result(fake, "sendMessage", chat_id=USER, text="अ" * 4096)
    assert error(fake, "sendMessage", chat_id=USER, text="a" * 4097) == (400, "Bad Request: message is too long")


def test_send_message_rejects_unclosed_html_tag(fake: FakeBotAPI) -> None:
    assert error(fake, "sendMessage", chat_id=USER, text="<b>bold", parse_mode="HTML") == (
        400,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    )


def test_send_message_rejects_unsupported_html_tag(fake: FakeBotAPI) -> None:
    assert error(fake, "sendMessage", chat_id=USER, text="<p>para</p>", parse_mode="HTML") == (
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0',
    )


def test_send_message_rejects_bare_less_than_sign_in_html(fake: FakeBotAPI) -> None:
    assert error(fake, "sendMessage", chat_id=USER, text="1 < 2", parse_mode="HTML") == (
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    )


def test_send_message_rejects_misnested_html_tags(fake: FakeBotAPI) -> None:
    assert error(fake, "sendMessage", chat_id=USER, text="<b><i>x</b></i>", parse_mode="HTML") == (
        400,
        'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    )


def test_send_message_html_becomes_plain_text_with_entities(fake: FakeBotAPI) -> None:
    sent = result(
        fake,
        "sendMessage",
        chat_id=USER,
        text='<b>IOM</b> &amp; <a href="https://iom.int">UN</a> <span class="tg-spoiler">1951</span>',
        parse_mode="HTML",
    )
    assert sent["text"] == "IOM & UN 1951"
    assert sent["entities"] == [
        {"offset": 0, "length": 3, "type": "bold"},
        {"offset": 6, "length": 2, "type": "text_link", "url": "https://iom.int"},
        {"offset": 9, "length": 4, "type": "spoiler"},
    ]


def test_send_message_rejects_callback_data_over_64_bytes(fake: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "x" * 65}]]}
    assert error(fake, "sendMessage", chat_id=USER, text="hi", reply_markup=markup) == (
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    )


def test_send_message_echoes_the_inline_keyboard(fake: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "x" * 64}]]}
    assert result(fake, "sendMessage", chat_id=USER, text="hi", reply_markup=markup)["reply_markup"] == markup


# ------------------------------------------------------------------------------ sendPoll


def test_send_poll_returns_message_with_the_full_poll(fake: FakeBotAPI) -> None:
    first = result(fake, "sendPoll", **poll_params(type="quiz", correct_option_ids=[0], explanation="Since 1951"))
    second = result(fake, "sendPoll", **poll_params())
    poll = first["poll"]
    assert poll["question"] == "Where is IOM headquartered?"
    assert [o["text"] for o in poll["options"]] == ["Geneva", "New York", "Vienna"]
    assert poll["type"] == "quiz"
    assert poll["correct_option_ids"] == [0]
    assert poll["is_anonymous"] is True
    assert poll["id"] != second["poll"]["id"]
    assert fake.polls[poll["id"]]["message_id"] == first["message_id"]


def test_send_poll_accepts_the_legacy_correct_option_id(fake: FakeBotAPI) -> None:
    poll = result(fake, "sendPoll", **poll_params(type="quiz", correct_option_id=2))["poll"]
    assert poll["correct_option_ids"] == [2]


def test_send_poll_rejects_question_over_300_characters(fake: FakeBotAPI) -> None:
    assert error(fake, "sendPoll", **poll_params(question="q" * 301)) == (
        400,
        "Bad Request: poll question length must not exceed 300",
    )


def test_send_poll_rejects_more_than_12_options(fake: FakeBotAPI) -> None:
    options = [f"option {i}" for i in range(13)]
    assert error(fake, "sendPoll", **poll_params(options=options)) == (
        400,
        "Bad Request: poll can't have more than 12 options",
    )


def test_send_poll_rejects_an_option_over_100_characters(fake: FakeBotAPI) -> None:
    assert error(fake, "sendPoll", **poll_params(options=["ok", "o" * 101])) == (
        400,
        "Bad Request: poll options length must not exceed 100",
    )


def test_send_poll_rejects_a_quiz_without_correct_option(fake: FakeBotAPI) -> None:
    assert error(fake, "sendPoll", **poll_params(type="quiz")) == (
        400,
        "Bad Request: correct quiz option list must be non-empty",
    )


def test_send_poll_rejects_correct_option_id_out_of_range(fake: FakeBotAPI) -> None:
    assert error(fake, "sendPoll", **poll_params(type="quiz", correct_option_ids=[3])) == (
        400,
        "Bad Request: wrong quiz correct_option_id",
    )


def test_send_poll_rejects_explanation_over_200_characters(fake: FakeBotAPI) -> None:
    params = poll_params(type="quiz", correct_option_ids=[0], explanation="e" * 201)
    assert error(fake, "sendPoll", **params) == (400, "Bad Request: quiz explanation must have at most 200 characters")


def test_send_poll_rejects_explanation_with_more_than_two_line_feeds(fake: FakeBotAPI) -> None:
    params = poll_params(type="quiz", correct_option_ids=[0], explanation="a\nb\nc\nd")
    assert error(fake, "sendPoll", **params) == (400, "Bad Request: quiz explanation must have at most 2 line feeds")


def test_send_poll_rejects_non_anonymous_poll_in_a_channel(fake: FakeBotAPI) -> None:
    assert error(fake, "sendPoll", **poll_params(chat_id=CHANNEL, is_anonymous=False)) == (
        400,
        "Bad Request: non-anonymous polls can't be sent to channel chats",
    )


def test_answer_poll_counts_votes_and_enqueues_poll_answer(fake: FakeBotAPI) -> None:
    sent = result(fake, "sendPoll", **poll_params(is_anonymous=False))
    update = fake.answer_poll(sent["poll"]["id"], USER, [1])
    assert update["poll_answer"]["option_ids"] == [1]
    assert update["poll_answer"]["user"]["first_name"] == "Asha"
    poll = fake.polls[sent["poll"]["id"]]["poll"]
    assert [o["voter_count"] for o in poll["options"]] == [0, 1, 0]
    assert poll["total_voter_count"] == 1


def test_vote_anonymous_enqueues_the_whole_poll(fake: FakeBotAPI) -> None:
    sent = result(fake, "sendPoll", **poll_params())
    update = fake.vote_anonymous(sent["poll"]["id"], 2)
    assert update["poll"]["id"] == sent["poll"]["id"]
    assert [o["voter_count"] for o in update["poll"]["options"]] == [0, 0, 1]


# ------------------------------------------------------------------ callbacks and editing


def test_answer_callback_query_rejects_an_unknown_query_id(fake: FakeBotAPI) -> None:
    assert error(fake, "answerCallbackQuery", callback_query_id="1234") == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


def test_answer_callback_query_accepts_a_pressed_button_only_once(fake: FakeBotAPI) -> None:
    sent = result(fake, "sendMessage", chat_id=USER, text="Pick")
    query = fake.press_button(USER, USER, sent["message_id"], "pick:1")["callback_query"]
    assert query["message"]["message_id"] == sent["message_id"]
    assert result(fake, "answerCallbackQuery", callback_query_id=query["id"], text="Noted") is True
    assert error(fake, "answerCallbackQuery", callback_query_id=query["id"])[0] == 400


def test_edit_message_text_without_changes_is_not_modified(fake: FakeBotAPI) -> None:
    sent = result(fake, "sendMessage", chat_id=USER, text="Same")
    status, description = error(fake, "editMessageText", chat_id=USER, message_id=sent["message_id"], text="Same")
    assert status == 400
    assert description.startswith("Bad Request: message is not modified")


def test_edit_message_text_replaces_text_and_sets_edit_date(fake: FakeBotAPI) -> None:
    sent = result(fake, "sendMessage", chat_id=USER, text="Before")
    edited = result(fake, "editMessageText", chat_id=USER, message_id=sent["message_id"], text="After")
    assert (edited["message_id"], edited["text"]) == (sent["message_id"], "After")
    assert "edit_date" in edited
    assert fake.sent_messages(USER)[0]["text"] == "After"


def test_delete_message_that_does_not_exist_is_refused(fake: FakeBotAPI) -> None:
    assert error(fake, "deleteMessage", chat_id=USER, message_id=77) == (
        400,
        "Bad Request: message to delete not found",
    )


def test_delete_message_of_a_user_without_admin_rights_is_refused(fake: FakeBotAPI) -> None:
    update = fake.send_text(GROUP, "spam", user_id=8)
    assert error(fake, "deleteMessage", chat_id=GROUP, message_id=update["message"]["message_id"]) == (
        400,
        "Bad Request: message can't be deleted",
    )


# ------------------------------------------------------------------------------ commands


def test_set_my_commands_rejects_an_invalid_command_name(fake: FakeBotAPI) -> None:
    commands = [{"command": "Quiz-Now", "description": "Start a quiz"}]
    assert error(fake, "setMyCommands", commands=commands) == (400, "Bad Request: BOT_COMMAND_INVALID")


def test_set_my_commands_stores_commands_per_scope_and_language(fake: FakeBotAPI) -> None:
    commands = [{"command": "quiz", "description": "Start a quiz"}]
    scope = {"type": "chat", "chat_id": GROUP}
    assert result(fake, "setMyCommands", commands=commands, scope=scope, language_code="hi") is True
    assert fake.commands == {f"chat:{GROUP}|hi": commands}


# ------------------------------------------------------------------------- files and chats


def test_send_document_stores_the_uploaded_file(fake: FakeBotAPI) -> None:
    response = httpx.post(
        url(fake, "sendDocument"),
        data={"chat_id": str(USER), "caption": "Notes"},
        files={"document": ("iom.txt", b"IOM was founded in 1951", "text/plain")},
        timeout=10,
    )
    document = response.json()["result"]["document"]
    assert document["file_name"] == "iom.txt"
    assert document["file_size"] == 23
    assert fake.files[document["file_id"]].content == b"IOM was founded in 1951"


def test_send_photo_rejects_bytes_that_are_not_an_image(fake: FakeBotAPI) -> None:
    response = httpx.post(
        url(fake, "sendPhoto"),
        data={"chat_id": str(USER)},
        files={"photo": ("chart.png", b"not a png", "image/png")},
        timeout=10,
    )
    assert response.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


def test_send_photo_returns_photo_sizes(fake: FakeBotAPI) -> None:
    response = httpx.post(
        url(fake, "sendPhoto"),
        data={"chat_id": str(USER)},
        files={"photo": ("dot.png", PNG_1X1, "image/png")},
        timeout=10,
    )
    (size,) = response.json()["result"]["photo"]
    assert (size["width"], size["height"]) == (1, 1)


def test_get_chat_administrators_lists_creator_and_admins(fake: FakeBotAPI) -> None:
    fake.add_group(-100777, "Mentors", admins=[7, 9])
    admins = result(fake, "getChatAdministrators", chat_id=-100777)
    assert [(a["user"]["id"], a["status"]) for a in admins] == [(7, "creator"), (9, "administrator")]
    assert admins[1]["can_delete_messages"] is True


def test_get_chat_administrators_of_a_channel_lists_the_bot_with_its_rights(fake: FakeBotAPI) -> None:
    (member,) = result(fake, "getChatAdministrators", chat_id=CHANNEL)
    assert (member["user"]["id"], member["status"]) == (123456, "administrator")
    assert member["can_post_messages"] is True


def test_an_unknown_bot_api_method_is_not_served(fake: FakeBotAPI) -> None:
    """The fake serves only what the bot calls; anything else is answered like an unknown method."""
    for method in ("stopPoll", "getChat", "getChatMember", "sendChatAction", "getFile"):
        assert error(fake, method, chat_id=USER) == (404, "Not Found")


# --------------------------------------------------------------------------- incoming updates


def test_send_text_marks_a_leading_command_with_a_bot_command_entity(fake: FakeBotAPI) -> None:
    message = fake.send_text(USER, "/quiz@studybot_test_bot hard")["message"]
    assert message["entities"] == [{"offset": 0, "length": 23, "type": "bot_command"}]
    assert message["from"]["id"] == USER


def test_send_as_anonymous_admin_comes_from_group_anonymous_bot(fake: FakeBotAPI) -> None:
    message = fake.send_as_anonymous_admin(GROUP, "/settings")["message"]
    assert message["from"]["id"] == 1087968824
    assert message["sender_chat"]["id"] == GROUP


def test_send_text_in_a_channel_is_a_channel_post(fake: FakeBotAPI) -> None:
    update = fake.send_text(CHANNEL, "Good morning")
    assert update["channel_post"]["sender_chat"]["id"] == CHANNEL
    assert "from" not in update["channel_post"]


def test_set_bot_status_kicked_enqueues_my_chat_member_and_blocks(fake: FakeBotAPI) -> None:
    update = fake.set_bot_status(USER, "kicked", by_user_id=USER)
    assert update["my_chat_member"]["old_chat_member"]["status"] == "member"
    assert update["my_chat_member"]["new_chat_member"] == {
        "user": {"id": 123456, "is_bot": True, "first_name": "StudyBot", "username": "studybot_test_bot"},
        "status": "kicked",
        "until_date": 0,
    }
    assert error(fake, "sendMessage", chat_id=USER, text="hi")[0] == 403


@pytest.mark.parametrize("status", ["creator", "administrator", "member", "restricted", "left", "kicked"])
def test_every_member_status_is_json_python_telegram_bot_reads(fake: FakeBotAPI, status: str) -> None:
    # A restricted member once lacked its can_* rights: PTB dropped the whole getUpdates batch.
    update = fake.chat_member_update(GROUP, 8, status, "member")
    member = Update.de_json(update, None).chat_member
    assert member is not None and member.new_chat_member.status == status


BASIC = -4001234567


def upgraded(fake: FakeBotAPI, **options: Any) -> int:
    """A basic group with an admin and a member, upgraded to a supergroup; the supergroup's id."""
    fake.add_group(BASIC, "Study circle", admins=[7], members={8: "Ravi"}, kind="group")
    return fake.migrate_group(BASIC, **options)


def test_migrate_group_makes_a_supergroup_with_the_same_title_members_and_bot(fake: FakeBotAPI) -> None:
    new_id = upgraded(fake)
    assert str(new_id).startswith("-100") and new_id != BASIC
    admins = result(fake, "getChatAdministrators", chat_id=new_id)
    assert [(a["user"]["id"], a["status"]) for a in admins] == [(7, "creator")]
    assert fake.member_status(new_id, 8) == "member"
    assert fake.member_status(new_id, 123456) == "member"
    chat = result(fake, "sendMessage", chat_id=new_id, text="hello")["chat"]
    assert (chat["id"], chat["type"], chat["title"]) == (new_id, "supergroup", "Study circle")


def test_an_upgraded_group_rejects_sends_and_edits_with_the_new_id(fake: FakeBotAPI) -> None:
    fake.add_group(BASIC, "Study circle", admins=[7], kind="group")
    sent = result(fake, "sendMessage", chat_id=BASIC, text="before")
    new_id = fake.migrate_group(BASIC)
    attempts = [
        ("sendMessage", {"text": "after"}),
        ("sendPoll", poll_params(chat_id=BASIC)),
        ("editMessageText", {"message_id": sent["message_id"], "text": "edited"}),
    ]
    for method, params in attempts:
        status, body = call(fake, method, **{"chat_id": BASIC, **params})
        assert (status, body["description"]) == (400, "Bad Request: group chat was upgraded to a supergroup chat")
        assert body["parameters"] == {"migrate_to_chat_id": new_id}
    assert result(fake, "getChatAdministrators", chat_id=BASIC)[0]["user"]["id"] == 7  # reading still works
    with pytest.raises(ValueError, match="upgraded"):
        fake.send_text(BASIC, "hi", user_id=7)


def test_migrate_group_enqueues_telegrams_two_service_messages(fake: FakeBotAPI) -> None:
    new_id = upgraded(fake)
    to_group, to_supergroup = (u["message"] for u in fake.pending_updates[-2:])
    assert (to_group["chat"]["id"], to_group["migrate_to_chat_id"]) == (BASIC, new_id)
    assert (to_supergroup["chat"]["id"], to_supergroup["migrate_from_chat_id"]) == (new_id, BASIC)
    assert to_supergroup["chat"]["type"] == "supergroup" and to_group["from"]["id"] == 7


def test_migrate_group_can_swap_or_skip_the_service_messages(fake: FakeBotAPI) -> None:
    before = len(fake.pending_updates)
    upgraded(fake, from_first=True)
    assert "migrate_from_chat_id" in fake.pending_updates[-2]["message"]
    fake.add_group(BASIC - 1, "Second circle", admins=[7], kind="group")
    queued = len(fake.pending_updates)
    fake.migrate_group(BASIC - 1, service_messages=False)
    assert len(fake.pending_updates) == queued == before + 2
    with pytest.raises(ValueError, match="only basic groups"):
        fake.migrate_group(GROUP)


# ------------------------------------------------------------------------------ getUpdates


async def test_get_updates_long_poll_returns_as_soon_as_an_update_is_pushed(fake: FakeBotAPI) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        pending = asyncio.create_task(client.post(url(fake, "getUpdates"), data={"timeout": "45"}))
        await fake.wait_for_long_poll_async()
        started = time.monotonic()
        fake.send_text(USER, "hello")
        response = await asyncio.wait_for(pending, timeout=5)
    assert time.monotonic() - started < 5
    assert [u["message"]["text"] for u in response.json()["result"]] == ["hello"]


def test_get_updates_offset_confirms_earlier_updates(fake: FakeBotAPI) -> None:
    first = fake.send_text(USER, "one")
    second = fake.send_text(USER, "two")
    assert second["update_id"] > first["update_id"]
    assert [u["update_id"] for u in result(fake, "getUpdates")] == [first["update_id"], second["update_id"]]
    assert [u["update_id"] for u in result(fake, "getUpdates", offset=second["update_id"])] == [second["update_id"]]
    assert fake.pending_updates == [second]


def test_get_updates_allowed_updates_filters_and_is_remembered(fake: FakeBotAPI) -> None:
    fake.send_text(USER, "hello")
    fake.chat_member_update(GROUP, 8, "left", "member")
    (update,) = result(fake, "getUpdates", allowed_updates=["chat_member"])
    assert "chat_member" in update
    assert fake.last_allowed_updates == ["chat_member"]
    fake.send_text(USER, "again")
    assert result(fake, "getUpdates", offset=update["update_id"] + 1) == []  # still only chat_member


def test_a_second_get_updates_terminates_the_first_with_conflict(fake: FakeBotAPI) -> None:
    with httpx.Client(timeout=60) as first, httpx.Client(timeout=60) as second, ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(first.post, url(fake, "getUpdates"), data={"timeout": "45"})
        fake.wait_for_long_poll()
        assert second.post(url(fake, "getUpdates")).json()["result"] == []
        response = waiting.result(timeout=5)
    assert response.status_code == 409
    assert response.json()["description"].startswith("Conflict: terminated by other getUpdates request")


# ------------------------------------------------------------------------- fault injection


def test_fail_next_injects_429_with_retry_after(fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=7)
    status, body = call(fake, "sendMessage", chat_id=USER, text="hi")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    assert result(fake, "sendMessage", chat_id=USER, text="hi")["text"] == "hi"
    assert fake.http_429 == 1


def test_fail_next_only_matches_the_given_chat(fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", chat_id=GROUP, times=2)
    assert result(fake, "sendMessage", chat_id=USER, text="fine")
    assert error(fake, "sendMessage", chat_id=GROUP, text="x") == (500, "Internal Server Error")
    assert error(fake, "sendMessage", chat_id=GROUP, text="x") == (500, "Internal Server Error")
    assert result(fake, "sendMessage", chat_id=GROUP, text="recovered")


def test_flood_limit_answers_429_beyond_the_limit() -> None:
    with FakeBotAPI(flood_limit_per_s=3) as fake:
        fake.add_private_chat(USER, "Asha")
        statuses = [call(fake, "sendMessage", chat_id=USER, text=str(i))[0] for i in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert fake.http_429 == 1


def test_counts_are_kept_when_requests_are_not_recorded() -> None:
    with FakeBotAPI(record_requests=False) as fake:
        fake.add_private_chat(USER, "Asha")
        for i in range(3):
            result(fake, "sendMessage", chat_id=USER, text=str(i))
        assert fake.counts == {"sendMessage": 3}
        assert fake.requests == []


def test_wait_for_any_method_takes_a_predicate_on_the_call(fake: FakeBotAPI) -> None:
    result(fake, "sendMessage", chat_id=USER, text="private")
    result(fake, "sendPoll", **poll_params(chat_id=GROUP))
    (call_to_group,) = fake.wait_for(None, predicate=lambda c: c.params.get("chat_id") == GROUP)
    assert (call_to_group.method, call_to_group.ok) == ("sendPoll", True)
    assert [c.params["text"] for c in fake.calls_to(USER)] == ["private"]


def test_wait_for_times_out_with_a_summary_of_recent_calls(fake: FakeBotAPI) -> None:
    result(fake, "sendMessage", chat_id=USER, text="only one")
    with pytest.raises(AssertionError, match=r"sendMessage .*only one"):
        fake.wait_for("sendMessage", count=2, timeout=0.2)


# --------------------------------------------------------------------------------------- PTB


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_real_ptb_bot_works_against_the_fake(fake: FakeBotAPI) -> None:
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        me = await bot.get_me()
        sent = await bot.send_message(USER, "<b>Namaste</b>", parse_mode="HTML")
        quiz = await bot.send_poll(
            USER,
            "Which year was IOM founded?",
            ["1951", "1945", "1989"],
            type=Poll.QUIZ,
            correct_option_ids=[0],
            is_anonymous=False,
        )
        assert quiz.poll is not None
        fake.send_text(USER, "/quiz hard")
        fake.answer_poll(quiz.poll.id, USER, [0])
        command, answer = await bot.get_updates(timeout=5)
    assert me.username == "studybot_test_bot"
    assert (sent.text, sent.entities[0].type) == ("Namaste", "bold")
    assert quiz.poll.correct_option_ids == (0,)
    assert command.message is not None
    assert command.message.entities[0].type == "bot_command"
    assert command.message.text == "/quiz hard"
    assert answer.poll_answer is not None
    assert (answer.poll_answer.poll_id, answer.poll_answer.option_ids) == (quiz.poll.id, (0,))
    assert answer.poll_answer.user is not None
    assert answer.poll_answer.user.id == USER


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_errors_map_to_ptb_exceptions(fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=3)
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(telegram.error.RetryAfter) as retry:
            await bot.send_message(USER, "hi")
        with pytest.raises(telegram.error.Forbidden):
            fake.block(USER)
            await bot.send_message(USER, "hi")
    assert str(retry.value) == "Flood control exceeded. Retry in 3 seconds"


async def test_ptb_raises_chat_migrated_and_reads_the_service_messages(fake: FakeBotAPI) -> None:
    new_id = upgraded(fake)
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(telegram.error.ChatMigrated) as migrated:
            await bot.send_message(BASIC, "hi")
        *_, to_group, to_supergroup = await bot.get_updates(timeout=5)
    assert migrated.value.new_chat_id == new_id
    assert to_group.message is not None and to_group.message.migrate_to_chat_id == new_id
    assert to_supergroup.message is not None and to_supergroup.message.migrate_from_chat_id == BASIC


async def test_ptb_application_answers_a_command_received_by_long_polling(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Welcome!", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Quiz", callback_data="quiz")]])
        )

    app = Application.builder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=30, poll_interval=0)
        fake.send_text(USER, "/start")
        (reply,) = await fake.wait_for_async("sendMessage")
        await fake.wait_until_delivered_async()
        await app.updater.stop()
        await app.stop()
    assert reply.params["text"] == "Welcome!"
    assert reply.params["reply_markup"] == {"inline_keyboard": [[{"text": "Quiz", "callback_data": "quiz"}]]}


def test_a_subprocess_can_use_the_fake_through_base_url(fake: FakeBotAPI) -> None:
    script = (
        "import asyncio, sys, telegram\n"
        "async def main():\n"
        "    async with telegram.Bot(sys.argv[1], base_url=sys.argv[2]) as bot:\n"
        "        await bot.send_message(int(sys.argv[3]), 'from a subprocess')\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script, fake.token, fake.base_url, str(USER)], check=True, timeout=60)
    assert [m["text"] for m in fake.sent_messages(USER)] == ["from a subprocess"]


# ------------------------------------------------------------- in process (the console's transport)


async def test_in_process_transport_answers_as_the_http_server_does() -> None:
    """Through EmulatorRequest (no socket): the same results, Telegram's errors, uploads decoded."""
    from bot.emulator.inprocess import EmulatorRequest

    emulator = FakeBotAPI().attach()
    emulator.add_private_chat(77, "Asha")
    try:
        bot = telegram.Bot(
            emulator.token,
            base_url="http://emulator.invalid/bot",
            request=EmulatorRequest(emulator),
            get_updates_request=EmulatorRequest(emulator),
        )
        async with bot:
            assert bot.username == emulator.bot_username
            sent = await bot.send_message(77, "<b>hi</b>", parse_mode="HTML")
            assert sent.text == "hi" and sent.entities[0].type == "bold"
            with pytest.raises(telegram.error.BadRequest, match=r"(?i)chat not found"):
                await bot.send_message(78, "nobody there")
            await bot.send_document(77, b"a,b\n1,2\n", filename="export.csv")
            poll = await bot.send_poll(77, "Q?", ["x", "y"], is_anonymous=False, type="quiz", correct_option_ids=[1])
            assert poll.poll is not None
            emulator.answer_poll(poll.poll.id, 77, [0])
            updates = await bot.get_updates(timeout=0)
            assert [u.poll_answer.option_ids for u in updates if u.poll_answer] == [(0,)]
        [upload] = emulator.files.values()
        assert upload.filename == "export.csv" and upload.content == b"a,b\n1,2\n"
        assert [c.method for c in emulator.requests if not c.ok] == ["sendMessage"]
    finally:
        emulator.detach()


# --- reach: inline mode ---------------------------------------------------------------------------
def article(result_id: str, text: str = "<b>fact</b>", **extra: Any) -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": "IOM",
        "input_message_content": {"message_text": text, "parse_mode": "HTML"},
        **extra,
    }


def inline_query_id(fake: FakeBotAPI, query: str = "colombo") -> str:
    fake.add_private_chat(42, "Asha")
    update = fake.send_inline_query(42, query)
    assert update["inline_query"]["query"] == query and update["inline_query"]["from"]["id"] == 42
    return str(update["inline_query"]["id"])


def test_answer_inline_query_accepts_articles_once_and_keeps_the_parsed_text(fake: FakeBotAPI) -> None:
    query_id = inline_query_id(fake)
    assert result(fake, "answerInlineQuery", inline_query_id=query_id, results=[article("f1")]) is True
    (answered,) = fake.inline_answers[query_id]["results"]
    assert answered["text"] == "fact" and answered["entities"][0]["type"] == "bold"
    status, description = error(fake, "answerInlineQuery", inline_query_id=query_id, results=[article("f1")])
    assert status == 400
    assert description == "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.mark.parametrize(
    ("results", "description"),
    [
        ([article(f"f{n}") for n in range(51)], "Bad Request: RESULTS_TOO_MUCH"),
        ([article("same"), article("same")], "Bad Request: RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "Bad Request: RESULT_ID_INVALID"),
        ([article("")], "Bad Request: RESULT_ID_INVALID"),
        ([article("f1", text="")], "Bad Request: message text is empty"),
        ([article("f1", text="<b>open")], None),
        ([{"type": "article", "id": "f1", "title": "IOM"}], None),
        ([article("f1", text="x" * 4097)], "Bad Request: MESSAGE_TOO_LONG"),
    ],
)
def test_answer_inline_query_rejects_what_telegram_rejects(
    fake: FakeBotAPI, results: list[dict[str, Any]], description: str | None
) -> None:
    query_id = inline_query_id(fake)
    status, text = error(fake, "answerInlineQuery", inline_query_id=query_id, results=results)
    assert status == 400
    if description is not None:
        assert text == description
    assert query_id not in fake.inline_answers


def test_no_inline_queries_arrive_while_inline_mode_is_off(fake: FakeBotAPI) -> None:
    fake.inline_mode = False
    assert result(fake, "getMe")["supports_inline_queries"] is False
    with pytest.raises(ValueError, match="setinline"):
        fake.send_inline_query(42, "x")


# --- reach: copyMessage ---------------------------------------------------------------------------
def test_copy_message_copies_the_content_without_the_sender(fake: FakeBotAPI) -> None:
    fake.add_private_chat(42, "Asha")
    fake.add_private_chat(43, "Ravi")
    source = fake.send_text(42, "Exam on <Sunday>")["message"]
    copied = result(fake, "copyMessage", chat_id=43, from_chat_id=42, message_id=source["message_id"])
    assert set(copied) == {"message_id"}
    (message,) = fake.sent_messages(43)
    assert message["text"] == "Exam on <Sunday>" and message["from"]["is_bot"] is True
    assert "forward_origin" not in message


def test_copy_message_refuses_a_missing_message_and_a_blocked_chat(fake: FakeBotAPI) -> None:
    fake.add_private_chat(42, "Asha")
    fake.add_private_chat(43, "Ravi")
    assert error(fake, "copyMessage", chat_id=43, from_chat_id=42, message_id=999) == (
        400,
        "Bad Request: message to copy not found",
    )
    source = fake.send_text(42, "hello")["message"]
    fake.block(43)
    assert error(fake, "copyMessage", chat_id=43, from_chat_id=42, message_id=source["message_id"]) == (
        403,
        "Forbidden: bot was blocked by the user",
    )


def test_get_updates_with_the_same_allowed_updates_each_time_still_filters_a_new_disallowed_update(
    fake: FakeBotAPI,
) -> None:
    fake.chat_member_update(GROUP, 8, "left", "member")
    (first,) = result(fake, "getUpdates", allowed_updates=["chat_member"])
    fake.send_text(USER, "not asked for")
    fake.chat_member_update(GROUP, 9, "left", "member")
    # PTB repeats allowed_updates on every call; the message is still never handed over.
    (second,) = result(fake, "getUpdates", offset=first["update_id"] + 1, allowed_updates=["chat_member"])
    assert "chat_member" in second
    assert result(fake, "getUpdates", offset=second["update_id"] + 1, allowed_updates=["chat_member"]) == []
