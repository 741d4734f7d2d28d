"""A crash after the contact moved to its new email and before the reply was queued: the replay
reads the message as the first try did (the reading is cached on the inbox event before the move),
so the reply goes out once, to the new address, and no person is bothered."""

from __future__ import annotations

import pytest

from agent.runtime import AgentRuntime
from agent.store.outbox import OutboxRepo
from tests.integration.test_conversation_flows import client_says, start, until_done

pytestmark = pytest.mark.integration

TEXT = "Этот ящик в декабре отключат, пишите мне на новый адрес: anna.new@lavka.ru"


async def test_a_crash_between_the_move_and_the_reply_sends_once_to_the_new_address(
        runtime: AgentRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    contact, channel = await start(runtime, name="Анна Смирнова", email="anna@lavka.ru")
    real = OutboxRepo.enqueue_many
    crashed: list[bool] = []

    async def crash_once(self: OutboxRepo, messages, now):  # type: ignore[no-untyped-def]
        if not crashed and any(m.key.endswith(":reply") for m in messages):
            crashed.append(True)
            raise ConnectionError("the database went away mid-turn")
        return await real(self, messages, now)

    monkeypatch.setattr(OutboxRepo, "enqueue_many", crash_once)
    sent_before = len(channel.sent)
    doc = await client_says(runtime, contact, TEXT, channel)
    doc = await until_done(runtime, doc, channel)  # the failed try is retried

    assert crashed and doc["status"] == "done"
    stored = await runtime.store.contacts.require(contact["_id"])
    assert (stored["email"], stored["status"]) == ("anna.new@lavka.ru", "active")
    replies = [m for m in channel.sent[sent_before:] if m.kind != "team"]
    assert len(replies) == 1 and "anna.new@lavka.ru" in replies[0].text
    assert [m for m in channel.sent[sent_before:] if m.kind == "team"] == []  # no hand-off
