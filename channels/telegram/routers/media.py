"""Everything that is not text: voice, video notes, photos, files, stickers, places and the rest.

A caption is the client's words and goes to the graph. Without one, voice and video notes get
«please write it in text», files and photos «tell me in words what is inside», a location a
polite answer; stickers, GIFs, dice, polls, stories and service messages are ignored on purpose.
This router is the catch-all, so no message type can reach an unhandled path.
"""

from __future__ import annotations

import logging
from typing import Literal

from aiogram import Router
from aiogram.types import Message

from channels.telegram.ingest import TelegramIngest, content_type

log = logging.getLogger(__name__)

Action = Literal["caption", "answer", "ignore"]

TEMPLATES = {
    "voice": "telegram/voice",
    "video_note": "telegram/voice",
    "audio": "telegram/voice",
    "photo": "telegram/attachment",
    "video": "telegram/attachment",
    "document": "telegram/attachment",
    "location": "telegram/location",
    "venue": "telegram/location",
}
CAPTIONED = {"photo", "video", "document", "animation", "audio", "voice"}


def plan_for(content_type: str, caption: str | None) -> tuple[Action, str | None]:
    """What to do with a non-text message: pass its caption on, answer with a template, or ignore."""
    if caption and caption.strip() and content_type in CAPTIONED:
        return "caption", None
    if template := TEMPLATES.get(content_type):
        return "answer", template
    return "ignore", None


async def on_other(message: Message, ingest: TelegramIngest, update_key: str) -> None:
    kind = content_type(message)
    action, template = plan_for(kind, message.caption)
    if action == "ignore":
        log.info("%s message: ignored on purpose", kind)
        return
    contact, _ = await ingest.lead(update_key, message)
    if action == "caption":
        await ingest.ingest(update_key, message, contact, message.caption or "", attachment=kind)
    elif template:
        await ingest.answer(update_key, message, contact, template)


def media_router() -> Router:
    router = Router(name="media")
    router.message.register(on_other)
    return router
