"""A message to a client waits while the client has written something the agent has not read yet:
a reply written before the client's «stop» arrived is never sent after it (the case a soak found:
the worker answered an earlier question while the opt-out sat in the inbox behind it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agent.clock import SimulatedClock
from agent.runtime import AgentRuntime
from agent.sending import HOLD_S, send_one
from channels.console import say
from cli.history import history_rows
from tests.integration.test_conversation_flows import Recorder, start


async def answered_but_not_sent(rt: AgentRuntime, contact: dict[str, Any], text: str) -> dict[str, Any]:
    """The client writes; the worker answers; the answer waits in the outbox."""
    assert isinstance(rt.clock, SimulatedClock)
    rt.clock.advance(timedelta(hours=2))
    key = await say(rt.store, contact["_id"], text, rt.clock.now())
    worker = rt.workers[0] if rt.workers else rt.worker()
    assert await worker.process_one()
    reply = await rt.store.outbox.get(f"{key}:reply")
    assert reply is not None and reply["status"] == "pending"
    return reply


async def test_a_reply_waiting_when_the_opt_out_arrives_is_never_sent(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    reply = await answered_but_not_sent(runtime, contact, "Пришлите, пожалуйста, презентацию")
    await say(runtime.store, contact["_id"], "Больше не пишите мне", runtime.clock.now())

    assert await send_one(runtime.store, channel, runtime.clock)  # claimed, then held
    held = await runtime.store.outbox.get(reply["_id"])
    assert held["status"] == "pending" and "wrote again" in held["held"]
    assert held["attempts"] == 0  # a hold is not a failed try
    assert held["available_at"] == runtime.clock.now() + timedelta(seconds=HOLD_S)
    assert not await send_one(runtime.store, channel, runtime.clock)  # not before the hold ends
    assert len(channel.sent) == 1  # only the first message
    rows = history_rows(await runtime.store.inbox.for_contact(contact["_id"]),
                        await runtime.store.outbox.for_contact(contact["_id"]))
    assert any(note == f"pending: held: {held['held']}" for _at, _who, _text, note in rows)  # `contacts show`

    worker = runtime.workers[0]
    assert await worker.process_one()  # the opt-out is read
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.advance(timedelta(seconds=HOLD_S))
    while await send_one(runtime.store, channel, runtime.clock):
        pass
    assert (await runtime.store.outbox.get(reply["_id"]))["status"] == "suppressed"
    assert len(channel.sent) == 1


async def test_the_held_reply_goes_once_the_new_message_is_read(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    reply = await answered_but_not_sent(runtime, contact, "Пришлите, пожалуйста, презентацию")
    later = await say(runtime.store, contact["_id"], "И сколько это стоит?", runtime.clock.now())

    assert await send_one(runtime.store, channel, runtime.clock)
    assert (await runtime.store.outbox.get(reply["_id"]))["status"] == "pending"
    assert await runtime.workers[0].process_one()
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.advance(timedelta(seconds=HOLD_S))
    while await send_one(runtime.store, channel, runtime.clock):
        pass
    sent = await runtime.store.outbox.get(reply["_id"])
    assert sent["status"] == "sent" and sent["checked_at"] >= sent["held_at"]
    second = await runtime.store.outbox.get(f"{later}:reply")
    assert second["status"] == "pending" and "earlier message" in second["held"]  # it was claimed first
    runtime.clock.advance(timedelta(seconds=HOLD_S))
    while await send_one(runtime.store, channel, runtime.clock):
        pass
    assert (await runtime.store.outbox.get(f"{later}:reply"))["status"] == "sent"
    assert [m.key for m in channel.sent[1:]] == [reply["_id"], f"{later}:reply"]  # in the order written


async def test_the_message_being_answered_does_not_hold_its_own_reply(runtime: AgentRuntime) -> None:
    """With one worker on the database the event is taken without a claim and stays `pending` until
    its turn completes; its own reply names it (`meta.event`) and is not held by it."""
    contact, channel = await start(runtime)
    reply = await answered_but_not_sent(runtime, contact, "Пришлите, пожалуйста, презентацию")
    assert reply["meta"]["event"] == reply["_id"].removesuffix(":reply")
    await runtime.store.inbox.col.update_one({"_id": reply["meta"]["event"]}, {"$set": {"status": "pending"}})
    assert await send_one(runtime.store, channel, runtime.clock)
    assert (await runtime.store.outbox.get(reply["_id"]))["status"] == "sent"


async def test_team_notes_are_not_held(runtime: AgentRuntime) -> None:
    contact, _ = await start(runtime)
    team = Recorder(name=runtime.settings.team_channel)
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.advance(timedelta(hours=2))
    await say(runtime.store, contact["_id"], "Нам нужна разработка мобильного приложения, с кем обсудить?", runtime.clock.now())
    assert await runtime.workers[0].process_one()
    notes = [d for d in await runtime.store.outbox.for_contact(contact["_id"]) if d["kind"] == "team"]
    assert notes, "the hand-off writes a team note"
    await say(runtime.store, contact["_id"], "И ещё: больше не пишите", runtime.clock.now())
    while await send_one(runtime.store, team, runtime.clock):
        pass
    assert {(await runtime.store.outbox.get(n["_id"]))["status"] for n in notes} == {"sent"}



async def test_a_long_hold_backs_off(runtime: AgentRuntime) -> None:
    """An unread message may wait an hour for the model host: the held reply is looked at again
    after 1, 2, 4, 8 s, then every 15 s, not every second."""
    contact, channel = await start(runtime)
    reply = await answered_but_not_sent(runtime, contact, "Пришлите, пожалуйста, презентацию")
    await say(runtime.store, contact["_id"], "А вы с 2ГИС работаете?", runtime.clock.now())
    assert isinstance(runtime.clock, SimulatedClock)
    delays = []
    for _ in range(6):
        assert await send_one(runtime.store, channel, runtime.clock)
        held = await runtime.store.outbox.get(reply["_id"])
        delays.append((held["available_at"] - runtime.clock.now()).total_seconds())
        runtime.clock.advance(held["available_at"] - runtime.clock.now())
    assert delays == [1, 2, 4, 8, 15, 15]
    assert held["holds"] == 6 and held["attempts"] == 0 and len(channel.sent) == 1
