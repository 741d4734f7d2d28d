"""refer: the client named the right person. Create that contact with context, start its
outreach, thank the client and close this thread."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import cadence_timer


async def refer(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, reading = state["contact"], reading_of(state)
    person = reading.referral
    name = (person.name if person else None) or ""
    if person is None or not person.has_address():
        text = ctx.prompts.render("refer_no_address", referral_name=name or "коллеге")
        return {"parts": [effects.part(text, "ack")], "effects": [cadence_timer(ctx, state),
                                                                  effects.fact("replied", intent="referral")]}
    fields = {
        "name": name or None,
        "email": person.email,
        "telegram": person.telegram,
        "phone": person.phone,
        "role": person.role,
        "company": contact.get("company"),
        "timezone": contact.get("timezone"),
        "referred_by": contact["_id"],
        "referrer_name": contact.get("name"),
        "referral_note": state["event"].get("text", "")[:1000],
        "source": "referral",
    }
    text = ctx.prompts.render("refer_thanks", referral_name=name or "коллеге")
    return {
        "actions": ["create_contact"],
        "parts": [effects.part(text, "ack")],
        "effects": [
            effects.create_contact(fields),
            effects.contact_update(order=3, status="closed", stage="referred", outcome="referral"),
            effects.no_timer(),
        ],
    }
