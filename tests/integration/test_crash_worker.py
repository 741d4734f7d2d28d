"""kill -9 the real `sales-agent worker` process in the middle of turns, restart it, and check
that no inbound event is lost and no outbound message is doubled."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.contracts import InboundMessage
from agent.settings import Settings
from agent.store import Store
from agent.tools.calendar import MOSCOW, format_date, is_demo_day

pytestmark = [pytest.mark.integration, pytest.mark.crash]

CONTACTS = 120
KILLS = 6


def start_worker(settings: Settings, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MONGODB_URI": settings.mongodb_uri.get_secret_value(),  # type: ignore[union-attr]
        "MONGODB_DB": settings.mongodb_db,
        "LLM_PROVIDER": "rules",
        "WORKER_LEASE_S": "1",
        "WORKER_POLL_S": "0.05",
        "RETRY_BACKOFF_S": "0",
        **extra,
    }
    cli = [sys.executable, "-c", "from cli.app import main; main()", "worker"]
    return subprocess.Popen(cli, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=Path.cwd())


def a_working_day_ahead(now: datetime) -> str:
    """«7 декабря»: the first demo day after today in Moscow (the worker runs on the real clock, so
    «завтра» would be a Saturday or a holiday on some days, and nothing would be booked)."""
    day = now.astimezone(MOSCOW).date() + timedelta(days=1)
    while not is_demo_day(day):
        day += timedelta(days=1)
    return format_date(day)


async def seed(store: Store) -> list[str]:
    now = datetime.now(UTC)
    demo_text = f"Давайте созвонимся {a_working_day_ahead(now)} в 15:00"
    keys = []
    for i in range(CONTACTS):
        contact = await store.contacts.create(
            {"_id": f"c-crash{i:02d}", "name": f"Клиент {i}", "company": "ООО «Тест»", "channel": "console",
             "status": "active", "outreach_sent_at": now}, now)
        text = "Пришлите, пожалуйста, презентацию." if i % 2 else demo_text
        event = InboundMessage(key=f"console:crash-{i}", channel="console", contact_id=contact["_id"],
                               sender=contact["_id"], text=text, received_at=now)
        await store.inbox.ingest(event, now)
        keys.append(event.key)
    return keys


async def done_count(store: Store) -> int:
    return await store.inbox.col.count_documents({"status": "done"})


@pytest.mark.parametrize("lock", ["always", "never"])
async def test_kill_9_mid_turn_loses_nothing_and_doubles_nothing(store: Store, settings: Settings, tmp_path,
                                                                lock: str) -> None:
    """`never`: the only worker on the database takes events with one read, no claim, no lease."""
    keys = await seed(store)
    log = tmp_path / "worker.log"
    rng = random.Random(7)
    for _ in range(KILLS):
        proc = start_worker(settings, log, WORKER_LOCK=lock)
        before = await done_count(store)
        for _ in range(300):  # wait until this worker is busy with turns, then kill it mid-way
            if await done_count(store) > before:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    proc = start_worker(settings, log, WORKER_LOCK=lock)
    try:
        for _ in range(1200):
            done = await store.inbox.col.count_documents({"status": "done"})
            if done == len(keys):
                break
            await asyncio.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    statuses = {doc["_id"]: doc["status"] async for doc in store.inbox.col.find({})}
    if lock == "always":  # a claim counts the try; without one a kill leaves no trace on the event
        interrupted = [doc["_id"] async for doc in store.inbox.col.find({"attempts": {"$gte": 2}})]
        assert interrupted, "no kill landed mid-turn: the test did not exercise a crash"
    assert statuses == {key: "done" for key in keys}, log.read_text()[-3000:]
    replies = [doc async for doc in store.outbox.col.find({"kind": "message"})]
    assert sorted(d["_id"] for d in replies) == sorted(f"{k}:reply" for k in keys)
    per_contact: dict[str, int] = {}
    for doc in replies:
        per_contact[doc["contact_id"]] = per_contact.get(doc["contact_id"], 0) + 1
    assert set(per_contact.values()) == {1}
    facts = await store.events.count_by_type()
    assert facts["deck_sent"] == CONTACTS // 2 and facts["demo_booked"] == CONTACTS // 2
