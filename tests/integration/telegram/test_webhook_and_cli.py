"""Webhook mode end to end (setWebhook with a secret, Telegram posting an update, the reply sent
from the outbox), and the `sales-agent telegram` commands through typer's CliRunner."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.telegram.bot import serve
from channels.telegram.settings import TelegramSetupError
from cli.telegram import telegram_app
from tests.integration.telegram.conftest import make_settings
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode(runtime: AgentRuntime, api: FakeBotApi) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    settings = make_settings(api, telegram_mode="webhook", telegram_webhook_url=url, telegram_webhook_secret="s3cret",
                             telegram_webhook_host="127.0.0.1", telegram_webhook_port=port)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(runtime.store, settings, runtime.clock, runtime.prompts, stop))
    try:
        for _ in range(200):
            if api.webhook.get("url"):
                break
            await asyncio.sleep(0.02)
        assert api.webhook["url"] == url and api.webhook["secret_token"] == "s3cret"
        assert "message" in json.loads(api.webhook["allowed_updates"])
        update = {"update_id": 77, "message": {
            "message_id": 1, "date": int(time.time()), "text": "/start",
            "chat": {"id": 6001, "type": "private", "first_name": "Анна"},
            "from": {"id": 6001, "is_bot": False, "first_name": "Анна"}}}
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as forged:
                assert forged.status == 401
            assert await runtime.store.inbox.get(f"tg:{api.bot_id}:77") is None
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            async with http.post(url, json=update, headers=headers) as accepted:
                assert accepted.status == 200
        assert (await runtime.store.inbox.get(f"tg:{api.bot_id}:77"))["flags"] == ["start"]
        await pump(runtime, [])  # the worker; the running sender loop delivers
        for _ in range(100):
            if api.texts(6001):
                break
            await asyncio.sleep(0.05)
        assert api.texts(6001)[0].startswith("Добрый день, Анна!")
    finally:
        stop.set()
        await task
    assert api.webhook["url"] == url  # kept on exit: Telegram holds updates until the server is back


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, mongo_uri: str, db_name: str, tmp_path: Path) -> Iterator[MongoClient]:
    for name, value in {"MONGODB_URI": mongo_uri, "MONGODB_DB": db_name, "DATA_DIR": str(tmp_path / "data"),
                        "LLM_PROVIDER": "rules", "TELEGRAM_BOT_USERNAME": "@seed_sales_bot"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    yield client
    client.drop_database(db_name)
    client.close()


def test_link_prints_a_reusable_deep_link(cli: MongoClient, db_name: str) -> None:
    cli[db_name].contacts.insert_one({"_id": "c-link1", "name": "Иван", "status": "active", "email": "i@x.ru"})
    runner = CliRunner()
    first = runner.invoke(telegram_app, ["link", "c-link1"])
    assert first.exit_code == 0, first.output
    url = first.output.strip()
    assert url.startswith("https://t.me/seed_sales_bot?start=") and len(url.rsplit("=", 1)[1]) <= 64
    assert runner.invoke(telegram_app, ["link", "c-link1"]).output.strip() == url
    fresh = runner.invoke(telegram_app, ["link", "c-link1", "--new"]).output.strip()
    assert fresh != url and fresh.startswith("https://t.me/seed_sales_bot?start=")
    assert cli[db_name].telegram_links.count_documents({"contact_id": "c-link1"}) == 2
    missing = runner.invoke(telegram_app, ["link", "c-nobody"])
    assert missing.exit_code == 1 and "no contact" in missing.output


@pytest.mark.parametrize("args", [["run"], []], ids=["run", "default"])
def test_run_without_a_token_says_how_to_get_one(cli: MongoClient, args: list[str]) -> None:
    result = CliRunner().invoke(telegram_app, args)
    assert result.exit_code == 1 and "BotFather" in result.output


async def test_a_webhook_that_cannot_listen_fails_loudly(runtime: AgentRuntime, api: FakeBotApi) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = make_settings(api, telegram_mode="webhook", telegram_webhook_url=f"https://bot.example.ru:{port}/h",
                                 telegram_webhook_host="127.0.0.1", telegram_webhook_port=port)
        with pytest.raises(TelegramSetupError, match="stopped"):
            await asyncio.wait_for(serve(runtime.store, settings, runtime.clock, runtime.prompts, asyncio.Event()), 10)
