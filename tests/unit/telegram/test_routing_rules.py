"""The pure decisions behind the routers and the sender: what a non-text message gets, which
texts are emoji-only, the referral words a shared contact becomes, opt-out edits, message parts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import Contact

from agent.contracts import OutboundMessage
from agent.understanding.rules import classify
from channels.telegram.routers.contact_share import referral_text
from channels.telegram.routers.edited import is_opt_out
from channels.telegram.routers.media import plan_for
from channels.telegram.routers.text import has_words
from channels.telegram.sender import Part, plan, redact

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(("kind", "caption", "expected"), [
    ("voice", None, ("answer", "telegram/voice")),
    ("video_note", None, ("answer", "telegram/voice")),
    ("photo", "  ", ("answer", "telegram/attachment")),
    ("photo", "Вот наш прайс", ("caption", None)),
    ("document", "Бриф во вложении", ("caption", None)),
    ("location", None, ("answer", "telegram/location")),
    ("sticker", None, ("ignore", None)),
    ("animation", None, ("ignore", None)),
    ("animation", "смешно", ("caption", None)),
    ("poll", None, ("ignore", None)),
    ("story", None, ("ignore", None)),
    ("new_chat_members", None, ("ignore", None)),
])
def test_media_plan(kind: str, caption: str | None, expected: tuple) -> None:
    assert plan_for(kind, caption) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("👍", False), ("🔥🔥🔥", False), ("🙏 !!! ?", False), ("👍🏻", False), ("❤️", False),
    ("Ок 👍", True), ("5", True), ("ok", True), ("Да", True),
])
def test_emoji_only(text: str, words: bool) -> None:
    assert has_words(text) is words


def test_a_shared_contact_reads_as_a_referral() -> None:
    card = Contact(phone_number="79161234567", first_name="Ольга", last_name="Смирнова")
    text = referral_text(card)
    assert text == "Передаю контакт коллеги: Ольга Смирнова, +79161234567"
    reading = classify(text, datetime(2026, 11, 25, 12, tzinfo=MSK), MSK)
    assert reading.intent == "referral"
    assert reading.referral is not None and reading.referral.name == "Ольга Смирнова"
    assert reading.referral.phone == "+79161234567"


def test_only_opt_out_edits_count() -> None:
    assert is_opt_out("Не пишите мне больше") and is_opt_out("/stop")
    assert not is_opt_out("Сколько стоит ваш сервис?")


def test_message_parts_and_redaction() -> None:
    message = OutboundMessage(key="k", contact_id="c", channel="telegram", to="1",
                              text="а" * 5000, attachments=["/tmp/deck.pdf"])
    assert [p.kind for p in plan(message)] == ["text", "text", "document"]
    assert plan(message)[-1] == Part("document", "/tmp/deck.pdf")
    assert redact("POST https://api.telegram.org/bot123:abc/sendMessage", "123:abc") == \
        "POST https://api.telegram.org/bot<token>/sendMessage"


@pytest.mark.parametrize("name", ["bound", "voice", "attachment", "location", "help", "own_phone", "email_invite"])
def test_templates_pass_the_reply_rules(name: str) -> None:
    from agent.prompts import PromptLibrary
    from agent.tools.reply_rules import violations

    prompts = PromptLibrary()
    text = prompts.render(f"telegram/{name}", **({"telegram_link": "https://t.me/seed_bot?start=0f3a"}
                                                if name == "email_invite" else {}))
    assert violations(text, language="ru", max_words=90, product_facts=prompts.text("product_facts")) == []
    assert "$" not in text
