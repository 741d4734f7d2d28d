"""How many first messages are planned per sending mailbox and day (`agent/pacing.py` fills it).

One small document per (mailbox, day): `{_id: "<address>|<YYYY-MM-DD>", mailbox, day, planned}`.
"""

from __future__ import annotations

from datetime import date

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase


class PacingRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["pacing"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("day", ASCENDING)])

    async def planned_from(self, first_day: date) -> dict[tuple[str, date], int]:
        """(mailbox, day) → first messages planned, for `first_day` and later."""
        cursor = self.col.find({"day": {"$gte": first_day.isoformat()}})
        return {(doc["mailbox"], date.fromisoformat(doc["day"])): int(doc.get("planned", 0)) async for doc in cursor}

    async def add(self, counts: dict[tuple[str, date], int]) -> None:
        if not counts:
            return
        await self.col.bulk_write([
            UpdateOne({"_id": f"{mailbox}|{day.isoformat()}"},
                      {"$inc": {"planned": n}, "$setOnInsert": {"mailbox": mailbox, "day": day.isoformat()}},
                      upsert=True)
            for (mailbox, day), n in counts.items()], ordered=False)

    async def prune(self, before: date) -> int:
        result = await self.col.delete_many({"day": {"$lt": before.isoformat()}})
        return result.deleted_count
