"""The scheduler: due timers become inbox events. The inbox key is the timer id, so a timer
that fired before a crash and fires again after it is ingested once."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import get_args

from agent.clock import Clock
from agent.contracts import InboundMessage, TimerKind
from agent.resilience import LoopGuard
from agent.retention import CheckpointPruner, prune
from agent.settings import Settings
from agent.store import Store

log = logging.getLogger(__name__)
OUTREACH_CAP = 50  # first-message events waiting in the inbox at once


OTHER_KINDS = tuple(k for k in get_args(TimerKind) if k != "outreach")  # looked for on every tick


async def fire_due_timers(store: Store, clock: Clock, limit: int = 100, outreach_cap: int = OUTREACH_CAP) -> int:
    """Due timers become inbox events. First messages are released in batches: at most
    `outreach_cap` wait in the inbox at a time, and they are looked for only when half of that room
    is free, so a campaign never floods the inbox and an unpaced one (every first message due at
    once) is not matched on every tick; the others stay scheduled for a later tick."""
    now = clock.now()
    fired = 0
    timers = await store.timers.due(now, limit, kinds=OTHER_KINDS)
    outreach_room = outreach_cap - await store.inbox.pending_outreach(outreach_cap)
    if outreach_room >= max(outreach_cap // 2, 1):
        timers += await store.timers.due(now, min(outreach_room, limit), kinds=("outreach",))
    for timer in timers:
        event = InboundMessage(
            key=f"timer:{timer['_id']}",
            kind="timer",
            channel="system",
            contact_id=timer["contact_id"],
            timer_kind=timer["kind"],
            timer_id=timer["_id"],
            received_at=now,
        )
        if await store.inbox.ingest(event, now):
            fired += 1
        await store.timers.mark_fired(timer["_id"], now)
    return fired


async def run_scheduler(store: Store, clock: Clock, settings: Settings, stop: asyncio.Event,
                        checkpoints: CheckpointPruner | None = None) -> None:
    """Fire due timers every tick and prune (retention) every `retention_interval_s`, until `stop`;
    outlives a lost database (see `agent.resilience`)."""
    last_prune = time.monotonic()

    async def tick() -> bool:
        nonlocal last_prune
        await fire_due_timers(store, clock)
        if time.monotonic() - last_prune >= settings.retention_interval_s:
            last_prune = time.monotonic()
            await prune(store, clock, settings, checkpoints)
        return False

    await LoopGuard("scheduler", report=store.health.report, logger=log).run(tick, stop, settings.scheduler_tick_s)
