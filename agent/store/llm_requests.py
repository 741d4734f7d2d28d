"""Model calls relayed through MongoDB: `llm_requests` (the queue) and `llm_hosts` (heartbeats).

A GPU host with no inbound port runs `sales-agent llm-relay`: it connects out to MongoDB, claims a
request with a lease (compare-and-set on `_id` + status, as the inbox does), renews the lease
while its Ollama works, and writes the answer once — only while it still holds the claim. A relay
killed mid-request leaves the claim to run out; another relay (or the restarted one) takes it.

Request states: pending → claimed → done | failed; pending/claimed → expired (the asker gave up or
`expires_at` passed). Hosts: one document per relay name with its models and `seen_at`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from agent.store.leases import claim_one

PENDING, CLAIMED, DONE, FAILED, EXPIRED = "pending", "claimed", "done", "failed", "expired"
FINAL = (DONE, FAILED, EXPIRED)
RETENTION_DAYS = 2


def model_aliases(names: list[str]) -> list[str]:
    """Every name a request may use for these models (`qwen2:latest` also answers `qwen2`)."""
    out: list[str] = []
    for name in names:
        out.append(name)
        if name.endswith(":latest"):
            out.append(name.removesuffix(":latest"))
    return sorted(set(out))


class LlmRequestRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.col = db["llm_requests"]
        self.hosts = db["llm_hosts"]

    async def ensure_indexes(self) -> None:
        await self.col.create_index([("status", ASCENDING), ("available_at", ASCENDING)])
        await self.col.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
        await self.col.create_index([("purge_at", ASCENDING)], expireAfterSeconds=0)

    # --- the asking side ---------------------------------------------------------------------

    async def submit(self, request_id: str, request: dict[str, Any], now: datetime, expires_at: datetime) -> None:
        await self.col.insert_one({
            "_id": request_id, **request, "status": PENDING, "created_at": now, "available_at": now,
            "expires_at": expires_at, "attempts": 0, "lease_until": None,
            "purge_at": expires_at + timedelta(days=RETENTION_DAYS),  # TTL: kept a while for `stats` and audits
        })

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return await self.col.find_one({"_id": request_id})

    async def abandon(self, request_id: str, now: datetime, reason: str) -> bool:
        """The asker gave up: an unfinished request expires, so no relay answers it any more."""
        result = await self.col.update_one(
            {"_id": request_id, "status": {"$in": [PENDING, CLAIMED]}},
            {"$set": {"status": EXPIRED, "finished_at": now, "error": reason}},
        )
        return result.modified_count == 1

    # --- the relay side ----------------------------------------------------------------------

    async def claim(self, relay: str, models: list[str], now: datetime, lease_s: float) -> dict[str, Any] | None:
        """The oldest pending request for one of `models` (or one whose lease ran out), or None."""
        if not models:
            return None
        return await claim_one(
            self.col, ready={"status": PENDING}, claimed_status=CLAIMED, claimer=relay, now=now,
            lease_s=lease_s, extra_filter={"model": {"$in": model_aliases(models)}, "expires_at": {"$gt": now}},
        )

    async def renew(self, request_id: str, relay: str, now: datetime, lease_s: float) -> bool:
        result = await self.col.update_one(
            {"_id": request_id, "status": CLAIMED, "claimed_by": relay},
            {"$set": {"lease_until": now + timedelta(seconds=lease_s)}},
        )
        return result.modified_count == 1

    async def answer(self, request_id: str, relay: str, host: str, answer: dict[str, Any], now: datetime) -> bool:
        """Write the answer once: only the relay that still holds the claim can."""
        result = await self.col.update_one(
            {"_id": request_id, "status": CLAIMED, "claimed_by": relay},
            {"$set": {"status": DONE, "answer": answer, "answered_by": host, "finished_at": now}},
        )
        return result.modified_count == 1

    async def fail(self, request_id: str, relay: str, host: str, error: str, status_code: int,
                   now: datetime) -> bool:
        result = await self.col.update_one(
            {"_id": request_id, "status": CLAIMED, "claimed_by": relay},
            {"$set": {"status": FAILED, "error": error, "status_code": status_code, "answered_by": host,
                      "finished_at": now}},
        )
        return result.modified_count == 1

    async def expire_overdue(self, now: datetime) -> int:
        result = await self.col.update_many(
            {"status": {"$in": [PENDING, CLAIMED]}, "expires_at": {"$lte": now}},
            {"$set": {"status": EXPIRED, "finished_at": now, "error": "expired before an answer"}},
        )
        return result.modified_count

    async def queue_depth(self, now: datetime) -> dict[str, int]:
        """Unfinished requests that can still be answered: pending and in progress."""
        live = {"expires_at": {"$gt": now}}
        return {
            PENDING: await self.col.count_documents({"status": PENDING, **live}),
            CLAIMED: await self.col.count_documents({"status": CLAIMED, **live}),
        }

    # --- hosts -------------------------------------------------------------------------------

    async def heartbeat(self, host: str, models: list[str], now: datetime, *, in_flight: int = 0,
                        answered: int = 0, error: str | None = None, stopped: bool = False) -> None:
        await self.hosts.update_one(
            {"_id": host},
            {"$set": {"models": models, "seen_at": now, "in_flight": in_flight, "answered": answered,
                      "error": error, "stopped": stopped}},
            upsert=True,
        )

    async def all_hosts(self) -> list[dict[str, Any]]:
        return [doc async for doc in self.hosts.find({}).sort("_id", ASCENDING)]

    async def live_hosts(self, now: datetime, max_age_s: float) -> list[dict[str, Any]]:
        return [h for h in await self.all_hosts() if host_is_up(h, now, max_age_s)]


def host_is_up(host: dict[str, Any], now: datetime, max_age_s: float) -> bool:
    seen = host.get("seen_at")
    if seen is None or host.get("stopped"):
        return False
    return (now - seen).total_seconds() <= max_age_s
