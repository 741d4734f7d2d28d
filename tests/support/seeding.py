"""Contacts with queued client messages, for the tests that run several real workers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from agent.contracts import InboundMessage
from agent.store import Store


async def seed_questions(store: Store, prefix: str, contacts: int, questions: Sequence[str]) -> dict[str, list[str]]:
    """`contacts` console contacts `c-<prefix>NNN`, each asking every question in turn, ingested round
    by round (so every contact has queued work). Returns each contact's event keys in order."""
    now = datetime.now(UTC)
    base = now - timedelta(minutes=10)
    keys: dict[str, list[str]] = defaultdict(list)
    for i in range(contacts):
        await store.contacts.create({"_id": f"c-{prefix}{i:03d}", "name": f"Клиент {i}", "company": "ООО «Тест»",
                                     "channel": "console", "status": "active", "outreach_sent_at": base}, now)
    for turn, text in enumerate(questions):
        for i in range(contacts):
            contact = f"c-{prefix}{i:03d}"
            event = InboundMessage(key=f"console:{prefix}-{i:03d}-{turn}", channel="console", contact_id=contact,
                                   sender=contact, text=text, received_at=base + timedelta(seconds=turn * contacts + i))
            await store.inbox.ingest(event, now)
            keys[contact].append(event.key)
    return keys


async def assert_one_reply_each_in_arrival_order(store: Store, keys: dict[str, list[str]]) -> None:
    """Every event got exactly one reply, and each contact's replies follow its messages' order."""
    replies = [d async for d in store.outbox.col.find({"kind": "message"})]
    assert sorted(d["_id"] for d in replies) == sorted(f"{k}:reply" for ks in keys.values() for k in ks)
    per_contact: dict[str, list[dict]] = defaultdict(list)
    for doc in replies:
        per_contact[doc["contact_id"]].append(doc)
    for contact, events in keys.items():
        in_time_order = [d["_id"] for d in sorted(per_contact[contact], key=lambda d: d["created_at"])]
        assert in_time_order == [f"{k}:reply" for k in events], contact
