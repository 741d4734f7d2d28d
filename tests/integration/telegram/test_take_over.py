"""A person of the sales team answers in the lead's Telegram chat, as the bot, through the outbox."""

from __future__ import annotations

import pytest

from agent.operations import give_back, send_as_person, take_over
from tests.integration.telegram.conftest import Harness

pytestmark = pytest.mark.integration

CHAT = 8301


async def test_a_persons_reply_goes_to_the_same_chat_and_the_agent_continues(tg: Harness) -> None:
    await tg.send(CHAT, "/start")
    assert len(tg.new_texts(CHAT)) == 1  # the agent's greeting
    contact = await tg.contact(CHAT)
    assert contact is not None
    await take_over(tg.rt.store, tg.rt.clock, contact["_id"], "Мария")
    await tg.send(CHAT, "А можно поговорить с человеком?")
    assert tg.new_texts(CHAT) == []  # taken over: the agent answers nothing
    text = "Здравствуйте! Это Мария из отдела продаж Napoleon IT. Чем могу помочь?"
    await send_as_person(tg.rt.store, tg.rt.clock, contact["_id"], text, "Мария")
    await tg.pump()
    assert tg.new_texts(CHAT) == [text]
    await give_back(tg.rt.store, tg.rt.clock, contact["_id"], "Мария")
    await tg.send(CHAT, "Пришлите, пожалуйста, презентацию")
    assert len(tg.new_texts(CHAT)) == 1  # the agent answers again
    state = await tg.rt.graph.aget_state({"configurable": {"thread_id": contact["_id"]}})
    people = [t for t in state.values["history"] if t["role"] == "person"]
    assert [(p["by"], p["text"], p["channel"]) for p in people] == [("Мария", text, "telegram")]
