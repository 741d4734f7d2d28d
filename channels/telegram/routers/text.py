"""Text messages, forwarded ones included: into the inbox for the graph. Emoji-only messages (a 👍
after the deck) are acknowledged by silence, on purpose: the graph would hand them off."""

from __future__ import annotations

import logging
import unicodedata

from aiogram import Bot, F, Router
from aiogram.types import Message, MessageOriginUser

from channels.telegram.ingest import TelegramIngest

log = logging.getLogger(__name__)


def has_words(text: str) -> bool:
    """True when the text has a letter or a digit (not only emoji, punctuation and spaces)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def forwarded_from_bot(message: Message, bot: Bot) -> bool:
    origin = message.forward_origin
    return isinstance(origin, MessageOriginUser) and origin.sender_user.id == bot.id


async def on_text(message: Message, bot: Bot, ingest: TelegramIngest, update_key: str) -> None:
    text = message.text or ""
    if forwarded_from_bot(message, bot):
        log.info("our own message forwarded back: ignored on purpose")
        return
    if not has_words(text):
        log.info("emoji-only message: ignored on purpose")
        return
    contact, _ = await ingest.lead(update_key, message)
    await ingest.ingest(update_key, message, contact, text)


def text_router() -> Router:
    router = Router(name="text")
    router.message.register(on_text, F.text)
    return router
