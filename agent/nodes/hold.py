"""hold: the message may be a request to stop (the opt-out "possible" band). A missed stop must
cost a person's minute, never a message: nothing is sent, every timer stops, and the team is
asked to decide — `contacts opt-out ID` confirms it, `contacts give-back ID` resumes."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects


async def hold(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    return held(state, reading_of(state).opt_out_possible or "")


def held(state: ConversationState, why: str) -> dict[str, Any]:
    """The hold's update: nothing sent, no timer, the team asked to decide."""
    reason = f"возможно, просьба не писать: {why}"
    return {
        "actions": ["handoff"],
        "effects": [
            effects.contact_update(order=8, status="handoff", stage="possible_opt_out", handoff_reason=reason),
            effects.fact("possible_opt_out", reason=reason, text=state["event"].get("text", "")[:500]),
            effects.notify_team("possible_opt_out_team", reason=reason,
                                last_message=state["event"].get("text", "")[:1000]),
            effects.no_timer(),
        ],
    }
