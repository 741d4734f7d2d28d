"""Append-only facts for audit and analytics (sent, replied, deck_sent, demo_booked, …)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from agent.store.leases import count_by, insert_once

EVENT_TYPES = (
    "outreach_sent",
    "replied",
    "deck_sent",
    "demo_booked",
    "demo_cancelled",
    "referral_created",
    "paused",
    "opted_out",
    "handoff",
    "bounced",
    "closed",
    "follow_up",
    "restarted",
    "sent",
    "send_failed",
)


class EventRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["events"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("contact_id", ASCENDING), ("at", ASCENDING)])
        await self.col.create_index([("type", ASCENDING)])
        await self.col.create_index([("type", ASCENDING), ("at", ASCENDING)])

    async def record(self, key: str, contact_id: str, type_: str, at: datetime, data: dict[str, Any] | None = None) -> None:
        """Idempotent by key: replaying the same turn records the fact once."""
        await insert_once(self.col, {"_id": key, "contact_id": contact_id, "type": type_, "at": at, "data": data or {}})

    async def record_many(self, facts: list[tuple[str, str, str, datetime, dict[str, Any] | None]]) -> None:
        """Several facts (key, contact_id, type, at, data) in one round trip; each idempotent by key."""
        if not facts:
            return
        docs = [{"_id": key, "contact_id": contact_id, "type": type_, "at": at, "data": data or {}}
                for key, contact_id, type_, at, data in facts]
        try:
            await self.col.insert_many(docs, ordered=False)
        except BulkWriteError as exc:  # a replayed turn: the facts already written stay as they are
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": key})

    async def count_for(self, contact_id: str, type_: str, until: datetime | None = None) -> int:
        """How many facts of this type the contact has (up to `until`, inclusive)."""
        query: dict[str, Any] = {"contact_id": contact_id, "type": type_}
        if until is not None:
            query["at"] = {"$lte": until}
        return await self.col.count_documents(query)

    async def count_by_type(self) -> dict[str, int]:
        return await count_by(self.col, "type")

    async def contacts_with(self, type_: str) -> set[str]:
        return {doc["contact_id"] async for doc in self.col.find({"type": type_}, {"contact_id": 1})}

    async def for_contact(self, contact_id: str) -> list[dict[str, Any]]:
        cursor = self.col.find({"contact_id": contact_id}).sort("at", ASCENDING)
        return [doc async for doc in cursor]

    async def of_types(self, types: Iterable[str], since: datetime | None = None,
                       until: datetime | None = None) -> list[dict[str, Any]]:
        """Facts of these types (optionally in [since, until)), oldest first: for the pipeline."""
        query: dict[str, Any] = {"type": {"$in": list(types)}}
        if since or until:
            query["at"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
        cursor = self.col.find(query, {"contact_id": 1, "type": 1, "at": 1}).sort("at", ASCENDING)
        return [doc async for doc in cursor]
