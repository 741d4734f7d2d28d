"""thank: a plain thanks, «приглашение получил», a bare «ок» or 👍, or a promise to reply («посмотрю и
отпишусь») gets a short human answer (not a hand-off, not a pitch, not the deck again); after a booked
demo it names the demo. It changes no timer and no stage."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.clock import aware
from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.calendar import format_when
from agent.understanding.calendar_ru import normalize
from agent.understanding.patterns import is_thanks
from agent.understanding.promise import promises_reply


async def thank(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact = state["contact"]
    lang = reply_language(state)
    value = contact.get("demo_at") if contact.get("stage") == "demo_booked" else None
    if value is None:  # a thanks or a promise to reply at any other stage: the cadence goes on as it was
        said = str((state.get("event") or {}).get("text") or "")
        if is_thanks(normalize(said)):  # a thanks is answered as one, even beside a promise
            name = "thanks"
        elif promises_reply(said):
            name = "will_reply"
        else:  # «ок», 👍: the deck and the demo offered again while the deck has not gone out
            name = "thanks" if contact.get("deck_sent_at") else "acknowledged"
        text = ctx.prompts.render(name, lang)
    else:
        text = ctx.prompts.render("thanks_after_demo", lang,
                                  when_text=format_when(aware(value), ctx.tz(contact), ctx.prompts.words(lang)))
    return {"actions": [], "parts": [effects.part(text, "answer")], "effects": [effects.fact("replied", intent="thanks")]}
