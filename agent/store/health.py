"""`health`: the last state each long-running loop reported (see `agent.health`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase


class HealthRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["health"]

    async def ensure_indexes(self) -> None:
        """Only `_id` lookups; a handful of documents."""

    async def report(self, doc: dict[str, Any]) -> None:
        await self.col.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def recent(self, since: datetime) -> list[dict[str, Any]]:
        """Loops that reported since `since` (older ones belong to processes long gone)."""
        return [doc async for doc in self.col.find({"updated_at": {"$gte": since}}).sort("_id", 1)]
