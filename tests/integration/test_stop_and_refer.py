""""Stop writing to me, write to X": the sender is suppressed and gets nothing, X is written to;
a stop for a group, or a named address that cannot be used, goes to a person instead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.pump import pump
from agent.runtime import AgentRuntime
from tests.integration.test_conversation_flows import Recorder, client_says, start

pytestmark = pytest.mark.integration

REDIRECT = "Мне больше не пишите, я бухгалтер. По отзывам — к управляющей Марине Ковалёвой: m.kovaleva@teplyhleb.ru"


async def test_the_sender_is_suppressed_and_the_named_person_is_written_to(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    sent_before = len(channel.sent)
    doc = await client_says(runtime, contact, REDIRECT, channel)
    assert doc["result"]["intent"] == "referral"
    assert sorted(doc["result"]["actions"]) == ["create_contact", "opt_out"]
    assert doc["result"]["replied"] is False
    old = await runtime.store.contacts.require(contact["_id"])
    assert old["status"] == "opted_out" and old["outcome"] == "referral" and old["next_timer"] is None
    assert await runtime.store.suppressions.any_suppressed([f"contact:{contact['_id']}"])
    new = await runtime.store.contacts.find_by_address("email", "m.kovaleva@teplyhleb.ru")
    assert new["referred_by"] == contact["_id"] and old["referred_contact_id"] == new["_id"]
    email = Recorder("email")
    runtime.clock.advance(timedelta(days=30))
    await pump(runtime, [channel, email])
    after = channel.sent[sent_before:]
    assert [m.kind for m in after] == ["team"]  # nothing to the sender, not even a thanks
    assert "m.kovaleva@teplyhleb.ru" in after[0].text and "стоп-лист" in after[0].text
    assert len(email.sent) >= 1 and all(m.contact_id == new["_id"] for m in email.sent)
    assert not await runtime.store.suppressions.any_suppressed(["email:m.kovaleva@teplyhleb.ru"])


async def test_a_stop_for_the_whole_team_is_held_for_a_person(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    sent_before = len(channel.sent)
    text = "Не пишите нам больше, ни мне, ни коллегам. Общий ящик office@teplyhleb.ru тоже не трогайте."
    doc = await client_says(runtime, contact, text, channel)
    assert doc["result"]["actions"] == ["handoff"]
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["stage"] == "possible_opt_out"
    assert await runtime.store.contacts.find_by_address("email", "office@teplyhleb.ru") is None
    assert [m.kind for m in channel.sent[sent_before:]] == ["team"]


async def test_a_named_address_that_cannot_be_used_is_held_for_a_person(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await runtime.store.suppressions.add(["email:m.kovaleva@teplyhleb.ru"], "someone-else", "opt_out",
                                         runtime.clock.now())
    sent_before = len(channel.sent)
    await client_says(runtime, contact, REDIRECT, channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["stage"] == "possible_opt_out"
    assert "использовать нельзя" in stored["handoff_reason"]
    assert await runtime.store.contacts.find_by_address("email", "m.kovaleva@teplyhleb.ru") is None
    assert [m.kind for m in channel.sent[sent_before:]] == ["team"]
    [checked] = [e for e in await runtime.store.events.for_contact(contact["_id"]) if e["type"] == "referral_checked"]
    assert checked["data"]["created"] == 0 and checked["data"]["refused"] == [["m.kovaleva@teplyhleb.ru", "suppressed"]]


async def test_several_addresses_are_held_for_a_person(runtime: AgentRuntime) -> None:
    """One of them may be the writer's own other address: who is X is a person's call."""
    contact, channel = await start(runtime)
    text = "Мне больше не пишите. По отзывам — к управляющей Марине: m.kovaleva@teplyhleb.ru. Мой рабочий: sorokina@teplyhleb.ru"
    await client_says(runtime, contact, text, channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and "несколько адресов" in stored["handoff_reason"]
    for address in ("m.kovaleva@teplyhleb.ru", "sorokina@teplyhleb.ru"):
        assert await runtime.store.contacts.find_by_address("email", address) is None


async def test_the_writers_own_address_is_never_the_new_contact(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime, email="m.kovaleva@teplyhleb.ru")
    await client_says(runtime, contact, REDIRECT, channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and "использовать нельзя" in stored["handoff_reason"]
    assert (await runtime.store.contacts.find_by_address("email", "m.kovaleva@teplyhleb.ru"))["_id"] == contact["_id"]
    assert await runtime.store.contacts.col.count_documents({}) == 1
