"""The inbox against a real MongoDB-wire server: idempotent ingest, leased claims, retries,
quarantine."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from agent.contracts import InboundMessage
from agent.store import Store
from tests.conftest import WED_NOON

pytestmark = pytest.mark.integration


def message(key: str, contact: str = "c-1", text: str = "Добрый день") -> InboundMessage:
    return InboundMessage(key=key, channel="console", contact_id=contact, text=text, received_at=WED_NOON)


async def test_ingest_is_idempotent(store: Store) -> None:
    assert await store.inbox.ingest(message("email:<a@b>"), WED_NOON) is True
    assert await store.inbox.ingest(message("email:<a@b>", text="другой текст"), WED_NOON) is False
    doc = await store.inbox.get("email:<a@b>")
    assert doc["text"] == "Добрый день"
    assert await store.inbox.col.count_documents({}) == 1


async def test_claim_takes_oldest_and_only_once(store: Store) -> None:
    for i in range(3):
        await store.inbox.ingest(message(f"k{i}"), WED_NOON + timedelta(seconds=i))
    first = await store.inbox.claim("w1", WED_NOON + timedelta(minutes=1), lease_s=60)
    second = await store.inbox.claim("w2", WED_NOON + timedelta(minutes=1), lease_s=60)
    assert (first["_id"], second["_id"]) == ("k0", "k1")
    assert first["attempts"] == 1 and first["claimed_by"] == "w1"


async def test_racing_claimers_never_share_an_event(store: Store) -> None:
    for i in range(20):
        await store.inbox.ingest(message(f"r{i}"), WED_NOON)
    now = WED_NOON + timedelta(seconds=1)

    async def claimer(name: str) -> list[str]:
        got = []
        while doc := await store.inbox.claim(name, now, lease_s=60):
            got.append(doc["_id"])
        return got

    results = await asyncio.gather(*(claimer(f"w{i}") for i in range(4)))
    claimed = [key for keys in results for key in keys]
    assert sorted(claimed) == sorted(f"r{i}" for i in range(20))
    assert len(claimed) == len(set(claimed))


async def test_expired_lease_is_claimed_again(store: Store) -> None:
    await store.inbox.ingest(message("crashy"), WED_NOON)
    doc = await store.inbox.claim("dead-worker", WED_NOON, lease_s=30)
    assert doc is not None
    assert await store.inbox.claim("w2", WED_NOON + timedelta(seconds=10), lease_s=30) is None
    again = await store.inbox.claim("w2", WED_NOON + timedelta(seconds=31), lease_s=30)
    assert again["_id"] == "crashy" and again["attempts"] == 2 and again["reclaimed"]


async def test_failures_retry_with_backoff_then_quarantine(store: Store) -> None:
    await store.inbox.ingest(message("poison"), WED_NOON)
    now = WED_NOON
    statuses = []
    for _ in range(3):
        doc = await store.inbox.claim("w", now, lease_s=30)
        assert doc is not None, statuses
        statuses.append(await store.inbox.fail("poison", now, "boom", max_attempts=3, backoff_s=10))
        now += timedelta(seconds=100)
    assert statuses == ["pending", "pending", "quarantined"]
    doc = await store.inbox.get("poison")
    assert doc["status"] == "quarantined" and doc["error"] == "boom"
    assert await store.inbox.claim("w", now + timedelta(days=1), lease_s=30) is None


async def test_backoff_delays_the_retry(store: Store) -> None:
    await store.inbox.ingest(message("slow"), WED_NOON)
    await store.inbox.claim("w", WED_NOON, lease_s=30)
    await store.inbox.fail("slow", WED_NOON, "timeout", max_attempts=5, backoff_s=10)
    assert await store.inbox.claim("w", WED_NOON + timedelta(seconds=5), lease_s=30) is None
    assert await store.inbox.claim("w", WED_NOON + timedelta(seconds=11), lease_s=30) is not None


async def test_taken_without_a_claim_failures_still_count_to_quarantine(store: Store) -> None:
    """The only worker on a database takes events with one read (`take`): the try is counted when
    it fails, a postponed event is not counted, and the poison is quarantined after max attempts."""
    await store.inbox.ingest(message("poison-taken"), WED_NOON)
    now = WED_NOON
    doc = await store.inbox.take(now)
    assert doc is not None and doc["attempts"] == 1
    await store.inbox.postpone("poison-taken", now, 1, claimed=False)
    assert (await store.inbox.get("poison-taken"))["attempts"] == 0
    statuses = []
    for _ in range(3):
        now += timedelta(seconds=100)
        doc = await store.inbox.take(now)
        assert doc is not None and doc["_id"] == "poison-taken", statuses
        statuses.append(await store.inbox.fail("poison-taken", now, "boom", max_attempts=3, backoff_s=10,
                                               claimed=False))
    assert statuses == ["pending", "pending", "quarantined"]
    assert await store.inbox.take(now + timedelta(days=1)) is None
