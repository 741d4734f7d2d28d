"""The whole pipeline (inbox → worker → graph → outbox → console) with the real ChatOllama client
talking HTTP to the fake Ollama server, provider chosen by `auto` probing it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from agent.clock import SimulatedClock
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime, open_runtime
from agent.settings import Settings
from agent.understanding.reading import ModelReading
from channels.console import ConsoleChannel, say
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama, http_status

pytestmark = pytest.mark.integration

FACTS_PHRASE = "Зависит от числа точек и площадок"  # prompts/product_facts.md, section «Цена»
QUESTION = "А с какими площадками вы работаете?"
ANSWER = "Мы собираем отзывы с Яндекс Карт, 2ГИС, Google Maps, Отзовика, IRecommend и Flamp в одну ленту."


class Recorder(ConsoleChannel):
    def __init__(self) -> None:
        super().__init__(Console(file=StringIO()))


@dataclass
class Setup:
    rt: AgentRuntime
    fake: FakeOllama
    clock: SimulatedClock
    channel: Recorder
    contact: dict[str, Any]

    def replies(self) -> list[str]:
        return [m.text for m in self.channel.sent if m.kind != "team"]

    def team_notes(self) -> list[str]:
        return [m.text for m in self.channel.sent if m.kind == "team"]

    async def say(self, text: str) -> str:
        self.clock.advance(timedelta(hours=2))
        return await say(self.rt.store, self.contact["_id"], text, self.clock.now())

    async def turn(self, text: str) -> tuple[dict[str, Any], int]:
        """The client writes, everything runs; (inbox doc, /api/chat requests made for the turn)."""
        before = len(self.fake.chat_bodies)
        key = await self.say(text)
        await pump(self.rt, [self.channel])
        return await self.rt.store.inbox.get(key), len(self.fake.chat_bodies) - before

    async def stored_contact(self) -> dict[str, Any]:
        return await self.rt.store.contacts.require(self.contact["_id"])


@pytest.fixture
async def fake() -> AsyncIterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
async def setup(settings: Settings, clock: SimulatedClock, fake: FakeOllama) -> AsyncIterator[Setup]:
    ollama_settings = settings.model_copy(update={
        "llm_provider": "auto",
        "ollama_base_url": fake.base_url,
        "ollama_model": DEFAULT_MODEL,
        "ollama_timeout_s": 1.0,
        "llm_retries": 1,
        "worker_max_attempts": 2,
        "retry_backoff_s": 0.0,
    })
    async with open_runtime(ollama_settings, clock=clock) as rt:
        try:
            assert rt.provider == "ollama" and rt.llm is not None and rt.notice is None
            contact, _ = await add_contact(rt.store, rt.settings, clock,
                                           {"name": "Иван Петров", "company": "Сеть клиник «Здоровье»",
                                            "channel": "console"})
            channel = Recorder()
            await pump(rt, [channel])
            # the outreach turn is written from templates: the model is never asked
            assert fake.chat_bodies == []
            assert len(channel.sent) == 1 and "Иван" in channel.sent[0].text
            yield Setup(rt, fake, clock, channel, contact)
        finally:
            await rt.store.client.drop_database(ollama_settings.mongodb_db)


def handoff_text(rt: AgentRuntime) -> str:
    return rt.prompts.render("handoff_client")


async def test_question_is_answered_by_the_model_in_one_request(setup: Setup) -> None:
    setup.fake.push({"intent": "question", "question": QUESTION, "topics": ["platforms"], "answer": ANSWER})
    doc, requests = await setup.turn(QUESTION)

    assert requests == 1
    assert ANSWER in setup.replies()[-1]
    [body] = setup.fake.chat_bodies
    assert body["model"] == DEFAULT_MODEL
    assert body["format"] == ModelReading.model_json_schema()
    system = body["messages"][0]
    assert system["role"] == "system" and FACTS_PHRASE in system["content"]
    assert body["messages"][-1] == {"role": "user", "content": QUESTION}
    # the outreach is in the history the model saw, as the assistant's turn
    assert body["messages"][-2]["role"] == "assistant" and "Иван" in body["messages"][-2]["content"]

    assert doc["status"] == "done" and doc["attempts"] == 1
    assert doc["result"]["source"] == "llm" and doc["result"]["intent"] == "question"
    cached = doc["understanding"]
    assert cached["handoff_reason"] is None
    assert cached["reading"]["answer"] == ANSWER and cached["reading"]["source"] == "llm"
    stored = await setup.stored_contact()
    assert stored["status"] == "active" and stored["stage"] == "engaged"
    assert stored["next_timer"]["kind"] == "follow_up"


async def test_model_500_waits_for_the_host_and_is_not_a_failed_try(setup: Setup) -> None:
    """The outage itself (waiting, order, the limit) is tested in test_model_outage.py."""
    setup.fake.default = http_status(500, "CUDA error: out of memory")
    key = await setup.say(QUESTION)
    worker = setup.rt.worker("w-test")

    assert await worker.process_one() is True  # the model host fails, the worker survives
    doc = await setup.rt.store.inbox.get(key)
    assert doc["status"] == "pending" and doc["attempts"] == 0 and doc["llm_waits"] == 1
    assert "HTTP 500" in doc["llm_wait_reason"] and "errors" not in doc
    assert "understanding" not in doc  # nothing cached: the next try asks the model again
    assert len(setup.fake.chat_bodies) == 2  # one call + one retry (llm_retries=1)
    assert (await setup.stored_contact())["status"] == "active"
    assert len(setup.channel.sent) == 1  # nothing was sent to the client yet

    setup.fake.default = {"intent": "question", "question": QUESTION, "answer": ANSWER}
    setup.clock.advance(timedelta(seconds=1))  # past the backoff: the host is back
    await pump(setup.rt, [setup.channel])
    doc = await setup.rt.store.inbox.get(key)
    assert doc["status"] == "done" and doc["attempts"] == 1 and doc["result"]["actions"] != ["handoff"]
    assert ANSWER in setup.replies()[-1]
    assert await setup.rt.store.inbox.count_by_status() == {"done": 2}  # outreach + this; none lost


async def test_malformed_answer_hands_off_on_the_first_try(setup: Setup) -> None:
    setup.fake.default = '{"intent": "question", "answer": "Мы работаем с'  # truncated JSON
    doc, requests = await setup.turn(QUESTION)

    assert requests == 2  # one call + one retry, then the answer is given up on
    assert doc["status"] == "done" and doc["attempts"] == 1 and "errors" not in doc
    assert doc["result"]["actions"] == ["handoff"]
    assert "unusable" in doc["understanding"]["handoff_reason"]
    stored = await setup.stored_contact()
    assert stored["status"] == "handoff"
    reply = setup.replies()[-1]
    assert handoff_text(setup.rt) in reply
    assert "Мы работаем с" not in reply


async def test_opt_out_never_reaches_the_model(setup: Setup) -> None:
    setup.fake.default = {"intent": "question", "answer": ANSWER}
    doc, requests = await setup.turn("Пожалуйста, не пишите мне больше.")

    assert requests == 0
    assert doc["result"]["intent"] == "opt_out" and doc["result"]["source"] == "rules"
    assert doc["result"]["actions"] == ["opt_out"] and doc["result"]["replied"] is False
    assert "understanding" not in doc
    assert len(setup.channel.sent) == 1  # only the outreach, ever
    assert (await setup.stored_contact())["status"] == "opted_out"


async def test_start_command_is_settled_by_rules_without_the_model(setup: Setup) -> None:
    setup.fake.default = {"intent": "other"}
    doc, requests = await setup.turn("/start")

    assert requests == 0
    assert doc["result"]["intent"] == "restart" and doc["result"]["source"] == "rules"
    assert doc["result"]["actions"] == ["restart"]
    assert "Что Вам интересно?" in setup.replies()[-1]
    assert (await setup.stored_contact())["stage"] == "restarted"


async def test_stop_writing_to_me_write_to_x_is_settled_without_the_model(setup: Setup) -> None:
    """Both wishes are read by the rules, so the model is not asked (its reading would be dropped)."""
    setup.fake.default = {"intent": "question", "answer": ANSWER}
    text = "Мне больше не пишите, я бухгалтер. По отзывам — к управляющей Марине Ковалёвой: m.kovaleva@teplyhleb.ru"
    doc, requests = await setup.turn(text)

    assert requests == 0
    assert doc["result"]["source"] == "rules" and sorted(doc["result"]["actions"]) == ["create_contact", "opt_out"]
    assert (await setup.stored_contact())["status"] == "opted_out"


async def test_the_clients_own_new_address_moves_the_conversation_with_the_models_answer(setup: Setup) -> None:
    """With a model, the reading is the model's, and the move is the rules' (the address is taken from
    the client's words, never from the model)."""
    setup.fake.default = {"intent": "question", "question": QUESTION, "topics": ["platforms"], "answer": ANSWER}
    doc, requests = await setup.turn(f"Моя новая почта — ivan.new@zdorovie.ru, пишите туда. {QUESTION}")

    assert requests == 1 and doc["result"]["source"] == "llm"
    stored = await setup.stored_contact()
    assert stored["email"] == "ivan.new@zdorovie.ru" and stored["status"] == "active"
    reply = setup.replies()[-1]
    assert "ivan.new@zdorovie.ru" in reply and ANSWER in reply
