"""kill -9 the database server under a running `sales-agent worker` process, start it again on
the same port and data, and check every event is answered exactly once and the outage is logged
once ("unreachable") and its end once ("reachable again")."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent import embedded_mongo
from agent.contracts import InboundMessage
from agent.store import Store, connect_store

pytestmark = [pytest.mark.integration, pytest.mark.crash]

EVENTS = 40


def start_worker(uri: str, db: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MONGODB_URI": uri, "MONGODB_DB": db, "LLM_PROVIDER": "rules", "WORKER_LEASE_S": "2",
           "WORKER_POLL_S": "0.05", "RETRY_BACKOFF_S": "0", "MONGODB_TIMEOUT_S": "1"}
    cli = [sys.executable, "-c", "from cli.app import main; main()", "worker"]
    return subprocess.Popen(cli, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=Path.cwd())


async def seed(store: Store) -> list[str]:
    now = datetime.now(UTC)
    keys = []
    for i in range(EVENTS):
        contact = await store.contacts.create(
            {"_id": f"c-out{i:02d}", "name": f"Клиент {i}", "company": "ООО «Тест»", "channel": "console",
             "status": "active", "outreach_sent_at": now}, now)
        event = InboundMessage(key=f"console:out-{i}", channel="console", contact_id=contact["_id"],
                               sender=contact["_id"], text="Пришлите, пожалуйста, презентацию.", received_at=now)
        await store.inbox.ingest(event, now)
        keys.append(event.key)
    return keys


async def wait_for(store: Store, status: str, n: int, timeout_s: float) -> int:
    done = 0
    for _ in range(int(timeout_s / 0.1)):
        done = await store.inbox.col.count_documents({"status": status})
        if done >= n:
            break
        await asyncio.sleep(0.1)
    return done


async def test_worker_outlives_a_killed_database(tmp_path: Path) -> None:
    data, port, db = tmp_path / "mongo", embedded_mongo.free_port(), f"t_{uuid.uuid4().hex[:8]}"
    server = embedded_mongo.start(data, port)
    uri = server.uri
    store = connect_store(uri, db)
    await store.init()
    keys = await seed(store)
    log = tmp_path / "worker.log"
    worker = start_worker(uri, db, log)
    try:
        assert await wait_for(store, "done", 5, 30) >= 5, log.read_text()
        assert server.process is not None
        server.process.kill()  # kill -9 the database mid-way
        server.process.wait()
        await asyncio.sleep(3.0)  # longer than MONGODB_TIMEOUT_S: the loops must see it
        server = embedded_mongo.start(data, port)
        assert server.uri == uri
        done = await wait_for(store, "done", EVENTS, 40)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    try:
        text = log.read_text()
        assert done == EVENTS, text[-3000:]
        statuses = {doc["_id"]: doc["status"] async for doc in store.inbox.col.find({})}
        assert statuses == {key: "done" for key in keys}
        replies = sorted([doc["_id"] async for doc in store.outbox.col.find({"kind": "message"})])
        assert replies == sorted(f"{k}:reply" for k in keys)  # each answered once: none lost, none doubled
        worker_lines = [line for line in text.splitlines() if "WARNING agent.worker" in line]  # any log format
        assert sum("database unreachable" in line for line in worker_lines) == 1, text
        assert sum("database reachable again after" in line for line in worker_lines) == 1, text
        health = {doc["loop"]: doc async for doc in store.health.col.find({})}
        assert health and all(doc["down_since"] is None for doc in health.values())
        assert any(doc["outages"] == 1 and doc["last_outage_s"] for doc in health.values())
    finally:
        await store.close()
        embedded_mongo.stop(server)
