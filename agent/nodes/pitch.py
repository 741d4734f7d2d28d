"""pitch: answer the client's question or interest from the product facts; keep the cadence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import cadence_timer
from agent.tools.calendar import booked_demo, format_when
from agent.understanding.calendar_ru import normalize
from agent.understanding.patterns import uncovered_asks, unlisted_platforms
from agent.understanding.rules import unanswered_questions


async def pitch(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    reading, lang = reading_of(state), reply_language(state)
    parts: list[dict[str, Any]] = []
    answer, topics = reading.answer, reading.topics
    text = state["event"].get("text", "") or ""
    unanswered: list[str] = []
    overview = reading.intent == "interested" and not set(topics) - {"unknown"}  # «tell me more»
    if answer:
        parts.append(effects.part(answer, "answer", source="llm"))
    elif overview:
        topics = []  # a wish to hear more, not a question the facts cannot answer
        parts.append(effects.part(ctx.prompts.render("interested", lang), "answer"))
    else:
        for topic in topics or ["unknown"]:
            parts.append(effects.part(ctx.prompts.render(f"answers/{topic}", lang), "answer"))
        if topics and "unknown" not in topics:
            unanswered = unanswered_questions(text, ctx.now(), ctx.tz(state["contact"]))
        if "unknown" not in topics and (open_asks := specialist_asks(ctx, text, topics, lang)):
            # «а TripAdvisor поддерживаете?», «сколько времени занимает подключение?»: the facts say
            # neither yes nor no, so a specialist answers; the team reads the whole message
            names = f" {ctx.prompts.words(lang)['and']} ".join(open_asks)
            parts.append(effects.part(ctx.prompts.render("answers/ask_specialist", lang, names=names), "answer"))
            topics, unanswered = [*topics, "unknown"], [text]
        elif unanswered:  # a question no template covers, beside ones that do: promised to a specialist
            parts.append(effects.part(ctx.prompts.render("answers/unknown_rest", lang), "answer"))
            topics = [*topics, "unknown"]
    committing = reading.wants_presentation or reading.wants_demo  # their parts end the reply
    if not committing and not answer and not overview:  # interested.md ends with its own offer
        parts.append(closing(ctx, state, topics, lang))
    turn_effects: list[effects.BaseEffect] = [
        cadence_timer(ctx, state),
        effects.contact_update(status="active", stage="engaged"),
        effects.fact("replied", intent=reading.intent),
    ]
    if not answer and "unknown" in topics:  # answers/unknown.md promises a specialist's answer
        question = " ".join(unanswered) or reading.question or text
        turn_effects.append(effects.notify_team("question_team", question=question[:1000]))
    return {"parts": parts, "effects": turn_effects}


def specialist_asks(ctx: AgentContext, text: str, topics: Sequence[str], lang: str) -> list[str]:
    """What the message asks that the answers leave open, named for the reply: review sites the
    platforms answer does not list, then the asks the facts do not cover (`patterns.UNCOVERED`)."""
    norm = normalize(text)
    sites = (unlisted_platforms(norm, normalize(ctx.prompts.render("answers/platforms", lang)))
             if "platforms" in topics else [])
    words = ctx.prompts.words(lang)
    return [*sites, *(words[f"uncovered_{ask}"] for ask in uncovered_asks(norm))]


def closing(ctx: AgentContext, state: ConversationState, topics: Sequence[str], lang: str) -> dict[str, Any]:
    """The reply's last line: the booked demo when there is one (never a demo offered again), a call
    after a price question or once the deck has gone out (never the deck offered again), else both."""
    contact = state["contact"]
    if (booked := booked_demo(contact, ctx.now())) is not None:
        when_text = format_when(booked, ctx.tz(contact), ctx.prompts.words(lang))
        return effects.part(ctx.prompts.render("answers/closing_booked", lang, when_text=when_text), "offer",
                            closing=effects.CLOSING_CALL)
    if "price" in topics or contact.get("deck_sent_at"):
        return effects.part(ctx.prompts.render("answers/closing_call", lang), "offer", closing=effects.CLOSING_CALL)
    return effects.part(ctx.prompts.render("answers/closing_offer", lang), "offer", closing=effects.CLOSING_OFFER)
