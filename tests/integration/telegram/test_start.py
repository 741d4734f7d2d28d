"""`/start` and `/stop` through the real bot, pipeline and sender: deep-link binding, new inbound
leads, restarts in a known chat, opt-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.operations import add_contact
from agent.tools.deep_links import deep_link_for
from tests.integration.telegram.conftest import Harness

pytestmark = pytest.mark.integration

MARIA = {"id": 7001, "is_bot": False, "first_name": "Мария", "last_name": "Иванова", "username": "maria_iv",
         "language_code": "ru"}


async def emailed_contact(tg: Harness) -> dict:
    """A lead from the CRM whose outreach went out by email."""
    rt = tg.rt
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                   {"name": "Иван Петров", "company": "Сеть клиник «Здоровье»",
                                    "email": "ivan@zdorovie.ru"})
    email = type(tg.console)(tg.console.console, name="email")
    await tg.pump()
    from agent.pump import pump

    await pump(rt, [email])
    assert len(email.sent) == 1
    return await rt.store.contacts.require(contact["_id"])


async def test_start_without_token_creates_a_lead_named_from_the_profile(tg: Harness) -> None:
    update_id = await tg.send(7001, "/start", user=MARIA)
    contact = await tg.contact(7001)
    assert contact is not None
    assert contact["name"] == "Мария Иванова" and contact["telegram"] == "@maria_iv"
    assert contact["source"] == "telegram" and contact["channel"] == "telegram"
    assert contact["status"] == "active"
    [greeting] = tg.new_texts(7001)
    assert greeting.startswith("Добрый день, Мария!")
    event = await tg.rt.store.inbox.get(tg.key(update_id))
    assert event["contact_id"] == contact["_id"] and event["flags"] == ["start"]
    assert tg.api.delivered(7001)[0].params["parse_mode"] == "HTML"


async def test_deep_link_binds_the_chat_and_continues_the_conversation(tg: Harness) -> None:
    contact = await emailed_contact(tg)
    url = await deep_link_for(tg.rt.store, tg.settings.deep_links(), contact, now=tg.rt.clock.now())
    assert url is not None and url.startswith(f"https://t.me/{tg.api.username}?start=")
    token = url.rsplit("=", 1)[1]
    assert len(token) <= 64
    assert await deep_link_for(tg.rt.store, tg.settings.deep_links(), contact, now=tg.rt.clock.now()) == url  # reused

    await tg.send(5001, f"/start {token}", user={"id": 5001, "is_bot": False, "first_name": "Ivan",
                                                  "username": "Ivan_P"})
    bound = await tg.rt.store.contacts.require(contact["_id"])
    assert bound["telegram_chat_id"] == "5001" and bound["channel"] == "telegram"
    assert bound["telegram"] == "@ivan_p" and bound["stage"] == "outreach_sent"  # not restarted
    [welcome] = tg.new_texts(5001)
    assert welcome.startswith("Добрый день, Иван!") and "Telegram" in welcome
    assert await deep_link_for(tg.rt.store, tg.settings.deep_links(), bound) is None  # already has a chat

    await tg.send(5001, "Пришлите, пожалуйста, презентацию")
    [deck] = tg.new_texts(5001)
    assert tg.rt.settings.presentation_url in deck
    assert (await tg.rt.store.events.count_by_type())["deck_sent"] == 1

    await tg.send(5002, f"/start {token}")  # the same link from someone else: single use
    other = await tg.contact(5002)
    assert other is not None and other["_id"] != contact["_id"]
    assert (await tg.rt.store.contacts.require(contact["_id"]))["telegram_chat_id"] == "5001"

    await tg.send(5001, f"/start {token}")  # pressed again in the bound chat: welcomed, not restarted
    assert "Telegram" in tg.new_texts(5001)[0]
    assert (await tg.rt.store.contacts.require(contact["_id"]))["stage"] != "restarted"


async def test_follow_ups_go_to_telegram_after_binding(tg: Harness) -> None:
    contact = await emailed_contact(tg)
    url = await deep_link_for(tg.rt.store, tg.settings.deep_links(), contact, now=tg.rt.clock.now())
    await tg.send(5101, f"/start {url.rsplit('=', 1)[1]}")  # type: ignore[union-attr]
    tg.new_texts(5101)
    for _ in range(6):
        tg.rt.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
        await tg.pump()
    [nudge] = tg.new_texts(5101)
    assert nudge.startswith("Добрый день, Иван!")


async def test_expired_link_does_not_bind(tg: Harness) -> None:
    contact = await emailed_contact(tg)
    url = await deep_link_for(tg.rt.store, tg.settings.deep_links(), contact, now=tg.rt.clock.now())
    tg.rt.clock.advance(timedelta(days=tg.settings.telegram_link_ttl_days + 1))  # type: ignore[attr-defined]
    await tg.send(5201, f"/start {url.rsplit('=', 1)[1]}")  # type: ignore[union-attr]
    assert "telegram_chat_id" not in await tg.rt.store.contacts.require(contact["_id"])
    lead = await tg.contact(5201)
    assert lead is not None and lead["_id"] != contact["_id"]


async def test_start_by_known_username_binds_the_imported_contact(tg: Harness) -> None:
    rt = tg.rt
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                   {"name": "Ольга Смирнова", "company": "Отель «Волна»", "telegram": "@olga_sm"},
                                   start=False)
    await tg.send(5301, "/start", user={"id": 5301, "is_bot": False, "first_name": "Olga", "username": "Olga_SM"})
    bound = await rt.store.contacts.require(contact["_id"])
    assert bound["telegram_chat_id"] == "5301"
    assert tg.new_texts(5301)[0].startswith("Добрый день, Ольга!")


async def test_start_in_a_known_chat_restarts_and_keeps_history(tg: Harness) -> None:
    await tg.send(7001, "/start", user=MARIA)
    await tg.send(7001, "Сколько стоит ваш сервис?", user=MARIA)
    tg.new_texts(7001)
    await tg.send(7001, "/start", user=MARIA)
    [again] = tg.new_texts(7001)
    assert again.startswith("Добрый день, Мария!")
    contact = await tg.contact(7001)
    assert contact["stage"] == "restarted"  # type: ignore[index]
    history = await tg.rt.store.inbox.for_contact(contact["_id"])  # type: ignore[index]
    assert [e["text"] for e in history] == ["/start", "Сколько стоит ваш сервис?", "/start"]


async def test_stop_opts_out_and_nothing_is_sent_again(tg: Harness) -> None:
    await tg.send(7001, "/start", user=MARIA)
    tg.new_texts(7001)
    await tg.send(7001, "/stop", user=MARIA)
    contact = await tg.contact(7001)
    assert contact["status"] == "opted_out"  # type: ignore[index]
    await tg.send(7001, "Сколько стоит?", user=MARIA)
    await tg.send(7001, "/start", user=MARIA)
    await tg.send(7001, None, user=MARIA, voice={"file_id": "v", "file_unique_id": "v", "duration": 2})
    tg.rt.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
    await tg.pump()
    assert tg.new_texts(7001) == []
    assert (await tg.contact(7001))["status"] == "opted_out"  # type: ignore[index]


async def test_stop_from_an_unknown_chat_is_ignored(tg: Harness) -> None:
    await tg.send(7999, "/stop")
    assert await tg.contact(7999) is None and tg.api.delivered() == []


async def test_a_first_message_without_start_is_a_new_lead_too(tg: Harness) -> None:
    await tg.send(7101, "Здравствуйте! Сколько стоит ваш сервис?",
                  user={"id": 7101, "is_bot": False, "first_name": "Пётр"})
    contact = await tg.contact(7101)
    assert contact is not None and contact["name"] == "Пётр" and contact["source"] == "telegram"
    [answer] = tg.new_texts(7101)
    assert "демо" in answer.lower() and "руб" not in answer
