"""Retention: fired and cancelled timers, finished inbox events and old checkpoints are pruned on a
schedule (the scheduler loop runs `prune` every `retention_interval_s`). The numbers are settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from agent.clock import Clock
from agent.settings import Settings
from agent.store import Store

log = logging.getLogger(__name__)

CheckpointPruner = Callable[[int], int]  # keep the latest N per thread; returns how many were removed


@dataclass
class Pruned:
    timers: int = 0
    events: int = 0
    checkpoints: int = 0


async def prune(store: Store, clock: Clock, settings: Settings, checkpoints: CheckpointPruner | None = None) -> Pruned:
    now = clock.now()
    pruned = Pruned()
    pruned.timers = await store.timers.prune(now - timedelta(days=settings.retention_timers_days))
    pruned.events = await store.inbox.prune(now)
    await store.pacing.prune((now - timedelta(days=settings.retention_timers_days)).date())  # past days' plans
    if checkpoints is not None:
        pruned.checkpoints = await asyncio.to_thread(checkpoints, settings.retention_checkpoints_keep)
    if pruned.timers or pruned.events or pruned.checkpoints:
        log.info("retention: pruned %s", pruned)
    return pruned
