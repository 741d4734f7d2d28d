"""A crash after an opt-out's turn queued the team's note that the booked demo is off, and before
the turn finished: the replay suppresses the client's pending messages again, but the team's note is
not the client's, so it still goes out, once, and the client still gets nothing."""

from __future__ import annotations

import pytest

from agent.runtime import AgentRuntime
from agent.store.events import EventRepo
from tests.integration.test_conversation_flows import client_says, start, until_done

pytestmark = pytest.mark.integration


async def test_a_crash_after_the_note_was_queued_still_tells_the_team_once(
        runtime: AgentRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Давайте созвонимся завтра в три часа дня", channel)
    real = EventRepo.record_many
    crashed: list[bool] = []

    async def crash_once(self: EventRepo, facts):  # type: ignore[no-untyped-def]
        if not crashed and any(type_ == "opted_out" for _key, _contact, type_, _at, _data in facts):
            crashed.append(True)
            raise ConnectionError("the database went away mid-turn")
        return await real(self, facts)

    monkeypatch.setattr(EventRepo, "record_many", crash_once)
    before = len(channel.sent)
    doc = await client_says(runtime, contact, "Передумали, больше нам не пишите.", channel)
    doc = await until_done(runtime, doc, channel)  # the failed try is retried

    assert crashed and doc["status"] == "done"
    after = channel.sent[before:]
    assert [m.kind for m in after] == ["team"]  # the client gets nothing; the team's note is not lost
    assert "не состоится" in after[0].text
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "opted_out" and stored["demo_at"] is None
