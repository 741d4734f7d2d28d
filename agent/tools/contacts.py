"""Creating contacts from a conversation (referrals) without ever creating one twice."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from agent.store import Store
from agent.store.errors import StoreError


def derived_contact_id(event_key: str) -> str:
    return "c-" + hashlib.sha1(event_key.encode()).hexdigest()[:8]


async def find_existing(store: Store, fields: dict[str, Any]) -> dict[str, Any] | None:
    for field in ("email", "telegram", "phone"):
        if fields.get(field) and (found := await store.contacts.find_by_address(field, fields[field])):
            return found
    return None


async def create_referred(store: Store, event_key: str, fields: dict[str, Any], now: datetime
                          ) -> tuple[dict[str, Any], bool]:
    """The referred contact and whether it is new. The id is derived from the event, so a replay
    finds the contact it created the first time."""
    contact_id = derived_contact_id(event_key)
    if existing := await store.contacts.get(contact_id):
        return existing, False
    if existing := await find_existing(store, fields):
        return existing, False
    try:
        return await store.contacts.create({**fields, "_id": contact_id}, now), True
    except (DuplicateKeyError, StoreError):
        existing = await store.contacts.get(contact_id) or await find_existing(store, fields)
        if existing is None:
            raise
        return existing, False
