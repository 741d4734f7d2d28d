"""Every query a whole conversation sends stays cheap on any MongoDB: no top-level `$or`/`$where`/
`$nor`, and the first key is `_id` or a field that leads an index the code creates. A reply turn
takes at most `MAX_REPLY_ROUND_TRIPS` commands from claim to completion (one worker on the database,
as on the embedded default: the event taken with one read, no contact lock, the checkpoint from
memory, the reply and team notes in one insert; the sender checks the suppression list)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from agent.clock import SimulatedClock
from agent.operations import add_contact, opt_out
from agent.pump import pump
from agent.runtime import AgentRuntime, open_runtime
from agent.settings import Settings
from channels.console import say
from tests.integration.test_conversation_flows import Recorder
from tests.support.commands import Command, CommandRecorder

pytestmark = pytest.mark.integration

FORBIDDEN = ("$or", "$where", "$nor", "$expr")
MAX_REPLY_ROUND_TRIPS = 8  # 17-18 before issue 12 (see bench/README.md)


@pytest.fixture
async def recorded(settings: Settings, clock: SimulatedClock) -> AsyncIterator[tuple[AgentRuntime, CommandRecorder]]:
    recorder = CommandRecorder()
    async with open_runtime(settings, clock=clock, provider="rules", listeners=[recorder]) as rt:
        rt.worker(exclusive=True)  # one worker on the database, as on the embedded default: no contact lock
        yield rt, recorder
        await rt.store.client.drop_database(settings.mongodb_db)


async def index_leaders(rt: AgentRuntime) -> dict[str, set[str]]:
    """The first field of every index on every collection."""
    leaders: dict[str, set[str]] = {}
    for name in await rt.store.db.list_collection_names():
        info = await rt.store.db[name].index_information()
        leaders[name] = {spec["key"][0][0] for spec in info.values()}
    return leaders


def shape_problems(commands: list[Command], leaders: dict[str, set[str]]) -> list[str]:
    problems = []
    for command in commands:
        for query in command.filters:
            where = f"{command.name} {command.collection} {query}"
            if not query:
                if command.name in ("find", "update", "delete", "findAndModify"):
                    problems.append(f"unfiltered: {where}")
                continue
            if bad := [k for k in query if k in FORBIDDEN]:
                problems.append(f"top-level {bad}: {where}")
            first = next(iter(query))
            if first != "_id" and first not in leaders.get(command.collection, set()):
                problems.append(f"first key {first!r} leads no index: {where}")
    return problems


async def reply_turn(rt: AgentRuntime, recorder: CommandRecorder, contact_id: str, text: str) -> list[Command]:
    """The commands of one reply event, from its claim to its completion."""
    assert isinstance(rt.clock, SimulatedClock)
    rt.clock.advance(timedelta(hours=2))
    await say(rt.store, contact_id, text, rt.clock.now())
    worker = rt.workers[0] if rt.workers else rt.worker()
    mark = recorder.mark()
    assert await worker.process_one()
    return recorder.since(mark)


async def conversation(rt: AgentRuntime, recorder: CommandRecorder) -> dict[str, list[Command]]:
    """Outreach, a deck, a demo, silence (follow-up timers), a referral, an opt-out."""
    assert isinstance(rt.clock, SimulatedClock)
    channel = Recorder()
    turns: dict[str, list[Command]] = {}
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                   {"name": "Иван Петров", "company": "Сеть клиник «Здоровье»", "channel": "console"})
    await pump(rt, [channel])
    turns["deck"] = await reply_turn(rt, recorder, contact["_id"], "Пришлите, пожалуйста, презентацию")
    await pump(rt, [channel])
    turns["demo"] = await reply_turn(rt, recorder, contact["_id"], "Давайте созвонимся завтра в три часа дня")
    await pump(rt, [channel])
    turns["question"] = await reply_turn(rt, recorder, contact["_id"], "Сколько это стоит?")
    await pump(rt, [channel])
    other, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                 {"name": "Пётр", "company": "Клиника «Север»", "channel": "console"})
    await pump(rt, [channel])
    for _ in range(3):  # silence: follow-ups, then the close
        rt.clock.advance(timedelta(days=8))
        await pump(rt, [channel])
    turns["referral"] = await reply_turn(rt, recorder, other["_id"],
                                         "Это не ко мне, напишите Марии, maria@example.com")
    await pump(rt, [channel])
    turns["opt_out"] = await reply_turn(rt, recorder, other["_id"], "Больше не пишите мне")
    await pump(rt, [channel])
    await opt_out(rt.store, rt.clock, contact["_id"])
    await pump(rt, [channel])
    return turns


async def test_every_query_of_a_conversation_is_index_led(recorded: tuple[AgentRuntime, CommandRecorder]) -> None:
    rt, recorder = recorded
    await conversation(rt, recorder)
    assert len(recorder.commands) > 50
    problems = shape_problems(recorder.commands, await index_leaders(rt))
    assert problems == [], "\n".join(problems)


async def test_a_reply_turn_takes_few_round_trips(recorded: tuple[AgentRuntime, CommandRecorder]) -> None:
    rt, recorder = recorded
    turns = await conversation(rt, recorder)
    counts: dict[str, Any] = {name: len(commands) for name, commands in turns.items()}
    print("round trips per reply turn:", counts)
    for name in ("deck", "demo", "question"):
        assert counts[name] <= MAX_REPLY_ROUND_TRIPS, (name, [(c.name, c.collection, c.filters) for c in turns[name]])


async def test_a_reply_is_claimed_before_500_pending_outreach_events(recorded: tuple[AgentRuntime, CommandRecorder]
                                                                     ) -> None:
    from agent.contracts import InboundMessage

    rt, _ = recorded
    now = rt.clock.now()
    for i in range(500):
        await rt.store.inbox.ingest(InboundMessage(key=f"timer:t:outreach:c-{i}", kind="timer", channel="system",
                                                   contact_id=f"c-{i}", timer_kind="outreach", timer_id=f"t:{i}",
                                                   received_at=now), now)
    await rt.store.inbox.ingest(InboundMessage(key="timer:t:follow", kind="timer", channel="system",
                                               contact_id="c-x", timer_kind="follow_up", timer_id="t:f",
                                               received_at=now), now)
    assert isinstance(rt.clock, SimulatedClock)
    rt.clock.advance(timedelta(seconds=1))
    key = await say(rt.store, "c-late", "Пришлите презентацию", rt.clock.now())
    first = await rt.store.inbox.claim("w", rt.clock.now(), 60)
    second = await rt.store.inbox.claim("w", rt.clock.now(), 60)
    assert first is not None and first["_id"] == key
    assert second is not None and second["_id"] == "timer:t:follow"


async def test_first_messages_are_released_in_batches(recorded: tuple[AgentRuntime, CommandRecorder]) -> None:
    from agent.scheduler import OUTREACH_CAP, fire_due_timers

    rt, _ = recorded
    now = rt.clock.now()
    for i in range(OUTREACH_CAP + 30):
        await rt.store.timers.schedule(f"t:outreach:c-{i}", f"c-{i}", "outreach", now, now)
    await rt.store.timers.schedule("t:follow", "c-x", "follow_up", now + timedelta(seconds=1), now)
    assert isinstance(rt.clock, SimulatedClock)
    rt.clock.advance(timedelta(seconds=2))
    assert await fire_due_timers(rt.store, rt.clock) == OUTREACH_CAP + 1  # the follow-up is not held back
    assert await fire_due_timers(rt.store, rt.clock) == 0  # nothing claimed yet: no room
    assert await rt.store.inbox.pending_outreach(1000) == OUTREACH_CAP


async def test_a_reply_to_a_suppressed_address_is_stopped_by_the_sender(
        recorded: tuple[AgentRuntime, CommandRecorder]) -> None:
    """A reply turn no longer reads the suppression list; the sender's check right before sending
    is the gate, and it holds: an address suppressed behind the conversation's back gets nothing."""
    rt, _ = recorded
    assert isinstance(rt.clock, SimulatedClock)
    channel = Recorder()
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock, {"name": "Олег", "channel": "console"})
    await pump(rt, [channel])
    assert len(channel.sent) == 1  # the first message
    await rt.store.suppressions.add([f"contact:{contact['_id']}"], contact["_id"], "unsubscribed", rt.clock.now())
    rt.clock.advance(timedelta(hours=1))
    await say(rt.store, contact["_id"], "Пришлите, пожалуйста, презентацию", rt.clock.now())
    await pump(rt, [channel])
    assert len(channel.sent) == 1  # nothing more went out
    replies = [d for d in await rt.store.outbox.for_contact(contact["_id"]) if d["_id"].endswith(":reply")]
    assert replies[-1]["status"] == "suppressed"
