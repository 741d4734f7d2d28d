"""Outbox idempotency, timers, suppressions and events on a real MongoDB-wire server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.contracts import OutboundMessage
from agent.store import Store
from agent.store.errors import StoreError
from tests.conftest import WED_NOON

pytestmark = pytest.mark.integration


def outbound(key: str, text: str = "Здравствуйте") -> OutboundMessage:
    return OutboundMessage(key=key, contact_id="c-1", channel="console", to="c-1", text=text)


async def test_outbox_enqueue_twice_keeps_the_first(store: Store) -> None:
    assert await store.outbox.enqueue(outbound("ev1:reply", "первый"), WED_NOON) is True
    assert await store.outbox.enqueue(outbound("ev1:reply", "второй"), WED_NOON) is False
    assert await store.outbox.col.count_documents({}) == 1
    assert (await store.outbox.get("ev1:reply"))["text"] == "первый"


async def test_outbox_claim_by_channel_and_states(store: Store) -> None:
    await store.outbox.enqueue(outbound("a"), WED_NOON)
    email = OutboundMessage(key="b", contact_id="c-1", channel="email", to="x@y.ru", text="t")
    await store.outbox.enqueue(email, WED_NOON)
    doc = await store.outbox.claim("email", "s1", WED_NOON, lease_s=30)
    assert doc["_id"] == "b" and doc["status"] == "sending"
    await store.outbox.mark_sent("b", WED_NOON, "<id@x>", retention_days=30)
    assert (await store.outbox.get("b"))["status"] == "sent"
    assert await store.outbox.claim("email", "s1", WED_NOON, lease_s=30) is None


async def test_suppress_pending_for_contact(store: Store) -> None:
    await store.outbox.enqueue(outbound("p1"), WED_NOON)
    await store.outbox.enqueue(outbound("p2"), WED_NOON)
    assert await store.outbox.suppress_pending_for("c-1", WED_NOON, "opted out") == 2
    assert await store.outbox.claim("console", "s", WED_NOON, 30) is None


async def test_timers_fire_in_order_and_cancel(store: Store) -> None:
    await store.timers.schedule("t1", "c-1", "follow_up", WED_NOON + timedelta(days=3), WED_NOON)
    await store.timers.schedule("t2", "c-1", "close", WED_NOON + timedelta(days=10), WED_NOON)
    await store.timers.schedule("t1", "c-1", "follow_up", WED_NOON + timedelta(days=99), WED_NOON)
    assert (await store.timers.col.find_one({"_id": "t1"}))["due_at"] == WED_NOON + timedelta(days=3)
    assert await store.timers.due(WED_NOON) == []
    assert [t["_id"] for t in await store.timers.due(WED_NOON + timedelta(days=11))] == ["t1", "t2"]
    assert await store.timers.cancel_for_contact("c-1", WED_NOON, keep="t2") == 1
    assert [t["_id"] for t in await store.timers.due(WED_NOON + timedelta(days=11))] == ["t2"]


async def test_suppressions_any_address(store: Store) -> None:
    await store.suppressions.add(["email:a@b.ru", "telegram_chat_id:42"], "c-1", "opt_out", WED_NOON)
    assert await store.suppressions.any_suppressed(["email:x@y.ru", "telegram_chat_id:42"]) == "telegram_chat_id:42"
    assert await store.suppressions.any_suppressed(["email:x@y.ru"]) is None


async def test_contact_addresses_are_unique(store: Store) -> None:
    await store.contacts.create({"name": "Иван", "email": "Ivan@Romashka.ru"}, WED_NOON)
    with pytest.raises(StoreError, match="email"):
        await store.contacts.create({"name": "Другой Иван", "email": "ivan@romashka.ru"}, WED_NOON)
    await store.contacts.create({"name": "Без почты", "telegram": "@no_mail_guy"}, WED_NOON)
    await store.contacts.create({"name": "Тоже без почты", "telegram": "@other_guy"}, WED_NOON)
    assert await store.contacts.col.count_documents({}) == 3


async def test_events_are_recorded_once_per_key(store: Store) -> None:
    for _ in range(3):
        await store.events.record("ev1:deck_sent", "c-1", "deck_sent", WED_NOON)
    assert await store.events.count_by_type() == {"deck_sent": 1}


async def test_init_is_idempotent(store: Store) -> None:
    await store.init()
    await store.init()
    names = await store.db.list_collection_names()
    assert {"contacts", "inbox", "outbox", "timers", "events"} <= set(names)
    inbox_indexes = await store.inbox.col.index_information()
    assert any(spec["key"] == [("status", 1), ("available_at", 1)] for spec in inbox_indexes.values())
