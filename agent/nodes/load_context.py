"""load_context: read the contact fresh from the store, skip replays, start the turn."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState, with_turn


async def load_context(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    event, ctx = state["event"], runtime.context
    contact = None
    if ctx.contact is not None and ctx.contact["_id"] == event.get("contact_id"):
        contact = ctx.contact  # read by the worker for this turn, after its lock
    elif event.get("contact_id"):
        contact = await ctx.store.contacts.get(event["contact_id"])
    update: dict[str, Any] = {
        "contact": contact or {},
        "understanding": None,
        "handoff_reason": None,
        "actions": None,
        "parts": None,
        "effects": None,
        "reply": None,
        "guard_violations": [],
        "review": None,
        "skip": None,
    }
    if event["key"] in state.get("processed", []):
        update["skip"] = "already processed"
    elif contact is None:
        update["skip"] = "unknown contact"
    elif contact["status"] == "opted_out" and event["kind"] != "message":
        update["skip"] = "contact opted out"
    elif event["kind"] == "timer" and (contact.get("next_timer") or {}).get("id") != event.get("timer_id"):
        update["skip"] = "stale timer"
    if update["skip"] is None and event["kind"] == "message":
        entry = {"role": "client", "text": event.get("text", ""), "at": event["received_at"],
                 "channel": event["channel"]}
        update["history"] = with_turn(state.get("history"), entry)
    return update
