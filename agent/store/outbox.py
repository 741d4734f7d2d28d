"""Outbound messages. Written once per idempotency key; senders claim them with a lease.

States: pending → sending → sent | failed | suppressed | uncertain. A message found in `sending`
after its lease expired (a sender died mid-send) is not resent blindly: the channel's
`was_delivered` check decides, and without one it becomes `uncertain` for a person to review.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from agent.contracts import OutboundMessage
from agent.store.leases import claim_one, count_by, insert_once
from agent.store.sequence import local_seq

DUPLICATE_KEY = 11000
PENDING, SENDING, SENT, FAILED, SUPPRESSED, UNCERTAIN = (
    "pending",
    "sending",
    "sent",
    "failed",
    "suppressed",
    "uncertain",
)


def status_note(doc: dict[str, Any]) -> str | None:
    """What an operator should read next to a message's status: its error, or why it is held."""
    if doc.get("error"):
        return str(doc["error"])
    if doc.get("status") == PENDING and doc.get("held"):
        return f"held: {doc['held']}"
    return None


class OutboxRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["outbox"]
        # Writes that come before or record a send to the outside world wait for the journal
        # (j:true). SecantusDB, like mongod with j:false, acknowledges a write before its journal
        # record is on disk: a kill -9 of the server lost the last ~10 ms of acknowledged writes,
        # and a lost claim put a message that had gone out back to `pending` (the soak sent one
        # reply twice). Everything written before a journaled write is on disk with it.
        self.durable = self.col.with_options(write_concern=WriteConcern(j=True))

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("status", ASCENDING), ("channel", ASCENDING), ("available_at", ASCENDING)])
        await self.col.create_index([("contact_id", ASCENDING), ("created_at", ASCENDING)])
        await self.col.create_index([("expire_at", ASCENDING)], expireAfterSeconds=0)

    async def enqueue(self, message: OutboundMessage, now: datetime, available_at: datetime | None = None) -> bool:
        """Insert once per key; a replayed turn upserts onto the same document and changes nothing."""
        doc = message.model_dump()
        key = doc.pop("key")
        doc.update(status=PENDING, attempts=0, created_at=now, available_at=available_at or now, lease_until=None,
                   seq=local_seq())  # messages written in one turn go out in that order
        return await insert_once(self.col, {"_id": key, **doc})

    async def enqueue_many(self, messages: list[OutboundMessage], now: datetime) -> int:
        """`enqueue` for a turn's messages in one round trip, in order; keys already written stay as
        they are (a replayed turn). Returns how many were new."""
        if not messages:
            return 0
        docs = []
        for message in messages:
            doc = message.model_dump()
            key = doc.pop("key")
            doc.update(status=PENDING, attempts=0, created_at=now, available_at=now, lease_until=None, seq=local_seq())
            docs.append({"_id": key, **doc})
        try:
            result = await self.col.insert_many(docs, ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return len(docs) - len(errors)

    async def claim(self, channel: str, sender: str, now: datetime, lease_s: float) -> dict[str, Any] | None:
        ready = {"status": PENDING, "channel": channel, "available_at": {"$lte": now}}
        return await claim_one(
            self.durable,
            ready=ready,
            claimed_status=SENDING,
            claimer=sender,
            now=now,
            lease_s=lease_s,
            extra_filter={"channel": channel},
        )

    async def _finish(self, key: str, status: str, now: datetime, **fields: Any) -> None:
        await self.durable.update_one(
            {"_id": key}, {"$set": {"status": status, "lease_until": None, "finished_at": now, **fields}}
        )

    async def mark_sent(self, key: str, now: datetime, provider_id: str | None, retention_days: int,
                        checked_at: datetime | None = None) -> None:
        """`checked_at`: when the last gates (unread client message, suppressions) let it go."""
        extra = {"checked_at": checked_at} if checked_at is not None else {}
        await self._finish(key, SENT, now, sent_at=now, provider_id=provider_id,
                           expire_at=now + timedelta(days=retention_days), **extra)

    async def mark_failed(self, key: str, now: datetime, reason: str) -> None:
        await self._finish(key, FAILED, now, error=reason[:2000])

    async def mark_suppressed(self, key: str, now: datetime, reason: str) -> None:
        await self._finish(key, SUPPRESSED, now, error=reason)

    async def mark_uncertain(self, key: str, now: datetime, reason: str) -> None:
        await self._finish(key, UNCERTAIN, now, error=reason)

    async def retry_later(self, key: str, now: datetime, delay_s: float, reason: str) -> None:
        await self.col.update_one(
            {"_id": key},
            {
                "$set": {"status": PENDING, "available_at": now + timedelta(seconds=delay_s), "lease_until": None},
                "$push": {"errors": {"at": now, "reason": reason[:500]}},
            },
        )

    async def earlier_waiting(self, doc: dict[str, Any]) -> datetime | None:
        """When the earliest message written before `doc` to the same contact on the same channel,
        and still held by `hold`, is due; None when there is none. (Deferrals by the send window or
        the daily limit, and retries, do not hold the next message: a reply never waits for them.)"""
        query = {"contact_id": doc["contact_id"], "seq": {"$lt": doc["seq"]}, "status": PENDING,
                 "held": {"$exists": True}, "channel": doc["channel"], "kind": {"$ne": "team"}}
        async for earlier in self.col.find(query, {"available_at": 1}).sort("available_at", ASCENDING).limit(1):
            return earlier["available_at"]
        return None

    async def hold(self, key: str, now: datetime, delay_s: float, reason: str) -> None:
        """Give a claimed message back for `delay_s` without counting a try (see `agent.sending`)."""
        await self.col.update_one(
            {"_id": key},
            {"$set": {"status": PENDING, "available_at": now + timedelta(seconds=delay_s), "lease_until": None,
                      "held": reason, "held_at": now},
             "$inc": {"attempts": -1, "holds": 1}},
        )

    async def suppress_pending_for(self, contact_id: str, now: datetime, reason: str) -> int:
        """Stop every message still waiting to go to this contact. The team's notes about the contact
        are not the contact's and still go out (a replayed opt-out turn would otherwise silence its
        own note that a booked demo is off)."""
        result = await self.col.update_many(
            {"contact_id": contact_id, "status": PENDING, "kind": {"$ne": "team"}},
            {"$set": {"status": SUPPRESSED, "error": reason, "finished_at": now}},
        )
        return result.modified_count

    async def count_sent_since(self, channel: str, start: datetime, mailbox: str | None = None,
                               or_unset: bool = False) -> int:
        """Sent since `start` on this channel; by one sending mailbox (`meta.mailbox`; `or_unset`:
        also the messages that name none, i.e. went from the default mailbox)."""
        query: dict[str, Any] = {"status": SENT, "channel": channel, "sent_at": {"$gte": start}}
        if mailbox is not None:
            query["meta.mailbox"] = {"$in": [mailbox, None]} if or_unset else mailbox
        return await self.col.count_documents(query)

    async def give_back_attempt(self, key: str) -> None:
        """A deferral (send window, daily limit) is not a failed try: undo the claim's count."""
        await self.col.update_one({"_id": key}, {"$inc": {"attempts": -1}})

    async def set_progress(self, key: str, **fields: Any) -> None:
        """Channel bookkeeping on a message being sent (SMTP stage, parts sent, provider ids)."""
        await self.durable.update_one({"_id": key}, {"$set": fields})

    async def clear_progress(self, key: str, *names: str) -> None:
        await self.col.update_one({"_id": key}, {"$unset": dict.fromkeys(names, "")})

    async def requeue_sent(self, key: str, due: datetime, now: datetime, reason: str) -> bool:
        """A sent message bounced softly: send the same document again at `due`."""
        result = await self.col.update_one(
            {"_id": key, "status": SENT},
            {"$set": {"status": PENDING, "available_at": due, "lease_until": None},
             "$unset": {"smtp_started_at": ""}, "$inc": {"soft_bounces": 1},
             "$push": {"errors": {"at": now, "reason": reason[:300]}}})
        return result.modified_count == 1

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": key})

    async def for_contact(self, contact_id: str) -> list[dict[str, Any]]:
        cursor = self.col.find({"contact_id": contact_id}).sort([("created_at", ASCENDING), ("seq", ASCENDING)])
        return [doc async for doc in cursor]

    async def count_by_status(self) -> dict[str, int]:
        return await count_by(self.col, "status")

    async def last_sent(self, channel: str) -> datetime | None:
        """When this channel last delivered a message (the health page's channel activity)."""
        doc = await self.col.find_one({"status": SENT, "channel": channel}, {"sent_at": 1}, sort=[("sent_at", -1)])
        return (doc or {}).get("sent_at")
