"""Deep-link tokens on the real MongoDB-wire server: single use, replay-safe, expiring; and when
`deep_link_for` offers a link at all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.clock import SimulatedClock
from agent.store import Store
from agent.store.telegram_links import COLLECTION
from agent.tools.deep_links import deep_link_for, new_token
from channels.telegram.settings import TelegramSettings

pytestmark = pytest.mark.integration

TOKEN = "123456:TEST-token"


def settings(**values: object) -> TelegramSettings:
    return TelegramSettings(_env_file=None, **{"telegram_bot_token": TOKEN,  # type: ignore[arg-type]
                                               "telegram_bot_username": "seed_bot", **values})


async def test_consume_is_single_use_and_replay_safe(store: Store, clock: SimulatedClock) -> None:
    token = await store.telegram_links.create(new_token(), "c-1", clock.now(), ttl_days=14)
    assert await store.telegram_links.consume(token, 111, "tg:1:10", clock.now()) == "c-1"
    assert await store.telegram_links.consume(token, 111, "tg:1:10", clock.now()) == "c-1"  # its update, replayed
    assert await store.telegram_links.consume(token, 111, "tg:1:11", clock.now()) == "c-1"  # pressed again, same chat
    assert await store.telegram_links.consume(token, 222, "tg:1:12", clock.now()) is None  # anyone else
    doc = await store.db[COLLECTION].find_one({"_id": token})
    assert doc["chat_id"] == "111" and doc["used_update"] == "tg:1:10"
    assert await store.telegram_links.consume("no-such-token", 111, "tg:1:13", clock.now()) is None


async def test_expired_tokens_are_refused(store: Store, clock: SimulatedClock) -> None:
    token = await store.telegram_links.create(new_token(), "c-2", clock.now(), ttl_days=1)
    clock.advance(timedelta(days=1, seconds=1))
    assert await store.telegram_links.consume(token, 111, "tg:1:20", clock.now()) is None


async def test_deep_link_for(store: Store, clock: SimulatedClock) -> None:
    now = clock.now()
    contact = {"_id": "c-3", "status": "active", "unreachable": []}
    url = await deep_link_for(store, settings().deep_links(), contact, now=now)
    assert url is not None and url.startswith("https://t.me/seed_bot?start=")
    assert await deep_link_for(store, settings().deep_links(), contact, now=now) == url  # the same link again
    clock.advance(timedelta(days=13, hours=1))  # less than a day left: a fresh one for a new email
    assert await deep_link_for(store, settings().deep_links(), contact, now=clock.now()) not in (None, url)
    off = TelegramSettings(_env_file=None)  # type: ignore[call-arg]
    assert await deep_link_for(store, off.deep_links(), contact, now=now) is None
    for other in ({**contact, "status": "opted_out"}, {**contact, "telegram_chat_id": "5"},
                  {**contact, "unreachable": ["telegram"]}):
        assert await deep_link_for(store, settings().deep_links(), other, now=now) is None
    assert await deep_link_for(store, settings(telegram_bot_username=None).deep_links(), contact, now=now) is None
    await store.telegram_links.remember_bot("seed_from_getme_bot", 123456, now)
    recorded = await deep_link_for(store, settings(telegram_bot_username=None).deep_links(), contact, now=clock.now())
    assert recorded is not None and recorded.startswith("https://t.me/seed_from_getme_bot?start=")
