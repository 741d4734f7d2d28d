"""`mail_state`: small per-source checkpoints the channels keep (an IMAP mailbox's UIDVALIDITY and
last UID read), so a restarted listener neither reads a message twice nor skips one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase


class ChannelStateRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["mail_state"]

    async def ensure_indexes(self) -> None:
        """Only `_id` lookups."""

    async def get(self, source: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": source})

    async def put(self, source: str, now: datetime, **fields: Any) -> None:
        await self.col.update_one({"_id": source}, {"$set": {**fields, "updated_at": now}}, upsert=True)
