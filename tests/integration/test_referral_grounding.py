"""Referrals are grounded, through the real pipeline (rules mode and the real ChatOllama client
against the fake Ollama): only addresses the client wrote, valid, not ours, not suppressed, one
contact each within the limits; the reply says what really happened."""

from __future__ import annotations

from typing import Any

import pytest

from agent.runtime import AgentRuntime
from tests.integration import test_ollama_graph_path as base
from tests.integration.test_conversation_flows import Recorder, client_says, start
from tests.integration.test_ollama_graph_path import Setup

pytestmark = pytest.mark.integration

fake, setup = base.fake, base.setup


async def referred(rt: AgentRuntime, contact: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in await rt.store.contacts.list() if c.get("referred_by") == contact["_id"]]


def last_reply(channel: Recorder) -> str:
    return [m for m in channel.sent if m.kind != "team"][-1].text


async def test_three_addresses_create_three_contacts(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    text = "Напишите нашим маркетологам: p1@volna-hotel.ru, p2@volna-hotel.ru, p3@volna-hotel.ru"
    doc = await client_says(runtime, contact, text, channel)
    assert doc["result"]["actions"] == ["create_contact"]
    new = await referred(runtime, contact)
    assert sorted(c["email"] for c in new) == ["p1@volna-hotel.ru", "p2@volna-hotel.ru", "p3@volna-hotel.ru"]
    reply = last_reply(channel)
    assert "Каждый из коллег" in reply and "p3@volna-hotel.ru" in reply
    assert (await runtime.store.contacts.require(contact["_id"]))["referrals_made"] == 3


async def test_at_most_three_per_message_and_the_rest_is_said(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    text = "Пишите маркетологам: a1@volna.ru, a2@volna.ru, a3@volna.ru, a4@volna.ru"
    await client_says(runtime, contact, text, channel)
    assert len(await referred(runtime, contact)) == 3
    assert "a4@volna.ru мы написать не сможем" in last_reply(channel)


async def test_the_agents_own_address_and_domain_create_none(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    own = runtime.settings.sender_email
    domain = own.split("@")[1]
    doc = await client_says(runtime, contact, f"Этим занимается коллега, напишите ей: {own} или sales@{domain}",
                            channel)
    assert "create_contact" not in doc["result"]["actions"]
    assert await referred(runtime, contact) == []
    assert "написать не сможем" in last_reply(channel)
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "active"


async def test_an_invalid_address_creates_none_and_is_said(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Этим занимается маркетолог Ольга, напишите ей: olga@@volna", channel)
    assert await referred(runtime, contact) == []
    assert "olga@@volna" in last_reply(channel) and "написать не сможем" in last_reply(channel)


async def test_a_suppressed_address_creates_none(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await runtime.store.suppressions.add(["email:gone@volna.ru"], "c-other", "opt_out", runtime.clock.now())
    await client_says(runtime, contact, "Этим занимается маркетолог Ольга, напишите ей: gone@volna.ru", channel)
    assert await referred(runtime, contact) == []
    assert "написать не сможем" in last_reply(channel)


async def test_a_closed_conversation_creates_none(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Этим занимается маркетолог Ольга, напишите ей: olga@volna.ru", channel)
    assert len(await referred(runtime, contact)) == 1
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "closed"
    await client_says(runtime, contact, "И ещё напишите директору: boss@volna.ru", channel)
    assert len(await referred(runtime, contact)) == 1


async def test_the_limit_per_conversation(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await runtime.store.contacts.update(contact["_id"], runtime.clock.now(), referrals_made=4)
    await client_says(runtime, contact, "Пишите маркетологам: b1@volna.ru, b2@volna.ru", channel)
    assert [c["email"] for c in await referred(runtime, contact)] == ["b1@volna.ru"]
    assert "b2@volna.ru мы написать не сможем" in last_reply(channel)


async def test_an_address_the_model_invented_is_dropped(setup: Setup) -> None:
    text = "Этим у нас занимается маркетолог Ольга Смирнова, спросите у неё."
    setup.fake.push({"intent": "referral", "referral": {"name": "Ольга Смирнова", "email": "olga@invented.ru"}})
    doc, _ = await setup.turn(text)
    assert await referred(setup.rt, setup.contact) == []
    assert "create_contact" not in doc["result"]["actions"]
    reply = setup.replies()[-1]
    assert "olga@invented.ru" not in reply and "Поделитесь" in reply


async def test_an_address_the_client_wrote_is_kept_on_the_model_path(setup: Setup) -> None:
    text = "Этим у нас занимается маркетолог Ольга Смирнова: olga.s@volna.ru"
    setup.fake.push({"intent": "referral", "referral": {"name": "Ольга Смирнова", "email": "olga.s@volna.ru"}})
    doc, _ = await setup.turn(text)
    assert doc["result"]["actions"] == ["create_contact"]
    [new] = await referred(setup.rt, setup.contact)
    assert new["email"] == "olga.s@volna.ru" and new["name"] == "Ольга Смирнова"
    assert "Ольга Смирнова" in setup.replies()[-1]
