"""Deep links that bind a Telegram chat to a contact: `https://t.me/<bot>?start=<token>`.

A bot cannot write first, so each contact gets a link. Tokens live in `telegram_links`
(`_id` = token): 32 hex characters (Telegram allows 64 of [A-Za-z0-9_-]), single use, expiring. Consuming one
is a compare-and-set `update_one` on `_id` + `used_at: None` (indexed on MongoDB and SecantusDB
alike; no `find_one_and_update`, which SecantusDB runs as a full scan): of two chats racing for
one token, one wins. The winning chat may present it again (its update replayed after a crash,
or the client pressing the link twice) and gets the same contact; any other chat gets nothing.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from agent.store import Store
from channels.telegram.settings import TelegramSettings

COLLECTION = "telegram_links"
BOT_DOC = "@bot"  # the bot's username as the running bot reported it (tokens never contain "@")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KEEP_USED_DAYS = 30  # used / expired links stay this long for the team, then MongoDB drops them
MIN_LEFT = timedelta(days=1)  # a link is reused for a new email only while it has this much time left


def new_token() -> str:
    """128 random bits as 32 hex characters: URL-safe, and never anything the reply guard could read
    as a figure («…5k-…», «…4eur…» in base64 would be), since the link goes into emails."""
    return secrets.token_hex(16)


def link_url(username: str, token: str) -> str:
    return f"https://t.me/{username.lstrip('@')}?start={token}"


def is_token(value: str | None) -> bool:
    return bool(value) and TOKEN_RE.match(value or "") is not None


async def ensure_indexes(store: Store) -> None:
    col = store.db[COLLECTION]
    await col.create_index([("contact_id", ASCENDING), ("expires_at", ASCENDING)])
    await col.create_index([("purge_at", ASCENDING)], expireAfterSeconds=0)


async def create_link(store: Store, contact_id: str, now: datetime, ttl_days: float) -> str:
    """A fresh token for the contact."""
    token = new_token()
    expires = now + timedelta(days=ttl_days)
    await store.db[COLLECTION].insert_one({
        "_id": token, "contact_id": contact_id, "created_at": now, "expires_at": expires, "used_at": None,
        "chat_id": None, "used_update": None, "purge_at": expires + timedelta(days=KEEP_USED_DAYS),
    })
    return token


async def usable_link(store: Store, contact_id: str, now: datetime) -> str | None:
    """An unused token of this contact that stays valid for a while (so each email reuses it)."""
    query = {"contact_id": contact_id, "used_at": None, "expires_at": {"$gt": now + MIN_LEFT}}
    doc = await store.db[COLLECTION].find_one(query, sort=[("expires_at", ASCENDING)])
    return doc["_id"] if doc else None


async def consume(store: Store, token: str, chat_id: int | str, update_key: str, now: datetime) -> str | None:
    """The contact id when this token is valid for this update, and mark it used; else None."""
    if not is_token(token):
        return None
    col = store.db[COLLECTION]
    doc = await col.find_one({"_id": token})
    if doc is None or doc["expires_at"].astimezone(UTC) <= now:
        return None
    if doc.get("used_at") is not None:  # its own update replayed, or pressed again in the same chat
        same = doc.get("used_update") == update_key or doc.get("chat_id") == str(chat_id)
        return doc["contact_id"] if same else None
    result = await col.update_one({"_id": token, "used_at": None},
                                  {"$set": {"used_at": now, "chat_id": str(chat_id), "used_update": update_key}})
    return doc["contact_id"] if result.modified_count == 1 else None


async def remember_bot(store: Store, username: str, bot_id: int, now: datetime) -> None:
    """Record the username the bot has (from getMe), for deep links made by other processes."""
    await store.db[COLLECTION].update_one(
        {"_id": BOT_DOC}, {"$set": {"username": username, "bot_id": bot_id, "seen_at": now}}, upsert=True
    )


async def bot_username(store: Store, settings: TelegramSettings) -> str | None:
    """TELEGRAM_BOT_USERNAME, else what the running bot recorded."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username
    doc = await store.db[COLLECTION].find_one({"_id": BOT_DOC})
    return doc["username"] if doc else None


async def deep_link_for(store: Store, settings: TelegramSettings, contact: dict[str, Any],
                        now: datetime | None = None) -> str | None:
    """The contact's deep link for an email, or None when Telegram is off or makes no sense for them.

    None when the bot is not configured or its username unknown, the contact already has a chat,
    blocked the bot, or opted out. Reuses the contact's unused link, so a replayed turn (and every
    follow-up) shows the same URL.
    """
    if not settings.configured or contact.get("status") == "opted_out":
        return None
    if contact.get("telegram_chat_id") or "telegram" in contact.get("unreachable", []):
        return None
    username = await bot_username(store, settings)
    if not username:
        return None
    now = now or datetime.now(UTC)
    token = await usable_link(store, contact["_id"], now)
    if token is None:
        token = await create_link(store, contact["_id"], now, settings.telegram_link_ttl_days)
    return link_url(username, token)
