"""pause: the client asked to write later (or is away). Set the timer; acknowledge unless it was
an auto-reply, which is never answered."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import reply_language
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.calendar import format_date, start_of_day
from agent.understanding.calendar_ru import next_working_day


async def pause(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, reading = state["contact"], reading_of(state)
    lang = reply_language(state)
    tz, now = ctx.tz(contact), ctx.now()
    until = reading.pause_until
    if until is None:  # "later" with no date: the ordinary cadence, a polite nudge in a week
        until = (now.astimezone(tz) + timedelta(days=ctx.settings.follow_up_2_days)).date()
    if not isinstance(until, datetime) and not ctx.settings.send_on_weekends:
        until = next_working_day(until)  # «после 15 января» (a Saturday): we write, and say, Monday the 18th
    due = until if isinstance(until, datetime) else start_of_day(until, tz, ctx.settings)
    day = until.date() if isinstance(until, datetime) else until
    parts = []
    if reading.intent != "auto_reply":
        # never offer the deck they have; with the deck going out now, the pause follows it
        template, slot = (("pause_ack_with_deck", "later") if reading.wants_presentation
                          else ("pause_ack_deck_sent", "ack") if contact.get("deck_sent_at") else ("pause_ack", "ack"))
        until_text = format_date(day, ctx.prompts.words(lang))
        parts.append(effects.part(ctx.prompts.render(template, lang, until_text=until_text), slot))
    return {
        "actions": ["pause_until"],
        "parts": parts,
        "effects": [
            effects.contact_update(status="paused", stage="paused", paused_until=_as_datetime(until, due),
                                   pause_asked_on=now),
            effects.timer("pause_end", due, priority=effects.PAUSE),
            effects.fact("paused", until=until.isoformat(), auto_reply=reading.intent == "auto_reply"),
        ],
    }


def _as_datetime(until: date | datetime, due: datetime) -> datetime:
    return until if isinstance(until, datetime) else due
