"""The sender loop shared by every channel: outbox → channel, with the last gates: a message to a
client waits while the client has an unread message, and the suppression list is checked.

pending → sending (leased) → sent | failed | suppressed. A message found still `sending` after
its lease ran out was maybe sent before a crash: the channel's `was_delivered` decides; a channel
that cannot tell marks it `uncertain` rather than risk a second copy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime
from typing import Any

from agent.clock import Clock
from agent.contracts import Channel, OutboundMessage
from agent.resilience import LoopGuard
from agent.store import Store
from agent.store.suppressions import address_key

log = logging.getLogger(__name__)

LEASE_S = 60.0
MAX_SEND_ATTEMPTS = 5
RETRY_BASE_S = 30.0
# A held message is looked at again after 1, 2, 4, 8 s, then every 15 s (a model outage can keep an
# unread message waiting for an hour; the holds should not load the database meanwhile).
HOLD_S, HOLD_MAX_S = 1.0, 15.0


def as_message(doc: dict[str, Any]) -> OutboundMessage:
    fields = {k: v for k, v in doc.items() if k in OutboundMessage.model_fields}
    return OutboundMessage(key=doc["_id"], **fields)


async def is_suppressed(store: Store, doc: dict[str, Any]) -> str | None:
    keys = [address_key(doc["channel"], doc["to"]), f"contact:{doc['contact_id']}"]
    if doc.get("kind") == "team":
        return None
    contact = await store.contacts.get(doc["contact_id"])
    if contact and contact.get("status") == "opted_out":
        return f"contact:{doc['contact_id']}"
    return await store.suppressions.any_suppressed(keys)


async def reason_to_wait(store: Store, doc: dict[str, Any], now: datetime) -> tuple[str, float] | None:
    """Why a message to a client must wait, and for how long (None: it may go).

    - The client wrote something the agent has not read yet (it may be «stop»): a reply written
      before an opt-out arrived never goes out after it.
    - An earlier message to the client on this channel is held so: the client gets them in the
      order they were written."""
    if doc.get("kind") == "team":
        return None
    backoff = min(HOLD_S * 2 ** int(doc.get("holds") or 0), HOLD_MAX_S)
    if await store.inbox.unread_client_message(doc["contact_id"], doc.get("meta", {}).get("event")):
        return "the client wrote again; held until the agent has read it", backoff
    if (ready_at := await store.outbox.earlier_waiting(doc)) is not None:
        return "an earlier message to the client is held; this one goes after it", max(
            backoff, (ready_at - now).total_seconds())
    return None


async def send_one(store: Store, channel: Channel, clock: Clock, name: str | None = None) -> bool:
    """Send the next ready message of this channel. Returns False when none was ready."""
    sender = name or f"{socket.gethostname()}:{os.getpid()}:{channel.name}"
    doc = await store.outbox.claim(channel.name, sender, clock.now(), LEASE_S)
    if doc is None:
        return False
    key = doc["_id"]
    if doc.get("reclaimed"):
        check = getattr(channel, "was_delivered", None)
        delivered = await check(as_message(doc)) if check else None
        if delivered is None:
            await store.outbox.mark_uncertain(key, clock.now(), "sender stopped mid-send; not resent")
            return True
        if delivered:
            await store.outbox.mark_sent(key, clock.now(), None, store.retention_days)
            return True
    if wait := await reason_to_wait(store, doc, clock.now()):
        await store.outbox.hold(key, clock.now(), wait[1], wait[0])
        return True
    if reason := await is_suppressed(store, doc):
        await store.outbox.mark_suppressed(key, clock.now(), f"suppressed at send time ({reason})")
        return True
    checked_at = clock.now()
    result = await channel.send(as_message(doc))
    now = clock.now()
    if result.ok:
        await store.outbox.mark_sent(key, now, result.provider_id, store.retention_days, checked_at=checked_at)
        await store.events.record(f"{key}:sent", doc["contact_id"], "sent", now, {"channel": channel.name})
    elif result.permanent or doc.get("attempts", 1) >= MAX_SEND_ATTEMPTS:
        await store.outbox.mark_failed(key, now, result.error or "send failed")
        await store.events.record(f"{key}:send_failed", doc["contact_id"], "send_failed", now,
                                  {"channel": channel.name, "error": result.error})
    else:
        delay = result.retry_after_s or RETRY_BASE_S * 2 ** (doc.get("attempts", 1) - 1)
        await store.outbox.retry_later(key, now, delay, result.error or "temporary failure")
    return True


async def drain(store: Store, channel: Channel, clock: Clock, limit: int = 10_000) -> int:
    sent = 0
    while sent < limit and await send_one(store, channel, clock):
        sent += 1
    return sent


async def run_sender(store: Store, channel: Channel, clock: Clock, stop: asyncio.Event, poll_s: float = 0.2) -> None:
    """Send until `stop`; outlives a failed message and a lost database (see `agent.resilience`)."""
    guard = LoopGuard(f"sender {channel.name}", report=store.health.report, logger=log)
    await guard.run(lambda: send_one(store, channel, clock), stop, idle_s=poll_s)
