"""opt_out: suppress every address of the contact on every channel; send nothing, ever again. A demo
still booked is dropped from the contact, and the team is told to take it out of the calendar
(the client gets no cancellation: nothing more is sent to them)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.calendar import booked_demo
from agent.tools.dropped_demo import drop_demo


async def opt_out(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, now = state["contact"], ctx.now()
    update: dict[str, Any] = {"status": "opted_out", "stage": "opted_out", "opted_out_at": now}
    turn_effects: list[Any] = [effects.suppress()]
    booked = booked_demo(contact, now)
    if booked is not None:
        dropped, dropping = drop_demo(booked, ctx.tz(contact), "opt_out", "demo_team_cancelled")
        update.update(dropped)
        turn_effects += dropping
    return {
        "actions": ["opt_out"],
        "effects": [
            *turn_effects,
            effects.contact_update(order=9, **update),
            effects.fact("opted_out", text=state["event"].get("text", "")[:500]),
            effects.no_timer(),
        ],
    }
