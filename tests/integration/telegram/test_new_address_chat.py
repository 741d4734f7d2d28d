"""«Пишите мне на почту …» in the Telegram chat: the client's own email becomes the contact's, the
reply goes there by email (not into the chat), and the conversation goes on by email."""

from __future__ import annotations

from tests.integration.telegram.conftest import Harness

CHAT = 8101


async def test_the_reply_goes_to_the_email_the_client_gave_in_the_chat(tg: Harness) -> None:
    await tg.send(CHAT, "/start")
    assert len(tg.new_texts(CHAT)) == 1
    await tg.send(CHAT, "Моя рабочая почта — anna@lavka-vkusa.ru, пишите мне туда, в телеграме я редко.")

    assert tg.new_texts(CHAT) == []  # nothing more in the chat
    contact = await tg.contact(CHAT)
    assert contact is not None and (contact["email"], contact["channel"]) == ("anna@lavka-vkusa.ru", "email")
    [reply] = [d for d in await tg.rt.store.outbox.for_contact(contact["_id"]) if d["channel"] == "email"]
    assert (reply["kind"], reply["to"]) == ("message", "anna@lavka-vkusa.ru")
    assert "anna@lavka-vkusa.ru" in reply["text"]
