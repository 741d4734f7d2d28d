"""`TelegramChannel` through the generic sender against the fake Bot API: splitting, escaping,
documents, 429 retry_after, Forbidden (blocked bot), pacing, and resuming after a crash."""

from __future__ import annotations

import html
import itertools
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot

from agent.contracts import OutboundMessage
from agent.runtime import AgentRuntime
from agent.sending import drain
from channels.telegram.bot import build_bot
from channels.telegram.ratelimit import RateLimiter
from channels.telegram.sender import TelegramChannel
from tests.integration.telegram.conftest import Harness, make_settings
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.integration

CHAT = 9001


async def lead(tg: Harness, chat: int = CHAT) -> dict:
    await tg.send(chat, "/start")
    tg.new_texts(chat)
    return await tg.contact(chat)  # type: ignore[return-value]


async def queue(rt: AgentRuntime, contact: dict, key: str, text: str, attachments: list[str] | None = None) -> None:
    message = OutboundMessage(key=key, contact_id=contact["_id"], channel="telegram", to=contact["telegram_chat_id"],
                              text=text, attachments=attachments or [])
    assert await rt.store.outbox.enqueue(message, rt.clock.now())


async def test_429_retry_after_is_honoured(tg: Harness) -> None:
    await lead(tg)
    tg.api.fail("sendMessage", 429, retry_after=1)
    update_id = await tg.send(CHAT, "Сколько стоит ваш сервис?")
    doc = await tg.rt.store.outbox.get(f"{tg.key(update_id)}:reply")
    assert doc["status"] == "pending" and "429" in doc["errors"][0]["reason"]
    assert doc["available_at"] == tg.rt.clock.now() + timedelta(seconds=1)
    await tg.pump()  # not before retry_after
    assert tg.new_texts(CHAT) == [] and len(tg.api.calls("sendMessage")) == 2
    tg.rt.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    await tg.pump()
    assert len(tg.new_texts(CHAT)) == 1
    assert (await tg.rt.store.outbox.get(doc["_id"]))["status"] == "sent"


async def test_blocked_bot_marks_the_contact_unreachable_and_stops_sending(tg: Harness) -> None:
    contact = await lead(tg)
    await queue(tg.rt, contact, "later-1", "Первое")
    await queue(tg.rt, contact, "later-2", "Второе")
    tg.api.block(CHAT)
    await tg.pump()
    first, second = [await tg.rt.store.outbox.get(k) for k in ("later-1", "later-2")]
    assert first["status"] == "failed" and "blocked" in first["error"]
    assert second["status"] == "failed"
    assert len(tg.api.calls("sendMessage")) == 2  # the greeting and one refused try; the second never went out
    contact = await tg.contact(CHAT)
    assert contact["unreachable"] == ["telegram"]  # type: ignore[index]
    assert "unreachable" in await tg.rt.store.events.count_by_type()
    tg.rt.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    await tg.pump()  # follow-ups: nothing is even queued for Telegram now
    assert len(tg.api.calls("sendMessage")) == 2


async def test_blocking_and_unblocking_updates_reachability(tg: Harness) -> None:
    await lead(tg)
    update_id = tg.api.membership(CHAT, "kicked")
    await tg.api.wait_handled(update_id)
    assert (await tg.contact(CHAT))["unreachable"] == ["telegram"]  # type: ignore[index]
    update_id = tg.api.membership(CHAT, "member")
    await tg.api.wait_handled(update_id)
    await tg.send(CHAT, "/start")
    assert (await tg.contact(CHAT))["unreachable"] == []  # type: ignore[index]
    assert len(tg.new_texts(CHAT)) == 1


async def test_long_message_is_split_and_escaped(tg: Harness) -> None:
    contact = await lead(tg)
    paragraphs = [(f"Абзац {i}: <b>не жирный</b> & «кавычки» " + "текст " * 120).strip() for i in range(12)]
    text = "\n\n".join(paragraphs)
    await queue(tg.rt, contact, "long", text)
    await tg.pump()
    calls = tg.api.delivered(CHAT)[1:]  # after the greeting
    assert len(calls) == 3 and all(c.params["parse_mode"] == "HTML" for c in calls)
    visible = [html.unescape(c.params["text"]) for c in calls]
    assert all(len(v) <= 4096 for v in visible)
    assert "\n\n".join(visible) == text  # cut at paragraph breaks, nothing lost or reordered
    assert "&lt;b&gt;" in calls[0].params["text"] and "&amp;" in calls[0].params["text"]
    doc = await tg.rt.store.outbox.get("long")
    assert doc["status"] == "sent" and doc["tg_parts_sent"] == 3 and len(doc["provider_id"].split(",")) == 3


async def test_attachment_goes_as_a_document(tg: Harness, tmp_path: Path) -> None:
    contact = await lead(tg)
    deck = tmp_path / "napoleon-otzyvy.pdf"
    deck.write_bytes(b"%PDF-1.4 test deck")
    await queue(tg.rt, contact, "deck", "Презентация во вложении.", [str(deck), str(tmp_path / "missing.pdf")])
    await tg.pump()
    [text, document] = tg.api.delivered(CHAT)[1:]
    assert text.method == "sendmessage" and document.method == "senddocument"
    assert [(name, data) for name, data in document.files.values()] == [("napoleon-otzyvy.pdf", deck.read_bytes())]
    assert (await tg.rt.store.outbox.get("deck"))["status"] == "sent"  # the missing file was skipped


async def test_per_chat_pace(runtime: AgentRuntime, api: FakeBotApi, shared_bot: Bot) -> None:
    await runtime.store.contacts.create({"_id": "c-pace", "name": "Темп", "telegram_chat_id": "9100"}, runtime.clock.now())
    contact = await runtime.store.contacts.require("c-pace")
    for i in range(3):
        await queue(runtime, contact, f"pace-{i}", f"Сообщение {i}")
    settings = make_settings(api, telegram_per_chat_per_s=5.0)
    await drain(runtime.store, TelegramChannel(shared_bot, runtime.store, settings, clock=runtime.clock), runtime.clock)
    times = [c.at for c in api.delivered(9100)]
    assert len(times) == 3
    assert all(later - earlier >= 0.18 for earlier, later in itertools.pairwise(times))


async def test_after_a_crash_nothing_is_sent_twice(runtime: AgentRuntime, api: FakeBotApi, shared_bot: Bot) -> None:
    """Messages left in `sending` by a dead sender: in flight → uncertain; between parts → resumed."""
    now = runtime.clock.now()
    await runtime.store.contacts.create({"_id": "c-crash", "name": "Сбой", "telegram_chat_id": "9200"}, now)
    contact = await runtime.store.contacts.require("c-crash")
    text = "\n\n".join(["первая часть " * 300, "вторая часть " * 300, "третья часть " * 300])
    for key, progress in (("in-flight", {"tg_inflight": 1, "tg_parts_sent": 1}),
                          ("between", {"tg_inflight": None, "tg_parts_sent": 1}),
                          ("all-sent", {"tg_inflight": None, "tg_parts_sent": 3}),
                          ("not-begun", {})):
        await queue(runtime, contact, key, text)
        await runtime.store.outbox.col.update_one({"_id": key}, {"$set": {
            "status": "sending", "lease_until": now - timedelta(seconds=1), "attempts": 1, **progress}})
    channel = TelegramChannel(shared_bot, runtime.store, make_settings(api), RateLimiter(1000, 1000),
                              clock=runtime.clock)
    await drain(runtime.store, channel, runtime.clock)
    status = {d["_id"]: d["status"] async for d in runtime.store.outbox.col.find({})}
    assert status == {"in-flight": "uncertain", "between": "sent", "all-sent": "sent", "not-begun": "sent"}
    texts = [html.unescape(c.params["text"]) for c in api.delivered(9200)]
    assert len(texts) == 2 + 3  # "between" sent its parts 2 and 3 only; "not-begun" all three
    assert texts[0].startswith("вторая") and texts[1].startswith("третья")


async def test_network_errors_retry_only_when_nothing_can_have_arrived(runtime: AgentRuntime, api: FakeBotApi,
                                                                        shared_bot: Bot) -> None:
    now = runtime.clock.now()
    await runtime.store.contacts.create({"_id": "c-net", "name": "Сеть", "telegram_chat_id": "9300"}, now)
    contact = await runtime.store.contacts.require("c-net")
    await queue(runtime, contact, "refused", "Соединение не установлено")
    with socket.socket() as closed:  # a port nobody listens on: the request never left
        closed.bind(("127.0.0.1", 0))
        dead = build_bot(make_settings(api, telegram_api_base=f"http://127.0.0.1:{closed.getsockname()[1]}"))
    try:
        await drain(runtime.store, TelegramChannel(dead, runtime.store, make_settings(api), clock=runtime.clock),
                    runtime.clock, limit=1)
    finally:
        await dead.session.close()
    assert (await runtime.store.outbox.get("refused"))["status"] == "pending"  # retried later

    await queue(runtime, contact, "timed-out", "Ответ не дошёл")
    api.delay("sendMessage", 1.0)
    slow = build_bot(make_settings(api))
    slow.session.timeout = 0.3  # the request reaches "Telegram", the answer does not come back in time
    try:
        await runtime.store.outbox.col.update_one({"_id": "refused"}, {"$set": {"status": "failed"}})
        await drain(runtime.store, TelegramChannel(slow, runtime.store, make_settings(api), clock=runtime.clock),
                    runtime.clock, limit=1)
    finally:
        await slow.session.close()
    doc = await runtime.store.outbox.get("timed-out")
    assert doc["status"] == "failed" and doc["error"].startswith("uncertain, not resent")
    assert doc["tg_inflight"] == 0 and len(api.calls("sendMessage")) == 1
