"""Throughput with 1, 2 and 4 `sales-agent worker` processes on one database (rules mode).

    python bench/workers_scaling.py [--events 400] [--contacts 80] [--workers 1 --workers 2 --workers 4]
    MONGODB_URI=mongodb://…/?replicaSet=rs0 python bench/workers_scaling.py   # a real replica set

For each worker count: a fresh database, the events ingested first, then N real worker processes.
Throughput is events / (last `processed_at` − first `processed_at`), so process start-up is left
out. Without MONGODB_URI it starts the embedded server (on disk, in a temporary directory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import embedded_mongo
from agent.contracts import InboundMessage
from agent.settings import Settings
from agent.store import connect_store
from tests.support.relay_proc import cli_env, start_cli, stop

TEXTS = ("Расскажите, как это работает у сетей с филиалами?", "Какие площадки вы поддерживаете?",
         "Можно ли смотреть отчёты по филиалам?", "Как ИИ готовит ответы на отзывы?",
         "Сколько занимает подключение?")


async def one_run(uri: str, workers: int, events: int, contacts: int, workdir: Path) -> dict[str, Any]:
    db = f"bench_scale_{uuid.uuid4().hex[:8]}"
    store = connect_store(uri, db)
    await store.init()
    now = datetime.now(UTC)
    base = now - timedelta(hours=1)
    try:
        for c in range(contacts):
            await store.contacts.create({"_id": f"c{c:04d}", "name": f"Клиент {c}", "company": "ООО «Тест»",
                                         "channel": "console", "status": "active", "outreach_sent_at": base}, now)
        for n in range(events):
            c = n % contacts
            await store.inbox.ingest(InboundMessage(key=f"console:b{n:05d}", channel="console", contact_id=f"c{c:04d}",
                                                    sender=f"c{c:04d}", text=TEXTS[(n // contacts) % len(TEXTS)],
                                                    received_at=base + timedelta(milliseconds=n)), now)
        settings = Settings(_env_file=None, mongodb_uri=uri, mongodb_db=db, data_dir=workdir)  # type: ignore[call-arg]
        env = cli_env(settings, WORKER_POLL_S="0.05", RETRY_BACKOFF_S="0")
        procs = [start_cli(["worker"], env, workdir / f"w{workers}-{i}.log") for i in range(workers)]
        started = time.monotonic()
        try:
            while await store.inbox.col.count_documents({"status": "done"}) < events:
                if time.monotonic() - started > 3600 or any(p.poll() is not None for p in procs):
                    raise SystemExit(f"workers={workers}: stuck at {await store.inbox.count_by_status()}")
                await asyncio.sleep(0.5)
        finally:
            for p in procs:
                stop(p)
        times = sorted([d["processed_at"] async for d in store.inbox.col.find({}, {"processed_at": 1})])
        span = (times[-1] - times[0]).total_seconds()
        replies = await store.outbox.col.count_documents({"kind": "message"})
        return {"workers": workers, "events": events, "replies": replies, "seconds": round(span, 1),
                "events_per_s": round((events - 1) / span, 2) if span else None}
    finally:
        await store.client.drop_database(db)
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--contacts", type=int, default=80)
    parser.add_argument("--workers", type=int, action="append")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    counts = args.workers or [1, 2, 4]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        uri = os.environ.get("MONGODB_URI")
        server = "MONGODB_URI"
        if not uri:
            uri = stack.enter_context(embedded_mongo.running(workdir / "mongo")).uri
            server = "embedded SecantusDB (on disk)"
        rows = [asyncio.run(one_run(uri, n, args.events, args.contacts, workdir)) for n in counts]
    result = {"server": server, "cpus": os.cpu_count(), "runs": rows}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
