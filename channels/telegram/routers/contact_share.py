"""A shared contact card. Someone else's card is a referral: it goes to the graph as the words
«Передаю контакт коллеги: Имя, +7…», so the refer node does what it does for a referral by
email (creates the person idempotently, starts their outreach, thanks the client) and nothing
here duplicates that logic. The client's own card just adds their phone number."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import Contact, Message

from channels.telegram.ingest import TelegramIngest

log = logging.getLogger(__name__)

# Not client-facing: the inbound words the rules read as a referral (tests/unit/telegram check it).
REFERRAL_TEXT = "Передаю контакт коллеги: {name}, {phone}"


def referral_text(card: Contact) -> str:
    name = " ".join(p for p in (card.first_name, card.last_name or "") if p).strip() or "коллега"
    phone = card.phone_number.strip()
    if phone and not phone.startswith("+"):
        phone = "+" + phone  # Telegram sends numbers without the plus
    return REFERRAL_TEXT.format(name=name, phone=phone)


async def on_contact(message: Message, ingest: TelegramIngest, update_key: str) -> None:
    card = message.contact
    if card is None:
        return
    contact, _ = await ingest.lead(update_key, message)
    user = message.from_user
    if user is not None and card.user_id == user.id:
        await ingest.save_phone(contact, card.phone_number)
        await ingest.answer(update_key, message, contact, "telegram/own_phone")
        return
    await ingest.ingest(update_key, message, contact, referral_text(card),
                        shared_contact={"name": card.first_name, "user_id": card.user_id})


def contact_share_router() -> Router:
    router = Router(name="contact_share")
    router.message.register(on_contact, F.contact)
    return router
