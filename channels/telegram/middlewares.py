"""Dependencies reach handlers through middleware: `ingest` (store, clock, prompts), `tg_settings`
and `update_key` (the inbox key of the update being handled)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from pymongo.errors import ConnectionFailure

from agent.clock import Clock
from agent.prompts import PromptLibrary
from agent.store import Store
from channels.telegram.ingest import TelegramIngest, update_key
from channels.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DependenciesMiddleware(BaseMiddleware):
    """Outer middleware on updates. A store outage is retried here rather than losing the update:
    polling (handled in order) does not confirm it to Telegram, a webhook call does not answer 200,
    until the handler has written it. Handlers are idempotent, so running one again is safe."""

    def __init__(self, store: Store, settings: TelegramSettings, clock: Clock, prompts: PromptLibrary,
                 store_retries: int = 8, retry_base_s: float = 0.5) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.prompts = prompts
        self.store_retries = store_retries
        self.retry_base_s = retry_base_s

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["ingest"] = TelegramIngest(self.store, self.clock, self.prompts)
        data["tg_settings"] = self.settings
        if isinstance(event, Update):
            data["update_key"] = update_key(data["bot"].id, event.update_id)
        for attempt in range(self.store_retries + 1):
            try:
                return await handler(event, data)
            except ConnectionFailure as exc:  # the store is unreachable (not a bad write)
                if attempt == self.store_retries:
                    raise
                delay = min(self.retry_base_s * 2**attempt, 30.0)
                log.warning("store error on a Telegram update (%s); retrying in %.1fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
        return None
