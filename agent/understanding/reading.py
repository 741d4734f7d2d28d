"""The model layer of understanding: one structured call, its answer resolved into `Understanding`.

The model copies the client's words about dates; the deterministic resolver turns them into
datetimes in the contact's zone, so date arithmetic never depends on the model.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from agent.llm import LlmBadAnswer, LlmUnavailable
from agent.tools.calendar import format_today
from agent.understanding import dates, entities
from agent.understanding.schema import Intent, Person, Topic, Understanding

if TYPE_CHECKING:
    from agent.context import AgentContext
    from agent.state import ConversationState


class ModelReading(BaseModel):
    """The JSON the model must return. Its schema is sent as Ollama's `format` and, because Ollama
    does not show `format` to the model, also written into the system prompt (prompts/understand.md
    describes every field; a test keeps the two in step)."""

    intent: Intent = Field(description="the most committal wish of the message, by the priority in the prompt")
    wants_presentation: bool = Field(default=False, description="the client asks for the deck or materials")
    wants_demo: bool = Field(default=False, description="the client agrees to a call or demo or names its time")
    demo_time_text: str | None = Field(default=None, description="the client's words about the demo time, verbatim")
    wants_pause: bool = Field(default=False, description="the client asks to be written to later")
    pause_text: str | None = Field(default=None, description="the client's words about when to write again, verbatim")
    referral: Person | None = Field(default=None, description="the person the client points to, only from the text")
    question: str | None = Field(default=None, description="what the client asked, in their words")
    topics: list[Topic] = Field(default_factory=list, description="every topic the client asked about")
    language: str = Field(default="ru", description="the language the client writes in: ru or en")
    answer: str | None = Field(default=None, description="short answer from the product facts to every question asked")


class AnswerDraft(BaseModel):
    """The JSON of a redraft (prompts/redraft.md): only the new answer."""

    answer: str = Field(description="the new answer to the client, from the product facts")


def schema_text(schema: type[BaseModel]) -> str:
    """The JSON schema as the model reads it in the prompt (the same one sent as `format`)."""
    return json.dumps(schema.model_json_schema(), ensure_ascii=False)


def persona(ctx: AgentContext) -> str:
    settings = ctx.settings
    return ctx.prompts.render("persona", sender_name=settings.sender_name, sender_company=settings.sender_company)


def system_prompt(ctx: AgentContext, contact: dict[str, Any], now: datetime, tz: ZoneInfo) -> str:
    prompts = ctx.prompts
    who = ", ".join(filter(None, [contact.get("name"), contact.get("company")]))
    return prompts.render(
        "understand",
        persona=persona(ctx),
        product_facts=prompts.text("product_facts"),
        today=format_today(now, tz),
        contact=who or "неизвестен",
        schema=schema_text(ModelReading),
    )


def redraft_prompt(ctx: AgentContext, previous: str, problems: list[str]) -> str:
    """The redraft's own system prompt: the rules, the facts, the refused answer and why."""
    return ctx.prompts.render(
        "redraft",
        persona=persona(ctx),
        product_facts=ctx.prompts.text("product_facts"),
        previous=previous,
        problems="; ".join(problems),
        schema=schema_text(AnswerDraft),
    )


def conversation(state: ConversationState, limit: int) -> list[tuple[str, str]]:
    turns = state.get("history", [])[-limit:]
    return [("human" if t["role"] == "client" else "ai", t["text"][:1500]) for t in turns if t.get("text")]


def to_understanding(reading: ModelReading, text: str, now: datetime, tz: ZoneInfo) -> Understanding:
    when = dates.resolve_when(reading.demo_time_text, now, tz) if reading.demo_time_text else None
    referral = reading.referral
    if reading.intent == "referral":
        found = entities.extract_person(text)
        referral = _merge_person(referral, found)
    return Understanding(
        intent=reading.intent,
        wants_presentation=reading.wants_presentation or reading.intent == "presentation",
        wants_demo=reading.wants_demo or reading.intent == "demo",
        demo_at=when.at if when else None,
        demo_day=when.day if when and not when.at else None,
        demo_until=when.until if when else None,
        demo_invalid=when.invalid if when else False,
        wants_pause=reading.wants_pause or reading.intent == "pause",
        pause_until=dates.pause_until(reading.pause_text, now, tz) if reading.pause_text else None,
        referral=referral,
        question=reading.question,
        topics=reading.topics,
        language=reading.language or "ru",
        source="llm",
        answer=reading.answer,
    )


def _merge_person(model: Person | None, found: Person | None) -> Person | None:
    if model is None or found is None:
        return model or found
    data = found.model_dump()
    data.update({k: v for k, v in model.model_dump().items() if v})
    return Person.model_validate(data)


async def read_with_model(
    ctx: AgentContext, state: ConversationState, text: str, now: datetime, tz: ZoneInfo
) -> tuple[Understanding, str | None]:
    """Returns the reading, and a hand-off reason when the model could not be used."""
    if ctx.llm is None:
        raise RuntimeError("read_with_model needs a model (ollama mode)")
    system = system_prompt(ctx, state["contact"], now, tz)
    try:
        reading, _usage = await ctx.llm.ask(
            system, conversation(state, ctx.settings.llm_history_turns), ModelReading
        )
    except LlmBadAnswer as exc:
        return Understanding(intent="other", question=text[:500]), f"the model's answer was unusable: {exc}"
    except LlmUnavailable as exc:
        if not ctx.final_attempt:
            raise
        return Understanding(intent="other", question=text[:500]), f"the model host did not answer: {exc}"
    return to_understanding(reading, text, now, tz), None
