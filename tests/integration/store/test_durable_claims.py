"""A kill -9 of the database server never takes back a claim the sender was told it had.

SecantusDB acknowledges a plain write before its journal record is on disk, so a kill -9 loses the
last few milliseconds of acknowledged writes. A lost outbox claim would put a message that already
went out back to `pending`, and it would be sent again. Claims and send marks wait for the journal;
this claims messages as fast as it can, kills the real server process right after the last
acknowledgement, restarts it on the same data and checks every claim is still there."""

from __future__ import annotations

import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent import embedded_mongo
from agent.contracts import InboundMessage, OutboundMessage
from agent.store import connect_store

pytestmark = [pytest.mark.integration, pytest.mark.crash]

MESSAGES = 120


async def test_claims_and_ingests_survive_a_kill_9_of_the_server(tmp_path: Path) -> None:
    data, port, db = tmp_path / "mongo", embedded_mongo.free_port(), f"t_{uuid.uuid4().hex[:8]}"
    server = embedded_mongo.start(data, port)
    store = connect_store(server.uri, db, embedded=True)
    now = datetime.now(UTC)
    try:
        await store.init()
        for i in range(MESSAGES):
            await store.outbox.enqueue(OutboundMessage(key=f"m{i}", contact_id=f"c{i}", channel="console",
                                                       to=f"c{i}", text="…"), now)
        claimed, ingested = [], []
        while (doc := await store.outbox.claim("console", "sender-1", now, 60)) is not None:  # the last writes
            claimed.append(doc["_id"])
            await store.outbox.set_progress(doc["_id"], smtp_started_at=now)
            ingested.append(f"console:in-{len(claimed)}")
            await store.inbox.ingest(InboundMessage(key=ingested[-1], channel="console", contact_id="c0",
                                                    sender="c0", text="Здравствуйте", received_at=now), now)
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)  # right after the last acknowledgement
        server.process.wait()
    finally:
        await store.close()
    server = embedded_mongo.start(data, port)
    store = connect_store(server.uri, db, embedded=True)
    try:
        assert len(claimed) == MESSAGES
        states = {doc["_id"]: doc async for doc in store.outbox.col.find({})}
        assert [k for k in claimed if states[k]["status"] != "sending" or "smtp_started_at" not in states[k]] == []
        kept = {doc["_id"] async for doc in store.inbox.col.find({})}
        assert [k for k in ingested if k not in kept] == []
    finally:
        await store.close()
        embedded_mongo.stop(server)
