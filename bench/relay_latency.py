"""Latency the MongoDB model relay adds over direct HTTP to Ollama.

A zero-delay fake Ollama HTTP server (tests/support/fake_ollama.py) answers both paths: direct
(ChatOllama → HTTP) and relayed (MongoRelayChat → `llm_requests` → a real `sales-agent llm-relay`
process → HTTP). Both go through the real `StructuredLlm` with the same structured schema. Runs on
the embedded server, or on $MONGODB_URI.

    python bench/relay_latency.py [--calls 200] [--poll-s 0.05 --poll-s 0.01] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import embedded_mongo
from agent.llm import StructuredLlm, build_chat_model
from agent.llm_mongo import MongoRelayChat
from agent.settings import Settings
from agent.store import connect_store
from agent.understanding.schema import Understanding
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama, Reply
from tests.support.relay_proc import start_relay, stop

SYSTEM = "Ты — помощник отдела продаж. Определи намерение клиента."
USER = [("user", "Пришлите презентацию и давайте созвонимся во вторник")]
ANSWER = {"intent": "demo", "wants_presentation": True, "wants_demo": True}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(ms, 0.5), 2), "p99_ms": round(pct(ms, 0.99), 2),
            "mean_ms": round(statistics.fmean(ms), 2)}


async def timed(llm: StructuredLlm, calls: int) -> list[float]:
    await llm.ask(SYSTEM, USER, Understanding)  # warm up
    out = []
    for _ in range(calls):
        started = time.perf_counter()
        await llm.ask(SYSTEM, USER, Understanding)
        out.append((time.perf_counter() - started) * 1000)
    return out


async def wait_up(store: Any, name: str) -> None:
    for _ in range(1200):
        if any(h["_id"] == name for h in await store.llm_requests.live_hosts(datetime.now(UTC), 5.0)):
            return
        await asyncio.sleep(0.1)
    raise SystemExit(f"relay {name} did not come up")


async def main_async(args: argparse.Namespace, uri: str, workdir: Path) -> dict[str, Any]:
    db = f"bench_relay_{uuid.uuid4().hex[:8]}"
    settings = Settings(_env_file=None, mongodb_uri=uri, mongodb_db=db, data_dir=workdir,  # type: ignore[call-arg]
                        llm_provider="ollama", ollama_timeout_s=30, llm_retries=0)
    results: dict[str, Any] = {"calls": args.calls, "server": "MONGODB_URI" if os.environ.get("MONGODB_URI")
                               else "embedded SecantusDB"}
    with FakeOllama(default=Reply(ANSWER)) as ollama:
        direct = StructuredLlm(build_chat_model(settings.model_copy(update={"ollama_base_url": ollama.base_url})),
                               retries=0)
        results["direct_http"] = summary(await timed(direct, args.calls))
        store = connect_store(uri, db)
        await store.init()
        try:
            for poll in args.poll_s:
                name = f"bench-{poll}"
                proc = start_relay(settings, ollama.base_url, name, workdir / "relay.log", lease_s=30,
                                   RELAY_POLL_S=str(poll))
                try:
                    await wait_up(store, name)
                    model = MongoRelayChat(repo=store.llm_requests, model=DEFAULT_MODEL, timeout_s=30, poll_s=poll)
                    relayed = summary(await timed(StructuredLlm(model, retries=0), args.calls))
                    relayed["added_p50_ms"] = round(relayed["p50_ms"] - results["direct_http"]["p50_ms"], 2)
                    results[f"relay_poll_{poll}s"] = relayed
                finally:
                    stop(proc)
                    await store.llm_requests.hosts.delete_many({})
        finally:
            await store.client.drop_database(db)
            await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--poll-s", type=float, action="append", help="relay + asker poll interval (repeatable)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.poll_s = args.poll_s or [0.05, 0.01]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        uri = os.environ.get("MONGODB_URI")
        if not uri:
            uri = stack.enter_context(embedded_mongo.running(":memory:")).uri
        results = asyncio.run(main_async(args, uri, workdir))
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
