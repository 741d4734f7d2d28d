"""StructuredLlm + ChatOllama over real HTTP against the fake Ollama server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from langchain_ollama import ChatOllama

from agent.llm import (
    LlmBadAnswer,
    LlmUnavailable,
    StructuredLlm,
    build_chat_model,
    probe_ollama,
    resolve_provider,
)
from agent.settings import Settings, load_settings
from agent.understanding.schema import Understanding
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama, Reply, http_status, slow, unused_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = "Ты — помощник отдела продаж. Определи намерение клиента."
USER = [("user", "Пришлите презентацию и давайте созвонимся во вторник")]
GOOD = {"intent": "demo", "wants_presentation": True, "wants_demo": True, "demo_day": "2025-06-03"}
TIMEOUT_S = 0.5  # only where a timeout is what is tested
ANSWER_TIMEOUT_S = 10.0  # elsewhere: a loaded CI machine must not turn an answer into a timeout
BACKOFF_S = 0.05


@pytest.fixture
def server() -> Iterator[FakeOllama]:
    with FakeOllama() as srv:
        yield srv


def settings_for(base_url: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "llm_provider": "auto",
        "ollama_base_url": base_url,
        "ollama_model": DEFAULT_MODEL,
        "ollama_timeout_s": ANSWER_TIMEOUT_S,
        "ollama_probe_timeout_s": ANSWER_TIMEOUT_S,
        "llm_retries": 2,
    }
    return load_settings(**{**values, **overrides})


def make_llm(server: FakeOllama, **overrides: object) -> StructuredLlm:
    return StructuredLlm.from_settings(settings_for(server.base_url, **overrides), backoff_s=BACKOFF_S)


async def test_good_answer_parses_and_request_carries_schema(server: FakeOllama) -> None:
    server.push(Reply(GOOD, prompt_eval_count=120, eval_count=30))
    result, usage = await make_llm(server).ask(SYSTEM, USER, Understanding)

    assert isinstance(result, Understanding)
    assert (result.intent, result.wants_presentation, result.demo_day) == ("demo", True, date(2025, 6, 3))
    assert (usage.prompt_tokens, usage.completion_tokens, usage.attempts) == (120, 30, 1)
    [body] = server.chat_bodies
    assert body["model"] == DEFAULT_MODEL
    assert body["format"] == Understanding.model_json_schema()
    assert body["messages"][0] == {"role": "system", "content": SYSTEM}
    assert body["messages"][-1] == {"role": "user", "content": USER[0][1]}
    assert body["options"]["temperature"] == 0
    assert body["stream"] is True  # ChatOllama streams NDJSON even for ainvoke
    assert body["keep_alive"] == "30m"


async def test_slow_answer_is_retried_then_unavailable_in_bounded_time(server: FakeOllama) -> None:
    server.push(slow(5.0, GOOD), slow(5.0, GOOD), slow(5.0, GOOD))
    llm = make_llm(server, ollama_timeout_s=TIMEOUT_S)
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match=r"within 0\.5 s"):
        await llm.ask(SYSTEM, USER, Understanding)
    elapsed = time.monotonic() - started

    assert len(server.chat_bodies) == 3
    assert 3 * TIMEOUT_S <= elapsed < 5.0  # one slow answer alone takes 5 s: each try was cut off
    assert (llm.calls, llm.requests, llm.failures) == (1, 3, 1)


async def test_http_500_then_good_answer_succeeds_on_retry(server: FakeOllama) -> None:
    server.push(http_status(500, "CUDA error: out of memory"), GOOD)
    result, usage = await make_llm(server).ask(SYSTEM, USER, Understanding)

    assert result.intent == "demo"
    assert usage.attempts == 2
    assert len(server.chat_bodies) == 2


async def test_http_500_every_time_raises_unavailable_with_reason(server: FakeOllama) -> None:
    server.default = http_status(503, "server busy")
    with pytest.raises(LlmUnavailable, match=r"HTTP 503.*server busy"):
        await make_llm(server, llm_retries=1).ask(SYSTEM, USER, Understanding)
    assert len(server.chat_bodies) == 2


@pytest.mark.parametrize(
    "content",
    ['{"intent": "demo", "wants_demo": tru', "Конечно! Клиент хочет демо.", {"intent": "maybe"}],
    ids=["truncated-json", "prose", "schema-invalid"],
)
async def test_malformed_answer_every_time_raises_bad_answer(server: FakeOllama, content: object) -> None:
    server.default = Reply(content, prompt_eval_count=10, eval_count=5)
    llm = make_llm(server, llm_retries=3)
    with pytest.raises(LlmBadAnswer, match="malformed answer"):
        await llm.ask(SYSTEM, USER, Understanding)

    assert len(server.chat_bodies) == 4  # 1 try + 3 retries
    assert (llm.prompt_tokens, llm.completion_tokens) == (40, 20)  # paid for, even though useless


async def test_missing_model_is_not_retried(server: FakeOllama) -> None:
    llm = make_llm(server, ollama_model="llama3:8b")
    with pytest.raises(LlmUnavailable, match=r"HTTP 404.*llama3:8b"):
        await llm.ask(SYSTEM, USER, Understanding)
    assert len(server.chat_bodies) == 1


async def test_connection_refused_raises_unavailable() -> None:
    settings = settings_for(f"http://127.0.0.1:{unused_port()}", llm_retries=1)
    llm = StructuredLlm.from_settings(settings, backoff_s=BACKOFF_S)
    with pytest.raises(LlmUnavailable, match="cannot reach the model host"):
        await llm.ask(SYSTEM, USER, Understanding)
    assert llm.requests == 2


async def test_token_counters_add_up(server: FakeOllama) -> None:
    server.push(
        Reply(GOOD, prompt_eval_count=100, eval_count=20),
        http_status(500),
        Reply({"intent": "pause"}, prompt_eval_count=90, eval_count=8),
        Reply({"intent": "opt_out"}, prompt_eval_count=70, eval_count=6),
    )
    llm = make_llm(server)
    usages = [(await llm.ask(SYSTEM, USER, Understanding))[1] for _ in range(3)]

    assert [u.total_tokens for u in usages] == [120, 98, 76]
    assert [u.attempts for u in usages] == [1, 2, 1]
    assert (llm.calls, llm.requests, llm.failures) == (3, 4, 0)
    assert (llm.prompt_tokens, llm.completion_tokens) == (260, 34)


def test_construction_makes_no_request_unless_validating(server: FakeOllama) -> None:
    build_chat_model(settings_for(server.base_url))
    assert server.requests == []

    ChatOllama(base_url=server.base_url, model=DEFAULT_MODEL, validate_model_on_init=True)
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/api/tags")]


def test_fake_server_answers_non_streaming_chat(server: FakeOllama) -> None:
    server.push(Reply(GOOD, prompt_eval_count=7, eval_count=3))
    body = {"model": DEFAULT_MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": False}
    answer = httpx.post(f"{server.base_url}/api/chat", json=body).json()

    assert json.loads(answer["message"]["content"]) == GOOD
    assert (answer["done"], answer["done_reason"], answer["eval_count"]) == (True, "stop", 3)
    assert httpx.get(f"{server.base_url}/api/version").json()["version"]


async def test_probe_model_present_and_missing(server: FakeOllama) -> None:
    assert await probe_ollama(server.base_url, DEFAULT_MODEL, ANSWER_TIMEOUT_S) is None
    reason = await probe_ollama(server.base_url, "llama3:8b", ANSWER_TIMEOUT_S)
    assert (
        reason == f"model llama3:8b not pulled on {server.base_url}; run `ollama pull llama3:8b` on that host"
    )


async def test_probe_nothing_listening() -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    assert await probe_ollama(url, DEFAULT_MODEL, TIMEOUT_S) == f"no answer from {url} (connection refused)"


async def test_resolve_provider_auto(server: FakeOllama) -> None:
    assert await resolve_provider(settings_for(server.base_url)) == ("ollama", None)

    provider, notice = await resolve_provider(settings_for(server.base_url, ollama_model="llama3:8b"))
    assert provider == "rules"
    assert notice is not None and "\n" not in notice and "ollama pull llama3:8b" in notice

    url = f"http://127.0.0.1:{unused_port()}"
    provider, notice = await resolve_provider(settings_for(url))
    assert provider == "rules"
    assert notice is not None and "\n" not in notice and "connection refused" in notice

    provider, notice = await resolve_provider(settings_for(None))
    assert provider == "rules"
    assert notice is not None and "\n" not in notice and "OLLAMA_BASE_URL=" in notice


async def test_resolve_provider_explicit_never_probes(server: FakeOllama) -> None:
    dead = f"http://127.0.0.1:{unused_port()}"
    assert await resolve_provider(settings_for(dead, llm_provider="ollama")) == ("ollama", None)
    assert await resolve_provider(settings_for(server.base_url, llm_provider="rules")) == ("rules", None)
    assert server.requests == []


async def test_cli_serves_a_scripted_file(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"text": "not json"}, {"json": GOOD, "eval_count": 9}]))
    url_file = tmp_path / "url.txt"
    cmd = [sys.executable, "-m", "tests.support.fake_ollama", "--script", str(script)]
    proc = subprocess.Popen([*cmd, "--url-file", str(url_file)], cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (url_file.exists() and url_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        base_url = url_file.read_text()
        llm = StructuredLlm.from_settings(settings_for(base_url), backoff_s=BACKOFF_S)
        result, usage = await llm.ask(SYSTEM, USER, Understanding)
        assert (result.intent, usage.attempts, usage.completion_tokens) == ("demo", 2, 9 + 3)
    finally:
        proc.terminate()
        proc.wait(timeout=5)


async def test_request_carries_num_ctx_and_the_schema_in_the_system_prompt(server: FakeOllama) -> None:
    """Ollama does not show `format` to the model: the schema must be in the prompt too, and the
    context window comes from OLLAMA_NUM_CTX."""
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from agent.prompts import PromptLibrary
    from agent.understanding.reading import ModelReading, schema_text, system_prompt

    settings = settings_for(server.base_url, ollama_num_ctx=16384)
    ctx = SimpleNamespace(prompts=PromptLibrary(), settings=settings)
    tz = ZoneInfo("Europe/Moscow")
    system = system_prompt(ctx, {"name": "Иван Петров", "company": "ООО «Ромашка»"},  # type: ignore[arg-type]
                           datetime(2026, 12, 2, 12, 0, tzinfo=tz), tz)
    server.push(Reply({"intent": "question", "topics": ["price"], "question": "Сколько стоит?"}))
    llm = StructuredLlm.from_settings(settings, backoff_s=BACKOFF_S)
    reading, _usage = await llm.ask(system, [("user", "Сколько стоит?")], ModelReading)

    assert reading.topics == ["price"]
    [body] = server.chat_bodies
    assert body["options"]["num_ctx"] == 16384
    assert body["format"] == ModelReading.model_json_schema()
    sent_system = body["messages"][0]["content"]
    assert schema_text(ModelReading) in sent_system
    assert json.loads(sent_system.rsplit("\n", 1)[-1]) == body["format"]  # the same schema, last line


def test_num_ctx_default_and_bounds() -> None:
    assert load_settings().ollama_num_ctx == 8192
    assert build_chat_model(settings_for("http://127.0.0.1:9", ollama_num_ctx=32768)).num_ctx == 32768
    with pytest.raises(ValueError):
        load_settings(ollama_num_ctx=512)
