"""One way for every long-running loop to outlive a lost database (or any other failure).

`LoopGuard.run(step, stop)` calls `step()` until `stop`; a step returns True when it did work
(call again at once) and False when idle. Any exception from a whole step, the claim included,
is caught: the guard logs once when the database goes away (not per retry), retries with
exponential backoff (0.5 s → 10 s), logs once when it is back with the outage length, and keeps
`agent.health` up to date (and the `health` collection when the database answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

from agent.health import LoopHealth, loop_health

DB_ERRORS: tuple[type[BaseException], ...] = (ConnectionFailure, ServerSelectionTimeoutError, AutoReconnect)
BACKOFF_START_S = 0.5
BACKOFF_CAP_S = 10.0
REPORT_EVERY_S = 10.0

log = logging.getLogger(__name__)
Reporter = Callable[[dict[str, Any]], Awaitable[None]]


def is_db_error(exc: BaseException) -> bool:
    return isinstance(exc, DB_ERRORS)


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class LoopGuard:
    """Outage bookkeeping for one loop: `failed(exc)` → the delay before the next try; `ok()` after
    a step worked. Usable on its own (the IMAP listener) or through `run`."""

    def __init__(self, name: str, report: Reporter | None = None, logger: logging.Logger | None = None,
                 start_s: float = BACKOFF_START_S, cap_s: float = BACKOFF_CAP_S) -> None:
        self.name, self.report, self.log = name, report, logger or log
        self.start_s, self.cap_s = start_s, cap_s
        self.health: LoopHealth = loop_health(name)
        self.delay = start_s
        self._down_at: float | None = None  # monotonic start of the current outage
        self._failing = False  # the last step failed
        self._reported_at = 0.0

    @property
    def down(self) -> bool:
        return self._down_at is not None

    def failed(self, exc: BaseException) -> float:
        """Record a failed step; returns how long to wait before the next one."""
        self.health.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
        if is_db_error(exc):
            if self._down_at is None:
                self._down_at = time.monotonic()
                self.health.down_since = datetime.now(UTC)
                self.health.outages += 1
                self.log.warning("%s: database unreachable (%s); retrying with backoff up to %.0f s",
                                 self.name, type(exc).__name__, self.cap_s)
        else:
            self.log.error("%s: step failed; retrying with backoff", self.name, exc_info=exc)
        self._failing = True
        delay = self.delay
        self.delay = min(self.delay * 2, self.cap_s)
        return delay

    async def ok(self) -> None:
        """Record a step that worked; says once that the database is back."""
        self.health.ok_at = datetime.now(UTC)
        back = self._down_at is not None
        if back:
            outage = time.monotonic() - (self._down_at or 0.0)
            self.health.last_outage_s = round(outage, 1)
            self.health.down_since = None
            self._down_at = None
            self.log.warning("%s: database reachable again after %.1f s", self.name, outage)
        if self._failing:
            self.health.last_error = None if back else self.health.last_error
        self._failing = False
        self.delay = self.start_s
        if self.report and (back or time.monotonic() - self._reported_at >= REPORT_EVERY_S):
            self._reported_at = time.monotonic()
            try:
                await self.report(self.health.as_doc())
            except Exception as exc:  # a lost report is not worth stopping for
                self.log.debug("%s: health report failed: %s", self.name, exc)

    async def run(self, step: Callable[[], Awaitable[bool]], stop: asyncio.Event, idle_s: float) -> None:
        """Call `step` until `stop`: at once after work, `idle_s` after none, with backoff after errors."""
        while not stop.is_set():
            try:
                busy = await step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop outlives the database and any one bad step
                await wait_or_stop(stop, self.failed(exc))
                continue
            await self.ok()
            if not busy:
                await wait_or_stop(stop, idle_s)
