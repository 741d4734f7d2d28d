"""`TelegramChannel`: sends outbox messages through the Bot API (the generic loop is channels/sender.py).

A message is one or more parts: its text split at 4,096 characters, then its attachments as
documents. Progress is written on the outbox document around every part: `tg_inflight` (part
index) *before* the request, `tg_parts_sent` after it. So after a crash, `was_delivered` knows:
a part in flight may have reached the client and Telegram cannot be asked, so the message
becomes `uncertain` and is not resent; a message whose parts were all sent is `sent`; one that
stopped between parts resumes after the last part sent. No part is ever sent twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import FSInputFile, InlineKeyboardMarkup

from agent.clock import Clock, SystemClock
from agent.contracts import OutboundMessage, SendResult
from agent.store import Store
from channels.telegram.formatting import split_text, to_html
from channels.telegram.ratelimit import RateLimiter
from channels.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    kind: Literal["text", "document"]
    value: str


def plan(message: OutboundMessage) -> list[Part]:
    return [*(Part("text", chunk) for chunk in split_text(message.text)),
            *(Part("document", path) for path in message.attachments)]


def redact(text: str, token: str | None) -> str:
    return text.replace(token, "<token>") if token else text


class TelegramChannel:
    """The `Channel` for Telegram: HTML-escaped text, split, paced, 429/403-aware, crash-safe."""

    name = "telegram"

    def __init__(self, bot: Bot, store: Store, settings: TelegramSettings, limiter: RateLimiter | None = None,
                 clock: Clock | None = None) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock or SystemClock()
        self.limiter = limiter or RateLimiter(settings.telegram_per_chat_per_s, settings.telegram_global_per_s)
        self.team = settings.team_access()

    async def send(self, message: OutboundMessage) -> SendResult:
        if not message.to.lstrip("-").isdigit():
            return SendResult(ok=False, permanent=True, error=f"not a Telegram chat id: {message.to!r}")
        contact = await self.store.contacts.get(message.contact_id) or {}
        if "telegram" in contact.get("unreachable", []):
            return SendResult(ok=False, permanent=True, unreachable=True, error="the contact blocked the bot; not sent")
        parts = plan(message)
        if not parts:
            return SendResult(ok=False, permanent=True, error="empty message")
        doc = await self.store.outbox.get(message.key) or {}
        ids: list[Any] = list(doc.get("tg_message_ids", []))
        last_text = max((i for i, p in enumerate(parts) if p.kind == "text"), default=-1)  # buttons go there
        for index in range(doc.get("tg_parts_sent", 0), len(parts)):
            if parts[index].kind == "document" and not Path(parts[index].value).is_file():
                log.warning("attachment of %s is missing (%s): skipped", message.key, Path(parts[index].value).name)
                ids.append(None)
                await self._progress(message.key, tg_parts_sent=index + 1, tg_message_ids=ids)
                continue
            await self.limiter.wait(message.to)
            await self._progress(message.key, tg_inflight=index)
            markup = self.team.keyboard(message.meta.get("actions", [])) \
                if self.team and index == last_text else None
            try:
                ids.append(await self._send_part(int(message.to), parts[index], markup))
            except TelegramAPIError as exc:
                result = await self._failed(message, parts[index], exc)
                if result is not None:
                    return result
                ids.append(None)  # a document Telegram refused: the text went out, skip the file
            await self._progress(message.key, tg_inflight=None, tg_parts_sent=index + 1, tg_message_ids=ids)
        return SendResult(ok=True, provider_id=",".join(str(i) for i in ids if i is not None) or None)

    async def was_delivered(self, message: OutboundMessage) -> bool | None:
        """After a crash: None (unknown → `uncertain`) if a part was in flight, True if every part
        went out, False if the rest can be sent without repeating anything."""
        doc = await self.store.outbox.get(message.key)
        if doc is None or doc.get("tg_inflight") is not None:
            return None
        return doc.get("tg_parts_sent", 0) >= len(plan(message))

    async def _send_part(self, chat_id: int, part: Part, markup: InlineKeyboardMarkup | None = None) -> int:
        if part.kind == "text":
            sent = await self.bot.send_message(chat_id, to_html(part.value), reply_markup=markup)
        else:
            path = Path(part.value)
            sent = await self.bot.send_document(chat_id, FSInputFile(path, filename=path.name))
        return sent.message_id

    async def _failed(self, message: OutboundMessage, part: Part, exc: TelegramAPIError) -> SendResult | None:
        """The result for a failed part, or None to skip the part and go on."""
        error = redact(str(exc), self.bot.token)
        if isinstance(exc, TelegramNetworkError) and not isinstance(exc.__cause__, aiohttp.ClientConnectorError):
            # the request may have reached Telegram (timeout, dropped connection): never resend blindly
            log.warning("Telegram message %s: delivery unknown after a network error", message.key)
            return SendResult(ok=False, permanent=True, error=f"uncertain, not resent: {error}")
        await self._progress(message.key, tg_inflight=None)  # Telegram answered: the part did not go out
        if isinstance(exc, TelegramRetryAfter):
            self.limiter.pause(message.to, exc.retry_after)
            return SendResult(ok=False, retry_after_s=float(exc.retry_after), error=f"429 retry after {exc.retry_after}s")
        blocked = isinstance(exc, TelegramForbiddenError) or (
            isinstance(exc, TelegramBadRequest) and "chat not found" in exc.message.lower())
        if blocked:
            await self._unreachable(message, error)
            return SendResult(ok=False, permanent=True, unreachable=True, error=error)
        if isinstance(exc, TelegramBadRequest):
            if part.kind == "document":
                log.warning("Telegram refused attachment %s of %s: %s", Path(part.value).name, message.key, error)
                return None
            return SendResult(ok=False, permanent=True, error=error)
        # 5xx, a refused connection, 401/404/409 (a setup problem): retried with backoff, then failed
        return SendResult(ok=False, error=error)

    async def _unreachable(self, message: OutboundMessage, error: str) -> None:
        """The client blocked the bot: `telegram` joins the contact's `unreachable`; nothing more goes there."""
        contact = await self.store.contacts.get(message.contact_id)
        if contact is None:
            return
        now = self.clock.now()
        unreachable = sorted({*contact.get("unreachable", []), "telegram"})
        await self.store.contacts.update(message.contact_id, now, unreachable=unreachable)
        await self.store.events.record(f"{message.key}:unreachable", message.contact_id, "unreachable", now,
                                       {"channel": "telegram", "error": error[:300]})
        log.info("contact %s blocked the bot: marked unreachable on Telegram", message.contact_id)

    async def _progress(self, key: str, **fields: Any) -> None:
        await self.store.outbox.set_progress(key, **fields)
