"""handoff: a person takes over. Tell the client, notify the team; the agent stops replying."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects


def handoff_update(ctx: AgentContext, state: ConversationState, reason: str, template: str) -> dict[str, Any]:
    """The hand-off effects; also used by the guard when a reply cannot be made safe."""
    return {
        "actions": ["handoff"],
        "parts": [effects.part(ctx.prompts.render(template, reply_language(state)), "ack")],
        "effects": [
            effects.contact_update(order=8, status="handoff", stage="handoff", handoff_reason=reason),
            effects.fact("handoff", reason=reason),
            effects.notify_team("handoff_team", reason=reason, last_message=state["event"].get("text", "")[:1000]),
            effects.no_timer(),
        ],
    }


async def handoff(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    reading = state.get("understanding") or {}
    reason = state.get("handoff_reason") or (
        "вопрос не про сервис отзывов" if reading.get("intent") == "other" else "агент не уверен в ответе"
    )
    off_topic = reading.get("intent") == "other" and not state.get("handoff_reason")  # not a model failure
    template = "fallback_other" if off_topic else "handoff_client"
    return handoff_update(ctx, state, reason, template)
