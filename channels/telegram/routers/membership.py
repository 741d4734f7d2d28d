"""The bot's membership in a private chat: blocking the bot (`kicked`) marks the contact
unreachable on Telegram at once, before any send fails; unblocking makes it reachable again."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated

from channels.telegram.ingest import TelegramIngest

log = logging.getLogger(__name__)


async def on_membership(event: ChatMemberUpdated, ingest: TelegramIngest, update_key: str) -> None:
    contact = await ingest.chat_contact(event.chat.id)
    if contact is None:
        return
    status = event.new_chat_member.status
    blocked = status in (ChatMemberStatus.KICKED, ChatMemberStatus.LEFT)
    await ingest.set_reachable(contact, not blocked)
    if blocked:
        await ingest.store.events.record(f"{update_key}:unreachable", contact["_id"], "unreachable",
                                         ingest.clock.now(), {"channel": "telegram", "why": "blocked the bot"})
    log.info("contact %s %s the bot", contact["_id"], "blocked" if blocked else "unblocked")


def membership_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.register(on_membership)
    return router
