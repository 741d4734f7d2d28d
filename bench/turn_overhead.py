"""Orchestration overhead per turn: N inbound messages through the real worker with a
zero-latency scripted model, on the embedded server (default) or on $MONGODB_URI.

    python bench/turn_overhead.py [--messages 1000] [--contacts 50] [--json out.json]

Reports p50/p99 per turn, turns/s, model calls per turn, prompt size at a 20-turn history and
where the time goes (claim, graph, checkpoint, completion).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import embedded_mongo
from agent.clock import SystemClock
from agent.runtime import open_runtime
from agent.settings import Settings
from agent.understanding.reading import conversation, system_prompt
from channels.base import InboundMessage
from tests.support.scripted_chat import scripted_llm

MESSAGES = [  # a mix: some settled by the rules (0 model calls), most need the model
    "Добрый день! Расскажите, как это работает у сетей ресторанов?",
    "А какие площадки вы поддерживаете?",
    "Интересно. Что с отчётами по филиалам?",
    "Пришлите презентацию, пожалуйста.",
    "Пожалуйста, не пишите мне больше.",
]
READING = {"intent": "question", "topics": ["platforms"], "question": "какие площадки",
           "answer": "Мы собираем отзывы с Яндекс Карт, 2ГИС, Google Maps, Отзовика, IRecommend и Flamp."}
CHARS_PER_TOKEN = 2.6  # measured ratio for Russian text on Qwen2-family tokenizers (see bench/README.md)


class Timed:
    """Wraps an object and sums the time spent in the named async methods."""

    def __init__(self, inner: Any, totals: dict[str, float], prefix: str, names: tuple[str, ...]) -> None:
        self._inner, self._totals, self._prefix = inner, totals, prefix
        for name in names:
            setattr(self, name, self._wrap(name))

    def _wrap(self, name: str) -> Any:
        method = getattr(self._inner, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self._totals[f"{self._prefix}.{name}"] += time.perf_counter() - start

        return timed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def run(messages: int, contacts: int, uri: str, db: str) -> dict[str, Any]:
    settings = Settings(_env_file=None, mongodb_uri=uri, mongodb_db=db, llm_provider="ollama")  # type: ignore[call-arg]
    llm, model = scripted_llm(READING, repeat_last=True)
    totals: dict[str, float] = defaultdict(float)
    async with open_runtime(settings, clock=SystemClock(), llm=llm) as rt:
        saver = rt.graph.checkpointer
        rt.graph.checkpointer = Timed(saver, totals, "checkpoint", ("aget_tuple", "aput", "aput_writes"))
        rt.store.inbox = Timed(rt.store.inbox, totals, "inbox", ("claim", "complete"))  # type: ignore[assignment]
        now = datetime.now(UTC)
        ids = []
        for i in range(contacts):
            contact = await rt.store.contacts.create({"name": f"Клиент {i}", "company": "Сеть «Бенч»",
                                                      "channel": "console", "status": "active"}, now)
            ids.append(contact["_id"])
        worker = rt.worker("bench")
        turn_ms: list[float] = []
        rule_turns = 0
        started = time.perf_counter()
        for i in range(messages):
            text = MESSAGES[i % len(MESSAGES)] if i % len(MESSAGES) != 4 else MESSAGES[0]
            contact_id = ids[i % contacts]
            key = f"bench:{i}"
            await rt.store.inbox.ingest(InboundMessage(key=key, channel="console", contact_id=contact_id,
                                                       sender=contact_id, text=text,
                                                       received_at=datetime.now(UTC)), datetime.now(UTC))
            calls_before = llm.calls
            t0 = time.perf_counter()
            await worker.process_one()
            turn_ms.append((time.perf_counter() - t0) * 1000)
            rule_turns += llm.calls == calls_before
        elapsed = time.perf_counter() - started
        state = await rt.graph.aget_state({"configurable": {"thread_id": ids[0]}})
        history_turns = len(state.values.get("history", []))
        ctx = rt.context()
        system = system_prompt(ctx, state.values["contact"], ctx.now(), ctx.tz(state.values["contact"]))
        history = conversation({"history": state.values["history"][-20:]}, 20)  # type: ignore[typeddict-item]
        prompt_chars = len(system) + sum(len(t) for _, t in history)
        turn_ms.sort()
        graph_s = totals.pop("graph", 0.0)
        return {
            "server": "embedded SecantusDB" if "TEST_URI_EMBEDDED" in os.environ else uri.split("@")[-1],
            "messages": messages,
            "contacts": contacts,
            "p50_ms": round(statistics.median(turn_ms), 2),
            "p99_ms": round(turn_ms[int(len(turn_ms) * 0.99) - 1], 2),
            "max_ms": round(turn_ms[-1], 2),
            "turns_per_s": round(messages / elapsed, 1),
            "llm_calls_per_turn": round(llm.calls / messages, 3),
            "turns_without_llm": rule_turns,
            "history_entries_at_prompt": min(history_turns, 20),
            "prompt_chars_20_turns": prompt_chars,
            "prompt_tokens_20_turns_est": round(prompt_chars / CHARS_PER_TOKEN),
            "ms_per_turn_in": {k: round(v * 1000 / messages, 2) for k, v in sorted(totals.items())},
            "graph_s": graph_s,
            "model_prompts_seen": len(model.seen),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--contacts", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    db = f"bench_{uuid.uuid4().hex[:8]}"
    if uri := os.environ.get("MONGODB_URI"):
        result = asyncio.run(run(args.messages, args.contacts, uri, db))
    else:
        os.environ["TEST_URI_EMBEDDED"] = "1"
        with embedded_mongo.running(":memory:") as server:
            result = asyncio.run(run(args.messages, args.contacts, server.uri, db))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
