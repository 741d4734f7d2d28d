"""deliver: carry out the turn's effects. Every write is keyed by the inbound event, so running a
turn again after a crash changes nothing that was already done and sends nothing twice.

Each effect type has exactly one handler (`HANDLERS`); a test checks that none is missing. The
handlers run in a fixed order (opt-out first, the reply after everything that shapes it, timers
and the contact last), then the turn's own bookkeeping is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.contracts import OutboundMessage
from agent.nodes.compose import outbound_channel
from agent.state import PROCESSED_KEEP, ConversationState, with_turn
from agent.store.contacts import ADDRESS_FIELDS, normalise_address
from agent.store.suppressions import opt_out_addresses
from agent.tools import effects as fx
from agent.tools.calendar import next_in_window
from agent.tools.contacts import MOVE_REFUSED, create_referred, move_email
from agent.tools.outbox import queue_message, queue_team_note


@dataclass
class Turn:
    """What `deliver` gathers while it applies one turn's effects."""

    ctx: AgentContext
    state: ConversationState
    contact: dict[str, Any]
    key: str
    now: datetime
    contact_set: dict[str, Any] = field(default_factory=dict)
    timers: list[fx.ScheduleTimer] = field(default_factory=list)
    subject: str | None = None
    attachments: list[str] = field(default_factory=list)
    suppressed: bool = False
    facts: list[tuple[str, str, str, datetime, dict[str, Any] | None]] = field(default_factory=list)
    outbox: list[OutboundMessage] = field(default_factory=list)  # the reply and team notes, one write

    def record(self, name: str, data: dict[str, Any] | None = None, key: str | None = None) -> None:
        """A fact of this turn; all are written together at the end (one round trip)."""
        self.facts.append((key or f"{self.key}:{name}", self.contact["_id"], name, self.now, data))


Handler = Callable[[Any, Turn], Awaitable[None]]


async def remember_reading(effect: fx.RememberReading, turn: Turn) -> None:
    await turn.ctx.store.inbox.save_understanding(
        turn.key, {"reading": effect.reading, "handoff_reason": effect.handoff_reason})


async def suppress(effect: fx.Suppress, turn: Turn) -> None:
    store, contact = turn.ctx.store, turn.contact
    await store.suppressions.add(opt_out_addresses(contact), contact["_id"], "opt_out", turn.now)
    await store.outbox.suppress_pending_for(contact["_id"], turn.now, "opted out")
    turn.suppressed = True


async def move_address(effect: fx.MoveAddress, turn: Turn) -> None:
    """The client's own new email, before the reply is queued (it goes to the new address). Never an
    address on the suppression list or another contact's: then nothing is sent and a person decides."""
    contact, old = turn.contact, turn.contact.get("email")
    refused = await move_email(turn.ctx.store, contact, effect.email, turn.now, effect.stop_old,
                               turn.ctx.settings.sender_email)
    new = normalise_address("email", effect.email)
    if refused is not None:
        reason = f"клиент дал новый адрес {new}, но писать туда нельзя: {MOVE_REFUSED[refused]}"
        turn.suppressed = True  # nothing to the old address the client left, nothing to the new one
        turn.contact_set.update(status="handoff", stage="address_refused", handoff_reason=reason)
        turn.timers.append(fx.no_timer())
        turn.record("address_refused", {"to": new, "reason": refused})
        await queue_team_note(turn.ctx, key=f"{turn.key}:team:handoff_team", contact=contact, template="handoff_team",
                              values={"reason": reason, "last_message": str(turn.state["event"].get("text") or "")[:1000]},
                              sink=turn.outbox)
        return
    turn.contact = await turn.ctx.store.contacts.require(contact["_id"])  # as moved: the reply goes there
    turn.record("address_moved", {"from": old, "to": new, "old_suppressed": bool(effect.stop_old and old)})


async def update_contact(effect: fx.UpdateContact, turn: Turn) -> None:
    turn.contact_set.update(effect.set)


async def create_contact(effect: fx.CreateContact, turn: Turn) -> None:
    ctx, store, now = turn.ctx, turn.ctx.store, turn.now
    key = turn.key if effect.slot == 0 else f"{turn.key}:{effect.slot}"
    keys = [f"{f}:{normalise_address(f, effect.fields[f])}" for f in ADDRESS_FIELDS if effect.fields.get(f)]
    if await store.suppressions.any_suppressed(keys):  # the last gate: never a suppressed address
        turn.record("referral_refused", {"reason": "suppressed"}, key=f"{key}:referral_refused")
        return
    referred, created = await create_referred(store, key, effect.fields, now)
    turn.record("referral_created", {"new_contact_id": referred["_id"], "created": created},
                key=f"{key}:referral_created")
    if created and not (referred.get("email") or referred.get("telegram")):  # a phone only: a person calls
        await store.contacts.update(referred["_id"], now, status="handoff", stage="call_referral",
                                    handoff_reason="рекомендовали позвонить: есть только телефон")
    elif created:
        due = next_in_window(now, ctx.tz(referred), ctx.settings)
        timer_id = f"t:{key}:referral_outreach"
        await store.timers.schedule(timer_id, referred["_id"], "outreach", due, now)
        await store.contacts.update(referred["_id"], now, next_timer={"id": timer_id, "kind": "outreach", "due_at": due})
    turn.contact_set.setdefault("referred_contact_id", referred["_id"])


async def issue_telegram_link(effect: fx.IssueTelegramLink, turn: Turn) -> None:
    await turn.ctx.store.telegram_links.create(effect.token, turn.contact["_id"], turn.now, effect.ttl_days)


async def set_subject(effect: fx.SetSubject, turn: Turn) -> None:
    turn.subject = turn.subject or effect.subject


async def attach(effect: fx.Attach, turn: Turn) -> None:
    turn.attachments.append(effect.path)


async def notify_team(effect: fx.NotifyTeam, turn: Turn) -> None:
    await queue_team_note(turn.ctx, key=f"{turn.key}:team:{effect.template}", contact=turn.contact,
                          template=effect.template, values=effect.values, sink=turn.outbox)


async def mark_unreachable(effect: fx.MarkUnreachable, turn: Turn) -> None:
    turn.contact_set["unreachable"] = sorted({*turn.contact.get("unreachable", []), effect.channel})


async def schedule_timer(effect: fx.ScheduleTimer, turn: Turn) -> None:
    turn.timers.append(effect)


async def record_fact(effect: fx.RecordFact, turn: Turn) -> None:
    turn.record(effect.name, effect.data)


# One handler per effect type, in the order they run.
HANDLERS: dict[type, Handler] = {
    fx.RememberReading: remember_reading,
    fx.Suppress: suppress,
    fx.UpdateContact: update_contact,
    fx.MoveAddress: move_address,
    fx.CreateContact: create_contact,
    fx.IssueTelegramLink: issue_telegram_link,
    fx.SetSubject: set_subject,
    fx.Attach: attach,
    fx.NotifyTeam: notify_team,
    fx.MarkUnreachable: mark_unreachable,
    fx.ScheduleTimer: schedule_timer,
    fx.RecordFact: record_fact,
}
RANK = {kind: i for i, kind in enumerate(HANDLERS)}
# These run once the reply is queued (team notes follow the client's message; facts come last).
AFTER_REPLY = {fx.NotifyTeam, fx.MarkUnreachable, fx.ScheduleTimer, fx.RecordFact}


def ordered(effects: list[Any]) -> list[Any]:
    """Handler order first; contact updates by their `order` (the higher wins a clash)."""
    parsed = [fx.parse_effect(e) for e in effects]
    return sorted(parsed, key=lambda e: (RANK[type(e)], e.order if isinstance(e, fx.UpdateContact) else 0))


def rejected_draft_effects(state: ConversationState) -> list[Any]:
    """A person rejected the draft: nothing of the turn happens but the record of it, and the
    thread is theirs now (status `handoff`); a cached model reading is kept for a replay."""
    kept = [e for e in state.get("effects", []) if e.get("type") in ("remember_reading",)
            or (e.get("type") == "event" and e.get("name") == "draft_rejected")]
    reason = (state.get("review") or {}).get("reason") or "rejected"
    return [*kept, fx.contact_update(order=99, status="handoff", stage="draft_rejected",
                                     handoff_reason=f"черновик отклонён: {reason}"[:300]),
            fx.no_timer()]


async def send_reply(turn: Turn, reply: str | None, channel: str) -> bool:
    """Queue the turn's reply; False when nothing goes out (no reply, an opt-out, no address)."""
    if not reply or turn.contact.get("status") == "opted_out" or turn.suppressed:
        return False
    event = turn.state["event"]
    queued = await queue_message(turn.ctx, key=f"{turn.key}:reply", contact=turn.contact, channel=channel, text=reply,
                        kind=event.get("timer_kind") or event["kind"], subject=turn.subject,
                        attachments=turn.attachments, event=event, sink=turn.outbox, check_suppressions=False)
    if queued:
        turn.contact_set["last_outbound_at"] = turn.now
    return queued


async def apply_timers(turn: Turn) -> None:
    """The strongest timer of the turn wins; a `None` kind clears the contact's timers."""
    if not turn.timers:
        return
    store, contact_id, now = turn.ctx.store, turn.contact["_id"], turn.now
    chosen = max(turn.timers, key=lambda t: t.priority)  # first of equals, as the nodes listed them
    if chosen.kind is None or chosen.due_at is None:
        await store.timers.cancel_for_contact(contact_id, now)
        turn.contact_set["next_timer"] = None
        return
    timer_id = f"t:{turn.key}:{chosen.kind}"
    await store.timers.replace_for_contact(timer_id, contact_id, chosen.kind, chosen.due_at, now, chosen.meta)
    turn.contact_set["next_timer"] = {"id": timer_id, "kind": chosen.kind, "due_at": chosen.due_at}


async def record_inbound(turn: Turn, channel: str) -> None:
    """A client message: when it came, that the client replied, and the channel they use now."""
    event = turn.state["event"]
    if event["kind"] != "message":
        return
    turn.contact_set["last_inbound_at"] = event["received_at"]
    intent = (turn.state.get("understanding") or {}).get("intent")
    if intent not in ("auto_reply", "bounce", None):
        turn.record("replied", {"intent": intent})
    if channel in ("email", "telegram", "console") and turn.contact.get("channel") != channel:
        turn.contact_set["channel"] = channel


async def deliver(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    event, contact = state["event"], state["contact"]
    turn = Turn(ctx=ctx, state=state, contact=contact, key=event["key"], now=ctx.now())
    effects = ordered(rejected_draft_effects(state) if (state.get("review") or {}).get("decision") == "rejected"
                      else state.get("effects", []))
    for effect in (e for e in effects if type(e) not in AFTER_REPLY):
        await HANDLERS[type(effect)](effect, turn)
    reply, channel = state.get("reply"), outbound_channel(state)
    sent = await send_reply(turn, reply, channel)
    for effect in (e for e in effects if type(e) in AFTER_REPLY and not isinstance(e, fx.RecordFact)):
        await HANDLERS[type(effect)](effect, turn)
    await record_inbound(turn, channel)
    for effect in (e for e in effects if isinstance(e, fx.RecordFact)):
        await record_fact(effect, turn)
    # the facts before the messages: a sender reads a turn's demo_booked / demo_cancelled to build the invite
    await ctx.store.events.record_many(turn.facts)
    await ctx.store.outbox.enqueue_many(turn.outbox, turn.now)
    await apply_timers(turn)
    if turn.contact_set:
        await ctx.store.contacts.update(contact["_id"], turn.now, **turn.contact_set)
    history = state.get("history", [])
    if reply and sent:
        entry = {"role": "agent", "text": reply, "at": turn.now, "channel": channel}
        if event["kind"] == "operator":
            entry.update(role="person", by=event.get("meta", {}).get("by") or "team")
        history = with_turn(history, entry)
    return {"history": history, "processed": [*state.get("processed", []), turn.key][-PROCESSED_KEEP:],
            "contact": {**turn.contact, **turn.contact_set}, "reply": reply if sent else None}
