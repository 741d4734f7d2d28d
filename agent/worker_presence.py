"""Keeps the single-worker mode safe when a second worker joins.

The only worker on a database (`Worker.exclusive`) takes events with a plain read, skips the
contact lock and reads its own checkpoints from memory. That is only safe while no other worker
runs, so every worker running a loop announces itself in `workers` and beats every
`EVERY_S`:
- a worker that joins announces itself, then waits while another live worker is in single-worker
  mode (it leaves that mode between two turns, within about `EVERY_S` of seeing the newcomer);
- the single worker re-announces itself and then looks for others (announce, then read: of two
  workers starting together at least one sees the other); when it finds one it switches to claims
  and contact locks for good, between two turns, and says so once.
A worker whose beat is older than `TTL_S` is gone (killed), so its entry stops counting; one of
this host whose process no longer exists stops counting at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from agent.resilience import wait_or_stop
from agent.store.workers import WorkersRepo

EVERY_S = 2.0
TTL_S = 10.0
JOIN_POLL_S = 0.5

log = logging.getLogger(__name__)


def _gone(name: str) -> bool:
    """A worker of this host whose process no longer exists (killed): its entry does not count,
    so a restarted worker does not wait `TTL_S` for its killed predecessor. Names are
    `host:pid[-n]` (`agent.worker.worker_id`); anything else is judged by its beat alone."""
    host, _, rest = name.rpartition(":")
    pid = rest.split("-", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _now() -> datetime:
    return datetime.now(UTC)  # wall time on purpose: liveness is real time even under a simulated clock


class WorkerPresence:
    def __init__(self, repo: WorkersRepo, name: str, exclusive: bool, on_shared: Callable[[], None]) -> None:
        """`exclusive`: the worker wants the single-worker mode; `on_shared` is called once when it
        must give it up."""
        self.repo, self.name = repo, name
        self.exclusive = exclusive
        self.on_shared = on_shared
        self._checked = float("-inf")

    async def others(self) -> list[dict]:
        alive = await self.repo.alive(_now() - timedelta(seconds=TTL_S))
        return [doc for doc in alive if doc["_id"] != self.name and not _gone(doc["_id"])]

    async def join(self, stop: asyncio.Event) -> None:
        """Announce this worker (not yet single) and wait while another live worker is single."""
        await self.repo.announce(self.name, False, _now())
        said = False
        while not stop.is_set():
            single = [doc["_id"] for doc in await self.others() if doc.get("exclusive")]
            if not single:
                if said:
                    log.info("worker %s: the single worker switched to claims; starting", self.name)
                return
            if not said:
                log.info("worker %s: waiting for %s to leave single-worker mode", self.name, ", ".join(single))
                said = True
            await wait_or_stop(stop, JOIN_POLL_S)

    async def check(self, force: bool = False) -> None:
        """Between two turns: re-announce; a single worker that sees another gives the mode up."""
        if not force and time.monotonic() - self._checked < EVERY_S:
            return
        self._checked = time.monotonic()
        await self.repo.announce(self.name, self.exclusive, _now())
        if self.exclusive and await self.others():
            self.exclusive = False
            await self.repo.announce(self.name, False, _now())
            self.on_shared()
            log.warning("worker %s: another worker runs on this database; taking events with claims and "
                        "contact locks from now on", self.name)

    async def beat(self, stop: asyncio.Event) -> None:
        """Keep the entry alive during long turns (a model call can take a while)."""
        while not stop.is_set():
            await wait_or_stop(stop, EVERY_S)
            with contextlib.suppress(Exception):  # a missed beat only makes others wait longer
                await self.repo.beat(self.name, _now())

    async def leave(self) -> None:
        with contextlib.suppress(Exception):
            await self.repo.leave(self.name)
