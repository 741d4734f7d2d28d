"""How the graph uses the channels: the Telegram deep link in the outreach email, /start after an
opt-out, and links never mistaken for prices by the guard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from agent.tools.reply_rules import violations
from channels.console import say
from channels.telegram.settings import TelegramSettings
from tests.integration.test_conversation_flows import Recorder

pytestmark = pytest.mark.integration


async def test_outreach_email_carries_a_single_use_telegram_link(runtime: AgentRuntime) -> None:
    runtime.deep_links = TelegramSettings(_env_file=None, telegram_bot_token="123:abc",  # type: ignore[call-arg]
                                          telegram_bot_username="otzyvy_test_bot").deep_links()
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock,
                                   {"name": "Иван Петров", "company": "Клиника", "email": "ivan@clinic.ru"})
    email = Recorder("email")
    await pump(runtime, [email])
    assert len(email.sent) == 1
    link = re.search(r"https://t\.me/otzyvy_test_bot\?start=([0-9a-f]+)", email.sent[0].text)
    assert link, email.sent[0].text
    stored = await runtime.store.db["telegram_links"].find_one({"contact_id": contact["_id"]})
    assert stored is not None


async def test_outreach_without_telegram_has_no_link(runtime: AgentRuntime) -> None:
    runtime.deep_links = None
    await add_contact(runtime.store, runtime.settings, runtime.clock,
                      {"name": "Иван Петров", "company": "Клиника", "email": "ivan@clinic.ru"})
    email = Recorder("email")
    await pump(runtime, [email])
    assert "t.me" not in email.sent[0].text


async def test_start_after_opt_out_does_not_reopen_the_contact(runtime: AgentRuntime) -> None:
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock,
                                   {"name": "Николай", "company": "ООО", "channel": "console"})
    channel = Recorder()
    await pump(runtime, [channel])
    await say(runtime.store, contact["_id"], "Не пишите мне больше", runtime.clock.now())
    await pump(runtime, [channel])
    sent = len(channel.sent)
    runtime.clock.advance(timedelta(hours=1))
    await say(runtime.store, contact["_id"], "/start", runtime.clock.now())
    await pump(runtime, [channel])
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "opted_out" and len(channel.sent) == sent


def test_links_are_not_read_as_prices() -> None:
    text = "Откройте ссылку: https://t.me/otzyvy_bot?start=5k4eur00 — продолжим там."
    assert violations(text, language="ru", max_words=120, product_facts="") == []
    assert violations("Стоит 5k в месяц", language="ru", max_words=120, product_facts="")
