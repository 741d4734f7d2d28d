"""Inbound events: idempotent ingest, leased claims, retries and quarantine."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agent.contracts import InboundMessage
from agent.store.leases import claim_one, count_by, insert_once
from agent.store.sequence import Sequence

PENDING, PROCESSING, DONE, QUARANTINED = "pending", "processing", "done", "quarantined"
RECEIVED = "received"  # raw bytes stored by a listener, not parsed yet; the worker never claims these
ORDER = [("available_at", ASCENDING), ("seq", ASCENDING)]  # seq: order of arrival when times are equal
# Claim order: a client's message before timers, timers before first messages, always.
CLIENT, TIMER, OUTREACH = 0, 1, 2
PRIORITIES = (CLIENT, TIMER, OUTREACH)


def priority_of(doc: dict[str, Any]) -> int:
    if doc.get("kind") == "timer":
        return OUTREACH if doc.get("timer_kind") == "outreach" else TIMER
    return OUTREACH if doc.get("kind") == "outreach" else CLIENT


class InboxRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["inbox"]
        # An inbound message is acknowledged to its channel (Telegram's offset, the IMAP UID
        # checkpoint) once it is stored: that write waits for the journal (see OutboxRepo.durable).
        self.durable = self.col.with_options(write_concern=WriteConcern(j=True))
        self.seq = Sequence(db, "inbox")

    async def ensure_indexes(self) -> None:
        # `seq` stays out of these indexes: SecantusDB 0.7.0b3 answers a range on the second field of
        # a three-field index with nothing; the tie-break sort runs on the few candidates instead.
        await self.col.create_index([("status", ASCENDING), ("available_at", ASCENDING)])
        await self.col.create_index([("status", ASCENDING), ("priority", ASCENDING), ("available_at", ASCENDING)])
        # events stored before priorities existed are claimed as timers
        await self.col.update_many({"status": PENDING, "priority": None}, {"$set": {"priority": TIMER}})
        await self.col.create_index([("contact_id", ASCENDING), ("received_at", ASCENDING)])
        await self.col.create_index([("expire_at", ASCENDING)], expireAfterSeconds=0)

    async def ingest(self, message: InboundMessage, now: datetime) -> bool:
        """Store an event once. Returns False when its key was seen before (a no-op)."""
        doc = message.model_dump()
        doc["_id"] = doc.pop("key")
        doc.update(status=PENDING, attempts=0, available_at=now, lease_until=None, ingested_at=now,
                   seq=await self.seq.next(), priority=priority_of(doc))
        try:
            await self.durable.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def store_raw(self, key: str, channel: str, raw: bytes, now: datetime, source: dict[str, Any],
                        max_bytes: int) -> bool:
        """Keep a channel's raw input (status `received`) before it is parsed. Idempotent per key."""
        return await insert_once(self.durable, {
            "_id": key, "kind": "message", "channel": channel, "status": RECEIVED, "received_at": now,
            "priority": CLIENT, "available_at": now, "seq": await self.seq.next(), "attempts": 0,
            "lease_until": None, "raw": raw[:max_bytes], "raw_size": len(raw),
            "raw_truncated": len(raw) > max_bytes, "meta": {"source": source}})

    async def received(self, limit: int) -> list[dict[str, Any]]:
        """Raw documents still waiting to be parsed, oldest first."""
        cursor = self.col.find({"status": RECEIVED}).sort(ORDER).limit(limit)
        return [doc async for doc in cursor]

    async def finish_received(self, key: str, fields: dict[str, Any]) -> bool:
        """A parsed raw document becomes a normal event (or done/quarantined); once only."""
        result = await self.col.update_one({"_id": key, "status": RECEIVED}, {"$set": fields})
        return result.modified_count == 1

    async def claim(self, worker: str, now: datetime, lease_s: float) -> dict[str, Any] | None:
        """The oldest ready event of the most urgent priority (one bounded, indexed slice each)."""
        ready = [{"status": PENDING, "priority": p, "available_at": {"$lte": now}} for p in PRIORITIES]
        return await claim_one(
            self.col, ready=ready, claimed_status=PROCESSING, claimer=worker, now=now, lease_s=lease_s
        )

    async def take(self, now: datetime) -> dict[str, Any] | None:
        """The next ready event, as `claim` orders them, without claiming it: one read. Only for the
        one worker on a database (nobody else can take it; after a crash it is simply still pending).
        `attempts` in the answer counts this try; `fail` writes it."""
        ready = [{"status": PENDING, "priority": p, "available_at": {"$lte": now}} for p in PRIORITIES]
        for query in [*ready, {"status": PROCESSING, "lease_until": {"$lt": now}}]:
            async for doc in self.col.find(query).sort(ORDER).limit(1):
                doc["attempts"] = doc.get("attempts", 0) + 1
                return doc
        return None

    async def complete(self, key: str, now: datetime, result: dict[str, Any], retention_days: int) -> None:
        await self.col.update_one(
            {"_id": key},
            {
                "$set": {
                    "status": DONE,
                    "processed_at": now,
                    "lease_until": None,
                    "result": result,
                    "expire_at": now + timedelta(days=retention_days),
                },
                "$inc": {"completions": 1},  # more than 1 means the event's turn ran twice
            },
        )

    async def pending_outreach(self, cap: int) -> int:
        """How many first-message events wait in the inbox (counted up to `cap`)."""
        return await self.col.count_documents({"status": PENDING, "priority": OUTREACH}, limit=cap)

    async def prune(self, now: datetime) -> int:
        """Delete finished events whose retention ran out (`expire_at`; the TTL index does the same
        on MongoDB, not on every server). Their keys no longer dedupe a redelivery after that."""
        result = await self.col.delete_many({"status": DONE, "expire_at": {"$lte": now}})
        return result.deleted_count
    async def earlier_unfinished(self, contact_id: str, key: str, received_at: datetime | None) -> bool:
        """Whether an event of this contact that arrived earlier still waits or runs: this one must wait
        for it, so several workers keep each contact's order of arrival."""
        if received_at is None:
            return False
        query = {"contact_id": contact_id, "status": {"$in": [PENDING, PROCESSING]}, "_id": {"$ne": key},
                 "received_at": {"$lt": received_at}}
        return await self.col.find_one(query, {"_id": 1}) is not None

    async def unread_client_message(self, contact_id: str, except_key: str | None = None) -> bool:
        """Whether the contact wrote something the worker has not read yet (other than `except_key`,
        the message being answered). Only messages whose contact is known count: an email from an
        unknown address gets its contact when the worker reads it."""
        query: dict[str, Any] = {"contact_id": contact_id, "status": {"$in": [PENDING, PROCESSING]},
                                 "kind": "message"}
        if except_key is not None:
            query["_id"] = {"$ne": except_key}
        return await self.col.find_one(query, {"_id": 1}) is not None

    async def postpone(self, key: str, now: datetime, delay_s: float, claimed: bool = True) -> None:
        """Give a claimed event back without counting the try (e.g. its contact is busy).
        `claimed=False`: it was taken without a claim (`take`), so no try was counted."""
        update: dict[str, Any] = {
            "$set": {"status": PENDING, "available_at": now + timedelta(seconds=delay_s), "lease_until": None}}
        if claimed:
            update["$inc"] = {"attempts": -1}
        await self.col.update_one({"_id": key}, update)

    async def wait_for_model(self, key: str, now: datetime, since: datetime, delay_s: float, reason: str,
                             claimed: bool = True) -> None:
        """Give a claimed event back because the model host is down: not counted as a try; it is
        taken again after `delay_s`. `llm_wait_since` keeps when its wait began."""
        await self.col.update_one(
            {"_id": key},
            {
                "$set": {"status": PENDING, "available_at": now + timedelta(seconds=delay_s), "lease_until": None,
                         "llm_wait_since": since, "llm_wait_reason": reason[:500]},
                "$inc": {"attempts": -1 if claimed else 0, "llm_waits": 1},
            },
        )

    async def waiting_for_model(self) -> tuple[int, datetime | None]:
        """How many events wait for the model host, and since when the oldest waits."""
        query = {"status": {"$in": [PENDING, PROCESSING]}, "llm_wait_since": {"$ne": None}}
        count = await self.col.count_documents(query)
        oldest = await self.col.find_one(query, {"llm_wait_since": 1}, sort=[("llm_wait_since", ASCENDING)])
        return count, (oldest or {}).get("llm_wait_since")

    async def fail(self, key: str, now: datetime, reason: str, *, max_attempts: int, backoff_s: float,
                   claimed: bool = True) -> str:
        """Record a failed try: retry later with backoff, or quarantine after `max_attempts`.
        `claimed=False`: taken without a claim (`take`), so the try is counted here."""
        doc = await self.col.find_one({"_id": key}, {"attempts": 1})
        attempts = (doc or {}).get("attempts", max_attempts) + (0 if claimed else 1)
        if not claimed:
            await self.col.update_one({"_id": key}, {"$set": {"attempts": attempts}})
        if attempts >= max_attempts:
            await self.quarantine(key, now, reason)
            return QUARANTINED
        delay = backoff_s * (2 ** max(attempts - 1, 0))
        await self.col.update_one(
            {"_id": key},
            {
                "$set": {"status": PENDING, "available_at": now + timedelta(seconds=delay), "lease_until": None},
                "$push": {"errors": {"at": now, "reason": reason[:2000]}},
            },
        )
        return PENDING

    async def quarantine(self, key: str, now: datetime, reason: str) -> None:
        await self.col.update_one(
            {"_id": key},
            {"$set": {"status": QUARANTINED, "lease_until": None, "quarantined_at": now, "error": reason[:2000]}},
        )

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": key})

    async def set_contact(self, key: str, contact_id: str) -> None:
        await self.col.update_one({"_id": key}, {"$set": {"contact_id": contact_id}})

    async def save_understanding(self, key: str, understanding: dict[str, Any]) -> None:
        """Cache the model's reading so a replay after a crash reads the message the same way."""
        await self.col.update_one({"_id": key}, {"$set": {"understanding": understanding}})

    async def for_contact(self, contact_id: str) -> list[dict[str, Any]]:
        cursor = self.col.find({"contact_id": contact_id}).sort([("received_at", ASCENDING), ("seq", ASCENDING)])
        return [doc async for doc in cursor]

    async def count_by_status(self) -> dict[str, int]:
        return await count_by(self.col, "status")

    async def quarantined(self, limit: int = 50) -> list[dict[str, Any]]:
        cursor = self.col.find({"status": QUARANTINED}).sort("available_at", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def requeue_quarantined(self, key: str, now: datetime) -> bool:
        """A person retries a quarantined event: back to pending with fresh attempts, once."""
        doc = await self.col.find_one({"_id": key, "status": QUARANTINED}, {"error": 1})
        if doc is None:
            return False
        result = await self.col.update_one(
            {"_id": key, "status": QUARANTINED},
            {"$set": {"status": PENDING, "attempts": 0, "available_at": now, "lease_until": None, "requeued_at": now},
             "$unset": {"quarantined_at": ""},
             "$push": {"errors": {"at": now, "reason": f"quarantined: {doc.get('error')}; retried by a person"}}})
        return result.modified_count == 1
