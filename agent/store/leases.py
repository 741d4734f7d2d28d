"""Atomic claims with a lease, shared by the inbox (worker) and the outbox (senders).

A claim is a `find` for candidates followed by a compare-and-set `update_one` on `_id` and the
fields read. Both use indexes on MongoDB and on SecantusDB (whose `find_one_and_update` scans the
whole collection), and only one of several racing claimers gets `modified_count == 1`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

CANDIDATES = 8


async def claim_one(
    collection: AsyncCollection,
    *,
    ready: dict[str, Any] | list[dict[str, Any]],
    claimed_status: str,
    claimer: str,
    now: datetime,
    lease_s: float,
    extra_filter: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Claim the oldest ready document, or one whose lease expired. Returns it after the claim.

    `ready` may be a list of filters tried in order (e.g. one per priority): each is a bounded,
    index-ordered slice (equality fields, then a range on `available_at`, sorted by it), never a
    sort of the whole backlog."""
    expired = {"status": claimed_status, "lease_until": {"$lt": now}}
    base = extra_filter or {}
    slices = ready if isinstance(ready, list) else [ready]
    for query in ([{**q, **base} for q in slices] + [{**expired, **base}]):
        cursor = collection.find(query).sort([("available_at", 1), ("seq", 1)]).limit(CANDIDATES)
        async for doc in cursor:
            guard = {"_id": doc["_id"], "status": doc["status"], "lease_until": doc.get("lease_until")}
            lease_until = now + timedelta(seconds=lease_s)
            result = await collection.update_one(
                guard,
                {
                    "$set": {"status": claimed_status, "lease_until": lease_until, "claimed_by": claimer},
                    "$inc": {"attempts": 1},
                },
            )
            if result.modified_count == 1:
                doc.update(
                    status=claimed_status,
                    lease_until=lease_until,
                    claimed_by=claimer,
                    attempts=doc.get("attempts", 0) + 1,
                    reclaimed=doc["status"] == claimed_status,
                )
                return doc
    return None


async def insert_once(collection: AsyncCollection, doc: dict[str, Any]) -> bool:
    """Insert unless a document with this `_id` exists: the first write wins, later ones are no-ops.

    Same meaning as an upsert with `$setOnInsert`, but an indexed insert; SecantusDB's upserts slow
    down as a collection grows."""
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def count_by(collection: AsyncCollection, field: str) -> dict[str, int]:
    """How many documents have each value of `field`."""
    counts: dict[str, int] = {}
    async for row in await collection.aggregate([{"$group": {"_id": f"${field}", "n": {"$sum": 1}}}]):
        counts[row["_id"]] = row["n"]
    return counts
