"""`drafts`: replies waiting for a person's approval (review mode).

The draft itself lives in the conversation's LangGraph checkpoint (an `interrupt()` before
delivery); this collection is the team's view of it and the guard against deciding twice: a
decision moves a draft from `pending` by compare-and-set, so only the first decision counts.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from agent.store.leases import insert_once

PENDING, APPROVED, EDITED, REJECTED, SUPERSEDED = "pending", "approved", "edited", "rejected", "superseded"
DECIDED = (APPROVED, EDITED, REJECTED)


class DraftRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["drafts"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("status", ASCENDING), ("created_at", DESCENDING)])
        await self.col.create_index([("contact_id", ASCENDING), ("created_at", DESCENDING)])

    async def open(self, key: str, contact_id: str, payload: dict[str, Any], now: datetime) -> bool:
        """Record a draft once per inbound event (a replayed turn finds it there)."""
        request = payload.get("action_request", {}).get("args", {})
        return await insert_once(self.col, {
            "_id": key, "contact_id": contact_id, "status": PENDING, "created_at": now,
            "channel": request.get("channel"), "text": request.get("text"), "subject": request.get("subject"),
            "attachments": request.get("attachments", []), "reason": payload.get("description"),
            "interrupt": payload})

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": key})

    async def decide(self, key: str, status: str, now: datetime, by: str, note: str | None = None,
                     text: str | None = None) -> bool:
        """pending → approved | edited | rejected, once. False when it was no longer pending."""
        fields: dict[str, Any] = {"status": status, "decided_at": now, "decided_by": by, "note": note}
        if text is not None:
            fields["final_text"] = text
        result = await self.col.update_one({"_id": key, "status": PENDING}, {"$set": fields})
        return result.modified_count == 1

    async def mark(self, key: str, fields: dict[str, Any]) -> None:
        await self.col.update_one({"_id": key}, {"$set": fields})

    async def supersede(self, key: str, now: datetime, by_event: str) -> bool:
        result = await self.col.update_one({"_id": key, "status": PENDING},
                                           {"$set": {"status": SUPERSEDED, "decided_at": now, "superseded_by": by_event}})
        return result.modified_count == 1

    async def list(self, status: str | None = PENDING, limit: int = 100) -> list[dict[str, Any]]:
        query = {"status": status} if status else {}
        return [d async for d in self.col.find(query).sort("created_at", DESCENDING).limit(limit)]

    async def pending_for(self, contact_id: str) -> dict[str, Any] | None:
        return await self.col.find_one({"contact_id": contact_id, "status": PENDING})

    async def for_contact(self, contact_id: str, limit: int = 50) -> builtins.list[dict[str, Any]]:
        cursor = self.col.find({"contact_id": contact_id}).sort("created_at", DESCENDING).limit(limit)
        return [d async for d in cursor]
