"""The conversation history table: client messages with the intent understood, agent messages
with their delivery status, in time order."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from agent.store.outbox import status_note
from channels.safe_text import shown

SYSTEM_LABELS = {"outreach": "start of outreach", "follow_up": "timer: follow-up", "pause_end": "timer: pause over",
                 "close": "timer: close"}


def history_rows(inbox: list[dict[str, Any]], outbox: list[dict[str, Any]]) -> list[tuple[datetime, str, str, str]]:
    rows: list[tuple[datetime, str, str, str]] = []
    for doc in inbox:
        result = doc.get("result") or {}
        if doc.get("kind") == "message":
            understood = str(result.get("intent") or doc.get("status"))
            if result.get("source"):
                understood += f" ({result['source']})"
            if result.get("actions"):
                understood += " → " + ", ".join(result["actions"])
            if doc.get("status") == "quarantined":
                understood = f"quarantined: {doc.get('error')}"
            rows.append((doc["received_at"], f"client ({doc['channel']})", doc.get("text", ""), understood))
        elif result.get("actions") or doc.get("kind") == "restart":
            label = SYSTEM_LABELS.get(doc.get("timer_kind") or "", doc.get("kind", ""))
            rows.append((doc["received_at"], "system", label, ", ".join(result.get("actions", [])) or doc["status"]))
    for doc in outbox:
        who = "team note" if doc.get("kind") == "team" else f"agent ({doc['channel']})"
        status = doc["status"] + (f": {note}" if (note := status_note(doc)) else "")
        rows.append((doc["created_at"], who, doc.get("text", ""), status))
    return sorted(rows, key=lambda r: r[0])


def history_table(inbox: list[dict[str, Any]], outbox: list[dict[str, Any]], tz: ZoneInfo) -> Table:
    table = Table("time", "who", "message", "understood / status", title="history", show_lines=True)
    for at, who, text, note in history_rows(inbox, outbox):
        table.add_row(at.astimezone(tz).strftime("%d.%m %H:%M"), shown(who), shown(text), shown(note))
    return table
