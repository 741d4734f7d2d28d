"""Keyset pages of contacts through widening windows: every contact exactly once, in order,
across ties, dense bursts and gaps of years; back and forth; filters and word search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.store import Store
from agent.store.contact_pages import ContactQuery

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def seed(store: Store) -> list[str]:
    ids = []
    offsets = ([timedelta(0)] * 7 + [timedelta(milliseconds=i) for i in range(40)]  # ties and a burst
               + [timedelta(hours=i) for i in range(1, 30)] + [timedelta(days=400 * i) for i in range(1, 4)])
    for i, offset in enumerate(offsets):
        doc = await store.contacts.create({"name": f"Lead {i:03d} {'Смирнова' if i % 5 == 0 else 'Ким'}",
                                           "company": "Аптеки" if i % 2 else "Кофейни", "email": f"l{i}@ex.ru",
                                           "status": "active" if i % 3 else "new",
                                           "tags": ["vip"] if i % 2 else ["cold"]}, T0 - offset)
        ids.append(doc["_id"])
    return ids


def order(store_docs: list[dict]) -> list[str]:
    return [d["_id"] for d in sorted(store_docs, key=lambda d: (d["created_at"], d["_id"]), reverse=True)]


async def walk(store: Store, **query: object) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = await store.contacts.page(ContactQuery(after=after, limit=10, **query))  # type: ignore[arg-type]
        pages.append([r["_id"] for r in page.rows])
        if not page.has_next:
            return pages
        after = page.key(page.rows[-1])


async def test_pages_cover_every_contact_once_in_order_and_go_back(store: Store) -> None:
    await seed(store)
    everyone = [d async for d in store.contacts.col.find({})]
    pages = await walk(store)
    assert [i for p in pages for i in p] == order(everyone)
    assert all(len(p) == 10 for p in pages[:-1])
    # back from the third page gives the second again
    third_first = await store.contacts.get(pages[2][0])
    back = await store.contacts.page(ContactQuery(before=(third_first["created_at"], third_first["_id"]), limit=10))
    assert [r["_id"] for r in back.rows] == pages[1] and back.has_prev


async def test_filters_and_word_search(store: Store) -> None:
    await seed(store)
    everyone = [d async for d in store.contacts.col.find({})]
    active = [i for p in await walk(store, filters={"status": "active"}) for i in p]
    assert active == order([d for d in everyone if d["status"] == "active"])
    both = [i for p in await walk(store, filters={"status": "active", "tags": "vip"}) for i in p]
    assert both == order([d for d in everyone if d["status"] == "active" and "vip" in d["tags"]])
    found = [i for p in await walk(store, search="смирн Аптеки") for i in p]
    assert found == order([d for d in everyone if "Смирнова" in d["name"] and d["company"] == "Аптеки"])
    by_email = await store.contacts.page(ContactQuery(search="l17@ex.ru"))
    assert [r["email"] for r in by_email.rows] == ["l17@ex.ru"]
