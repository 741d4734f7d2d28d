"""opt_out: suppress every address of the contact on every channel; send nothing, ever again."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState
from agent.tools import effects


async def opt_out(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    return {
        "actions": ["opt_out"],
        "effects": [
            effects.suppress(),
            effects.contact_update(order=9, status="opted_out", stage="opted_out", opted_out_at=runtime.context.now()),
            effects.fact("opted_out", text=state["event"].get("text", "")[:500]),
            effects.no_timer(),
        ],
    }
