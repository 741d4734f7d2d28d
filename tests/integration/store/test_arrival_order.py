"""Per-contact order of arrival: events with the same timestamp are claimed and listed in the
order they were ingested (the `seq` tie-breaker), also through the real worker and graph."""

from __future__ import annotations

import pytest

from agent.contracts import InboundMessage
from agent.runtime import AgentRuntime
from agent.store import Store

pytestmark = pytest.mark.integration

N = 20


def keys_against_id_order() -> list[str]:
    return [f"console:{chr(ord('z') - i)}-{N - i:02d}" for i in range(N)]  # _id order is the reverse


async def ingest_same_time(store: Store, clock, contact_id: str) -> list[str]:
    now = clock.now()
    keys = keys_against_id_order()
    for i, key in enumerate(keys):
        event = InboundMessage(key=key, channel="console", contact_id=contact_id, sender=contact_id,
                               text=f"сообщение {i}", received_at=now)
        assert await store.inbox.ingest(event, now)
    assert not await store.inbox.ingest(InboundMessage(key=keys[0], channel="console", contact_id=contact_id,
                                                       sender=contact_id, text="again", received_at=now), now)
    return keys


async def test_claims_keep_ingest_order_on_equal_times(store: Store, clock) -> None:
    keys = await ingest_same_time(store, clock, "c-order")
    claimed = []
    while doc := await store.inbox.claim("w", clock.now(), 60):
        claimed.append(doc["_id"])
        await store.inbox.complete(doc["_id"], clock.now(), {}, 90)
    assert claimed == keys
    assert [d["_id"] for d in await store.inbox.for_contact("c-order")] == keys


async def test_worker_answers_one_contact_in_arrival_order(runtime: AgentRuntime, clock) -> None:
    store = runtime.store
    await store.contacts.create({"_id": "c-order", "name": "Клиент", "channel": "console", "status": "active",
                                 "outreach_sent_at": clock.now()}, clock.now())
    keys = await ingest_same_time(store, clock, "c-order")
    worker = runtime.worker("w-order")
    order = []
    while await worker.process_one():
        done = [d["_id"] async for d in store.inbox.col.find({"status": "done"})]
        order.extend(k for k in done if k not in order)
    assert order == keys


async def test_outbox_sends_one_turns_messages_in_write_order(store: Store, clock) -> None:
    from agent.contracts import OutboundMessage

    keys = keys_against_id_order()[:6]
    for key in keys:
        await store.outbox.enqueue(OutboundMessage(key=key, channel="console", contact_id="c-order", to="c-order",
                                                   text=key), clock.now())
    claimed = []
    while doc := await store.outbox.claim("console", "s", clock.now(), 60):
        claimed.append(doc["_id"])
        await store.outbox.mark_sent(doc["_id"], clock.now(), None, 90)
    assert claimed == keys
    assert [d["_id"] for d in await store.outbox.for_contact("c-order")] == keys
