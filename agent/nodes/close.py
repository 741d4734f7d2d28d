"""close: the conversation ends without an opt-out — a refusal, a hard bounce, or long silence. A demo
still booked is dropped and the team is told («мы передумали» after a booking)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.calendar import booked_demo
from agent.tools.dropped_demo import drop_demo


async def close(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    reading = state.get("understanding") or {}
    intent = reading.get("intent")
    reason = {"not_interested": "not_interested", "bounce": "bounce"}.get(intent or "", "silence")
    parts = []
    if intent == "not_interested":
        parts.append(effects.part(ctx.prompts.render("close_not_interested", reply_language(state)), "close"))
    update: dict[str, Any] = {"status": "closed", "stage": "closed", "outcome": reason}
    closing_effects: list[Any] = []
    booked = booked_demo(state["contact"], ctx.now())
    if booked is not None:  # «мы передумали» after a booking: the call is off, and the manager must know
        why = "Клиент отказался" if reason == "not_interested" else "Адрес клиента недоступен"
        dropped, closing_effects = drop_demo(booked, ctx.tz(state["contact"]), reason, "demo_team_declined", why=why,
                                             last_message=str(state["event"].get("text") or "")[:1000])
        update.update(dropped)
    closing_effects += [
        effects.contact_update(order=7, **update),
        effects.fact("bounced" if reason == "bounce" else "closed", reason=reason),
        effects.no_timer(),
    ]
    if reason == "bounce":
        closing_effects.append(effects.unreachable(state["event"].get("channel") or "console"))
    return {"actions": ["close"], "parts": parts, "effects": closing_effects}
