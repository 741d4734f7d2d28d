"""The Telegram channel against the fake Bot API server: aiogram polls it for real, the worker
and graph run on the real pipeline (rules mode, simulated clock), and `TelegramChannel` sends
what lands in the outbox back to it."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from rich.console import Console

from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.console import ConsoleChannel
from channels.telegram.bot import announce, build_bot, build_dispatcher, run_polling
from channels.telegram.sender import TelegramChannel
from channels.telegram.settings import TelegramSettings
from tests.support.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[3]


class ErrorLog(logging.Handler):
    """Collects ERROR records from aiogram and the channel: a handler exception must never happen."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def api_server() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def api(api_server: FakeBotApi) -> FakeBotApi:
    """The session's fake Bot API, with no calls, updates or scripted errors left from other tests."""
    api_server.reset()
    return api_server


def make_settings(api: FakeBotApi, **overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = dict(telegram_bot_token=api.token, telegram_api_base=api.base_url,
                                  telegram_per_chat_per_s=1000.0, telegram_global_per_s=1000.0,
                                  telegram_polling_timeout_s=1)
    return TelegramSettings(_env_file=None, **{**values, **overrides})  # type: ignore[call-arg]


@pytest.fixture
def tg_settings(api: FakeBotApi) -> TelegramSettings:
    return make_settings(api)


@pytest.fixture(scope="session")
async def shared_bot(api_server: FakeBotApi) -> AsyncIterator[Bot]:
    """One Bot (HTTP session) for the whole run: closing one costs aiogram a fixed 250 ms."""
    bot = build_bot(make_settings(api_server))
    yield bot
    await bot.session.close()


@dataclass
class Harness:
    rt: AgentRuntime
    api: FakeBotApi
    settings: TelegramSettings
    channel: TelegramChannel
    console: ConsoleChannel
    seen: dict[int, int] = field(default_factory=dict)

    async def send(self, chat: int, text: str | None = None, **fields: Any) -> int:
        """The client sends something; the bot handles it; the pipeline runs until idle."""
        update_id = self.api.message(chat, text, **fields)
        await self.api.wait_handled(update_id)
        await self.pump()
        return update_id

    async def pump(self) -> None:
        await pump(self.rt, [self.channel, self.console])

    def new_texts(self, chat: int) -> list[str]:
        """What the client received since the last call."""
        texts = self.api.texts(chat)
        start, self.seen[chat] = self.seen.get(chat, 0), len(texts)
        return texts[start:]

    async def contact(self, chat: int) -> dict[str, Any] | None:
        return await self.rt.store.contacts.find_by_address("telegram_chat_id", str(chat))

    def key(self, update_id: int) -> str:
        return f"tg:{self.api.bot_id}:{update_id}"


@pytest.fixture
async def tg(runtime: AgentRuntime, api: FakeBotApi, tg_settings: TelegramSettings,
             shared_bot: Bot) -> AsyncIterator[Harness]:
    errors = ErrorLog()
    for name in ("aiogram", "channels"):
        logging.getLogger(name).addHandler(errors)
    bot = shared_bot
    dp = build_dispatcher(runtime.store, tg_settings, runtime.clock, runtime.prompts)
    await announce(bot, runtime.store, tg_settings, runtime.clock)
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(bot, dp, tg_settings, stop))
    channel = TelegramChannel(bot, runtime.store, tg_settings, clock=runtime.clock)
    console = ConsoleChannel(Console(file=StringIO()))
    try:
        yield Harness(runtime, api, tg_settings, channel, console)
    finally:
        stop.set()
        await polling
        for name in ("aiogram", "channels"):
            logging.getLogger(name).removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]


class SenderZygote:
    """A process that imports the Telegram sender once, then forks fresh sender processes on
    request (tests/integration/telegram/sender_process.py). Started with the first test of this
    directory, so aiogram's slow import overlaps other tests instead of the crash test."""

    def __init__(self, mongo_uri: str, api: FakeBotApi, log: Path) -> None:
        env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": "unset", "TELEGRAM_BOT_TOKEN": api.token,
               "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_PER_CHAT_PER_S": "1000",
               "TELEGRAM_GLOBAL_PER_S": "1000", "SENDER_LEASE_S": "1"}
        self.log = log
        cmd = [sys.executable, "-m", "tests.integration.telegram.sender_process", "--zygote"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log.open("ab"))

    def fork(self, db_name: str) -> int:
        """A new sender process on database `db_name`; returns its pid (blocks while the zygote imports)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"fork {db_name}\n".encode())
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:  # it may still be importing on a loaded machine: then there is nothing to wait for
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="session", autouse=True)
def sender_zygote(mongo_uri: str, api_server: FakeBotApi, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[SenderZygote]:
    zygote = SenderZygote(mongo_uri, api_server, tmp_path_factory.mktemp("sender") / "sender.log")
    yield zygote
    zygote.close()
