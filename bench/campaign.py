"""A campaign at scale: N contacts imported, every first message rendered (pacing off), client
replies arriving under the backlog. On the embedded default (a fresh server per size, tuned as the
agent runs it) or on $MONGODB_URI.

    python bench/campaign.py [--sizes 1000,5000,10000] [--replies 40] [--json out.json]

Per size: import time, first-message throughput, per-turn cost (p50 over the middle of the run,
so it can be compared between sizes), claim time under the backlog, reply latency p50/p99 (a
client's reply enters while the outreach backlog is pending), round trips per reply turn and per
outreach turn (pymongo command listener), and memory (RSS of this process and of the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import embedded_mongo
from agent.clock import SystemClock
from agent.operations import IMPORT_CHUNK, import_chunk
from agent.pacing import plan_outreach
from agent.runtime import AgentRuntime, open_runtime
from agent.scheduler import fire_due_timers
from agent.settings import Settings
from channels.console import say
from tests.support.commands import CommandRecorder

REPLY = "Пришлите, пожалуйста, презентацию"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def server_rss_mb(settings: Settings) -> float | None:
    try:
        state = json.loads(embedded_mongo._state_file(settings.storage_path()).read_text())
        for line in Path(f"/proc/{state['pid']}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, KeyError, ValueError):
        return None
    return None


async def import_contacts(rt: AgentRuntime, n: int) -> list[str]:
    """As `contacts import` does: chunks of `IMPORT_CHUNK` rows, one insert each, first messages
    planned per chunk; pacing off (every first message due now)."""
    ids: list[str] = []
    for start in range(0, n, IMPORT_CHUNK):
        rows = [(i + 2, {"name": f"Контакт {i}", "company": f"Клиника «Север-{i}»", "channel": "console",
                         "import_batch": "bench"}) for i in range(start, min(start + IMPORT_CHUNK, n))]
        result = await import_chunk(rt.store, rt.settings, rt.clock, rows, start=False)
        await plan_outreach(rt.store, rt.settings, result.created, rt.clock.now(), immediately=True)
        ids += [c["_id"] for c in result.created]
    return ids


async def run_size(n: int, replies: int, uri: str | None, import_only: bool = False) -> dict[str, Any]:
    recorder = CommandRecorder()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, mongodb_uri=uri, mongodb_db=f"campaign_{uuid.uuid4().hex[:8]}",  # type: ignore[call-arg]
                            data_dir=Path(tmp), llm_provider="rules")
        async with open_runtime(settings, clock=SystemClock(), provider="rules", listeners=[recorder]) as rt:
            worker = rt.worker()  # exclusive on an embedded server it started, as `run` with one worker
            t0 = time.perf_counter()
            ids = await import_contacts(rt, n)
            import_s = time.perf_counter() - t0
            if import_only:
                await rt.store.client.drop_database(settings.mongodb_db)
                return {"contacts": n, "import_s": round(import_s, 1), "store": "MONGODB_URI" if uri else "embedded"}

            turn_ms: list[float] = []
            claim_ms: list[float] = []
            outreach_trips: list[int] = []
            reply_trips: list[int] = []
            reply_latency_ms: list[float] = []
            pending_replies: dict[str, float] = {}
            def timed(take: Any) -> Any:
                async def timed_take(*args: Any, **kwargs: Any) -> Any:
                    start = time.perf_counter()
                    doc = await take(*args, **kwargs)
                    claim_ms.append((time.perf_counter() - start) * 1000)
                    return doc
                return timed_take

            # the only worker takes events with one read (`take`); several claim them (`claim`)
            rt.store.inbox.claim = timed(rt.store.inbox.claim)  # type: ignore[method-assign]
            rt.store.inbox.take = timed(rt.store.inbox.take)  # type: ignore[method-assign]
            reply_every = max(n // (replies + 1), 1)
            done, next_reply = 0, reply_every
            t0 = time.perf_counter()
            last_tick = 0.0
            while True:
                if time.perf_counter() - last_tick >= rt.settings.scheduler_tick_s:  # as the scheduler loop
                    last_tick = time.perf_counter()
                    await fire_due_timers(rt.store, rt.clock)
                if done >= next_reply and not pending_replies and done < n:
                    next_reply += reply_every
                    contact_id = ids[done // 2]  # one who got the first message already
                    key = await say(rt.store, contact_id, REPLY, rt.clock.now())
                    pending_replies[key] = time.perf_counter()
                mark = recorder.mark()
                start = time.perf_counter()
                if not await worker.process_one():
                    if await fire_due_timers(rt.store, rt.clock):
                        continue
                    break
                elapsed = time.perf_counter() - start
                commands = recorder.since(mark)
                key = next((c.filters[0].get("_id") for c in reversed(commands)
                            if c.collection == "inbox" and c.name == "update" and c.filters), None)
                if key in pending_replies:
                    reply_latency_ms.append((time.perf_counter() - pending_replies.pop(key)) * 1000)
                    reply_trips.append(len(commands))
                else:
                    done += 1
                    turn_ms.append(elapsed * 1000)
                    outreach_trips.append(len(commands))
            render_s = time.perf_counter() - t0
            middle = turn_ms[len(turn_ms) // 4: 3 * len(turn_ms) // 4] or turn_ms
            outbox = await rt.store.outbox.col.count_documents({"status": "pending"})
            result = {
                "contacts": n,
                "import_s": round(import_s, 1),
                "first_messages": done,
                "first_messages_queued": outbox,
                "render_s": round(render_s, 1),
                "first_messages_per_s": round(done / render_s, 1) if render_s else None,
                "turn_ms_p50_middle": round(statistics.median(middle), 1) if middle else None,
                "turn_ms_p99": round(pct(turn_ms, 0.99), 1),
                "claim_ms_p50": round(pct(claim_ms, 0.5), 2),
                "claim_ms_p99": round(pct(claim_ms, 0.99), 2),
                "reply_latency_ms_p50": round(pct(reply_latency_ms, 0.5), 1),
                "reply_latency_ms_p99": round(pct(reply_latency_ms, 0.99), 1),
                "replies_measured": len(reply_latency_ms),
                "round_trips_reply_turn": round(statistics.mean(reply_trips), 1) if reply_trips else None,
                "round_trips_outreach_turn": round(statistics.mean(outreach_trips), 1) if outreach_trips else None,
                "rss_mb_bench": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rss_mb_server": server_rss_mb(settings),
                "store": "MONGODB_URI" if uri else "embedded SecantusDB",
            }
            await rt.store.client.drop_database(settings.mongodb_db)
            return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--replies", type=int, default=40, help="client replies injected during each run")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--import-only", action="store_true", help="measure the import and stop")
    args = parser.parse_args()
    uri = os.environ.get("MONGODB_URI") or None
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        result = await run_size(n, args.replies, uri, args.import_only)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
