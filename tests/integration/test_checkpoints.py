"""LangGraph checkpoints in MongoDB survive the process: a new process sees the conversation
and does not run an already-processed event again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest

from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.console import say
from tests.integration.test_conversation_flows import Recorder

pytestmark = pytest.mark.integration

READER = textwrap.dedent("""
    import json, sys
    from pymongo import MongoClient
    from langgraph.checkpoint.mongodb import MongoDBSaver
    from agent.graph import build_graph
    uri, db, thread = sys.argv[1:4]
    graph = build_graph(MongoDBSaver(MongoClient(uri, tz_aware=True), db_name=db))
    values = graph.get_state({"configurable": {"thread_id": thread}}).values
    print(json.dumps({"roles": [h["role"] for h in values.get("history", [])],
                      "texts": [h["text"] for h in values.get("history", [])],
                      "processed": values.get("processed", []),
                      "intent": (values.get("understanding") or {}).get("intent")}))
""")


async def test_checkpoint_is_read_by_a_new_process(runtime: AgentRuntime) -> None:
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock,
                                   {"name": "Иван Петров", "company": "Клиника", "channel": "console"})
    channel = Recorder()
    await pump(runtime, [channel])
    runtime.clock.advance(timedelta(hours=1))
    key = await say(runtime.store, contact["_id"], "Пришлите презентацию, пожалуйста", runtime.clock.now())
    await pump(runtime, [channel])

    uri = runtime.mongo_uri
    out = subprocess.run([sys.executable, "-c", READER, uri, runtime.settings.mongodb_db, contact["_id"]],
                         capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["roles"] == ["agent", "client", "agent"]
    assert seen["texts"][1] == "Пришлите презентацию, пожалуйста"
    assert seen["intent"] == "presentation"
    assert key in seen["processed"]


async def test_a_replayed_event_is_skipped_by_the_graph(runtime: AgentRuntime) -> None:
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock,
                                   {"name": "Иван Петров", "company": "Клиника", "channel": "console"})
    channel = Recorder()
    await pump(runtime, [channel])
    key = await say(runtime.store, contact["_id"], "Пришлите презентацию", runtime.clock.now())
    await pump(runtime, [channel])
    sent = len(channel.sent)
    # As if a worker died after the graph finished but before the inbox was marked done:
    await runtime.store.inbox.col.update_one({"_id": key}, {"$set": {"status": "pending"}})
    await pump(runtime, [channel])
    doc = await runtime.store.inbox.get(key)
    assert doc["status"] == "done" and doc["result"]["skip"] == "already processed"
    assert len(channel.sent) == sent
    assert await runtime.store.outbox.col.count_documents({"contact_id": contact["_id"]}) == sent


def test_a_remembering_saver_serializes_each_checkpoint_once_and_keeps_the_stored_bytes(
        mongo_uri: str, db_name: str) -> None:
    from pymongo import MongoClient

    from agent.checkpoints import TurnSaver
    from agent.graph import build_graph

    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    try:
        saver = TurnSaver(client, db_name=db_name)
        saver.remember_own(True)
        inner = saver.serde._serde  # the wrapped serializer: count what really gets serialized
        dumped: list[object] = []
        original = inner.dumps_typed

        def counting(obj: object) -> tuple[str, bytes]:
            dumped.append(obj)
            return original(obj)

        inner.dumps_typed = counting
        graph = build_graph(saver)
        config = {"configurable": {"thread_id": "t-once"}}
        graph.update_state(config, {"history": [{"role": "client", "text": "Здравствуйте"}]})
        checkpoints = [o for o in dumped if isinstance(o, dict) and "channel_values" in o]
        assert len(checkpoints) == len({id(o) for o in checkpoints}) >= 1  # each one dumped once

        stored = saver.checkpoint_collection.find_one({"thread_id": "t-once"}, sort=[("checkpoint_id", -1)])
        remembered = saver._latest[("t-once", "")]
        assert remembered["checkpoint"] == stored["checkpoint"]
        from_memory = saver.get_tuple(config)
        assert from_memory is not None
        assert from_memory.checkpoint == saver.serde.loads_typed((stored["type"], stored["checkpoint"]))
    finally:
        client.close()
