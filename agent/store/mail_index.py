"""`mail_messages`: every email Message-ID we sent or received → contact, outbox/inbox key and the
References chain. The email channel threads replies and matches bounces with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from agent.store.leases import insert_once


class MailIndexRepo:
    """`mail_messages`: every Message-ID we sent or received → contact, key and References chain."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["mail_messages"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("contact_id", ASCENDING), ("at", DESCENDING)])

    async def remember(self, message_id: str, *, contact_id: str | None, direction: str, key: str,
                       references: list[str], subject: str | None, at: datetime) -> None:
        await insert_once(self.col, {"_id": message_id, "contact_id": contact_id, "direction": direction,
                                     "key": key, "references": references, "subject": subject, "at": at})

    async def get(self, message_id: str | None) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": message_id}) if message_id else None

    async def first_known(self, ids: list[str]) -> dict[str, Any] | None:
        """The first of `ids` (in order) that we know and that has a contact."""
        if not ids:
            return None
        found = {doc["_id"]: doc async for doc in self.col.find({"_id": {"$in": ids}})}
        return next((found[i] for i in ids if i in found and found[i].get("contact_id")), None)

    async def latest_for(self, contact_id: str, exclude: str | None = None,
                         direction: str | None = None) -> dict[str, Any] | None:
        query: dict[str, Any] = {"contact_id": contact_id}
        if direction:
            query["direction"] = direction
        if exclude:
            query["_id"] = {"$ne": exclude}
        return await self.col.find_one(query, sort=[("at", DESCENDING)])
