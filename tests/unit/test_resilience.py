"""LoopGuard: one log line per outage, capped exponential backoff, health kept."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from agent.health import REGISTRY
from agent.resilience import LoopGuard


async def test_outage_is_logged_once_backs_off_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    REGISTRY.pop("t-loop", None)
    reports: list[dict] = []

    async def report(doc: dict) -> None:
        reports.append(doc)

    guard = LoopGuard("t-loop", report=report, start_s=0.001, cap_s=0.004)
    outcomes = [ServerSelectionTimeoutError("x"), AutoReconnect("y"), AutoReconnect("z"), AutoReconnect("w"),
                True, False]
    delays: list[float] = []
    stop = asyncio.Event()

    async def step() -> bool:
        item = outcomes.pop(0)
        if not outcomes:
            stop.set()
        if isinstance(item, Exception):
            delays.append(guard.delay)
            raise item
        return item

    with caplog.at_level(logging.WARNING):
        await guard.run(step, stop, idle_s=0.001)
    assert delays == [0.001, 0.002, 0.004, 0.004]
    text = caplog.text
    assert text.count("database unreachable") == 1 and text.count("database reachable again after") == 1
    assert guard.health.down_since is None and guard.health.outages == 1 and guard.health.last_outage_s is not None
    assert reports and reports[0]["loop"] == "t-loop" and reports[0]["down_since"] is None


async def test_other_errors_do_not_stop_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    guard = LoopGuard("t-other", start_s=0.001, cap_s=0.002)
    calls = 0
    stop = asyncio.Event()

    async def step() -> bool:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ValueError("bad message")
        stop.set()
        return True

    await guard.run(step, stop, idle_s=0.001)
    assert calls == 3 and "database" not in caplog.text and guard.health.down_since is None
