"""acknowledge: a short templated answer a channel asked for (`notice` events): a Telegram voice
message, a file, a location, /help, a shared own contact card, a chat just bound by a deep link.
It goes out like every other reply (outbox, history) and changes no timer."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects


async def acknowledge(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    template = state["event"].get("meta", {}).get("notice")
    if not template:
        return {"skip": "notice without a template"}
    return {"actions": [], "parts": [effects.part(runtime.context.prompts.render(template, reply_language(state)), "answer")]}
