"""The sender loop shared by every channel: outbox → channel, with the last suppression check.

pending → sending (leased) → sent | failed | suppressed. A message found still `sending` after
its lease ran out was maybe sent before a crash: the channel's `was_delivered` decides; a channel
that cannot tell marks it `uncertain` rather than risk a second copy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
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
    if reason := await is_suppressed(store, doc):
        await store.outbox.mark_suppressed(key, clock.now(), f"suppressed at send time ({reason})")
        return True
    result = await channel.send(as_message(doc))
    now = clock.now()
    if result.ok:
        await store.outbox.mark_sent(key, now, result.provider_id, store.retention_days)
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
