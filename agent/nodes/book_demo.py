"""book_demo: agree a demo time in the contact's zone, or propose slots when the time is vague."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import outbound_channel
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import cadence_timer
from agent.tools.calendar import format_slot, format_when, propose_slots


async def book_demo(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, reading = state["contact"], reading_of(state)
    tz, now = ctx.tz(contact), ctx.now()
    demo_at: datetime | None = reading.demo_at
    if demo_at is not None and demo_at > now:
        when_text = format_when(demo_at, tz)
        by_email = outbound_channel(state) == "email"
        join = ctx.prompts.render("book_demo_join_email" if by_email else "book_demo_join_chat",
                                  meeting_link=ctx.settings.meeting_link)
        text = ctx.prompts.render(
            "book_demo_confirmed",
            when_text=when_text,
            join_line=join,
            duration_min=ctx.settings.demo_duration_min,
        )
        return {
            "actions": ["book_demo"],
            "parts": [effects.part(text, "demo")],
            "effects": [
                effects.contact_update(order=2, status="active", stage="demo_booked", demo_at=demo_at),
                effects.fact("demo_booked", demo_at=demo_at.isoformat(), when_text=when_text),
                effects.notify_team("demo_team", when_text=when_text, meeting_link=ctx.settings.meeting_link),
                effects.no_timer(),
            ],
        }
    slots = propose_slots(now, tz, ctx.settings, day=reading.demo_day)
    if not slots:
        slots = propose_slots(now, tz, ctx.settings)
    text = ctx.prompts.render("book_demo_propose", slots_text="\n".join(format_slot(s, tz) for s in slots))
    return {
        "parts": [effects.part(text, "demo")],
        "effects": [
            effects.contact_update(order=2, status="active", stage="demo_proposed",
                                   proposed_slots=[s.isoformat() for s in slots]),
            effects.fact("replied", intent="demo"),
            cadence_timer(ctx, state),
        ],
    }
