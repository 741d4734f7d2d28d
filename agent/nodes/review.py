"""review: in review mode, stop before delivery until a person decides (LangGraph `interrupt()`).

The checkpoint holds the draft while it waits; the worker records it in `drafts` for the team.
The decision comes back as an inbox event and resumes the graph here with `Command(resume=…)`:
accept sends the draft, edit sends the person's text, reject sends nothing and hands the thread
to a person. A new client message instead starts a fresh turn, which discards the waiting draft.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.context import AgentContext
from agent.nodes.compose import outbound_channel
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.review import HumanResponse, draft_interrupt, edited_text, review_reason


async def review(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx, reply = runtime.context, state.get("reply")
    event = state["event"]
    reason = review_reason(ctx.settings, event, state.get("parts", []))
    if not reply or reason is None or state["contact"].get("status") == "opted_out":
        return {}
    attachments = [e["path"] for e in state.get("effects", []) if e.get("type") == "attach"]
    subject = next((e["subject"] for e in state.get("effects", []) if e.get("type") == "subject"), None)
    request = draft_interrupt(event["key"], state["contact"], outbound_channel(state), reply, subject, attachments,
                              reason)
    response: HumanResponse = interrupt(request)
    kind = response.get("type")
    if kind == "accept":
        return {"review": {"decision": "approved"}}
    if kind == "edit" and (text := edited_text(response)):
        return {"reply": text, "review": {"decision": "edited"}}
    why = str(response.get("args") or "rejected by a person")
    return {"reply": None, "review": {"decision": "rejected", "reason": why},
            "effects": [effects.fact("draft_rejected", reason=why[:500])]}
