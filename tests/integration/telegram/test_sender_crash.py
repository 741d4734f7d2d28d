"""kill -9 a real Telegram sender process mid-send, again and again, then let one finish: the
fake Bot API must have seen every message part at most once, and the outbox must account for
every message.

The guarantee: a part is marked in flight before its request and done after it. A message a dead
sender left with a part in flight is `uncertain` (Telegram cannot be asked whether it arrived),
never resent; one it left between parts is resumed after the last part that went out.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import signal
from collections import Counter
from datetime import UTC, datetime

import pytest

from agent.contracts import OutboundMessage
from agent.settings import Settings
from agent.store import Store
from tests.integration.telegram.conftest import SenderZygote
from tests.support.fake_bot_api import FakeBotApi

pytestmark = [pytest.mark.integration, pytest.mark.crash]

MESSAGES = 36
KILLS = 4


def text_for(i: int) -> str:
    """Every third message is long (three parts); every part is unique, so duplicates show."""
    if i % 3:
        return f"m{i}: короткое сообщение"
    return "\n\n".join(f"m{i}p{p}: " + "длинный текст " * 280 for p in range(3))


async def start(senders: SenderZygote, db_name: str) -> int:
    return await asyncio.to_thread(senders.fork, db_name)


async def stop(pid: int, sig: signal.Signals) -> None:
    os.kill(pid, sig)
    for _ in range(400):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"sender {pid} did not stop")


async def seed(store: Store) -> None:
    now = datetime.now(UTC)
    for i in range(MESSAGES):
        chat = str(20_000 + i)
        await store.contacts.create({"_id": f"c-tgcrash{i:02d}", "name": f"Клиент {i}", "telegram_chat_id": chat,
                                     "channel": "telegram", "status": "active"}, now)
        await store.outbox.enqueue(OutboundMessage(key=f"m{i}", contact_id=f"c-tgcrash{i:02d}", channel="telegram",
                                                   to=chat, text=text_for(i)), now)


async def unfinished(store: Store) -> int:
    return await store.outbox.col.count_documents({"status": {"$in": ["pending", "sending"]}})


async def test_kill_9_mid_send_sends_nothing_twice(store: Store, settings: Settings, api: FakeBotApi,
                                                   sender_zygote: SenderZygote) -> None:
    await seed(store)
    api.delay("sendMessage", 0.03)  # a window in which the request has arrived but no answer yet
    rng = random.Random(11)
    for _ in range(KILLS):
        pid = await start(sender_zygote, settings.mongodb_db)
        before = len(api.calls("sendMessage"))
        for _ in range(600):  # let it send a few, then kill it wherever it is
            if len(api.calls("sendMessage")) >= before + 3:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(rng.uniform(0.0, 0.1))
        await stop(pid, signal.SIGKILL)
    pid = await start(sender_zygote, settings.mongodb_db)
    try:
        for _ in range(600):
            if await unfinished(store) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await stop(pid, signal.SIGTERM)

    received = Counter((c.chat_id, html.unescape(c.params["text"])) for c in api.delivered())
    assert max(received.values()) == 1, [k for k, n in received.items() if n > 1][:3]
    docs = {d["_id"]: d async for d in store.outbox.col.find({})}
    assert {d["status"] for d in docs.values()} <= {"sent", "uncertain"}, sender_zygote.log_tail()
    uncertain = [k for k, d in docs.items() if d["status"] == "uncertain"]
    assert len(uncertain) <= KILLS
    assert any(d["attempts"] >= 2 for d in docs.values()), "no kill landed mid-send"
    for key, doc in docs.items():
        i = int(key[1:])
        parts = [text for (chat, text) in received if chat == str(20_000 + i)]
        expected = 1 if i % 3 else 3
        if doc["status"] == "sent":
            assert len(parts) == expected, key  # every part exactly once
        else:
            assert len(parts) <= expected, key
