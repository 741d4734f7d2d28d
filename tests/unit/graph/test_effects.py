"""Effects are a closed, typed set: every type has exactly one handler in `deliver`, survives the
checkpoint as a plain dict, and the intent list the prompt teaches is the schema's."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.nodes.deliver import AFTER_REPLY, HANDLERS, ordered
from agent.tools import effects as fx
from agent.understanding.schema import INTENTS

ROOT = Path(__file__).resolve().parents[3]


def union_members() -> set[type]:
    union, _field = typing.get_args(fx.Effect)
    return set(typing.get_args(union))


def test_every_effect_type_has_exactly_one_handler() -> None:
    assert union_members() == set(fx.EFFECT_TYPES)
    missing = [t.__name__ for t in fx.EFFECT_TYPES if t not in HANDLERS]
    assert not missing, f"effects without a handler in deliver: {missing}"
    assert set(HANDLERS) == set(fx.EFFECT_TYPES)
    assert set(HANDLERS) >= AFTER_REPLY


def test_effects_survive_the_checkpoint_as_dicts() -> None:
    made = [fx.contact_update(order=2, stage="x"), fx.timer("follow_up", datetime(2026, 12, 1, tzinfo=UTC)),
            fx.no_timer(), fx.fact("deck_sent", url="u"), fx.notify_team("demo_team", when_text="t"),
            fx.suppress(), fx.create_contact({"email": "a@b.ru"}), fx.attach("/deck.pdf"), fx.subject("Тема"),
            fx.unreachable("email"), fx.IssueTelegramLink(token="ab", ttl_days=3),
            fx.RememberReading(reading={"intent": "demo"})]
    dumped = fx.effects_reducer([], made)
    assert all(isinstance(d, dict) for d in dumped)
    assert [fx.parse_effect(d) for d in dumped] == made
    assert fx.effects_reducer(dumped, None) == []  # load_context starts the next turn empty


def test_unknown_or_malformed_effects_are_refused() -> None:
    with pytest.raises(ValidationError):
        fx.parse_effect({"type": "launch_rockets"})
    with pytest.raises(ValidationError):
        fx.parse_effect({"type": "timer", "kind": "follow_up"})  # no due_at
    with pytest.raises(ValidationError):
        fx.parse_effect({"type": "suppress", "extra": 1})


def test_contact_updates_apply_in_their_order() -> None:
    later, earlier = fx.contact_update(order=9, status="opted_out"), fx.contact_update(order=1, status="active")
    assert [e for e in ordered([later, earlier]) if isinstance(e, fx.UpdateContact)] == [earlier, later]


def test_the_understanding_prompt_lists_exactly_the_schema_intents() -> None:
    prompt = (ROOT / "prompts" / "understand.md").read_text(encoding="utf-8")
    block = prompt.split("\n- intent —", 1)[1].split("\n  Если", 1)[0]
    listed = re.findall(r"^  - ([a-z_]+) —", block, flags=re.MULTILINE)
    assert tuple(listed) == INTENTS


def test_a_reply_keeps_one_closing_the_highest_ranked() -> None:
    from agent.tools import effects as fx

    parts = [fx.part("Ответ о цене.", "answer"), fx.part("Подскажите день и время.", "offer", closing=fx.CLOSING_CALL),
             fx.part("Презентация.", "present"), fx.part("Когда созвониться?", "offer", closing=fx.CLOSING_DECK),
             fx.part("Пришлю презентацию или демо.", "offer", closing=fx.CLOSING_OFFER)]
    kept = fx.one_closing(parts)
    assert [p["text"] for p in kept] == ["Ответ о цене.", "Презентация.", "Когда созвониться?"]
    assert fx.one_closing(parts[:2]) == parts[:2]
