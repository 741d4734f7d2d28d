"""A small time-limited cache on the desk (filter menus): values that cost a collection scan on
the embedded server are read at most once per `ttl_s`, not on every page."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any


class TtlCache:
    def __init__(self, ttl_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.now = ttl_s, now
        self._values: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        hit = self._values.get(key)
        if hit is not None and self.now() - hit[0] < self.ttl_s:
            return hit[1]
        value = await load()
        self._values[key] = (self.now(), value)
        return value

    def clear(self) -> None:
        self._values.clear()
