"""Commands: `/start <token>` binds the chat to a contact, `/start` restarts (or starts a new
lead), `/stop` opts out, `/help` and unknown commands get the help text."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from channels.telegram.ingest import TelegramIngest

log = logging.getLogger(__name__)


async def on_start(message: Message, command: CommandObject, ingest: TelegramIngest, update_key: str) -> None:
    token = (command.args or "").strip() or None
    outcome = await ingest.start(update_key, message, token)
    log.info("/start in a chat: %s", outcome)


async def on_stop(message: Message, ingest: TelegramIngest, update_key: str) -> None:
    """An opt-out through the graph (rules: `/stop` → opt_out). No answer: an opt-out gets none."""
    contact = await ingest.chat_contact(message.chat.id)
    if contact is None:
        log.info("/stop from a chat with no contact: nothing was or will be sent there")
        return
    await ingest.ingest(update_key, message, contact, "/stop")


async def on_other_command(message: Message, ingest: TelegramIngest, update_key: str) -> None:
    """`/help` and unknown commands: a short help text (not the graph, which would hand it off)."""
    contact, _ = await ingest.lead(update_key, message)
    await ingest.answer(update_key, message, contact, "telegram/help")


def start_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart(ignore_case=True))
    router.message.register(on_stop, Command("stop", "unsubscribe", ignore_case=True))
    router.message.register(on_other_command, F.text.regexp(r"^/[A-Za-z0-9_]+(@\w+)?(\s|$)"))
    return router
