"""deliver: carry out the turn's effects. Every write is keyed by the inbound event, so running a
turn again after a crash changes nothing that was already done and sends nothing twice."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentContext
from agent.nodes.compose import outbound_channel
from agent.state import ConversationState
from agent.store.suppressions import contact_addresses
from agent.tools.calendar import next_in_window
from agent.tools.contacts import create_referred
from agent.tools.outbox import queue_message, queue_team_note

PROCESSED_KEEP = 64


async def deliver(state: ConversationState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    event, contact = state["event"], state["contact"]
    key, now, store = event["key"], ctx.now(), ctx.store
    turn_effects = state.get("effects", [])
    by_type: dict[str, list[dict[str, Any]]] = {}
    for effect in turn_effects:
        by_type.setdefault(effect["type"], []).append(effect)
    contact_set: dict[str, Any] = {}
    for effect in sorted(by_type.get("contact", []), key=lambda e: e["order"]):
        contact_set.update(effect["set"])

    if by_type.get("suppress"):
        await store.suppressions.add(contact_addresses(contact), contact["_id"], "opt_out", now)
        await store.outbox.suppress_pending_for(contact["_id"], now, "opted out")

    for effect in by_type.get("create_contact", []):
        referred, created = await create_referred(store, key, effect["fields"], now)
        await store.events.record(f"{key}:referral_created", contact["_id"], "referral_created", now,
                                  {"new_contact_id": referred["_id"], "created": created})
        if created:
            due = next_in_window(now, ctx.tz(referred), ctx.settings)
            timer_id = f"t:{key}:referral_outreach"
            await store.timers.schedule(timer_id, referred["_id"], "outreach", due, now)
            await store.contacts.update(referred["_id"], now,
                                        next_timer={"id": timer_id, "kind": "outreach", "due_at": due})
        contact_set["referred_contact_id"] = referred["_id"]

    reply = state.get("reply")
    channel = outbound_channel(state)
    if reply and contact.get("status") != "opted_out" and not by_type.get("suppress"):
        subject = next((e["subject"] for e in by_type.get("subject", [])), None)
        attachments = [e["path"] for e in by_type.get("attach", [])]
        await queue_message(ctx, key=f"{key}:reply", contact=contact, channel=channel, text=reply,
                            kind=event.get("timer_kind") or event["kind"], subject=subject,
                            attachments=attachments, event=event)
        contact_set["last_outbound_at"] = now
    for effect in by_type.get("notify_team", []):
        await queue_team_note(ctx, key=f"{key}:team:{effect['template']}", contact=contact,
                              template=effect["template"], values=effect["values"])
    for effect in by_type.get("unreachable", []):
        contact_set["unreachable"] = sorted({*contact.get("unreachable", []), effect["channel"]})

    timers = sorted(by_type.get("timer", []), key=lambda e: -e["priority"])
    if timers:
        chosen = timers[0]
        if chosen["kind"] is None:
            await store.timers.cancel_for_contact(contact["_id"], now)
            contact_set["next_timer"] = None
        else:
            timer_id = f"t:{key}:{chosen['kind']}"
            await store.timers.schedule(timer_id, contact["_id"], chosen["kind"], chosen["due_at"], now, chosen["meta"])
            await store.timers.cancel_for_contact(contact["_id"], now, keep=timer_id)
            contact_set["next_timer"] = {"id": timer_id, "kind": chosen["kind"], "due_at": chosen["due_at"]}

    if event["kind"] == "message":
        contact_set["last_inbound_at"] = event["received_at"]
        intent = (state.get("understanding") or {}).get("intent")
        if intent not in ("auto_reply", "bounce", None):
            await store.events.record(f"{key}:replied", contact["_id"], "replied", now, {"intent": intent})
        if channel in ("email", "telegram", "console") and contact.get("channel") != channel:
            contact_set["channel"] = channel
    for effect in by_type.get("event", []):
        await store.events.record(f"{key}:{effect['name']}", contact["_id"], effect["name"], now, effect["data"])
    if contact_set:
        await store.contacts.update(contact["_id"], now, **contact_set)

    history = state.get("history", [])
    if reply:
        history = [*history, {"role": "agent", "text": reply, "at": now, "channel": channel}][-40:]
    return {"history": history, "processed": [*state.get("processed", []), key][-PROCESSED_KEEP:],
            "contact": {**contact, **contact_set}}
