"""handoff: a person takes over. Tell the client, notify the team; the agent stops replying."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.understanding.calendar_ru import normalize
from agent.understanding.learned import off_topic
from agent.understanding.patterns import asks_to_buy


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
    """An off-topic request the rules name (a job, an SEO or app offer) is told it is outside the
    service; any other message the agent cannot place («Алло, вы звонить будете?») is passed to a
    manager without saying what it is about."""
    ctx = runtime.context
    reading = state.get("understanding") or {}
    other = reading.get("intent") == "other" and not state.get("handoff_reason")  # not a model failure
    named_off_topic = other and off_topic(reading_of(state), str(state["event"].get("text") or ""))
    if state.get("handoff_reason"):
        reason, template = str(state["handoff_reason"]), "handoff_client"
    elif named_off_topic:
        reason, template = "вопрос не про сервис отзывов", "fallback_other"
    elif asks_to_buy(normalize(str(state["event"].get("text") or ""))):
        reason, template = "клиент готов к покупке: просит договор, счёт или оплату", "handoff_purchase"
    elif other:
        reason, template = "агент не понял, о чём сообщение", "handoff_unclear"
    else:
        reason, template = "агент не уверен в ответе", "handoff_client"
    return handoff_update(ctx, state, reason, template)
