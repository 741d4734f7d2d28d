"""close: the conversation ends without an opt-out — a refusal, a hard bounce, or long silence."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects


async def close(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    reading = state.get("understanding") or {}
    intent = reading.get("intent")
    reason = {"not_interested": "not_interested", "bounce": "bounce"}.get(intent or "", "silence")
    parts = []
    if intent == "not_interested":
        parts.append(effects.part(ctx.prompts.render("close_not_interested", reply_language(state)), "close"))
    closing_effects = [
        effects.contact_update(order=7, status="closed", stage="closed", outcome=reason),
        effects.fact("bounced" if reason == "bounce" else "closed", reason=reason),
        effects.no_timer(),
    ]
    if reason == "bounce":
        closing_effects.append(effects.unreachable(state["event"].get("channel") or "console"))
    return {"actions": ["close"], "parts": parts, "effects": closing_effects}
