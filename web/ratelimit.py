"""Login rate limiting: at most N failures per (user name, client address) in a sliding window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class LoginLimiter:
    def __init__(self, max_failures: int, window_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window_s, self.now = max_failures, window_s, now
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= self.now() - self.window_s:
            times.popleft()
        return times

    def blocked(self, user: str, ip: str) -> bool:
        return len(self._recent((user.lower(), ip))) >= self.max_failures

    def failed(self, user: str, ip: str) -> None:
        self._recent((user.lower(), ip)).append(self.now())

    def succeeded(self, user: str, ip: str) -> None:
        self._failures.pop((user.lower(), ip), None)
