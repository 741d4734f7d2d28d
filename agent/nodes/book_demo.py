"""book_demo: agree a demo time in the contact's zone, or propose slots when the time is vague or
impossible. A contact has one booking: a new time replaces (reschedules) the booked one."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from langgraph.runtime import Runtime

from agent.clock import aware
from agent.context import AgentContext
from agent.nodes.compose import outbound_channel, reply_language
from agent.nodes.understand import reading_of
from agent.state import ConversationState
from agent.tools import effects
from agent.tools.cadence import cadence_timer
from agent.tools.calendar import (
    booked_demo,
    day_problem,
    demo_problem,
    format_clock,
    format_slots,
    format_when,
    option_slots,
    propose_slots,
)
from agent.tools.dropped_demo import drop_demo
from agent.understanding.calendar_ru import normalize
from agent.understanding.dates import against_booking, alternatives, pause_until, preferred_window
from agent.understanding.entities import find_phones
from agent.understanding.patterns import MOVE_CALL, RESCHEDULE


async def book_demo(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    contact, reading = state["contact"], reading_of(state)
    tz, now = ctx.tz(contact), ctx.now()
    lang = reply_language(state)
    words = ctx.prompts.words(lang)
    previous = booked_demo(contact, now)
    said = state["event"].get("text", "") or ""
    offered = [aware(v) for v in contact.get("proposed_slots") or []]
    demo_at = against_booking(said, reading.demo_at, reading.demo_day, previous, now, tz, offered)
    window = preferred_window(said, now, tz)  # «после обеда», «после 14»: slots inside it
    phones = [] if reading.referral else find_phones(said)  # «позвоните мне, +7 916 …»: the client's own
    phone = phones[0] if phones else contact.get("callback_phone") or contact.get("phone")
    options = alternatives(said, now, tz) if demo_at is None and not reading.demo_invalid else []
    exact = [o.at for o in options if o.at is not None and demo_problem(o.at, now, tz, ctx.settings) is None]
    if exact:  # «в среду в 10 или в четверг в 16»: the first that works is booked
        return _confirm(ctx, state, exact[0], previous, None, tz, phone)
    their_days = option_slots(options, now, tz, ctx.settings)  # «в среду с 10 до 12 или в четверг после 16»
    problem = "no_such_date" if reading.demo_invalid else None
    if demo_at is not None and problem is None:
        problem = demo_problem(demo_at, now, tz, ctx.settings)
    elif demo_at is None and problem is None and reading.demo_day is not None and not their_days:
        problem = day_problem(reading.demo_day, now, tz)  # «в субботу после обеда»: no day for a demo
    if demo_at is not None and problem is None:
        return _confirm(ctx, state, demo_at, previous, reading.demo_until, tz, phone)
    norm = normalize(said)
    if previous is not None and demo_at is None and problem is None and reading.demo_day is None and not (
            MOVE_CALL.search(norm) or RESCHEDULE.search(norm)):
        if _CANCEL.search(norm):  # «давайте отменим звонок»: not «встреча в силе»
            return _cancel(ctx, state, previous, tz, said)
        return _about_the_booked_call(ctx, state, previous, tz, said)
    if problem is not None:  # a counter-proposal: the nearest good slots, never a booking
        named_day = demo_at.astimezone(tz).date() if demo_at is not None else reading.demo_day
        start_day = named_day if problem != "past" else None
        slots = propose_slots(now, tz, ctx.settings, day=start_day, window=window)
        text = ctx.prompts.render("book_demo_unavailable", lang, reason=ctx.prompts.render(f"demo_reasons/{problem}", lang),
                                  slots_text=format_slots(slots, tz, words))
    else:
        start_day = reading.demo_day or not_before(said, now, tz)  # «созвонимся после 10 января?»
        slots = (their_days or propose_slots(now, tz, ctx.settings, day=start_day, window=window)
                 or propose_slots(now, tz, ctx.settings, window=window))
        slots_text = format_slots(slots, tz, words)
        if previous is None:
            text = ctx.prompts.render("book_demo_propose", lang, slots_text=slots_text)
        else:  # a move to a day with no time: the booking stands until a new time is agreed, and says so
            text = ctx.prompts.render("book_demo_propose_move", lang, slots_text=slots_text,
                                      previous_text=format_when(previous, tz, words))
    proposed = [s.isoformat() for s in slots]
    turn_effects: list[Any] = [effects.fact("replied", intent="demo")]
    kept: dict[str, Any] = {"callback_phone": phones[0]} if phones else {}  # for the team's note at booking
    if previous is None:
        turn_effects += [effects.contact_update(order=2, status="active", stage="demo_proposed",
                                                proposed_slots=proposed, **kept), cadence_timer(ctx, state)]
    else:  # the booked demo stays until a new time is agreed
        turn_effects.append(effects.contact_update(order=2, proposed_slots=proposed, **kept))
    return {"parts": [effects.part(text, "demo")], "effects": turn_effects}


_CANCEL = re.compile(r"\bотмен\w*|\bcancel\w*|\bcall\s+(?:it|the\s+\w+)\s+off\b")


def _cancel(ctx: AgentContext, state: ConversationState, booked: datetime, tz: ZoneInfo, said: str) -> dict[str, Any]:
    """The client cancels the booked call with no new time: the booking is dropped, the team is told,
    and the conversation goes on (the usual cadence), so a new time can still be agreed."""
    lang = reply_language(state)
    text = ctx.prompts.render("book_demo_cancelled", lang, when_text=format_when(booked, tz, ctx.prompts.words(lang)))
    dropped, dropping = drop_demo(booked, tz, "client", "demo_team_declined", why="Клиент отменил встречу",
                                  last_message=said[:1000])
    return {"parts": [effects.part(text, "demo")],
            "effects": [effects.contact_update(order=2, status="active", stage="engaged", **dropped), *dropping,
                        cadence_timer(ctx, state)]}


def _about_the_booked_call(ctx: AgentContext, state: ConversationState, booked: datetime, tz: ZoneInfo,
                           said: str) -> dict[str, Any]:
    """«А можно ещё коллегу позвать на звонок?» with a demo booked and no new time or move asked: the
    booking stands, and the question goes to the manager running the demo (not new slots)."""
    lang = reply_language(state)
    text = ctx.prompts.render("book_demo_booked_question", lang, meeting_link=ctx.settings.meeting_link,
                              when_text=format_when(booked, tz, ctx.prompts.words(lang)))
    return {"parts": [effects.part(text, "demo")],
            "effects": [effects.fact("replied", intent="demo"),
                        effects.notify_team("question_team", question=said[:1000])]}


def _confirm(ctx: AgentContext, state: ConversationState, demo_at: datetime, previous: datetime | None,
             until: datetime | None, tz: ZoneInfo, phone: str | None) -> dict[str, Any]:
    lang = reply_language(state)
    words = ctx.prompts.words(lang)
    when_text = format_when(demo_at, tz, words)
    by_email = outbound_channel(state) == "email"
    join = ctx.prompts.render("book_demo_join_email" if by_email else "book_demo_join_chat", lang,
                              meeting_link=ctx.settings.meeting_link)
    moved = previous is not None and previous != demo_at
    values: dict[str, object] = {"when_text": when_text, "join_line": join,
                                 "duration_min": ctx.settings.demo_duration_min}
    if moved and previous is not None:
        values["previous_text"] = format_when(previous, tz, words)
    text = ctx.prompts.render("book_demo_moved" if moved else "book_demo_confirmed", lang, **values)
    if until is not None and until > demo_at:
        note = ctx.prompts.render("book_demo_range", lang, range_start=format_clock(demo_at, tz),
                                  range_end=format_clock(until, tz))
        head, _, rest = text.partition("\n\n")
        text = f"{head}\n\n{note}\n\n{rest}" if rest else f"{head}\n\n{note}"
    fact: dict[str, Any] = {"demo_at": demo_at.isoformat(), "when_text": when_text}
    update: dict[str, Any] = {"status": "active", "stage": "demo_booked", "demo_at": demo_at,
                              "proposed_slots": []}  # agreed: earlier proposals no longer stand
    team: dict[str, Any] = {"when_text": format_when(demo_at, tz), "meeting_link": ctx.settings.meeting_link,
                            "phone_line": f"\nТелефон клиента: {phone}" if phone else ""}
    if phone:
        update["callback_phone"] = phone
    if moved and previous is not None:
        fact["previous_demo_at"] = previous.isoformat()
        update["previous_demo_at"] = previous
        team["previous_text"] = format_when(previous, tz)  # the team reads Russian
    return {
        "actions": ["book_demo"],
        "parts": [effects.part(text, "demo")],
        "effects": [
            effects.contact_update(order=2, **update),
            effects.fact("demo_booked", **fact),
            effects.notify_team("demo_team_moved" if moved else "demo_team", **team),
            effects.no_timer(),
        ],
    }


def not_before(said: str, now: datetime, tz: ZoneInfo) -> date | None:
    """The first day a call may be when the client bounds it rather than naming it («после 10
    января», «после праздников», «через две недели»): read as the first day we may write again."""
    until = pause_until(said, now, tz)
    day = until.astimezone(tz).date() if isinstance(until, datetime) else until
    return day if day is not None and day > now.astimezone(tz).date() + timedelta(days=1) else None
