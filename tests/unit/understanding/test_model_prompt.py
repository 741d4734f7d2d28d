"""The understanding prompt describes every field of the schema it includes, and the redraft has
its own prompt: checked against the pydantic models, so the two cannot drift apart."""

from __future__ import annotations

import json
import re
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from agent.prompts import PromptLibrary
from agent.settings import load_settings
from agent.understanding.reading import AnswerDraft, ModelReading, redraft_prompt, schema_text, system_prompt
from agent.understanding.schema import INTENTS, Person, Topic

PROMPTS = PromptLibrary()
TZ = ZoneInfo("Europe/Moscow")


def ctx() -> Any:
    return SimpleNamespace(prompts=PROMPTS, settings=load_settings())


def test_every_field_of_the_schema_is_described_in_the_prompt() -> None:
    text = PROMPTS.text("understand")
    described = set(re.findall(r"^- (\w+) —", text, re.MULTILINE))
    assert described == set(ModelReading.model_json_schema()["properties"])
    for field in Person.model_fields:
        assert field in text, field


def test_every_intent_and_topic_is_explained() -> None:
    text = PROMPTS.text("understand")
    for intent in INTENTS:
        assert f"- {intent} —" in text, intent
    for topic in Topic.__args__:  # type: ignore[attr-defined]
        assert f"{topic} (" in text, topic


def test_the_system_prompt_ends_with_the_schema_sent_as_format() -> None:
    system = system_prompt(ctx(), {"name": "Иван Петров"}, datetime(2026, 12, 2, 12, 0, tzinfo=TZ), TZ)
    assert system.endswith(schema_text(ModelReading))
    assert json.loads(system.rsplit("\n", 1)[-1]) == ModelReading.model_json_schema()
    assert "$" not in system.replace("$defs", "").replace("$ref", "")  # every variable filled


def test_the_redraft_has_its_own_prompt_with_the_refused_answer_and_its_schema() -> None:
    system = redraft_prompt(ctx(), "Стоит 5000 рублей в месяц.", ["names a price", "too long"])
    assert "Стоит 5000 рублей в месяц." in system and "names a price; too long" in system
    assert system.endswith(schema_text(AnswerDraft))
    assert schema_text(ModelReading) not in system
    assert "Факты о продукте" in system
