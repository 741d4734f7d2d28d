"""opted_out_wrote: an opted-out contact wrote again. Nothing goes to the client (only the contact
can lift an opt-out), but the team is told, once per message."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState
from agent.tools import effects

TEMPLATE = "opted_out_wrote_again"


async def opted_out_wrote(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    event = state["event"]
    reading = state.get("understanding") or {}
    return {
        "actions": [],
        "effects": [
            effects.notify_team(TEMPLATE, channel=event.get("channel") or "—", intent=reading.get("intent") or "—",
                                last_message=(event.get("text") or "")[:1000]),
            effects.fact("opted_out_wrote_again", intent=reading.get("intent")),
        ],
    }
