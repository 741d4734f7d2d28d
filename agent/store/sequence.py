"""A monotonic per-insert sequence (`seq`) from a counter document, the tie-breaker that keeps the
order of arrival when two events carry the same timestamp."""

from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase


class Sequence:
    def __init__(self, db: AsyncDatabase, name: str) -> None:
        self.col, self.name = db["counters"], name

    async def next(self) -> int:
        """The next value; strictly increasing across every process on this database.

        `find_one_and_update` is fine here: the counters collection holds one document per name."""
        doc = await self.col.find_one_and_update({"_id": self.name}, {"$inc": {"value": 1}}, upsert=True,
                                                 return_document=ReturnDocument.AFTER)
        if doc is None:  # cannot happen with upsert + AFTER; a clear error if a server misbehaves
            raise RuntimeError(f"counter {self.name} was not returned")
        return int(doc["value"])
