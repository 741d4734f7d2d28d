"""understand: rules first (certain answers win, opt-out above all), then one model call."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState
from agent.understanding import rules
from agent.understanding.reading import read_with_model
from agent.understanding.schema import Understanding

log = logging.getLogger(__name__)


async def understand(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    event, contact = state["event"], state["contact"]
    cached = event.get("meta", {}).get("understanding")
    if cached:  # a replay after a crash reads the message exactly as the first try did
        return {"understanding": cached["reading"], "handoff_reason": cached.get("handoff_reason")}
    text, flags = event.get("text", ""), list(event.get("flags", []))
    now, tz = ctx.now(), ctx.tz(contact)
    reading = rules.detect_certain(text, flags, now, tz)
    handoff_reason = None
    if reading is None and ctx.llm is None:
        reading = rules.classify(text, now, tz, flags)
    if reading is None:
        reading, handoff_reason = await read_with_model(ctx, state, text, now, tz)
    dumped = reading.model_dump(mode="json")
    if reading.source == "llm" or handoff_reason:
        await ctx.store.inbox.save_understanding(event["key"], {"reading": dumped, "handoff_reason": handoff_reason})
    return {"understanding": dumped, "handoff_reason": handoff_reason}


def reading_of(state: ConversationState) -> Understanding:
    return Understanding.model_validate(state["understanding"])
