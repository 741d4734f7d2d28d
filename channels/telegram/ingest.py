"""Telegram update → contact + `InboundMessage` in the inbox (a client message or a notice to answer).

Every write is keyed by the update (`tg:<bot id>:<update id>`), so an update delivered twice
(polling restarted before it was confirmed, a webhook retried) changes nothing the second time:
the inbox ingest is idempotent, a new lead's id is derived from the chat, a deep-link token
accepts its own update again, and templated answers use `<key>:notice` in the inbox.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aiogram.types import Message, User
from pymongo.errors import DuplicateKeyError

from agent.clock import Clock
from agent.contracts import InboundFlag, InboundMessage
from agent.prompts import PromptLibrary
from agent.store import Store
from agent.store.errors import StoreError
from agent.tools.deep_links import is_token

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's own limit; anything longer (a forged webhook call) is cut
MAX_QUOTED = 1000
StartOutcome = Literal["bound", "restart", "new_lead", "ignored"]


def update_key(bot_id: int, update_id: int) -> str:
    """The inbox key of an update. The bot id keeps keys apart if the bot (token) is ever replaced."""
    return f"tg:{bot_id}:{update_id}"


def lead_id_for_chat(chat_id: int | str) -> str:
    return "c-" + hashlib.sha1(f"telegram:{chat_id}".encode()).hexdigest()[:8]


def profile_name(user: User | None) -> str:
    if user is None:
        return ""
    return " ".join(p.strip() for p in (user.first_name, user.last_name or "") if p and p.strip())


def content_type(message: Message) -> str:
    """«voice», «photo», … (aiogram's ContentType is a str enum whose str() is «ContentType.VOICE»)."""
    kind = message.content_type
    return str(getattr(kind, "value", kind))


def telegram_meta(message: Message, **extra: Any) -> dict[str, Any]:
    user = message.from_user
    meta: dict[str, Any] = {"chat_id": message.chat.id, "tg_message_id": message.message_id,
                            "content_type": content_type(message), "sent_at": message.date}
    if user is not None:
        meta.update(user_id=user.id, username=user.username, language_code=user.language_code)
    if message.forward_origin is not None:
        meta["forwarded"] = message.forward_origin.type
    return {"telegram": {**meta, **extra}}


@dataclass
class TelegramIngest:
    """What handlers do with the store; built per update by the middleware."""

    store: Store
    clock: Clock
    prompts: PromptLibrary

    # --- contacts --------------------------------------------------------------------------
    async def chat_contact(self, chat_id: int | str) -> dict[str, Any] | None:
        return await self.store.contacts.find_by_address("telegram_chat_id", str(chat_id))

    async def lead(self, key: str, message: Message) -> tuple[dict[str, Any], Literal["known", "bound", "new"]]:
        """The chat's contact: known, bound now by its @username, or a new inbound lead."""
        if contact := await self.chat_contact(message.chat.id):
            return contact, "known"
        user = message.from_user
        if user is not None and user.username:
            named = await self.store.contacts.find_by_address("telegram", user.username)
            if named is not None and not named.get("telegram_chat_id"):
                return await self.bind(key, named["_id"], message) or named, "bound"
        return await self.new_lead(message), "new"

    async def new_lead(self, message: Message) -> dict[str, Any]:
        """A contact for a chat nobody invited: name from the Telegram profile, id from the chat."""
        chat, user, now = str(message.chat.id), message.from_user, self.clock.now()
        fields: dict[str, Any] = {"_id": lead_id_for_chat(chat), "name": profile_name(user) or None,
                                  "telegram_chat_id": chat, "channel": "telegram", "source": "telegram"}
        if user is not None:
            fields.update(first_name=user.first_name, telegram=user.username, language_code=user.language_code)
        for attempt in (fields, {**fields, "telegram": None}):  # the @handle may belong to someone else
            if existing := await self.store.contacts.get(fields["_id"]) or await self.chat_contact(chat):
                return existing
            try:
                contact = await self.store.contacts.create(attempt, now)
            except StoreError:
                continue
            await self.store.events.record(f"tg-lead:{chat}", contact["_id"], "inbound_lead", now, {"channel": "telegram"})
            log.info("new inbound lead %s from Telegram", contact["_id"])
            return contact
        raise StoreError(f"cannot create a lead for Telegram chat {chat}")

    async def bind(self, key: str, contact_id: str, message: Message) -> dict[str, Any] | None:
        """Attach this chat to the contact (moving it from another contact if it was elsewhere)."""
        contact = await self.store.contacts.get(contact_id)
        if contact is None:
            return None
        chat, now, user = str(message.chat.id), self.clock.now(), message.from_user
        handle = ("telegram", user.username) if user is not None and user.username and not contact.get("telegram") \
            else None
        fields = await self.store.contacts.bind_chat(
            contact_id, "telegram_chat_id", chat, now, handle=handle, channel="telegram", telegram_bound_at=now,
            unreachable=[c for c in contact.get("unreachable", []) if c != "telegram"])
        await self.store.events.record(f"{key}:telegram_bound", contact_id, "telegram_bound", now, {"chat_id": chat})
        log.info("Telegram chat bound to contact %s", contact_id)
        return {**contact, **fields}

    async def set_reachable(self, contact: dict[str, Any], reachable: bool) -> None:
        """Blocked the bot (`kicked`) or came back: the `telegram` entry of `unreachable`."""
        current = contact.get("unreachable", [])
        if reachable == ("telegram" not in current):
            return
        updated = sorted({*current, "telegram"}) if not reachable else [c for c in current if c != "telegram"]
        await self.store.contacts.update(contact["_id"], self.clock.now(), unreachable=updated)
        contact["unreachable"] = updated

    async def save_phone(self, contact: dict[str, Any], phone: str) -> bool:
        """The client shared their own card: keep the number unless another contact has it."""
        phone = phone.strip() if phone.strip().startswith("+") else "+" + phone.strip()
        if contact.get("phone"):
            return contact["phone"] == phone
        try:
            await self.store.contacts.update(contact["_id"], self.clock.now(), phone=phone)
        except DuplicateKeyError:
            log.info("shared phone belongs to another contact; not saved on %s", contact["_id"])
            return False
        return True

    # --- inbox / outbox --------------------------------------------------------------------
    async def ingest(self, key: str, message: Message, contact: dict[str, Any], text: str,
                     flags: Sequence[InboundFlag] = (), **meta: Any) -> bool:
        """The client's words into the inbox; the worker runs the graph on them."""
        now = self.clock.now()
        await self.set_reachable(contact, True)
        reply_to = message.reply_to_message
        quoted = (reply_to.text or reply_to.caption or "") if reply_to is not None else ""
        event = InboundMessage(key=key, kind="message", channel="telegram", contact_id=contact["_id"],
                               sender=str(message.chat.id), text=text[:MAX_TEXT], quoted=quoted[:MAX_QUOTED],
                               flags=list(flags), received_at=now, meta=telegram_meta(message, **meta))
        return await self.store.inbox.ingest(event, now)

    async def answer(self, key: str, message: Message, contact: dict[str, Any], template: str,
                     greet: bool = False) -> bool:
        """A templated answer (prompts/telegram/…): an inbox event the graph answers, so it goes
        through the outbox and the conversation history like every message the agent sends."""
        now = self.clock.now()
        event = InboundMessage(key=f"{key}:notice", kind="notice", channel="telegram", contact_id=contact["_id"],
                               sender=str(message.chat.id), received_at=now,
                               meta={**telegram_meta(message), "notice": template, "greet": greet})
        return await self.store.inbox.ingest(event, now)

    # --- /start ----------------------------------------------------------------------------
    async def start(self, key: str, message: Message, token: str | None) -> StartOutcome:
        """`/start <token>` binds, `/start` restarts a known chat or starts a new lead."""
        if token and is_token(token) and (contact_id := await self.store.telegram_links.consume(
                token, message.chat.id, key, self.clock.now())):
            contact = await self.bind(key, contact_id, message)
            if contact is not None:
                return await self._welcome(key, message, contact)
        elif token:
            log.info("start parameter not accepted (unknown, used by another chat or expired)")
        contact, how = await self.lead(key, message)
        if how == "bound":
            return await self._welcome(key, message, contact)
        if contact.get("status") == "opted_out":
            await self.store.events.record(f"{key}:start_after_opt_out", contact["_id"], "start_after_opt_out",
                                           self.clock.now())
            return "ignored"
        await self.ingest(key, message, contact, "/start", flags=["start"])
        return "new_lead" if how == "new" else "restart"

    async def _welcome(self, key: str, message: Message, contact: dict[str, Any]) -> StartOutcome:
        if contact.get("status") == "opted_out":
            return "ignored"
        await self.answer(key, message, contact, "telegram/bound", greet=True)
        return "bound"
