"""Four real `sales-agent worker` processes on one database: 500 inbound events for 100
contacts give exactly one reply each, and each contact's replies follow its messages' order."""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from agent.contracts import InboundMessage
from agent.settings import Settings
from agent.store import Store
from tests.support.relay_proc import cli_env, start_cli, stop
from tests.support.seeding import assert_one_reply_each_in_arrival_order, seed_questions

pytestmark = pytest.mark.integration

WORKERS = 4
CONTACTS = 100
PER_CONTACT = 5
QUESTIONS = (
    "Расскажите, пожалуйста, как это работает у сетей с несколькими филиалами?",
    "А какие площадки с отзывами вы поддерживаете?",
    "Можно ли смотреть отчёты по каждому филиалу отдельно?",
    "Как ИИ готовит ответы на отзывы, можно ли их править?",
    "Сколько времени занимает подключение?",
)


async def test_four_workers_answer_each_event_once_in_per_contact_order(store: Store, settings: Settings,
                                                                         tmp_path: Path) -> None:
    keys = await seed_questions(store, "scale", CONTACTS, QUESTIONS[:PER_CONTACT])
    total = CONTACTS * PER_CONTACT
    env = cli_env(settings, WORKER_POLL_S="0.05", RETRY_BACKOFF_S="0", WORKER_LEASE_S="60")
    workers: list[subprocess.Popen[bytes]] = [
        start_cli(["worker"], env, tmp_path / f"worker{n}.log") for n in range(WORKERS)]
    started = time.monotonic()
    try:
        while await store.inbox.col.count_documents({"status": "done"}) < total:
            assert time.monotonic() - started < 900, await store.inbox.count_by_status()
            assert all(w.poll() is None for w in workers), "a worker died"
            await asyncio.sleep(0.5)
    finally:
        codes = [stop(w) for w in workers]
    assert codes == [0] * WORKERS

    inbox = {d["_id"]: d async for d in store.inbox.col.find({})}
    assert {d["status"] for d in inbox.values()} == {"done"}
    assert all(d["attempts"] == 1 for d in inbox.values()), "an event ran twice"
    by_worker = {d["claimed_by"].rsplit("-", 1)[0] for d in inbox.values()}
    assert len(by_worker) == WORKERS, "not every worker process took events"

    await assert_one_reply_each_in_arrival_order(store, keys)
    for contact, events in keys.items():
        finished = [inbox[k]["processed_at"] for k in events]
        assert finished == sorted(finished), contact


async def test_a_later_event_waits_for_an_earlier_one_of_the_same_contact(runtime) -> None:
    """The race several workers meet: the contact's first event was given back (its contact was
    busy), so its second event is the oldest ready one. It must not overtake the first."""
    store, now = runtime.store, runtime.clock.now()
    await store.contacts.create({"_id": "c-order", "name": "Ирина", "company": "ООО «Тест»", "channel": "console",
                                 "status": "active", "outreach_sent_at": now}, now)
    for n, text in enumerate(QUESTIONS[:2]):
        await store.inbox.ingest(InboundMessage(key=f"console:order-{n}", channel="console", contact_id="c-order",
                                                sender="c-order", text=text, received_at=now + timedelta(seconds=n)),
                                 now)
    await store.inbox.col.update_one({"_id": "console:order-0"}, {"$set": {"available_at": now + timedelta(seconds=1)}})
    worker = runtime.worker("w-order")
    assert await worker.process_one()  # took order-1, found order-0 unfinished, gave it back
    assert await store.outbox.col.count_documents({}) == 0
    for _ in range(3):  # order-1 is the oldest ready again and again given back until order-0 is done
        runtime.clock.advance(timedelta(seconds=2))
        await worker.drain()
    replies = [d["_id"] async for d in store.outbox.col.find({"kind": "message"}).sort("created_at", 1)]
    assert replies == ["console:order-0:reply", "console:order-1:reply"]
