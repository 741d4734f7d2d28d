"""Contacts: the leads, their addresses, status and next timer."""

from __future__ import annotations

import builtins
import secrets
from datetime import datetime
from typing import Any, Literal, get_args

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from agent.store.contact_pages import (
    SEARCH_FIELDS,
    ContactPage,
    ContactQuery,
    contact_page,
    ensure_page_indexes,
    search_terms,
)
from agent.store.errors import ContactNotFound, DuplicateContact, StoreError
from agent.store.leases import count_by

ContactStatus = Literal["new", "active", "paused", "handoff", "closed", "opted_out"]
CONTACT_STATUSES: tuple[str, ...] = get_args(ContactStatus)
ADDRESS_FIELDS = ("email", "telegram", "telegram_chat_id", "phone")


def new_contact_id() -> str:
    return "c-" + secrets.token_hex(4)


def normalise_address(field: str, value: str | int | None) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if field == "email":
        return text.lower()
    if field == "telegram":
        return "@" + text.lstrip("@").lower()
    return text


class ContactRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["contacts"]

    async def ensure_indexes(self) -> None:
        for field in ADDRESS_FIELDS:
            await self.col.create_index(
                [(field, ASCENDING)], unique=True, sparse=True, name=f"{field}_unique"
            )
        await self.col.create_index([("former_emails", ASCENDING)], sparse=True, name="former_emails")
        await self.col.create_index([("status", ASCENDING), ("updated_at", DESCENDING)])
        await ensure_page_indexes(self.col)

    async def create(self, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Insert a contact; an address already used by another contact is a StoreError."""
        doc = self.new_doc(fields, now)
        if await self.former_owners([doc]):
            raise self.moved_from(doc)
        try:
            await self.col.insert_one(doc)
        except DuplicateKeyError as exc:
            raise self.duplicate(doc, exc.details) from exc
        return doc

    async def create_many(self, rows: builtins.list[dict[str, Any]], now: datetime
                          ) -> tuple[builtins.list[dict[str, Any]], dict[int, DuplicateContact]]:
        """Insert many contacts in one round trip (an import's chunk). Returns the created documents
        and, by position in `rows`, the ones refused because an address is already used."""
        docs = [self.new_doc(fields, now) for fields in rows]
        if not docs:
            return [], {}
        moved = await self.former_owners(docs)
        refused: dict[int, DuplicateContact] = {i: self.moved_from(d) for i, d in enumerate(docs) if d.get("email") in moved}
        kept = [i for i in range(len(docs)) if i not in refused]
        try:
            if kept:
                await self.col.insert_many([docs[i] for i in kept], ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                if error.get("code") != 11000:
                    raise
                index = kept[error["index"]]
                refused[index] = self.duplicate(docs[index], error)
        return [doc for i, doc in enumerate(docs) if i not in refused], refused

    async def former_owners(self, docs: builtins.list[dict[str, Any]]) -> set[str]:
        """The emails among these documents that a contact had before it moved to its own new one
        (a re-imported lead list must not write to the address the client left)."""
        emails = [d["email"] for d in docs if d.get("email")]
        if not emails:
            return set()
        found = self.col.find({"former_emails": {"$in": emails}}, {"former_emails": 1})
        return {e async for doc in found for e in doc.get("former_emails", [])} & set(emails)

    @staticmethod
    def moved_from(doc: dict[str, Any]) -> DuplicateContact:
        return DuplicateContact(f"a contact with this email already exists ({doc['email']}, its former address)")

    @staticmethod
    def duplicate(doc: dict[str, Any], details: Any) -> DuplicateContact:
        clash = next((f for f in ADDRESS_FIELDS if f in str(details)), "id")
        return DuplicateContact(f"a contact with this {clash} already exists ({doc.get(clash, doc['_id'])})")

    @staticmethod
    def new_doc(fields: dict[str, Any], now: datetime) -> dict[str, Any]:
        doc: dict[str, Any] = {k: v for k, v in fields.items() if v not in (None, "")}
        for field in ADDRESS_FIELDS:
            if field in doc:
                doc[field] = normalise_address(field, doc[field])
        doc.setdefault("_id", new_contact_id())
        doc.setdefault("status", "new")
        doc.setdefault("stage", "new")
        doc.setdefault("channel", "email" if doc.get("email") else "telegram" if doc.get("telegram") else "console")
        doc.setdefault("unreachable", [])
        doc["created_at"] = now
        doc["updated_at"] = now
        doc["search_terms"] = search_terms(doc)
        return doc

    async def get(self, contact_id: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": contact_id})

    async def require(self, contact_id: str) -> dict[str, Any]:
        doc = await self.get(contact_id)
        if doc is None:
            raise ContactNotFound(contact_id)
        return doc

    async def find_by_address(self, field: str, value: str | int) -> dict[str, Any] | None:
        """The contact with this address; for email, also one that had it before moving (a reply
        from the old address still reaches the same conversation)."""
        address = normalise_address(field, value)
        if field == "email":
            return await self.col.find_one({"$or": [{"email": address}, {"former_emails": address}]})
        return await self.col.find_one({field: address})

    async def replace_email(self, contact_id: str, email: str, now: datetime) -> bool:
        """The contact's own new email; the old one is kept in `former_emails`. False (nothing
        changed) when another contact has the address."""
        current = await self.require(contact_id)
        address = normalise_address("email", email)
        if current.get("email") == address:
            return True
        fields: dict[str, Any] = {"email": address, "updated_at": now}
        fields["search_terms"] = search_terms({**current, **fields})
        change: dict[str, Any] = {"$set": fields}
        if current.get("email"):
            change["$addToSet"] = {"former_emails": current["email"]}
        try:
            await self.col.update_one({"_id": contact_id}, change)
        except DuplicateKeyError:
            return False
        return True

    async def update(self, contact_id: str, now: datetime, **fields: Any) -> None:
        if set(fields) & set(SEARCH_FIELDS):  # keep the search words in step (rare: a name or handle changed)
            current = await self.get(contact_id) or {}
            fields["search_terms"] = search_terms({**current, **fields})
        await self.col.update_one({"_id": contact_id}, {"$set": {**fields, "updated_at": now}})

    async def set_many(self, fields_by_id: dict[str, dict[str, Any]], now: datetime) -> None:
        """Set fields on many contacts in one round trip (never the search fields)."""
        if fields_by_id:
            await self.col.bulk_write([UpdateOne({"_id": cid}, {"$set": {**fields, "updated_at": now}})
                                       for cid, fields in fields_by_id.items()], ordered=False)

    async def list(self, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        query = {"status": status} if status else {}
        cursor = self.col.find(query).sort("created_at", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def page(self, query: ContactQuery) -> ContactPage:
        """One page of the contacts list (filters, search, keyset pagination)."""
        return await contact_page(self.col, query)

    async def ids_where(self, filters: dict[str, str]) -> set[str]:
        """The ids of the contacts with these field values (e.g. an import batch or a tag)."""
        return {doc["_id"] async for doc in self.col.find(filters, {"_id": 1})}

    async def distinct_values(self, field: str) -> builtins.list[str]:
        """The values a filter can take (stages, tags, import batches), for the filter menus."""
        return sorted(str(v) for v in await self.col.distinct(field) if v not in (None, ""))

    async def count_by_batch(self) -> dict[str, int]:
        """Contacts per import batch (a campaign)."""
        rows = self.col.aggregate([{"$match": {"import_batch": {"$exists": True}}},
                                   {"$group": {"_id": "$import_batch", "n": {"$sum": 1}}}])
        return {str(row["_id"]): int(row["n"]) async for row in await rows}

    async def count_by_status(self) -> dict[str, int]:
        return {status: 0 for status in CONTACT_STATUSES} | await count_by(self.col, "status")

    async def bind_chat(self, contact_id: str, field: str, chat_id: str, now: datetime,
                        handle: tuple[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        """Attach a channel chat (e.g. `telegram_chat_id`) to the contact, moving it from any other
        contact that had it. `handle` (field, value) is set too unless another contact has it.
        Returns the fields that were set."""
        other = await self.col.find_one({field: chat_id})
        if other is not None and other["_id"] != contact_id:
            await self.col.update_one({"_id": other["_id"]},
                                      {"$unset": {field: ""}, "$set": {field.removesuffix("_chat_id") + "_moved_to": contact_id, "updated_at": now}})
        values: dict[str, Any] = {field: chat_id, "updated_at": now, **fields}
        if handle is not None:
            values[handle[0]] = normalise_address(handle[0], handle[1])
        try:
            await self.col.update_one({"_id": contact_id}, {"$set": values})
        except DuplicateKeyError:  # the handle is another contact's: bind the chat without it
            values.pop(handle[0] if handle else "", None)
            await self.col.update_one({"_id": contact_id}, {"$set": values})
        return values

    async def exists_address(self, field: str, value: str) -> bool:
        return await self.find_by_address(field, value) is not None


def ensure_status(status: str) -> str:
    if status not in CONTACT_STATUSES:
        raise StoreError(f"unknown status {status!r}; one of: {', '.join(CONTACT_STATUSES)}")
    return status
