"""The dependencies middleware (injection, retrying a store outage) and the token log filter."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.types import Update
from pymongo.errors import AutoReconnect, DuplicateKeyError

from agent.clock import SystemClock
from agent.prompts import PromptLibrary
from channels.telegram.bot import build_bot
from channels.telegram.ingest import TelegramIngest
from channels.telegram.middlewares import DependenciesMiddleware
from channels.telegram.settings import TelegramSettings

TOKEN = "4242:SECRET-token-value"


def middleware() -> DependenciesMiddleware:
    settings = TelegramSettings(_env_file=None, telegram_bot_token=TOKEN)  # type: ignore[call-arg]
    return DependenciesMiddleware(store=None, settings=settings, clock=SystemClock(),  # type: ignore[arg-type]
                                  prompts=PromptLibrary(), store_retries=3, retry_base_s=0.0)


async def test_injects_dependencies_and_the_update_key() -> None:
    seen: dict[str, Any] = {}

    async def handler(event: Any, data: dict[str, Any]) -> str:
        seen.update(data)
        return "done"

    data = {"bot": SimpleNamespace(id=4242)}
    assert await middleware()(handler, Update(update_id=77), data) == "done"
    assert isinstance(seen["ingest"], TelegramIngest) and seen["update_key"] == "tg:4242:77"
    assert seen["tg_settings"].configured


async def test_a_store_outage_is_retried_a_bad_write_is_not() -> None:
    calls = []

    async def flaky(event: Any, data: dict[str, Any]) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise AutoReconnect("primary stepped down")
        return "written"

    assert await middleware()(flaky, Update(update_id=1), {"bot": SimpleNamespace(id=1)}) == "written"
    assert len(calls) == 3

    async def duplicate(event: Any, data: dict[str, Any]) -> None:
        calls.append(1)
        raise DuplicateKeyError("E11000")

    calls.clear()
    with pytest.raises(DuplicateKeyError):
        await middleware()(duplicate, Update(update_id=2), {"bot": SimpleNamespace(id=1)})
    assert len(calls) == 1


async def test_the_token_is_redacted_from_aiogram_logs(caplog: pytest.LogCaptureFixture) -> None:
    bot = build_bot(TelegramSettings(_env_file=None, telegram_bot_token=TOKEN))  # type: ignore[call-arg]
    with caplog.at_level(logging.ERROR, logger="aiogram.dispatcher"):
        logging.getLogger("aiogram.dispatcher").error("Failed: InvalidURL: https://x/bot%s/getUpdates", TOKEN)
    assert TOKEN not in caplog.text and "bot<token>/getUpdates" in caplog.text
    await bot.session.close()
