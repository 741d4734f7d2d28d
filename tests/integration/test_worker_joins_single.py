"""A second worker process joins a database whose only worker runs in single-worker mode (a plain
read per event, no contact lock, checkpoints from memory): the single worker switches to claims and
locks before the newcomer takes anything, so every event's turn runs once and each contact's
replies keep the order of its messages. Real `sales-agent worker` processes."""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.settings import Settings
from agent.store import Store
from tests.support.relay_proc import cli_env, start_cli, stop
from tests.support.seeding import assert_one_reply_each_in_arrival_order, seed_questions

pytestmark = pytest.mark.integration

CONTACTS = 30
PER_CONTACT = 4
QUESTIONS = (
    "Какие площадки с отзывами вы поддерживаете?",
    "А отчёты по филиалам отдельно можно смотреть?",
    "Как ИИ готовит ответы, их можно править?",
    "Сколько занимает подключение?",
)


async def wait_for(check, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


async def test_a_second_worker_makes_the_single_one_share_and_no_turn_runs_twice(
        store: Store, settings: Settings, tmp_path: Path) -> None:
    keys = await seed_questions(store, "join", CONTACTS, QUESTIONS[:PER_CONTACT])
    total = CONTACTS * PER_CONTACT
    env = cli_env(settings, WORKER_POLL_S="0.05", RETRY_BACKOFF_S="0", WORKER_LEASE_S="60")
    single_log, joiner_log = tmp_path / "single.log", tmp_path / "joiner.log"
    workers: list[subprocess.Popen[bytes]] = [start_cli(["worker"], {**env, "WORKER_LOCK": "never"}, single_log)]
    try:
        async def single_started() -> bool:
            return await store.inbox.col.count_documents({"status": "done"}) >= 5
        await wait_for(single_started, 120, "the single worker answered nothing")
        workers.append(start_cli(["worker"], {**env, "WORKER_LOCK": "always"}, joiner_log))

        async def all_done() -> bool:
            assert all(w.poll() is None for w in workers), "a worker died"
            return await store.inbox.col.count_documents({"status": "done"}) >= total
        await wait_for(all_done, 600, "not every event was answered")
    finally:
        codes = [stop(w) for w in workers]
    assert codes == [0, 0]

    inbox = [d async for d in store.inbox.col.find({})]
    assert {d["status"] for d in inbox} == {"done"}
    assert [d["_id"] for d in inbox if d.get("completions") != 1] == [], "a turn ran twice"
    claimed = [d for d in inbox if d.get("claimed_by")]
    assert claimed, "the joining worker never took an event"
    assert "taking events with claims and contact locks" in single_log.read_text()

    await assert_one_reply_each_in_arrival_order(store, keys)
    assert await store.workers.alive(datetime.now(UTC) - timedelta(hours=1)) == [], "a stopped worker stayed listed"
