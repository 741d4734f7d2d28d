"""Per-loop health of this process: when each loop last worked, and since when its database is down.

Kept in memory by `agent.resilience.LoopGuard` and written to the `health` collection (when the
database answers) so that `sales-agent stats` in another process can show it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class LoopHealth:
    loop: str
    process: str = field(default_factory=process_name)
    ok_at: datetime | None = None
    down_since: datetime | None = None
    last_error: str | None = None
    outages: int = 0
    last_outage_s: float | None = None

    @property
    def key(self) -> str:
        return f"{self.process}/{self.loop}"

    def as_doc(self) -> dict[str, Any]:
        return {"_id": self.key, "loop": self.loop, "process": self.process, "ok_at": self.ok_at,
                "down_since": self.down_since, "last_error": self.last_error, "outages": self.outages,
                "last_outage_s": self.last_outage_s, "updated_at": datetime.now(UTC)}


REGISTRY: dict[str, LoopHealth] = {}


def loop_health(loop: str) -> LoopHealth:
    """The health record of one loop of this process (created on first use)."""
    if loop not in REGISTRY:
        REGISTRY[loop] = LoopHealth(loop)
    return REGISTRY[loop]
