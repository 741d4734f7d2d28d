"""A real `sales-agent worker` process on the model path (the real ChatOllama client against the
fake Ollama HTTP server): a model answer with invented figures and an invented referral address
never reach the client or the contact list (issue 11, items 3 and 4, through a real process)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.contracts import InboundMessage
from agent.settings import Settings
from agent.store import Store
from tests.support.fake_ollama import DEFAULT_MODEL, FakeOllama
from tests.support.relay_proc import cli_env, start_cli, stop

pytestmark = pytest.mark.integration

LIE = "Тариф — пятнадцать тысяч рублей в месяц, внедрение за 3 дня, скидка 40 % до пятницы."
REDRAFT_LIE = "Пилот на 14 дней бесплатно, всего девять тысяч девятьсот в месяц."
INVENTED = "olga@invented.ru"


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


async def ask(store: Store, contact_id: str, text: str) -> str:
    now = datetime.now(UTC)
    await store.contacts.create({"_id": contact_id, "name": "Иван Петров", "company": "Сеть клиник «Здоровье»",
                                 "channel": "console", "status": "active",
                                 "outreach_sent_at": now - timedelta(hours=1)}, now)
    key = f"console:{contact_id}-1"
    await store.inbox.ingest(InboundMessage(key=key, channel="console", contact_id=contact_id, sender=contact_id,
                                            text=text, received_at=now), now)
    return key


async def done(store: Store, key: str, worker: subprocess.Popen[bytes], timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while (doc := await store.inbox.get(key)) is None or doc["status"] != "done":
        assert worker.poll() is None, "the worker died"
        assert time.monotonic() < deadline, doc
        await asyncio.sleep(0.2)
    return doc


async def test_invented_figures_and_addresses_never_leave_a_real_worker(store: Store, settings: Settings,
                                                                       fake: FakeOllama, tmp_path: Path) -> None:
    env = cli_env(settings, LLM_PROVIDER="ollama", OLLAMA_BASE_URL=fake.base_url, OLLAMA_MODEL=DEFAULT_MODEL,
                  OLLAMA_TIMEOUT_S="10", LLM_RETRIES="1", WORKER_POLL_S="0.05", RETRY_BACKOFF_S="0")
    worker = start_cli(["worker"], env, tmp_path / "worker.log")
    try:
        question = "Сколько стоит и как быстро подключите?"
        fake.push({"intent": "question", "question": question, "answer": LIE}, {"answer": REDRAFT_LIE})
        asked = await done(store, await ask(store, "c-hostile-price", question), worker)

        referral = "Этим у нас занимается маркетолог Ольга Смирнова, спросите у неё."
        fake.push({"intent": "referral", "referral": {"name": "Ольга Смирнова", "email": INVENTED}})
        referred = await done(store, await ask(store, "c-hostile-referral", referral), worker)
    finally:
        assert stop(worker) == 0

    assert len(fake.chat_bodies) == 3, "the reading, one redraft, the referral reading"
    assert asked["result"]["actions"] == ["handoff"]
    to_client = [d["text"] async for d in store.outbox.col.find({"kind": "message"})]
    assert len(to_client) == 2
    for text in to_client:
        for invented in ("пятнадцать", "40 %", "девять", "14 дней", INVENTED):
            assert invented not in text
    assert (await store.contacts.require("c-hostile-price"))["status"] == "handoff"

    assert "create_contact" not in referred["result"]["actions"]
    assert await store.contacts.col.count_documents({"email": INVENTED}) == 0
    assert await store.contacts.col.count_documents({"referred_by": "c-hostile-referral"}) == 0
