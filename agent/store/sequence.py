"""A monotonic per-insert sequence (`seq`) from a counter document, the tie-breaker that keeps the
order of arrival when two events carry the same timestamp."""

from __future__ import annotations

import time

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


_last_local = 0


def local_seq() -> int:
    """A strictly increasing number within this process (nanoseconds since the epoch, bumped on a
    tie), with no round trip: enough to keep the order of the messages one turn writes, which one
    process writes. Across processes it orders by time, which is all the outbox needs."""
    global _last_local
    _last_local = max(time.time_ns(), _last_local + 1)
    return _last_local
