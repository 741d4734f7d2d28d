"""Routing after understand: which action nodes a reading leads to (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.graph import route_after_load_context, route_after_understand
from agent.understanding.schema import Person, Understanding


def state(status: str = "active", handoff: str | None = None, **reading: Any) -> dict[str, Any]:
    return {"understanding": Understanding(**reading).model_dump(mode="json"), "contact": {"status": status},
            "handoff_reason": handoff}


@pytest.mark.parametrize(
    ("reading", "nodes"),
    [
        ({"intent": "opt_out", "wants_presentation": True}, ["opt_out"]),
        ({"intent": "presentation"}, ["present"]),
        ({"intent": "demo", "wants_presentation": True}, ["book_demo", "present"]),
        ({"intent": "demo"}, ["book_demo"]),
        ({"intent": "pause"}, ["pause"]),
        ({"intent": "presentation", "wants_pause": True}, ["present"]),
        ({"intent": "question", "topics": ["price"]}, ["pitch"]),
        ({"intent": "question", "wants_presentation": True}, ["present", "pitch"]),
        ({"intent": "interested"}, ["pitch"]),
        ({"intent": "not_interested"}, ["close"]),
        ({"intent": "bounce"}, ["close"]),
        ({"intent": "auto_reply"}, ["deliver"]),
        ({"intent": "auto_reply", "pause_until": "2026-12-07"}, ["pause"]),
        ({"intent": "other"}, ["handoff"]),
        ({"intent": "restart"}, ["restart"]),
        ({"intent": "referral", "referral": Person(name="Ольга", email="o@x.ru")}, ["refer"]),
        ({"intent": "referral", "referral": Person(name="Ольга", email="o@x.ru"), "wants_presentation": True},
         ["refer", "present"]),
    ],
)
def test_route_after_understand(reading: dict[str, Any], nodes: list[str]) -> None:
    assert route_after_understand(state(**reading)) == nodes


def test_handed_off_contact_is_not_answered_but_opt_out_still_works() -> None:
    assert route_after_understand(state(status="handoff", intent="question")) == ["deliver"]
    assert route_after_understand(state(status="handoff", intent="opt_out")) == ["opt_out"]
    assert route_after_understand(state(status="handoff", intent="restart")) == ["restart"]


def test_model_failure_hands_off() -> None:
    assert route_after_understand(state(handoff="model down", intent="other")) == ["handoff"]


@pytest.mark.parametrize(
    ("event", "skip", "target"),
    [
        ({"kind": "message"}, None, "understand"),
        ({"kind": "timer", "timer_kind": "follow_up"}, None, "follow_up"),
        ({"kind": "timer", "timer_kind": "pause_end"}, None, "follow_up"),
        ({"kind": "timer", "timer_kind": "outreach"}, None, "outreach"),
        ({"kind": "timer", "timer_kind": "close"}, None, "close"),
        ({"kind": "restart"}, None, "restart"),
        ({"kind": "message"}, "already processed", "__end__"),
    ],
)
def test_route_after_load_context(event: dict[str, Any], skip: str | None, target: str) -> None:
    assert route_after_load_context({"event": event, "skip": skip}) == target


@pytest.mark.parametrize(("text", "reading", "nodes"), [
    ("Спасибо, презентацию получил.", {"intent": "presentation", "wants_presentation": True}, ["thank"]),
    ("Thanks, got it.", {"intent": "other"}, ["thank"]),
    ("Ок", {"intent": "interested"}, ["pitch"]),  # a bare «ок» is a yes, not a thanks
    ("Спасибо, пришлите презентацию", {"intent": "presentation", "wants_presentation": True}, ["present"]),
    ("Спасибо, а сколько стоит?", {"intent": "question", "topics": ["price"], "question": "а сколько стоит?"},
     ["pitch"]),
])
def test_a_plain_thanks_is_thanked_at_any_stage(text: str, reading: dict[str, Any], nodes: list[str]) -> None:
    current = {**state(**reading), "event": {"text": text}}
    assert route_after_understand(current) == nodes


PROMISE_ABOUT_DECK = {"intent": "presentation", "wants_presentation": True, "wants_pause": True}


@pytest.mark.parametrize(("text", "deck_sent", "nodes"), [
    ("Спасибо, посмотрю презентацию и вернусь с вопросами", True, ["thank"]),  # not the deck again
    ("Спасибо, посмотрю презентацию и вернусь с вопросами", False, ["present"]),  # no deck yet: send it
    ("Пришлите ещё раз презентацию, посмотрю и вернусь", True, ["present"]),  # asks to send it again
])
def test_a_promise_to_read_the_sent_deck_is_not_a_request_for_it(text: str, deck_sent: bool,
                                                                   nodes: list[str]) -> None:
    current = {**state(**PROMISE_ABOUT_DECK), "event": {"text": text}}
    if deck_sent:
        current["contact"]["deck_sent_at"] = "2026-11-25T10:00:00+00:00"
    assert sorted(route_after_understand(current)) == sorted(nodes)


@pytest.mark.parametrize(("text", "nodes"), [
    ("👍", ["thank"]),  # a reaction, not an off-topic question handed to a person
    ("👌🏻👌🏻", ["thank"]),
    ("ок", ["thank"]),
    ("Понял, хорошо", ["thank"]),
    ("🤔", ["handoff"]),  # puzzled: a person looks
    ("👎", ["handoff"]),
    ("ок, а что у вас за компания такая?", ["handoff"]),  # asks something
])
def test_a_bare_acknowledgement_read_as_other_is_answered_not_handed_off(text: str, nodes: list[str]) -> None:
    current = {**state(intent="other"), "event": {"text": text}}
    assert route_after_understand(current) == nodes


def test_a_second_acknowledgement_in_a_row_gets_no_reply() -> None:
    turns = [{"role": "client", "text": "Спасибо!"}, {"role": "agent", "text": "Спасибо, что ответили!"},
             {"role": "client", "text": "👍"}]
    current = {**state(intent="other"), "event": {"text": "👍"}, "history": turns}
    assert route_after_understand(current) == ["deliver"]  # recorded, not answered: no ping-pong of thanks
    after_a_follow_up = [*turns[:2], {"role": "agent", "text": "Напоминаю о себе…"}, turns[2]]
    assert route_after_understand({**current, "history": after_a_follow_up}) == ["thank"]
    after_a_question = [{"role": "client", "text": "Сколько стоит?"}, *turns[1:]]
    assert route_after_understand({**current, "history": after_a_question}) == ["thank"]
