"""operator_reply: a person of the sales team writes in the thread (`sales-agent reply`).

Their text goes out as they wrote it (no greeting, no signature added, not held to the reply rules
that bind the model), on the contact's channel and in the same email thread or Telegram chat, and
stays in the history as the person's message, so the agent continues with it in view. Nothing is
ever sent to an opted-out contact (load_context skips the turn; the sender re-checks)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.state import ConversationState
from agent.tools import effects


async def operator_reply(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    event = state["event"]
    text = (event.get("text") or "").strip()
    if not text:
        return {"skip": "empty message from a person"}
    by = event.get("meta", {}).get("by") or "team"
    return {"actions": [], "parts": [effects.part(text, "answer", source="person")],
            "effects": [effects.fact("operator_reply", by=by, chars=len(text)),
                        effects.contact_update(last_operator_reply_at=runtime.context.now())]}
