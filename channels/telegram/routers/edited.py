"""Edited messages. The original was already answered, so an edit is not answered again (that
would be a second reply to one question); an edit that turns into an opt-out («не пишите мне»)
is one, though, because an opt-out always wins."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.types import Message

from agent.understanding.rules import detect_certain
from channels.telegram.ingest import TelegramIngest

log = logging.getLogger(__name__)


def is_opt_out(text: str) -> bool:
    reading = detect_certain(text, (), datetime.now(UTC), ZoneInfo("UTC"))
    return reading is not None and reading.intent == "opt_out"


async def on_edited(message: Message, ingest: TelegramIngest, update_key: str) -> None:
    text = message.text or message.caption or ""
    contact = await ingest.chat_contact(message.chat.id)
    if contact is None or not is_opt_out(text):
        log.info("edited message: ignored on purpose")
        return
    await ingest.ingest(update_key, message, contact, text, edited=True)


async def on_edited_media(message: Message) -> None:
    log.info("edited media without text: ignored on purpose")


def edited_router() -> Router:
    router = Router(name="edited")
    router.edited_message.register(on_edited, F.text | F.caption)
    router.edited_message.register(on_edited_media)
    return router
