"""Builders for the per-turn records nodes return: reply parts and effects that `deliver` applies.

Nodes stay pure (state in, update out); every side effect is described here and carried out once,
idempotently, by `deliver`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# Reply part order: acknowledgements first, then answers, then offers.
ORDER = {"ack": 10, "demo": 20, "present": 30, "answer": 40, "offer": 60, "close": 80}

# Timer priorities: the strongest wins when several nodes ran in one turn.
NO_TIMER, PAUSE, CADENCE = 30, 20, 10


def part(text: str, slot: str, source: str = "template") -> dict[str, Any]:
    """A piece of the reply (compose adds the greeting and, on email, the signature)."""
    return {"order": ORDER[slot], "text": text.strip(), "source": source}


def contact_update(order: int = 0, **fields: Any) -> dict[str, Any]:
    return {"type": "contact", "order": order, "set": fields}


def timer(kind: str, due_at: datetime, priority: int = CADENCE, **meta: Any) -> dict[str, Any]:
    return {"type": "timer", "kind": kind, "due_at": due_at, "priority": priority, "meta": meta}


def no_timer() -> dict[str, Any]:
    return {"type": "timer", "kind": None, "due_at": None, "priority": NO_TIMER, "meta": {}}


def keep_timers() -> dict[str, Any]:
    return {"type": "keep_timers"}


def fact(name: str, **data: Any) -> dict[str, Any]:
    return {"type": "event", "name": name, "data": data}


def notify_team(template: str, **values: Any) -> dict[str, Any]:
    return {"type": "notify_team", "template": template, "values": values}


def suppress() -> dict[str, Any]:
    return {"type": "suppress"}


def create_contact(fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "create_contact", "fields": fields}


def attach(path: str) -> dict[str, Any]:
    return {"type": "attach", "path": path}


def first_name(contact: dict[str, Any]) -> str:
    name = (contact.get("first_name") or contact.get("name") or "").strip()
    return name.split()[0] if name else ""
