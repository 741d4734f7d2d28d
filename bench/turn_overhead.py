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
from agent.contracts import InboundMessage
from agent.runtime import open_runtime
from agent.settings import Settings
from agent.understanding.reading import conversation, system_prompt
from tests.support.scripted_chat import scripted_llm

MESSAGES = [  # a typical mix: questions need the model; a plain deck request the rules settle
    "Добрый день! Расскажите, как это работает у сетей ресторанов? У нас двенадцать точек в трёх городах.",
    "А какие площадки вы поддерживаете? Нам важны Яндекс Карты и 2ГИС, а ещё Google для туристов.",
    "Интересно. Что с отчётами по филиалам — видно ли, какой филиал проседает по рейтингу?",
    "Пришлите презентацию, пожалуйста.",
    "И ещё вопрос: как ИИ готовит ответы на отзывы, можно ли их править перед публикацией?",
]
READING = {"intent": "question", "topics": ["platforms"], "question": "какие площадки",
           "answer": "Мы собираем отзывы с Яндекс Карт, 2ГИС, Google Maps, Отзовика, IRecommend и Flamp."}
TEMPLATE_TOKENS_PER_MESSAGE = 5  # <|im_start|>role\n … <|im_end|>\n in Qwen2's chat template


def token_counter() -> Any:
    """Qwen's BPE vocabulary (qwen.tiktoken, shared by Qwen2), shipped in the `dashscope` package;
    None when the `bench` extra is not installed."""
    try:
        from dashscope.tokenizers import get_tokenizer
    except ImportError:
        return None
    tokenizer = get_tokenizer("qwen-turbo")
    return lambda text: len(tokenizer.encode(text))


def time_methods(target: Any, totals: dict[str, float], prefix: str, names: tuple[str, ...]) -> None:
    """Replace the named async methods on this one instance with timed versions."""
    for name in names:
        method = getattr(target, name)

        async def timed(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await _method(*args, **kwargs)
            finally:
                totals[f"{prefix}.{_name}"] += time.perf_counter() - start

        setattr(target, name, timed)


async def run(messages: int, contacts: int, uri: str, db: str) -> dict[str, Any]:
    settings = Settings(_env_file=None, mongodb_uri=uri, mongodb_db=db, llm_provider="ollama")  # type: ignore[call-arg]
    llm, model = scripted_llm(READING, repeat_last=True)
    totals: dict[str, float] = defaultdict(float)
    async with open_runtime(settings, clock=SystemClock(), llm=llm) as rt:
        time_methods(rt.graph.checkpointer, totals, "checkpoint", ("aget_tuple", "aput", "aput_writes"))
        time_methods(rt.store.inbox, totals, "inbox", ("claim", "complete", "save_understanding"))
        time_methods(rt.store.outbox, totals, "outbox", ("enqueue",))
        time_methods(rt.store.contacts, totals, "contacts", ("get", "update"))
        time_methods(rt.store.events, totals, "events", ("record",))
        time_methods(rt.store.timers, totals, "timers", ("schedule", "cancel_for_contact"))
        now = datetime.now(UTC)
        ids = []
        for i in range(contacts):
            contact = await rt.store.contacts.create({"name": f"Клиент {i}", "company": "Сеть «Бенч»",
                                                      "channel": "console", "status": "active"}, now)
            ids.append(contact["_id"])
        worker = rt.worker("bench")
        time_methods(worker, totals, "worker", ("lock_contact", "unlock_contact"))
        time_methods(llm, totals, "model", ("ask",))
        turn_ms: list[float] = []
        last: dict[str, float] = {}
        outside_db_ms: list[float] = []
        rule_turns = 0
        started = time.perf_counter()
        for i in range(messages):
            text = MESSAGES[i % len(MESSAGES)]
            contact_id = ids[i % contacts]
            key = f"bench:{i}"
            await rt.store.inbox.ingest(InboundMessage(key=key, channel="console", contact_id=contact_id,
                                                       sender=contact_id, text=text,
                                                       received_at=datetime.now(UTC)), datetime.now(UTC))
            calls_before = llm.calls
            db_before = sum(totals.values())
            t0 = time.perf_counter()
            await worker.process_one()
            turn_ms.append((time.perf_counter() - t0) * 1000)
            outside_db_ms.append(turn_ms[-1] - (sum(totals.values()) - db_before) * 1000)  # and the model
            if os.environ.get("BENCH_TRACE") and i % 100 == 99:
                print(i + 1, round(statistics.mean(turn_ms[-100:]), 1), round(max(turn_ms[-100:]), 1),
                      {k: round((v - last.get(k, 0)) * 10, 1) for k, v in totals.items()}, file=sys.stderr)
                last = dict(totals)
            rule_turns += llm.calls == calls_before
        elapsed = time.perf_counter() - started
        state = await rt.graph.aget_state({"configurable": {"thread_id": ids[0]}})
        history_turns = len(state.values.get("history", []))
        ctx = rt.context()
        system = system_prompt(ctx, state.values["contact"], ctx.now(), ctx.tz(state.values["contact"]))
        twenty = {"history": state.values["history"][-20:]}
        sent = conversation(twenty, settings.llm_history_turns)  # type: ignore[arg-type]
        full = conversation(twenty, 20)  # type: ignore[arg-type]
        count = token_counter()

        def prompt_tokens(history: list[tuple[str, str]]) -> int | None:
            if count is None:
                return None
            return count(system) + sum(count(t) + TEMPLATE_TOKENS_PER_MESSAGE for _, t in history) + 5

        first_half = sorted(turn_ms[: messages // 2])
        outside_db_ms.sort()
        turn_ms.sort()
        return {
            "server": "embedded SecantusDB" if "TEST_URI_EMBEDDED" in os.environ else uri.split("@")[-1],
            "messages": messages,
            "contacts": contacts,
            "p50_ms": round(statistics.median(turn_ms), 2),
            "p99_ms": round(turn_ms[int(len(turn_ms) * 0.99) - 1], 2),
            "max_ms": round(turn_ms[-1], 2),
            "p50_ms_first_half": round(statistics.median(first_half), 2),
            "p99_ms_first_half": round(first_half[int(len(first_half) * 0.99) - 1], 2),
            "turns_per_s": round(messages / elapsed, 1),
            "outside_db_p50_ms": round(statistics.median(outside_db_ms), 2),
            "outside_db_p99_ms": round(outside_db_ms[int(len(outside_db_ms) * 0.99) - 1], 2),
            "llm_calls_per_turn": round(llm.calls / messages, 3),
            "turns_without_llm": rule_turns,
            "history_entries_on_thread": history_turns,
            "prompt_tokens_system": count(system) if count else None,
            "prompt_tokens_at_20_turns_as_sent": prompt_tokens(sent),
            "history_messages_sent": len(sent),
            "prompt_tokens_if_all_20_turns_sent": prompt_tokens(full),
            "ms_per_turn_in": {k: round(v * 1000 / messages, 2) for k, v in sorted(totals.items())},
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
