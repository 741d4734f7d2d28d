"""present: send the presentation (link, and the PDF when one is configured)."""

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
from agent.understanding.patterns import asks_to_buy


async def present(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    settings = ctx.settings
    reading = reading_of(state)
    # next to a demo booking or proposal (or with a demo booked) the deck's closing question about
    # a call would contradict the reply: the variant without it
    with_demo = reading.wants_demo or state["contact"].get("stage") == "demo_booked"
    referred = reading.intent == "referral"  # the thread ends with the referral: no question about a call
    pausing = reading.intent == "pause" or (reading.wants_pause and reading.pause_until is not None)  # «…а после НГ»
    lang = reply_language(state)
    text = ctx.prompts.render("present_with_demo" if with_demo else "present", lang,
                              presentation_url=settings.presentation_url)
    parts = [effects.part(text, "present")]
    buying = asks_to_buy(normalize(str(state["event"].get("text") or "")))  # a manager takes it from here
    if not (with_demo or referred or pausing or buying):  # the invitation to a call; the one closing of the reply
        parts.append(effects.part(ctx.prompts.render("present_offer", lang), "offer", closing=effects.CLOSING_DECK))
    turn_effects = [
        effects.fact("deck_sent", url=settings.presentation_url),
        effects.contact_update(order=1, status="active", stage="deck_sent", deck_sent_at=ctx.now()),
        cadence_timer(ctx, state),
    ]
    if settings.presentation_path:
        turn_effects.append(effects.attach(str(settings.presentation_path)))
    if reading.intent == "presentation":
        turn_effects.append(effects.fact("replied", intent="presentation"))
    return {"actions": ["send_presentation"], "parts": parts, "effects": turn_effects}
