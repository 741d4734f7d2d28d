"""Nodes called directly with a scripted LangChain chat model: no servers, no graph.

Each node is `await node(state, runtime)` with a runtime that only carries the `AgentContext`.
"""

from __future__ import annotations

import types
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent.clock import SimulatedClock
from agent.context import AgentContext
from agent.llm import LlmUnavailable, StructuredLlm
from agent.nodes.compose import compose_text
from agent.nodes.guard import guard
from agent.nodes.pitch import pitch
from agent.nodes.understand import understand
from agent.prompts import PromptLibrary
from agent.settings import Settings
from agent.tools import effects
from agent.tools.effects import RememberReading
from agent.understanding.schema import Understanding
from tests.support.scripted_chat import ScriptedChat, scripted_llm

PRICE_ANSWER = "Стоимость 5000 рублей в месяц."
CLEAN_ANSWER = "Цену рассчитает менеджер после короткого демо: она зависит от числа точек и площадок."


def cache_effects(update: dict[str, Any]) -> list[RememberReading]:
    return [e for e in update.get("effects", []) if isinstance(e, RememberReading)]


class InboxStub:
    """Records `save_understanding` calls; the only store method `understand` uses."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, dict[str, Any]]] = []

    async def save_understanding(self, key: str, understanding: dict[str, Any]) -> None:
        self.saved.append((key, understanding))


class StoreStub:
    def __init__(self) -> None:
        self.inbox = InboxStub()


def make_runtime(clock: SimulatedClock, llm: StructuredLlm | None, *, final_attempt: bool = False,
                 store: Any = None) -> types.SimpleNamespace:
    settings = Settings(_env_file=None, llm_provider="ollama", llm_retries=1)  # type: ignore[call-arg]
    ctx = AgentContext(store=store or StoreStub(), settings=settings, clock=clock, prompts=PromptLibrary(),
                       llm=llm, final_attempt=final_attempt)
    return types.SimpleNamespace(context=ctx)


def message_state(text: str, clock: SimulatedClock, timezone: str | None = None,
                  **extra: Any) -> dict[str, Any]:
    now = clock.now()
    contact = {"_id": "c-1", "name": "Иван Петров", "company": "Сеть клиник «Здоровье»", "status": "active",
               "channel": "console", "timezone": timezone}
    event = {"key": "console:evt-1", "kind": "message", "channel": "console", "contact_id": "c-1",
             "text": text, "flags": [], "meta": {}, "received_at": now}
    history = [
        {"role": "agent", "text": "Здравствуйте, Иван! Это Анна из Napoleon IT.", "at": now - timedelta(hours=2),
         "channel": "console"},
        {"role": "client", "text": text, "at": now, "channel": "console"},
    ]
    return {"event": event, "contact": contact, "history": history, **extra}


def human_texts(model: ScriptedChat, call: int = 0) -> list[str]:
    return [str(m.content) for m in model.seen[call] if m.type == "human"]


def system_text(model: ScriptedChat, call: int = 0) -> str:
    return "".join(str(m.content) for m in model.seen[call] if m.type == "system")


# --- understand -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        # Wed 2026-11-25 12:00 MSK; «завтра в 11:00» is Thursday 11:00 on the contact's own clock.
        (None, datetime(2026, 11, 26, 11, 0, tzinfo=ZoneInfo("Europe/Moscow"))),
        ("Asia/Vladivostok", datetime(2026, 11, 26, 11, 0, tzinfo=ZoneInfo("Asia/Vladivostok"))),
    ],
    ids=["default-zone", "vladivostok"],
)
async def test_understand_uses_model_intent_and_resolves_demo_time_in_contact_zone(
    clock: SimulatedClock, timezone: str | None, expected: datetime
) -> None:
    question = "А отзывы из 2ГИС вы тоже собираете?"
    llm, model = scripted_llm({"intent": "demo", "wants_demo": True, "demo_time_text": "завтра в 11:00",
                               "question": question, "topics": ["platforms"]})
    runtime = make_runtime(clock, llm)
    text = f"Давайте созвонимся завтра в 11:00. {question}"  # a question: never settled by rules alone
    update = await understand(message_state(text, clock, timezone), runtime)

    reading = Understanding.model_validate(update["understanding"])
    assert update["handoff_reason"] is None
    assert (reading.intent, reading.source, reading.wants_demo) == ("demo", "llm", True)
    assert (reading.question, reading.topics) == (question, ["platforms"])
    assert reading.demo_at is not None and reading.demo_at.tzinfo is not None
    assert reading.demo_at == expected
    assert reading.demo_at.utcoffset() == expected.utcoffset()  # in the contact's zone, not UTC
    assert reading.demo_at - clock.now() == expected - datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    # one call, the client's words reached the model, the reading is cached on the inbox doc
    assert len(model.seen) == 1
    assert text in human_texts(model)
    [cached] = cache_effects(update)  # deliver writes it onto the inbox event
    assert (cached.reading, cached.handoff_reason) == (update["understanding"], None)


async def test_understand_rules_win_opt_out_without_calling_model(clock: SimulatedClock) -> None:
    llm, model = scripted_llm({"intent": "question"}, repeat_last=True)
    runtime = make_runtime(clock, llm)
    update = await understand(message_state("Не пишите мне больше", clock), runtime)

    assert update["understanding"]["intent"] == "opt_out"
    assert update["understanding"]["source"] == "rules"
    assert update["handoff_reason"] is None
    assert len(model.seen) == 0
    assert llm.calls == 0
    assert cache_effects(update) == []  # a rules reading is not cached


async def test_understand_reuses_cached_reading_without_calling_model(clock: SimulatedClock) -> None:
    llm, model = scripted_llm({"intent": "other"}, repeat_last=True)
    runtime = make_runtime(clock, llm)
    cached = Understanding(intent="presentation", wants_presentation=True, source="llm").model_dump(mode="json")
    state = message_state("Пришлите материалы", clock)
    state["event"]["meta"] = {"understanding": {"reading": cached, "handoff_reason": None}}
    update = await understand(state, runtime)

    assert update == {"understanding": cached, "handoff_reason": None}
    assert len(model.seen) == 0


async def test_understand_malformed_answer_hands_off(clock: SimulatedClock) -> None:
    llm, model = scripted_llm("Конечно! Клиент хочет узнать подробнее.", repeat_last=True)
    runtime = make_runtime(clock, llm)
    update = await understand(message_state("А как у вас с отчётами по филиалам?", clock), runtime)

    assert update["understanding"]["intent"] == "other"
    assert update["handoff_reason"] and "unusable" in update["handoff_reason"]
    assert len(model.seen) == 2  # one try + one retry (llm_retries=1), then give up
    [cached] = cache_effects(update)  # the hand-off is cached for a replay
    assert cached.handoff_reason == update["handoff_reason"]


async def test_understand_model_unavailable_reraises_before_final_attempt(clock: SimulatedClock) -> None:
    llm, model = scripted_llm(ConnectionRefusedError("connection refused"), repeat_last=True)
    runtime = make_runtime(clock, llm, final_attempt=False)
    with pytest.raises(LlmUnavailable):
        await understand(message_state("А как у вас с отчётами по филиалам?", clock), runtime)
    assert len(model.seen) == 2
    # nothing cached: the node raised, so the retry asks the model again


async def test_understand_model_unavailable_on_final_attempt_hands_off(clock: SimulatedClock) -> None:
    llm, model = scripted_llm(ConnectionRefusedError("connection refused"), repeat_last=True)
    runtime = make_runtime(clock, llm, final_attempt=True)
    update = await understand(message_state("А как у вас с отчётами по филиалам?", clock), runtime)

    assert update["understanding"]["intent"] == "other"
    assert update["handoff_reason"] and "did not answer" in update["handoff_reason"]
    assert len(model.seen) == 2
    assert len(cache_effects(update)) == 1


# --- pitch ----------------------------------------------------------------------------------


async def test_pitch_uses_model_answer_as_llm_part(clock: SimulatedClock) -> None:
    llm, model = scripted_llm()
    runtime = make_runtime(clock, llm)
    answer = "Сервис собирает отзывы с Яндекс Карт, 2ГИС и Google Maps в одну ленту."
    reading = Understanding(intent="question", topics=["platforms"], source="llm", answer=answer)
    state = message_state("С какими площадками работаете?", clock,
                          understanding=reading.model_dump(mode="json"))
    update = await pitch(state, runtime)

    assert [p["text"] for p in update["parts"]] == [answer]  # no template answer, no extra offer
    assert update["parts"][0]["source"] == "llm"
    assert len(model.seen) == 0  # the answer came with the reading: no model call
    timers = [e for e in update["effects"] if e.type == "timer"]
    assert len(timers) == 1 and timers[0].kind == "follow_up"


# --- guard ----------------------------------------------------------------------------------


def guarded_state(runtime: types.SimpleNamespace, answer: str) -> dict[str, Any]:
    """The state guard sees after pitch + compose with a model-drafted `answer`."""
    ctx = runtime.context
    reading = Understanding(intent="question", topics=["price"], source="llm", answer=answer)
    state = message_state("Сколько стоит ваш сервис?", ctx.clock, understanding=reading.model_dump(mode="json"))
    state["parts"] = [effects.part(answer, "answer", source="llm")]
    state["reply"] = compose_text(ctx, state, state["parts"])
    return state


async def test_guard_redrafts_a_price_once_and_sends_the_clean_text(clock: SimulatedClock) -> None:
    llm, model = scripted_llm({"answer": CLEAN_ANSWER})
    runtime = make_runtime(clock, llm)
    state = guarded_state(runtime, PRICE_ANSWER)
    assert "5000" in state["reply"]

    update = await guard(state, runtime)

    assert len(model.seen) == 1  # exactly one redraft call
    # the redraft's own prompt shows the model what was wrong; the client's message stays the last turn
    assert PRICE_ANSWER in system_text(model) and "Что с ним не так" in system_text(model)
    assert human_texts(model)[-1] == "Сколько стоит ваш сервис?"
    assert CLEAN_ANSWER in update["reply"]
    assert "5000" not in update["reply"]
    assert update["guard_violations"] and "5000" in update["guard_violations"][0]
    assert "actions" not in update  # no hand-off


async def test_guard_hands_off_when_the_redraft_is_also_bad(clock: SimulatedClock) -> None:
    llm, model = scripted_llm({"answer": "Для вас 5000 рублей в месяц."})
    runtime = make_runtime(clock, llm)
    state = guarded_state(runtime, PRICE_ANSWER)

    update = await guard(state, runtime)

    assert len(model.seen) == 1  # one redraft only, then a person takes over
    assert update["actions"] == ["handoff"]
    assert runtime.context.prompts.render("handoff_client") in update["reply"]
    assert "5000" not in update["reply"]
    assert "parts" not in update
    contact_sets = [e.set for e in update["effects"] if e.type == "contact"]
    assert contact_sets and contact_sets[0]["status"] == "handoff"
    assert any(e.type == "notify_team" for e in update["effects"])


async def test_a_reply_of_templates_only_may_be_longer_than_a_model_written_one(clock: SimulatedClock) -> None:
    runtime = make_runtime(clock, None)
    ctx = runtime.context
    names = ("answers/platforms", "answers/features", "answers/price", "answers/integrations", "book_demo_propose")
    texts = [ctx.prompts.render(name, slots_text="— среда, 9 декабря, 14:00 (МСК)") for name in names]
    words = len(" ".join(texts).split())
    assert ctx.settings.max_reply_words < words < ctx.settings.max_template_reply_words
    state = message_state("Площадки, функции, цена, интеграции и созвон в среду?", clock)
    state["parts"] = [effects.part(t, "answer") for t in texts]
    state["reply"] = compose_text(ctx, state, state["parts"])
    assert await guard(state, runtime) == {}  # the team's own words answering what was asked: sent

    drafted = [{**p, "source": "llm"} if i == 0 else p for i, p in enumerate(state["parts"])]
    state["parts"], state["reply"] = drafted, compose_text(ctx, state, drafted)
    update = await guard(state, runtime)  # a model wrote part of it: the shorter limit binds, no model to redraft
    assert update["actions"] == ["handoff"] and any("too long" in v for v in update["guard_violations"])
