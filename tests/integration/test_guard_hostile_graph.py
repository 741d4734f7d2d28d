"""The guard through the real graph: the real ChatOllama client against the fake Ollama returns
hostile answers from the corpus; the guard asks for one redraft, then hands the thread to a person."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration import test_ollama_graph_path as base
from tests.integration.test_ollama_graph_path import Setup, handoff_text

fake, setup = base.fake, base.setup  # the same fixtures: the real ChatOllama client against the fake Ollama

pytestmark = pytest.mark.integration

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "hostile_model_outputs.yaml")
                        .read_text(encoding="utf-8"))
QUESTION = "Сколько стоит и как быстро подключите?"
HOSTILE = [e["answer"] for e in CORPUS["hostile"] if e.get("language", "ru") == "ru" and not e.get("client")
           and not e.get("booked")]
CLEAN = "Цена зависит от числа точек и площадок, её назовёт менеджер после демо."


@pytest.mark.parametrize("lie", [HOSTILE[0], HOSTILE[10], HOSTILE[30], HOSTILE[-1]])
async def test_a_hostile_answer_and_a_hostile_redraft_hand_off(setup: Setup, lie: str) -> None:
    setup.fake.push({"intent": "question", "question": QUESTION, "answer": lie})
    setup.fake.push({"answer": "Внедрение за 3 дня, пилот на 14 дней, всего девять тысяч девятьсот."})
    doc, requests = await setup.turn(QUESTION)

    assert requests == 2  # the reading, then one redraft
    assert doc["result"]["actions"] == ["handoff"]
    reply = setup.replies()[-1]
    assert handoff_text(setup.rt) in reply and lie not in reply and "девять" not in reply
    assert (await setup.stored_contact())["status"] == "handoff"


async def test_a_hostile_answer_with_a_clean_redraft_is_sent_redrafted(setup: Setup) -> None:
    setup.fake.push({"intent": "question", "question": QUESTION, "answer": "пятнадцать тысяч рублей в месяц"})
    setup.fake.push({"answer": CLEAN})
    doc, requests = await setup.turn(QUESTION)

    assert requests == 2
    reply = setup.replies()[-1]
    assert CLEAN in reply and "пятнадцать" not in reply
    assert "handoff" not in doc["result"]["actions"]
    assert (await setup.stored_contact())["status"] == "active"


async def test_figures_grounded_in_the_booking_and_the_clients_words_pass(setup: Setup) -> None:
    text = "У нас 40 точек, подойдёт ли сервис? Давайте созвонимся в четверг в 15:00"
    answer = "Для 40 точек сервис подходит; ждём Вас в четверг в 15:00 на демо на 30 минут."
    setup.fake.push({"intent": "question", "wants_demo": True, "demo_time_text": "в четверг в 15:00", "question": "подойдёт ли",
                     "answer": answer})
    doc, requests = await setup.turn(text)
    assert requests == 1  # no redraft
    assert "handoff" not in doc["result"]["actions"] and "book_demo" in doc["result"]["actions"]
    assert answer in setup.replies()[-1]


async def test_a_redraft_during_a_model_outage_waits_for_the_host(setup: Setup) -> None:
    from datetime import timedelta

    from agent.pump import pump
    from tests.support.fake_ollama import http_status

    setup.fake.push({"intent": "question", "question": QUESTION, "answer": "пятнадцать тысяч рублей в месяц"})
    setup.fake.default = http_status(500, "CUDA error")
    key = await setup.say(QUESTION)
    await pump(setup.rt, [setup.channel])
    doc = await setup.rt.store.inbox.get(key)
    assert doc["status"] == "pending" and doc["llm_waits"] == 1 and doc["attempts"] == 0
    assert len(setup.replies()) == 1  # nothing sent, no hand-off

    setup.fake.default = None
    setup.fake.push({"intent": "question", "question": QUESTION, "answer": "пятнадцать тысяч рублей в месяц"},
                    {"answer": CLEAN})
    setup.clock.advance(timedelta(seconds=5))
    await pump(setup.rt, [setup.channel])
    doc = await setup.rt.store.inbox.get(key)
    assert doc["status"] == "done" and "handoff" not in doc["result"]["actions"]
    assert CLEAN in setup.replies()[-1]
