"""Retention keeps what a conversation needs: after pruning, the latest checkpoint is there and
the conversation carries on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.retention import prune
from agent.runtime import AgentRuntime
from tests.integration.test_conversation_flows import client_says, start

pytestmark = pytest.mark.integration


async def checkpoint_ids(rt: AgentRuntime, thread_id: str) -> list[str]:
    cursor = rt.store.db["checkpoints"].find({"thread_id": thread_id}, {"checkpoint_id": 1}).sort("checkpoint_id", -1)
    return [doc["checkpoint_id"] async for doc in cursor]


async def test_pruning_keeps_the_latest_checkpoint_and_the_conversation_goes_on(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Пришлите, пожалуйста, презентацию", channel)
    await client_says(runtime, contact, "Сколько это стоит?", channel)
    before = await checkpoint_ids(runtime, contact["_id"])
    assert len(before) >= 3
    runtime.clock.advance(timedelta(days=99))  # type: ignore[attr-defined]  # a Thursday: "tomorrow" is a working day
    settings = runtime.settings.model_copy(update={"retention_checkpoints_keep": 1})
    pruned = await prune(runtime.store, runtime.clock, settings, runtime.prune_checkpoints)
    assert pruned.checkpoints == len(before) - 1
    assert pruned.events >= 3 and pruned.timers >= 1  # the outreach timer fired, the follow-ups were replaced
    assert await checkpoint_ids(runtime, contact["_id"]) == before[:1]
    history = len(channel.sent)
    doc = await client_says(runtime, contact, "Давайте созвонимся завтра в три часа дня", channel)
    assert doc["result"]["actions"] == ["book_demo"]
    assert len(channel.sent) > history
    state = await runtime.graph.aget_state({"configurable": {"thread_id": contact["_id"]}})
    assert len(state.values["history"]) >= 6  # the turns before pruning are still in the conversation
