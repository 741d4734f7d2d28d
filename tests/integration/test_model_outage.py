"""Model outage: with the model host down (HTTP 500, refused connection) events wait for it —
not counted as failed tries, not handed off — and are answered in order when it is back. After
LLM_OUTAGE_MAX_WAIT_S the waiting event is handed off as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlparse

import pytest

from agent.clock import SimulatedClock
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import open_runtime
from agent.settings import Settings
from tests.integration import test_ollama_graph_path as base
from tests.integration.test_ollama_graph_path import Recorder, Setup, handoff_text
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama, http_status

pytestmark = pytest.mark.integration

fake = base.fake
FIRST, SECOND = "А с какими площадками вы работаете?", "И ещё: есть ли отчёты по филиалам?"
ANSWER_1 = "Мы собираем отзывы с Яндекс Карт, 2ГИС, Google Maps, Отзовика, IRecommend и Flamp."
ANSWER_2 = "Да, в отчётах есть сравнение филиалов и динамика рейтинга по точкам."


@pytest.fixture
async def setup(settings: Settings, clock: SimulatedClock, fake: FakeOllama) -> AsyncIterator[Setup]:
    ollama_settings = settings.model_copy(update={
        "llm_provider": "auto", "ollama_base_url": fake.base_url, "ollama_model": DEFAULT_MODEL,
        "ollama_timeout_s": 1.0, "llm_retries": 0, "worker_max_attempts": 2, "retry_backoff_s": 1.0,
        "llm_outage_max_wait_s": 600.0, "llm_outage_retry_max_s": 30.0,
    })
    async with open_runtime(ollama_settings, clock=clock) as rt:
        try:
            contact, _ = await add_contact(rt.store, rt.settings, clock,
                                           {"name": "Иван Петров", "company": "Сеть клиник", "channel": "console"})
            channel = Recorder()
            await pump(rt, [channel])
            yield Setup(rt, fake, clock, channel, contact)
        finally:
            await rt.store.client.drop_database(ollama_settings.mongodb_db)


async def _two_messages_wait(setup: Setup) -> tuple[str, str]:
    first = await setup.say(FIRST)
    setup.clock.advance(timedelta(seconds=1))
    second = await setup.say(SECOND)
    for _ in range(4):  # the outage goes on: several rounds of retries
        await pump(setup.rt, [setup.channel])
        setup.clock.advance(timedelta(seconds=20))
    await pump(setup.rt, [setup.channel])
    inbox = setup.rt.store.inbox
    doc1, doc2 = await inbox.get(first), await inbox.get(second)
    assert doc1["status"] == "pending" and doc1["attempts"] == 0 and doc1["llm_waits"] >= 2
    assert doc1.get("errors") is None and "understanding" not in doc1
    assert doc2["status"] == "pending" and "llm_wait_since" not in doc2  # waits behind the first, in order
    count, since = await inbox.waiting_for_model()
    assert count == 1 and since is not None
    stored = await setup.stored_contact()
    assert stored["status"] == "active" and stored["llm_waiting"] is True
    assert len(setup.replies()) == 1  # only the outreach: nothing handed off, nothing sent
    return first, second


async def _answered_in_order(setup: Setup, first: str, second: str) -> None:
    setup.fake.push({"intent": "question", "question": FIRST, "answer": ANSWER_1},
                    {"intent": "question", "question": SECOND, "answer": ANSWER_2})
    setup.clock.advance(timedelta(seconds=60))
    for _ in range(3):
        await pump(setup.rt, [setup.channel])
        setup.clock.advance(timedelta(seconds=1))
    replies = setup.replies()
    assert len(replies) == 3 and ANSWER_1 in replies[1] and ANSWER_2 in replies[2]
    assert all(handoff_text(setup.rt) not in r for r in replies)
    for key in (first, second):
        doc = await setup.rt.store.inbox.get(key)
        assert doc["status"] == "done" and doc["result"]["actions"] != ["handoff"]
    stored = await setup.stored_contact()
    assert stored["status"] == "active" and not stored.get("llm_waiting")
    assert (await setup.rt.store.inbox.waiting_for_model())[0] == 0


async def test_http_500_events_wait_then_are_answered_in_order(setup: Setup) -> None:
    setup.fake.default = http_status(500, "CUDA error: out of memory")
    first, second = await _two_messages_wait(setup)
    setup.fake.default = None
    await _answered_in_order(setup, first, second)


async def test_refused_connection_events_wait_then_are_answered_in_order(setup: Setup) -> None:
    port = urlparse(setup.fake.base_url).port
    setup.fake.stop()  # nothing listens: connection refused
    first, second = await _two_messages_wait(setup)
    with FakeOllama(port=port or 0) as back:
        setup.fake = back
        await _answered_in_order(setup, first, second)


async def test_an_outage_longer_than_the_limit_hands_off(setup: Setup) -> None:
    setup.fake.default = http_status(503, "loading model")
    key = await setup.say(FIRST)
    await pump(setup.rt, [setup.channel])
    assert (await setup.rt.store.inbox.get(key))["status"] == "pending"
    for _ in range(25):  # 25 × 30 s > 600 s
        setup.clock.advance(timedelta(seconds=30))
        await pump(setup.rt, [setup.channel])
    doc = await setup.rt.store.inbox.get(key)
    assert doc["status"] == "done" and doc["result"]["actions"] == ["handoff"]
    assert "did not answer" in doc["understanding"]["handoff_reason"]
    assert handoff_text(setup.rt) in setup.replies()[-1]
    assert (await setup.stored_contact())["status"] == "handoff"
