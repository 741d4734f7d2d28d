"""follow_up: a timer fired with no reply from the client — a nudge, or the reminder after a pause."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import after_nudge, cadence_timer
from agent.tools.calendar import format_date, format_slots, propose_slots


async def follow_up(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, event = state["contact"], state["event"]
    lang = reply_language(state)
    if event.get("timer_kind") == "pause_end":
        asked_on = contact.get("pause_asked_on") or ctx.now()
        text = ctx.prompts.render(with_deck("follow_up_pause_end", contact), lang, asked_on_text=format_date(
            asked_on.astimezone(ctx.tz(contact)).date(), ctx.prompts.words(lang)))
        return {
            "actions": ["follow_up"],
            "parts": [effects.part(text, "answer")],
            "followups_sent": 0,
            "effects": [
                effects.contact_update(status="active", stage="pause_reminded"),
                effects.fact("follow_up", kind="pause_end"),
                cadence_timer(ctx, state),
            ],
        }
    sent = state.get("followups_sent", 0) + 1
    update: dict[str, Any] = {"stage": f"follow_up_{sent}"}
    slots = (propose_slots(ctx.now(), ctx.tz(contact), ctx.settings)
             if sent == 1 and contact.get("stage") == "demo_proposed" else [])
    if slots:  # they asked for a call and went quiet over the slots: fresh ones, not «актуальна ли тема?»
        text = ctx.prompts.render("follow_up_1_demo_proposed", lang,
                                  slots_text=format_slots(slots, ctx.tz(contact), ctx.prompts.words(lang)))
        update["proposed_slots"] = [s.isoformat() for s in slots]
    else:
        text = ctx.prompts.render(with_deck("follow_up_1" if sent == 1 else "follow_up_2", contact), lang)
    return {
        "actions": ["follow_up"],
        "parts": [effects.part(text, "answer")],
        "followups_sent": sent,
        "effects": [
            effects.contact_update(**update),
            effects.fact("follow_up", number=sent),
            after_nudge(ctx, contact, sent),
        ],
    }


def with_deck(template: str, contact: dict[str, Any]) -> str:
    """The nudge's variant once the deck has gone out: it asks about the deck and offers the demo,
    never the deck again."""
    return f"{template}_deck_sent" if contact.get("deck_sent_at") else template
