"""Time as the agent sees it. Production uses the system clock; demo, tests and evals move a
simulated clock so timers (follow-ups, pause ends) fire without waiting days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


def aware(value: datetime | str) -> datetime:
    """A stored moment as an aware datetime: an ISO string is parsed, a naive value read as UTC (what
    MongoDB gives back without `tz_aware`)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until moved; `advance` and `set` move it forward."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> datetime:
        self._now = max(self._now, when.astimezone(UTC))
        return self._now
