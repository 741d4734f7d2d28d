"""Every kind of message a user can send gets a sensible answer or is ignored on purpose — and
no handler ever raises (the `tg` fixture fails the test on any ERROR log from aiogram)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from agent.prompts import PromptLibrary
from tests.integration.telegram.conftest import Harness

pytestmark = pytest.mark.integration

CHAT = 8001
PROMPTS = PromptLibrary()
FILE = {"file_id": "f1", "file_unique_id": "u1"}
COLLEAGUE = {"type": "user", "date": 1_700_000_000,
             "sender_user": {"id": 42, "is_bot": False, "first_name": "Пётр"}}
POLL = {"id": "p1", "question": "Когда удобно?", "options": [{"text": "утром", "voter_count": 0, "persistent_id": "o1"}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False, "members_only": False}


def template(name: str) -> str:
    return PROMPTS.text(f"telegram/{name}")


async def started(tg: Harness) -> None:
    await tg.send(CHAT, "/start")
    assert len(tg.new_texts(CHAT)) == 1


TEMPLATED: dict[str, tuple[dict[str, Any], str]] = {
    "voice": ({"voice": {**FILE, "duration": 4}}, "voice"),
    "video_note": ({"video_note": {**FILE, "length": 240, "duration": 5}}, "voice"),
    "audio": ({"audio": {**FILE, "duration": 60}}, "voice"),
    "photo": ({"photo": [{**FILE, "width": 90, "height": 90}]}, "attachment"),
    "video": ({"video": {**FILE, "width": 9, "height": 9, "duration": 3}}, "attachment"),
    "document": ({"document": {**FILE, "file_name": "brief.pdf"}}, "attachment"),
    "location": ({"location": {"latitude": 55.75, "longitude": 37.61}}, "location"),
    "venue": ({"venue": {"location": {"latitude": 55.75, "longitude": 37.61}, "title": "Офис",
                         "address": "Тверская, 1"}, "location": {"latitude": 55.75, "longitude": 37.61}}, "location"),
    "help": ({"text": "/help"}, "help"),
    "unknown_command": ({"text": "/prices"}, "help"),
}
IGNORED: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                            "is_video": False}},
    "emoji": {"text": "👍🔥"},
    "emoji_punctuation": {"text": "🙏 !"},
    "gif": {"animation": {**FILE, "width": 1, "height": 1, "duration": 1}, "document": FILE},
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
    "poll": {"poll": POLL},
}


async def test_templated_answers(tg: Harness) -> None:
    """One chat, every kind in turn: each gets exactly its template, through the outbox."""
    await started(tg)
    for case, (fields, answer) in TEMPLATED.items():
        await tg.send(CHAT, **fields)
        assert tg.new_texts(CHAT) == [template(answer)], case
    auto = await tg.rt.store.outbox.col.count_documents({"kind": "notice", "status": "sent"})
    assert auto == len(TEMPLATED)
    # templated answers are the agent's messages like any other: they are in the conversation history
    contact = await tg.contact(CHAT)
    assert contact is not None
    state = await tg.rt.graph.aget_state({"configurable": {"thread_id": contact["_id"]}})
    history = [turn["text"] for turn in state.values["history"] if turn["role"] == "agent"]
    assert all(template(answer) in history for _, answer in TEMPLATED.values())


async def test_ignored_on_purpose(tg: Harness) -> None:
    await started(tg)
    for case, fields in IGNORED.items():
        update_id = await tg.send(CHAT, **fields)
        assert tg.new_texts(CHAT) == [], case
        assert await tg.rt.store.inbox.get(tg.key(update_id)) is None, case


async def test_ignored_message_from_an_unknown_chat_creates_no_lead(tg: Harness) -> None:
    await tg.send(CHAT, "👍")
    assert await tg.contact(CHAT) is None and tg.api.delivered() == []


async def test_caption_is_the_clients_words(tg: Harness) -> None:
    await started(tg)
    update_id = await tg.send(CHAT, caption="Пришлите, пожалуйста, презентацию",
                              photo=[{**FILE, "width": 90, "height": 90}])
    [reply] = tg.new_texts(CHAT)
    assert tg.rt.settings.presentation_url in reply
    event = await tg.rt.store.inbox.get(tg.key(update_id))
    assert event["meta"]["telegram"]["attachment"] == "photo"


async def test_shared_contact_is_a_referral(tg: Harness) -> None:
    await started(tg)
    await tg.send(CHAT, contact={"phone_number": "79161234567", "first_name": "Ольга", "last_name": "Смирнова"})
    referred = await tg.rt.store.contacts.find_by_address("phone", "+79161234567")
    assert referred is not None and referred["name"] == "Ольга Смирнова"
    assert referred["referred_by"] == (await tg.contact(CHAT))["_id"]  # type: ignore[index]
    [thanks] = tg.new_texts(CHAT)
    assert "Ольга Смирнова" in thanks and "Спасибо" in thanks


async def test_own_contact_card_saves_the_phone(tg: Harness) -> None:
    await started(tg)
    await tg.send(CHAT, contact={"phone_number": "79031112233", "first_name": "Клиент", "user_id": CHAT})
    assert (await tg.contact(CHAT))["phone"] == "+79031112233"  # type: ignore[index]
    assert tg.new_texts(CHAT) == [template("own_phone")]


async def test_forwarded_text_goes_to_the_graph(tg: Harness) -> None:
    await started(tg)
    update_id = await tg.send(CHAT, "Сколько стоит ваш сервис?", forward_origin=COLLEAGUE)
    assert len(tg.new_texts(CHAT)) == 1
    event = await tg.rt.store.inbox.get(tg.key(update_id))
    assert event["meta"]["telegram"]["forwarded"] == "user"


async def test_our_own_message_forwarded_back_is_ignored(tg: Harness) -> None:
    await started(tg)
    bot = {"id": tg.api.bot_id, "is_bot": True, "first_name": "Seed"}
    await tg.send(CHAT, "Пришлите презентацию", forward_origin={**COLLEAGUE, "sender_user": bot})
    assert tg.new_texts(CHAT) == []


async def test_very_long_text_is_answered_once(tg: Harness) -> None:
    await started(tg)
    text = "Сколько стоит ваш сервис? " + "Подробности о нашей сети. " * 400
    update_id = await tg.send(CHAT, text[:4096])
    assert len(tg.new_texts(CHAT)) == 1
    assert len((await tg.rt.store.inbox.get(tg.key(update_id)))["text"]) <= 4096


async def test_edits_are_ignored_unless_they_opt_out(tg: Harness) -> None:
    await started(tg)
    await tg.send(CHAT, "Сколько стоит?")
    tg.new_texts(CHAT)
    await tg.send(CHAT, "Сколько стоит ваш сервис?", kind="edited_message")
    assert tg.new_texts(CHAT) == []
    assert (await tg.contact(CHAT))["status"] == "active"  # type: ignore[index]
    await tg.send(CHAT, "Не пишите мне больше", kind="edited_message")
    assert (await tg.contact(CHAT))["status"] == "opted_out"  # type: ignore[index]
    assert tg.new_texts(CHAT) == []


async def test_group_messages_are_ignored(tg: Harness) -> None:
    update_id = tg.api.push("message", {"message_id": 1, "date": int(time.time()),
                                        "chat": {"id": -100500, "type": "supergroup", "title": "Продажи"},
                                        "from": tg.api.user(CHAT), "text": "/start"})
    await tg.api.wait_handled(update_id)
    await tg.pump()
    assert await tg.rt.store.contacts.col.count_documents({}) == 0 and tg.api.delivered() == []
