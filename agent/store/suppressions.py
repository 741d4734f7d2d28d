"""The suppression list: opted-out addresses, global across channels and contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from agent.store.contacts import ADDRESS_FIELDS, normalise_address
from agent.store.leases import insert_once


def contact_addresses(contact: dict[str, Any]) -> list[str]:
    """Every address of a contact as `field:value` keys (the suppression list's ids)."""
    keys = []
    for field in ADDRESS_FIELDS:
        value = normalise_address(field, contact.get(field))
        if value:
            keys.append(f"{field}:{value}")
    keys.append(f"contact:{contact['_id']}")
    return keys


def opt_out_addresses(contact: dict[str, Any]) -> list[str]:
    """What an opt-out suppresses: every address of the contact and every email it moved away from
    (`former_emails`: the same person, who asked us to stop)."""
    former = [f"email:{normalise_address('email', e)}" for e in contact.get("former_emails") or []]
    return [*contact_addresses(contact), *former]


def address_key(channel: str, to: str) -> str:
    field = {"email": "email", "telegram": "telegram_chat_id", "console": "contact"}.get(channel, channel)
    value = normalise_address(field, to) if field != "contact" else to
    return f"{field}:{value}"


class SuppressionRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["suppressions"]

    async def ensure_indexes(self) -> None:
        """`_id` is the address key; nothing else is queried."""

    async def add(self, keys: list[str], contact_id: str, reason: str, now: datetime) -> None:
        for key in keys:
            await insert_once(self.col, {"_id": key, "contact_id": contact_id, "reason": reason, "at": now})

    async def any_suppressed(self, keys: list[str]) -> str | None:
        doc = await self.col.find_one({"_id": {"$in": keys}})
        return doc["_id"] if doc else None

    async def count(self) -> int:
        return await self.col.count_documents({})
