"""The scheduler: due timers become inbox events. The inbox key is the timer id, so a timer
that fired before a crash and fires again after it is ingested once."""

from __future__ import annotations

import asyncio
import logging

from agent.clock import Clock
from agent.contracts import InboundMessage
from agent.resilience import LoopGuard
from agent.settings import Settings
from agent.store import Store

log = logging.getLogger(__name__)


async def fire_due_timers(store: Store, clock: Clock, limit: int = 100) -> int:
    now = clock.now()
    fired = 0
    for timer in await store.timers.due(now, limit):
        kind = timer["kind"]
        event = InboundMessage(
            key=f"timer:{timer['_id']}",
            kind="timer",
            channel="system",
            contact_id=timer["contact_id"],
            timer_kind=kind,
            timer_id=timer["_id"],
            received_at=now,
        )
        if await store.inbox.ingest(event, now):
            fired += 1
        await store.timers.mark_fired(timer["_id"], now)
    return fired


async def run_scheduler(store: Store, clock: Clock, settings: Settings, stop: asyncio.Event) -> None:
    """Fire due timers every tick until `stop`; outlives a lost database (see `agent.resilience`)."""

    async def tick() -> bool:
        await fire_due_timers(store, clock)
        return False

    await LoopGuard("scheduler", report=store.health.report, logger=log).run(tick, stop, settings.scheduler_tick_s)
