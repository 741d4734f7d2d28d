"""`sales-agent db copy --to URI`: a store with conversations, checkpoints and an opt-out is copied
to another database on the test server; counts match, a re-run changes nothing, and the
conversation continues on the target with its history."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from langgraph.checkpoint.mongodb import MongoDBSaver
from pymongo import MongoClient

from agent.graph import build_graph
from agent.pump import pump
from agent.runtime import AgentRuntime, open_runtime
from agent.store.suppressions import contact_addresses
from channels.console import say
from tests.integration.test_conversation_flows import Recorder, start
from tests.support.relay_proc import CLI, ROOT, cli_env

pytestmark = pytest.mark.integration


def counts(client: MongoClient, db: str) -> dict[str, int]:
    return {name: client[db][name].count_documents({}) for name in client[db].list_collection_names()}


def history(uri: str, db: str, thread: str) -> list[tuple[str, str]]:
    with MongoClient(uri, tz_aware=True) as client:
        values = build_graph(MongoDBSaver(client, db_name=db)).get_state({"configurable": {"thread_id": thread}}).values
    return [(h["role"], h["text"]) for h in values.get("history", [])]


def copy_cli(runtime: AgentRuntime, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "db", "copy", "--to", runtime.mongo_uri, "--to-db", target, "--batch", "7",
                           "--sample", "50"], env=cli_env(runtime.settings, COLUMNS="160"), capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


async def test_copy_verifies_is_idempotent_and_the_conversation_continues(runtime: AgentRuntime) -> None:
    rt = runtime
    ivan, channel = await start(rt)
    rt.clock.advance(timedelta(hours=1))
    await say(rt.store, ivan["_id"], "Пришлите презентацию, пожалуйста", rt.clock.now())
    await pump(rt, [channel])
    olga, _ = await start(rt, name="Ольга Смирнова", company="Сеть кофеен")
    await say(rt.store, olga["_id"], "Больше не пишите мне, пожалуйста", rt.clock.now())
    for n in range(20):  # enough documents for several batches
        await start(rt, name=f"Клиент {n}", company=f"Компания {n}")
    await pump(rt, [channel])
    assert await rt.store.suppressions.count() >= 1

    target = f"{rt.settings.mongodb_db}_copy"
    with MongoClient(rt.mongo_uri, tz_aware=True) as client:
        try:
            first = copy_cli(rt, target)
            assert first.returncode == 0, first.stdout + first.stderr
            assert "verified" in first.stdout and "NOT verified" not in first.stdout
            source_counts = counts(client, rt.settings.mongodb_db)
            assert {"checkpoints", "checkpoint_writes", "suppressions", "contacts", "inbox", "outbox",
                    "timers", "events"} <= set(source_counts)
            assert counts(client, target) == source_counts
            assert all(source_counts[c] > 0 for c in ("checkpoints", "suppressions", "outbox", "timers"))
            target_indexes = client[target]["inbox"].index_information()
            assert target_indexes.keys() == client[rt.settings.mongodb_db]["inbox"].index_information().keys()

            again = copy_cli(rt, target)  # idempotent: upserts by _id
            assert again.returncode == 0 and "verified" in again.stdout, again.stdout + again.stderr
            assert counts(client, target) == source_counts

            before = history(rt.mongo_uri, target, ivan["_id"])
            assert [role for role, _ in before] == ["agent", "client", "agent"]
            moved = rt.settings.model_copy(update={"mongodb_db": target})
            async with open_runtime(moved, clock=rt.clock, provider="rules") as there:
                assert await there.store.suppressions.any_suppressed(contact_addresses(olga))
                there.clock.advance(timedelta(hours=1))
                key = await say(there.store, ivan["_id"], "Спасибо! А можно созвониться завтра в 15:00?",
                                there.clock.now())
                await pump(there, [Recorder()])
                assert await there.store.outbox.col.find_one({"_id": f"{key}:reply"})
            after = history(rt.mongo_uri, target, ivan["_id"])
            assert after[:3] == before and [role for role, _ in after[3:]] == ["client", "agent"]
            assert history(rt.mongo_uri, rt.settings.mongodb_db, ivan["_id"]) == before  # the source is untouched
        finally:
            client.drop_database(target)


def test_copy_refuses_to_copy_a_database_onto_itself(settings) -> None:
    uri = settings.mongodb_uri.get_secret_value()
    result = subprocess.run([*CLI, "db", "copy", "--to", uri], env=cli_env(settings), capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "the target is the source" in result.stderr
