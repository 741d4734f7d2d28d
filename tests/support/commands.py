"""A pymongo command listener that records what the agent asks the database (round trips, filters)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pymongo import monitoring

IGNORED = {"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "getMore", "killCursors",
           "createIndexes", "listIndexes", "dropDatabase", "listCollections"}


@dataclass
class Command:
    name: str
    collection: str
    filters: list[dict[str, Any]]


@dataclass
class CommandRecorder(monitoring.CommandListener):
    """Records every command (one command = one round trip) with its filters."""

    commands: list[Command] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in IGNORED:
            return
        body = event.command
        collection = body.get(name) if isinstance(body.get(name), str) else ""
        with self.lock:
            self.commands.append(Command(name, collection, filters_of(name, body)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def mark(self) -> int:
        return len(self.commands)

    def since(self, mark: int) -> list[Command]:
        return self.commands[mark:]


def filters_of(name: str, body: Any) -> list[dict[str, Any]]:
    if name in ("find", "count"):
        return [dict(body.get("filter") or body.get("query") or {})]
    if name == "update":
        return [dict(u.get("q") or {}) for u in body.get("updates", [])]
    if name == "delete":
        return [dict(d.get("q") or {}) for d in body.get("deletes", [])]
    if name == "findAndModify":
        return [dict(body.get("query") or {})]
    if name == "aggregate":
        return [dict(stage["$match"]) for stage in body.get("pipeline", []) if "$match" in stage]
    return []
