"""pitch: answer the client's question or interest from the product facts; keep the cadence."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import cadence_timer
from agent.understanding.calendar_ru import normalize
from agent.understanding.patterns import unlisted_platforms
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
        unlisted = (unlisted_platforms(normalize(text), normalize(ctx.prompts.render("answers/platforms", lang)))
                    if "platforms" in topics else [])
        if unlisted:  # «а TripAdvisor поддерживаете?»: not in the facts' list, so neither yes nor no
            names = f" {ctx.prompts.words(lang)['and']} ".join(unlisted)
            parts.append(effects.part(ctx.prompts.render("answers/platforms_unlisted", lang, names=names), "answer"))
            topics, unanswered = [*topics, "unknown"], [text]  # the team reads the whole message
        elif unanswered:  # a question no template covers, beside ones that do: promised to a specialist
            parts.append(effects.part(ctx.prompts.render("answers/unknown_rest", lang), "answer"))
            topics = [*topics, "unknown"]
    committing = reading.wants_presentation or reading.wants_demo  # their parts end the reply
    if not committing and not answer and not overview:  # interested.md ends with its own offer
        name, rank = (("answers/closing_call", effects.CLOSING_CALL) if "price" in topics
                      else ("answers/closing_offer", effects.CLOSING_OFFER))
        parts.append(effects.part(ctx.prompts.render(name, lang), "offer", closing=rank))
    turn_effects: list[effects.BaseEffect] = [
        cadence_timer(ctx, state),
        effects.contact_update(status="active", stage="engaged"),
        effects.fact("replied", intent=reading.intent),
    ]
    if not answer and "unknown" in topics:  # answers/unknown.md promises a specialist's answer
        question = " ".join(unanswered) or reading.question or text
        turn_effects.append(effects.notify_team("question_team", question=question[:1000]))
    return {"parts": parts, "effects": turn_effects}
