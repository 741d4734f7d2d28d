"""The model relay through MongoDB, with real processes: the fake Ollama HTTP server behind real
`sales-agent llm-relay` processes; the asking side is MongoRelayChat under StructuredLlm."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.llm import LlmUnavailable, StructuredLlm
from agent.llm_mongo import MongoRelayChat
from agent.settings import Settings
from agent.store import Store
from agent.understanding.schema import Understanding
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama, Reply, slow
from tests.support.relay_proc import CLI, ROOT, cli_env, start_relay, stop, wait_host_up

pytestmark = pytest.mark.integration

SYSTEM = "Ты — помощник отдела продаж. Определи намерение клиента."
USER = [("user", "Пришлите презентацию и давайте созвонимся во вторник")]
GOOD = {"intent": "demo", "wants_presentation": True, "wants_demo": True}


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as srv:
        yield srv


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def chat(store: Store, timeout_s: float = 30.0, model: str = DEFAULT_MODEL, num_ctx: int | None = None) -> MongoRelayChat:
    return MongoRelayChat(repo=store.llm_requests, model=model, timeout_s=timeout_s, poll_s=0.02, host_timeout_s=2.0,
                          num_ctx=num_ctx)


def structured(store: Store, timeout_s: float = 30.0, **kwargs: object) -> StructuredLlm:
    return StructuredLlm(chat(store, timeout_s, **kwargs), retries=0, timeout_s=timeout_s)  # type: ignore[arg-type]


async def relay(store: Store, settings: Settings, ollama: FakeOllama, procs: list, tmp_path: Path,
                name: str = "gpu-a", **kwargs: object) -> subprocess.Popen[bytes]:
    proc = start_relay(settings, ollama.base_url, name, tmp_path / f"{name}.log", **kwargs)  # type: ignore[arg-type]
    procs.append(proc)
    await wait_host_up(store, name)
    return proc


async def requests(store: Store) -> list[dict]:
    return [d async for d in store.llm_requests.col.find({})]


async def test_structured_and_plain_answers_through_the_relay(store, settings, ollama, procs, tmp_path) -> None:
    proc = await relay(store, settings, ollama, procs, tmp_path)
    ollama.push(Reply(GOOD, prompt_eval_count=120, eval_count=30), "Здравствуйте!")

    result, usage = await structured(store, num_ctx=16384).ask(SYSTEM, USER, Understanding)
    assert (result.intent, result.wants_presentation, result.wants_demo) == ("demo", True, True)
    assert (usage.prompt_tokens, usage.completion_tokens) == (120, 30)
    plain = await chat(store).ainvoke("Привет")
    assert plain.content == "Здравствуйте!"
    assert plain.response_metadata["relay_host"] == "gpu-a"

    first, second = ollama.chat_bodies
    assert first["format"] == Understanding.model_json_schema()  # the same `format` ChatOllama sends
    assert first["messages"][0] == {"role": "system", "content": SYSTEM}
    assert first["options"]["temperature"] == 0 and first["stream"] is False
    assert first["options"]["num_ctx"] == 16384  # OLLAMA_NUM_CTX travels with the request to the GPU host
    assert "format" not in second and "num_ctx" not in second["options"]
    docs = await requests(store)
    assert [(d["status"], d["answered_by"], d["attempts"]) for d in docs] == [("done", "gpu-a", 1)] * 2
    assert stop(proc) == 0
    [host] = await store.llm_requests.all_hosts()
    assert host["stopped"] is True and host["models"] == [DEFAULT_MODEL]


async def test_slow_host_keeps_its_lease_and_is_answered_once(store, settings, ollama, procs, tmp_path) -> None:
    await relay(store, settings, ollama, procs, tmp_path, "gpu-a", lease_s=0.6)
    await relay(store, settings, ollama, procs, tmp_path, "gpu-b", lease_s=0.6)
    ollama.push(slow(2.5, GOOD))  # four lease lengths: renewed, so the other relay never takes it

    started = time.monotonic()
    result, _ = await structured(store).ask(SYSTEM, USER, Understanding)
    assert result.intent == "demo" and time.monotonic() - started >= 2.5
    assert len(ollama.chat_bodies) == 1
    [doc] = await requests(store)
    assert (doc["status"], doc["attempts"]) == ("done", 1)


async def test_relay_killed_mid_request_is_answered_once_after_restart(store, settings, ollama, procs,
                                                                         tmp_path) -> None:
    first = await relay(store, settings, ollama, procs, tmp_path, "gpu-a")
    ollama.push(slow(30.0, GOOD), Reply(GOOD))
    ask = asyncio.create_task(structured(store).ask(SYSTEM, USER, Understanding))
    for _ in range(600):  # mid-request: claimed, and the relay's call is at Ollama
        docs = await requests(store)
        if docs and docs[0]["status"] == "claimed" and ollama.chat_bodies:
            break
        await asyncio.sleep(0.05)
    assert ollama.chat_bodies, "the relay never called Ollama"
    first.send_signal(signal.SIGKILL)
    first.wait()
    await relay(store, settings, ollama, procs, tmp_path, "gpu-a")  # the same host, restarted

    result, _ = await asyncio.wait_for(ask, 60)
    assert result.intent == "demo"
    [doc] = await requests(store)
    assert (doc["status"], doc["attempts"]) == ("done", 2)  # claimed twice, answered once
    assert len(ollama.chat_bodies) == 2


async def test_two_relays_share_the_queue_and_answer_each_request_once(store, settings, ollama, procs,
                                                                        tmp_path) -> None:
    ollama.default = slow(0.05, GOOD)
    await relay(store, settings, ollama, procs, tmp_path, "gpu-a", concurrency=2)
    await relay(store, settings, ollama, procs, tmp_path, "gpu-b", concurrency=2)
    llm = structured(store)

    results = await asyncio.gather(*(llm.ask(SYSTEM, [("user", f"вопрос {i}")], Understanding) for i in range(40)))
    assert all(r.intent == "demo" for r, _ in results)
    docs = await requests(store)
    assert len(docs) == 40 and {d["status"] for d in docs} == {"done"}
    assert all(d["attempts"] == 1 for d in docs)
    assert len(ollama.chat_bodies) == 40  # no request went to Ollama twice
    assert {d["answered_by"] for d in docs} == {"gpu-a", "gpu-b"}


async def test_requests_expire(store, settings, ollama, procs, tmp_path) -> None:
    # never claimed: already past its expiry when a relay comes up
    now = datetime.now(UTC)
    await store.llm_requests.submit("stale", {"model": DEFAULT_MODEL, "messages": []}, now - timedelta(minutes=5),
                                    now - timedelta(minutes=3))
    await relay(store, settings, ollama, procs, tmp_path)
    # answered too late: the asker gives up, the request expires and the late answer is not written
    ollama.push(slow(3.0, GOOD))
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="no answer from the model"):
        await structured(store, timeout_s=1.0).ask(SYSTEM, USER, Understanding)
    assert time.monotonic() - started < 2.5
    await asyncio.sleep(3.0)
    docs = {d["_id"]: d for d in await requests(store)}
    assert docs["stale"]["status"] == "expired" and docs["stale"]["attempts"] == 0
    [late] = [d for key, d in docs.items() if key != "stale"]
    assert late["status"] == "expired" and "answer" not in late


async def test_missing_model_fails_fast_with_the_hosts(store, settings, procs, tmp_path) -> None:
    with FakeOllama(models=["qwen2:7b-instruct"]) as small:
        await relay(store, settings, small, procs, tmp_path, "gpu-small")
        started = time.monotonic()
        with pytest.raises(LlmUnavailable, match=r"model qwen2:72b-instruct-q4_0 is not on any relay host; "
                                                 r"hosts: gpu-small: qwen2:7b-instruct"):
            await structured(store).ask(SYSTEM, USER, Understanding)
        assert time.monotonic() - started < 1.0
        assert await requests(store) == [] and small.chat_bodies == []


async def test_no_relay_up_fails_fast(store) -> None:
    with pytest.raises(LlmUnavailable, match="no relay host is up"):
        await structured(store).ask(SYSTEM, USER, Understanding)


async def test_stats_shows_hosts_models_and_queue_depth(store, settings, ollama, procs, tmp_path) -> None:
    await relay(store, settings, ollama, procs, tmp_path, "gpu-a")
    now = datetime.now(UTC)
    await store.llm_requests.submit("waiting", {"model": "other-model", "messages": []}, now,
                                    now + timedelta(minutes=5))
    await store.llm_requests.heartbeat("gpu-old", ["qwen2:7b"], now - timedelta(hours=1))
    out = subprocess.run([*CLI, "stats"], env=cli_env(settings, RELAY_HOST_TIMEOUT_S="5", COLUMNS="200"),
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "model relay: 1 waiting, 0 in progress" in out.stdout
    [row_a] = [line for line in out.stdout.splitlines() if "gpu-a" in line]
    [row_old] = [line for line in out.stdout.splitlines() if "gpu-old" in line]
    assert "up" in row_a and DEFAULT_MODEL in row_a
    assert "down" in row_old and "qwen2:7b" in row_old


async def test_runtime_uses_the_relay_when_a_host_has_the_model(store, settings) -> None:
    from agent.runtime import open_runtime

    relayed = settings.model_copy(update={"llm_transport": "mongo", "llm_provider": "auto"})
    async with open_runtime(relayed) as rt:
        assert rt.provider == "rules" and rt.notice and "no relay host is up" in rt.notice
    await store.llm_requests.heartbeat("gpu-a", [DEFAULT_MODEL], datetime.now(UTC))
    async with open_runtime(relayed) as rt:
        assert rt.provider == "ollama" and rt.llm is not None and isinstance(rt.llm.model, MongoRelayChat)
