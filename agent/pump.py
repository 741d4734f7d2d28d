"""Run the whole pipeline in one process until it is idle: timers → inbox → graph → outbox →
channels. Used by `demo`, `chat`, the evals and the end-to-end tests; `run` uses the loops."""

from __future__ import annotations

from collections.abc import Iterable

from agent.contracts import Channel
from agent.runtime import AgentRuntime
from agent.scheduler import fire_due_timers
from agent.sending import drain


async def pump(runtime: AgentRuntime, channels: Iterable[Channel], rounds: int = 50) -> int:
    """Process until nothing moves; returns how many events were processed."""
    worker = runtime.workers[0] if runtime.workers else runtime.worker()
    channels = list(channels)
    total = 0
    for _ in range(rounds):
        fired = await fire_due_timers(runtime.store, runtime.clock)
        processed = await worker.drain()
        sent = 0
        for channel in channels:
            sent += await drain(runtime.store, channel, runtime.clock)
        total += processed
        if not (fired or processed or sent):
            break
    return total
