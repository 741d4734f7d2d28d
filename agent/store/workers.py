"""`workers`: which graph workers are alive, and which of them runs as the only one (see
`agent.worker_presence`). A handful of documents, one per running worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase


class WorkersRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["workers"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index("seen_at")

    async def announce(self, name: str, exclusive: bool, now: datetime) -> None:
        await self.col.replace_one({"_id": name}, {"exclusive": exclusive, "seen_at": now}, upsert=True)

    async def beat(self, name: str, now: datetime) -> None:
        await self.col.update_one({"_id": name}, {"$set": {"seen_at": now}})

    async def alive(self, since: datetime) -> list[dict[str, Any]]:
        """Workers seen since `since` (older entries belong to processes that are gone)."""
        return [doc async for doc in self.col.find({"seen_at": {"$gte": since}})]

    async def leave(self, name: str) -> None:
        await self.col.delete_one({"_id": name})
