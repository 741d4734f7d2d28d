"""What the sales team does to contacts from the CLI, as plain functions over the store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from agent.clock import Clock
from agent.contracts import InboundMessage
from agent.settings import Settings
from agent.store import Store
from agent.store.errors import StoreError
from agent.store.suppressions import contact_addresses
from agent.tools.calendar import next_in_window, zone


async def schedule_outreach(store: Store, settings: Settings, contact: dict[str, Any], now: datetime,
                            immediately: bool = False) -> datetime:
    """Set the outreach timer: inside the send window in the contact's zone (or right away)."""
    due = now if immediately else next_in_window(now, zone(contact.get("timezone"), settings), settings)
    timer_id = f"t:outreach:{contact['_id']}"
    await store.timers.schedule(timer_id, contact["_id"], "outreach", due, now)
    await store.timers.cancel_for_contact(contact["_id"], now, keep=timer_id)
    await store.contacts.update(contact["_id"], now, next_timer={"id": timer_id, "kind": "outreach", "due_at": due})
    return due


async def add_contact(store: Store, settings: Settings, clock: Clock, fields: dict[str, Any],
                      start: bool = True) -> tuple[dict[str, Any], datetime | None]:
    if not any(fields.get(f) for f in ("email", "telegram", "phone")) and fields.get("channel") != "console":
        raise StoreError("a contact needs an email, a Telegram handle or a phone number")
    if fields.get("timezone"):
        zone_name = fields["timezone"]
        if zone(zone_name, settings).key != zone_name:
            raise StoreError(f"unknown time zone {zone_name!r} (use a name like Europe/Moscow)")
    now = clock.now()
    contact = await store.contacts.create(fields, now)
    due = await schedule_outreach(store, settings, contact, now) if start else None
    return contact, due


async def opt_out(store: Store, clock: Clock, contact_id: str, reason: str = "opt-out by the sales team") -> int:
    """Suppress every address of the contact now; returns how many queued messages were stopped."""
    contact = await store.contacts.require(contact_id)
    now = clock.now()
    await store.suppressions.add(contact_addresses(contact), contact_id, reason, now)
    await store.timers.cancel_for_contact(contact_id, now)
    stopped = await store.outbox.suppress_pending_for(contact_id, now, reason)
    await store.contacts.update(contact_id, now, status="opted_out", stage="opted_out", next_timer=None,
                                opted_out_at=now)
    await store.events.record(f"cli-opt-out:{contact_id}", contact_id, "opted_out", now, {"by": "cli"})
    return stopped


async def restart(store: Store, clock: Clock, contact_id: str) -> str:
    """Queue a restart event: the agent starts over with this contact (refused after opt-out)."""
    contact = await store.contacts.require(contact_id)
    if contact["status"] == "opted_out":
        raise StoreError(f"{contact_id} opted out; the agent will not write to them again")
    now = clock.now()
    event = InboundMessage(key=f"restart:{contact_id}:{uuid.uuid4().hex[:8]}", kind="restart", channel="system",
                           contact_id=contact_id, received_at=now)
    await store.inbox.ingest(event, now)
    return event.key
