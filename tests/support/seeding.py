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
