"""Deep-link tokens that bind a Telegram chat to a contact (`telegram_links`, `_id` = token).

Single use and expiring. Consuming one is a compare-and-set `update_one` on `_id` + `used_at: None`
(indexed on MongoDB and SecantusDB alike; no `find_one_and_update`, which SecantusDB runs as a
full scan): of two chats racing for one token, one wins. The winning chat may present it again
(its update replayed after a crash, or the client pressing the link twice) and gets the same
contact; any other chat gets nothing. One document (`_id` = "@bot") records the bot's username as
the running bot reported it, for links made by other processes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

COLLECTION = "telegram_links"
BOT_DOC = "@bot"  # tokens never contain "@"
KEEP_USED_DAYS = 30  # used / expired links stay this long for the team, then MongoDB drops them
MIN_LEFT = timedelta(days=1)  # a link is reused for a new email only while it has this much time left


class TelegramLinkRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("contact_id", ASCENDING), ("expires_at", ASCENDING)])
        await self.col.create_index([("purge_at", ASCENDING)], expireAfterSeconds=0)

    async def create(self, token: str, contact_id: str, now: datetime, ttl_days: float) -> str:
        expires = now + timedelta(days=ttl_days)
        await self.col.insert_one({
            "_id": token, "contact_id": contact_id, "created_at": now, "expires_at": expires, "used_at": None,
            "chat_id": None, "used_update": None, "purge_at": expires + timedelta(days=KEEP_USED_DAYS),
        })
        return token

    async def usable(self, contact_id: str, now: datetime) -> str | None:
        """An unused token of this contact that stays valid for a while (so each email reuses it)."""
        query = {"contact_id": contact_id, "used_at": None, "expires_at": {"$gt": now + MIN_LEFT}}
        doc = await self.col.find_one(query, sort=[("expires_at", ASCENDING)])
        return doc["_id"] if doc else None

    async def consume(self, token: str, chat_id: int | str, update_key: str, now: datetime) -> str | None:
        """The contact id when this token is valid for this update, and mark it used; else None."""
        doc = await self.col.find_one({"_id": token})
        if doc is None or token == BOT_DOC or doc["expires_at"].astimezone(UTC) <= now:
            return None
        if doc.get("used_at") is not None:  # its own update replayed, or pressed again in the same chat
            same = doc.get("used_update") == update_key or doc.get("chat_id") == str(chat_id)
            return doc["contact_id"] if same else None
        result = await self.col.update_one({"_id": token, "used_at": None},
                                           {"$set": {"used_at": now, "chat_id": str(chat_id), "used_update": update_key}})
        return doc["contact_id"] if result.modified_count == 1 else None

    async def remember_bot(self, username: str, bot_id: int, now: datetime) -> None:
        """Record the username the bot has (from getMe), for deep links made by other processes."""
        await self.col.update_one(
            {"_id": BOT_DOC}, {"$set": {"username": username, "bot_id": bot_id, "seen_at": now}}, upsert=True
        )

    async def recorded_bot_username(self) -> str | None:
        doc = await self.col.find_one({"_id": BOT_DOC})
        return doc["username"] if doc else None
