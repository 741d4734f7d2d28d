"""Timers: outreach, follow-ups, pause ends and closes, fired by the scheduler as inbox events.

A timer id is derived from the event that set it, so a replayed turn re-sets the same timer.
A contact has at most one scheduled timer: setting one cancels the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from agent.store.leases import insert_once

SCHEDULED, FIRED, CANCELLED = "scheduled", "fired", "cancelled"


class TimerRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["timers"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self.col.create_index([("status", ASCENDING), ("kind", ASCENDING), ("due_at", ASCENDING)])
        await self.col.create_index([("contact_id", ASCENDING), ("status", ASCENDING)])

    async def schedule(self, timer_id: str, contact_id: str, kind: str, due_at: datetime, now: datetime,
                       meta: dict[str, Any] | None = None) -> None:
        await insert_once(self.col, {"_id": timer_id, "contact_id": contact_id, "kind": kind, "due_at": due_at,
                                     "status": SCHEDULED, "created_at": now, "meta": meta or {}})

    async def schedule_many(self, timers: list[dict[str, Any]], now: datetime) -> None:
        """Insert scheduled timers in one round trip (an insert, not upserts: see `insert_once`); a
        timer id already present keeps its document."""
        if not timers:
            return
        try:
            await self.col.insert_many([{"meta": {}, **t, "status": SCHEDULED, "created_at": now} for t in timers],
                                       ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise

    async def replace_for_contact(self, timer_id: str, contact_id: str, kind: str, due_at: datetime, now: datetime,
                                  meta: dict[str, Any] | None = None) -> None:
        """`schedule` then `cancel_for_contact(keep=timer_id)` in one round trip (one `update` command:
        the cancel, then an insert-once upsert on `_id`)."""
        doc = {"contact_id": contact_id, "kind": kind, "due_at": due_at, "status": SCHEDULED, "created_at": now,
               "meta": meta or {}}
        await self.col.bulk_write([
            UpdateMany({"contact_id": contact_id, "status": SCHEDULED, "_id": {"$ne": timer_id}},
                       {"$set": {"status": CANCELLED, "cancelled_at": now}}),
            UpdateOne({"_id": timer_id}, {"$setOnInsert": doc}, upsert=True),
        ], ordered=True)

    async def cancel_for_contact(self, contact_id: str, now: datetime, keep: str | None = None) -> int:
        query: dict[str, Any] = {"contact_id": contact_id, "status": SCHEDULED}
        if keep:
            query["_id"] = {"$ne": keep}
        result = await self.col.update_many(query, {"$set": {"status": CANCELLED, "cancelled_at": now}})
        return result.modified_count

    async def prune(self, before: datetime) -> int:
        """Delete fired and cancelled timers older than `before` (by due time)."""
        removed = 0
        for status in (FIRED, CANCELLED):
            result = await self.col.delete_many({"status": status, "due_at": {"$lt": before}})
            removed += result.deleted_count
        return removed

    async def due(self, now: datetime, limit: int = 100, kinds: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Due timers, oldest first; `kinds`: one bounded slice per kind (index status, kind, due_at),
        so a backlog of one kind never makes the others' query match it."""
        if kinds is None:
            cursor = self.col.find({"status": SCHEDULED, "due_at": {"$lte": now}}).sort("due_at", ASCENDING).limit(limit)
            return [doc async for doc in cursor]
        found: list[dict[str, Any]] = []
        for kind in kinds:
            query = {"status": SCHEDULED, "kind": kind, "due_at": {"$lte": now}}
            found += [doc async for doc in self.col.find(query).sort("due_at", ASCENDING).limit(limit - len(found))]
            if len(found) >= limit:
                break
        return found

    async def outreach_waiting(self) -> list[dict[str, Any]]:
        """Every scheduled first message: its due time, mailbox and batch (`sales-agent stats`)."""
        cursor = self.col.find({"status": SCHEDULED, "kind": "outreach"}, {"due_at": 1, "meta": 1, "contact_id": 1})
        return [doc async for doc in cursor]

    async def mark_fired(self, timer_id: str, now: datetime) -> None:
        await self.col.update_one({"_id": timer_id, "status": SCHEDULED}, {"$set": {"status": FIRED, "fired_at": now}})

    async def next_due(self) -> datetime | None:
        doc = await self.col.find_one({"status": SCHEDULED}, sort=[("due_at", ASCENDING)])
        return doc["due_at"] if doc else None

    async def scheduled_for(self, contact_id: str) -> dict[str, Any] | None:
        return await self.col.find_one({"contact_id": contact_id, "status": SCHEDULED})
