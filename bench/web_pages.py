"""Server time of the web desk's contacts and conversation pages with 10,000 contacts on the
embedded SecantusDB server (on disk, as `sales-agent web` runs by default).

    python bench/web_pages.py [--contacts 10000] [--requests 40]

Requests go through the real app (routing, session, CSRF-free GETs, store queries, templates)
over httpx's ASGI transport, so no network time is counted; each figure is p50 / p95 over
`--requests` requests after one warm-up request.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import embedded_mongo
from agent.clock import SystemClock
from agent.settings import Settings
from agent.store import connect_store
from agent.store.contact_pages import search_terms
from tests.support.web import add_user, client_for, desk_app, logged_in
from web.routes.contacts import encode_key

STATUSES = ["new"] * 3 + ["active"] * 4 + ["paused", "handoff", "closed", "opted_out"]
FIRST = ["Иван", "Ольга", "Пётр", "Мария", "Анна", "Сергей", "Елена", "Дмитрий", "Наталья", "Алексей"]
LAST = ["Петров", "Смирнова", "Сидоров", "Ким", "Иванова", "Кузнецов", "Попова", "Волков", "Соколова", "Орлов"]


def contacts(n: int, now: datetime) -> list[dict]:
    rng = random.Random(7)
    docs = []
    for i in range(n):
        status = rng.choice(STATUSES)
        created = now - timedelta(days=60) + timedelta(seconds=i * 60 * 60 * 24 * 60 / n)
        docs.append({"_id": f"c-{i:08x}", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     "company": f"Сеть №{i % 700} «{rng.choice(LAST)}»", "email": f"lead{i}@example{i % 50}.ru",
                     "channel": "email" if i % 4 else "telegram", "status": status, "stage": status,
                     "import_batch": f"batch {i % 5 + 1}", "tags": [f"region-{i % 8}"], "unreachable": [],
                     "created_at": created, "updated_at": created})
        docs[-1]["search_terms"] = search_terms(docs[-1])
    return docs


def history(contact_id: str, now: datetime, turns: int) -> tuple[list[dict], list[dict], list[dict]]:
    inbox, outbox, events = [], [], []
    for t in range(turns):
        at = now - timedelta(hours=turns - t)
        inbox.append({"_id": f"m-{t}", "kind": "message", "channel": "email", "contact_id": contact_id,
                      "text": f"Вопрос клиента номер {t}: а как это работает с 2ГИС?", "status": "done",
                      "received_at": at, "result": {"intent": "question", "source": "llm", "actions": ["pitch"]},
                      "understanding": {"reading": {"intent": "question", "entities": {}}}})
        outbox.append({"_id": f"m-{t}:reply", "contact_id": contact_id, "channel": "email", "kind": "reply",
                       "text": f"Ответ агента номер {t}. " * 8, "status": "sent", "created_at": at, "sent_at": at})
        events.append({"_id": f"e-{t}", "contact_id": contact_id, "type": "replied", "at": at, "data": {}})
    return inbox, outbox, events


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def measure(n_contacts: int, n_requests: int, storage: str, only: str = "") -> dict[str, tuple[float, float]]:
    with embedded_mongo.running(storage) as server:
        settings = Settings(_env_file=None, mongodb_uri=server.uri, mongodb_db="bench_web",  # type: ignore[call-arg]
                            llm_provider="rules")
        store = connect_store(server.uri, "bench_web")
        await store.init()
        clock = SystemClock()
        now = datetime.now(UTC)
        docs = contacts(n_contacts, now)
        for i in range(0, len(docs), 1000):
            await store.contacts.col.insert_many(docs[i:i + 1000])
        target = docs[n_contacts // 2]["_id"]
        inbox, outbox, events = history(target, now, 40)
        await store.inbox.col.insert_many(inbox)
        await store.outbox.col.insert_many(outbox)
        await store.events.col.insert_many(events)
        await add_user(store, clock, "bench", "admin")
        ordered = sorted(docs, key=lambda d: (d["created_at"], d["_id"]), reverse=True)
        deep = encode_key((ordered[n_contacts // 2]["created_at"], ordered[n_contacts // 2]["_id"]))
        pages = {
            "contacts, first page": "/contacts",
            f"contacts, page {n_contacts // 100} (keyset, after row {n_contacts // 2})": f"/contacts?after={deep}",
            "contacts, status filter": "/contacts?status=active",
            "contacts, status + batch filter": "/contacts?status=active&batch=batch+3",
            "contacts, search by name": "/contacts?q=Соколова",
            "contacts, search by email": "/contacts?q=lead9876@",
            "conversation (40 turns in, 40 out)": f"/contacts/{target}",
        }
        results: dict[str, tuple[float, float]] = {}
        async with client_for(desk_app(settings, store, clock)) as client:
            await logged_in(client, "bench")
            for label, url in pages.items():
                if only not in label:
                    continue
                assert (await client.get(url)).status_code == 200, url
                times = []
                for _ in range(n_requests):
                    start = time.perf_counter()
                    response = await client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
                results[label] = (statistics.median(times), pct(times, 95))
        await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--memory", action="store_true", help="an in-memory server instead of one on disk")
    parser.add_argument("--only", default="", help="only the pages whose label contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        storage = ":memory:" if args.memory else str(Path(tmp) / "mongo")
        results = asyncio.run(measure(args.contacts, args.requests, storage, args.only))
    print(f"| page ({args.contacts:,} contacts) | p50 ms | p95 ms |\n|---|---|---|")
    for label, (p50, p95) in results.items():
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
