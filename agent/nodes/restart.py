"""restart: Telegram /start in a known chat, or `sales-agent contacts restart`. The history stays
in the store for the team; the agent starts over."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import cadence_timer


async def restart(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, event = state["contact"], state["event"]
    base = [
        effects.fact("restarted", by=event["kind"]),
        effects.contact_update(order=0, status="active", stage="restarted", handoff_reason=None),
    ]
    update: dict[str, Any] = {"actions": ["restart"], "followups_sent": 0, "history": state.get("history", [])[-1:]}
    if event["kind"] == "message":  # the client pressed /start: greet again
        update["parts"] = [effects.part(ctx.prompts.render("restart", reply_language(state)), "answer")]  # compose greets
        update["effects"] = [*base, cadence_timer(ctx, state)]
    elif not contact.get("outreach_sent_at"):  # restarted before anything was sent: outreach now
        update["effects"] = [*base, effects.timer("outreach", ctx.now())]
    else:  # the team resumes the agent after a hand-off: it waits for the client, nudging on silence
        update["effects"] = [*base, cadence_timer(ctx, state)]
    return update
