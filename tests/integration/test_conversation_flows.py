"""Whole conversations through the real pipeline (inbox → graph → outbox) on a real
MongoDB-wire server, in rules mode, with a simulated clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from agent.clock import SimulatedClock
from agent.operations import add_contact, opt_out, restart
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.console import ConsoleChannel, say
from tests.conftest import MSK

pytestmark = pytest.mark.integration


class Recorder(ConsoleChannel):
    def __init__(self, name: str = "console") -> None:
        from io import StringIO

        from rich.console import Console

        super().__init__(Console(file=StringIO()), name=name)


async def start(rt: AgentRuntime, name: str = "Иван Петров", company: str = "Сеть клиник «Здоровье»",
                **fields: Any) -> tuple[dict[str, Any], Recorder]:
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock,
                                   {"name": name, "company": company, "channel": "console", **fields})
    channel = Recorder()
    await pump(rt, [channel])
    return await rt.store.contacts.require(contact["_id"]), channel


async def client_says(rt: AgentRuntime, contact: dict[str, Any], text: str, channel: Recorder,
                      after: timedelta = timedelta(hours=2)) -> dict[str, Any]:
    assert isinstance(rt.clock, SimulatedClock)
    rt.clock.advance(after)
    key = await say(rt.store, contact["_id"], text, rt.clock.now())
    await pump(rt, [channel])
    return await rt.store.inbox.get(key)


async def until_done(rt: AgentRuntime, doc: dict[str, Any], channel: Recorder, tries: int = 3) -> dict[str, Any]:
    """Pump again until the inbox event is done (a failed try is retried), at most `tries` times."""
    for _ in range(tries):
        if doc["status"] == "done":
            break
        await pump(rt, [channel])
        doc = await rt.store.inbox.get(doc["_id"])
    return doc


async def booked_then(rt: AgentRuntime, text: str) -> list[Any]:
    """A demo booked for Thursday 26.11 15:00, then `text`: what went out after it."""
    contact, channel = await start(rt)
    await client_says(rt, contact, "Давайте созвонимся завтра в три часа дня", channel)
    before = len(channel.sent)
    await client_says(rt, contact, text, channel)
    return channel.sent[before:]


async def answer_to(rt: AgentRuntime, text: str) -> tuple[dict[str, Any], list[Any]]:
    """A fresh lead's outreach, then the client's `text`: the contact and what went out after it."""
    contact, channel = await start(rt)
    before = len(channel.sent)
    await client_says(rt, contact, text, channel)
    return contact, channel.sent[before:]


async def assert_demo_dropped(rt: AgentRuntime, status: str) -> dict[str, Any]:
    [stored] = [c async for c in rt.store.contacts.col.find({})]
    assert stored["status"] == status and stored["demo_at"] is None
    assert stored["cancelled_demo_at"] == datetime(2026, 11, 26, 15, 0, tzinfo=MSK)
    assert (await rt.store.events.count_by_type())["demo_cancelled"] == 1
    return stored


async def test_outreach_goes_out_in_the_send_window(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    assert len(channel.sent) == 1
    first = channel.sent[0]
    assert "Иван" in first.text and "«Здоровье»" in first.text
    assert contact["status"] == "active" and contact["stage"] == "outreach_sent"
    assert contact["next_timer"]["kind"] == "follow_up"
    # Wednesday 12:00 + 3 working days = Monday
    assert contact["next_timer"]["due_at"].astimezone(MSK).date().isoformat() == "2026-11-30"


async def test_presentation_request_sends_the_deck(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Пришлите, пожалуйста, презентацию", channel)
    assert doc["result"]["intent"] == "presentation"
    assert doc["result"]["actions"] == ["send_presentation"]
    assert runtime.settings.presentation_url in channel.sent[-1].text
    assert (await runtime.store.events.count_by_type())["deck_sent"] == 1


async def test_demo_in_words_is_booked_at_the_right_aware_time(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Давайте созвонимся завтра в три часа дня", channel)
    assert doc["result"]["actions"] == ["book_demo"]
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["demo_at"] == datetime(2026, 11, 26, 15, 0, tzinfo=MSK)
    assert stored["next_timer"] is None
    team = [m for m in channel.sent if m.kind == "team"]
    assert team and "26 ноября" in team[0].text
    assert "15:00" in [m for m in channel.sent if m.kind != "team"][-1].text


async def test_an_opt_out_with_a_booked_demo_tells_the_team_and_sends_the_client_nothing(
        runtime: AgentRuntime) -> None:
    after = await booked_then(runtime, "Передумали, больше нам не пишите.")
    assert [m.kind for m in after] == ["team"]  # the client gets nothing, the team is told
    assert "не состоится" in after[0].text and "26 ноября" in after[0].text and "15:00" in after[0].text
    await assert_demo_dropped(runtime, "opted_out")


async def test_a_refusal_after_a_booking_drops_the_demo_and_tells_the_team(runtime: AgentRuntime) -> None:
    after = await booked_then(runtime, "Извините, нам придётся отменить встречу, мы передумали")
    assert sorted(m.kind for m in after) == ["message", "team"]
    [team] = [m for m in after if m.kind == "team"]
    assert "не состоится" in team.text and "26 ноября" in team.text and "мы передумали" in team.text
    await assert_demo_dropped(runtime, "closed")


async def test_a_cancelled_call_is_dropped_and_the_conversation_goes_on(runtime: AgentRuntime) -> None:
    after = await booked_then(runtime, "Давайте отменим звонок")
    [reply] = [m for m in after if m.kind != "team"]
    assert "отменили" in reply.text and "в силе" not in reply.text and "варианты" not in reply.text
    assert [m for m in after if m.kind == "team" and "не состоится" in m.text]
    stored = await assert_demo_dropped(runtime, "active")
    assert stored["next_timer"]["kind"] == "follow_up"  # the conversation goes on


@pytest.mark.parametrize("text", ["А кто будет на звонке с вашей стороны?",
                                  "А сколько человек может подключиться к звонку?"])
async def test_a_question_on_the_booked_call_the_rules_cannot_place_keeps_it_and_goes_to_the_manager(
        runtime: AgentRuntime, text: str) -> None:
    after = await booked_then(runtime, text)
    [reply] = [m for m in after if m.kind != "team"]
    assert "Встреча в силе" in reply.text and "26 ноября" in reply.text and "Передаю" not in reply.text
    [note] = [m for m in after if m.kind == "team"]
    assert text in note.text and "Нужен человек" not in note.text  # a question for the manager, not a hand-off
    [stored] = [c async for c in runtime.store.contacts.col.find({})]
    assert stored["status"] == "active" and stored["demo_at"] == datetime(2026, 11, 26, 15, 0, tzinfo=MSK)


async def test_an_answer_with_a_demo_booked_ends_with_the_booking_not_a_new_offer(runtime: AgentRuntime) -> None:
    after = await booked_then(runtime, "А какие площадки поддерживаете?")
    [reply] = [m for m in after if m.kind != "team"]
    assert "Яндекс" in reply.text and "на демо в четверг, 26 ноября" in reply.text
    assert "договоримся" not in reply.text and "пришлю презентацию" not in reply.text


async def test_an_answer_after_the_deck_offers_the_call_not_the_deck_again(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Пришлите, пожалуйста, презентацию", channel)
    await client_says(runtime, contact, "А какие площадки поддерживаете?", channel)
    reply = channel.sent[-1].text
    assert "Яндекс" in reply and "договоримся о звонке" in reply and "пришлю презентацию" not in reply


async def test_a_request_for_the_contract_goes_to_a_manager_who_closes_the_deal(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    before = len(channel.sent)
    doc = await client_says(runtime, contact, "Пришлите, пожалуйста, договор и счёт, начнём с трёх клиник", channel)
    reply, note = channel.sent[before:]
    assert "Договор и оплату готовит менеджер" in reply.text and runtime.settings.presentation_url not in reply.text
    assert note.kind == "team" and "готов к покупке" in note.text
    assert doc["result"]["actions"] == ["handoff"]
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["next_timer"] is None  # no follow-up over the manager's head


async def test_the_contract_and_the_deck_asked_together_send_the_deck_and_pass_the_contract_on(
        runtime: AgentRuntime) -> None:
    contact, after = await answer_to(runtime, "Скиньте типовой договор и презентацию — юристы посмотрят параллельно")
    [reply] = [m for m in after if m.kind != "team"]
    assert runtime.settings.presentation_url in reply.text and "Договор и оплату готовит менеджер" in reply.text
    assert "созвониться?" not in reply.text  # the manager takes it from here
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["deck_sent_at"] is not None


async def test_a_slot_picked_by_its_place_in_the_list_is_booked_whatever_the_words_look_like(
        runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Давайте созвонимся на следующей неделе", channel)
    offered = (await runtime.store.contacts.require(contact["_id"]))["proposed_slots"]
    doc = await client_says(runtime, contact, "Первый подходит", channel)
    assert doc["result"]["actions"] == ["book_demo"]
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["stage"] == "demo_booked" and stored["demo_at"] == datetime.fromisoformat(offered[0])
    assert not stored.get("proposed_slots")


async def test_a_client_reckoning_in_their_own_zone_moves_the_conversation_to_it(runtime: AgentRuntime) -> None:
    from zoneinfo import ZoneInfo

    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Давайте в понедельник в 11 по Новосибирску", channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["timezone"] == "Asia/Novosibirsk"
    assert stored["demo_at"] == datetime(2026, 11, 30, 11, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))
    assert "(МСК+4)" in [m for m in channel.sent if m.kind != "team"][-1].text


async def test_moscow_time_named_by_the_client_is_converted_and_the_zone_kept(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime, timezone="Asia/Yekaterinburg")
    await client_says(runtime, contact, "Давайте в понедельник в 11 по Москве", channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["timezone"] == "Asia/Yekaterinburg" and stored["demo_at"] == datetime(2026, 11, 30, 11, 0, tzinfo=MSK)


async def test_a_client_offering_their_own_telegram_gets_the_bot_link_and_the_handle_binds_them(
        runtime: AgentRuntime) -> None:
    from channels.telegram.settings import TelegramSettings

    runtime.deep_links = TelegramSettings(_env_file=None, telegram_bot_token="123:abc",  # type: ignore[call-arg]
                                          telegram_bot_username="otzyvy_test_bot").deep_links()
    contact, channel = await start(runtime)
    before = len(channel.sent)
    await client_says(runtime, contact, "Мой телеграм @Ivan_Utro, там быстрее отвечу", channel)
    [reply] = channel.sent[before:]
    assert "t.me/otzyvy_test_bot?start=" in reply.text and "Старт" in reply.text
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["telegram"] == "@ivan_utro" and stored["status"] == "active"  # /start by that username binds them
    assert await runtime.store.contacts.find_by_address("telegram", "ivan_utro") is not None


async def test_a_client_offering_their_own_telegram_with_no_bot_goes_to_a_person(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    before = len(channel.sent)
    await client_says(runtime, contact, "Не пишите мне сюда, я тут редко бываю — лучше в телеграм @ivan_utro", channel)
    reply, note = channel.sent[before:]
    assert "напишет Вам в Telegram" in reply.text and note.kind == "team" and "@ivan_utro" in note.text
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["telegram"] == "@ivan_utro"


async def test_a_colleagues_telegram_is_a_referral_not_a_move(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Напишите нашему маркетологу Анне в телеграм @anna_mkt", channel)
    assert doc["result"]["actions"] == ["create_contact"]
    stored = await runtime.store.contacts.require(contact["_id"])
    assert not stored.get("telegram")


async def test_a_booked_call_moved_by_half_an_hour_is_rebooked(runtime: AgentRuntime) -> None:
    after = await booked_then(runtime, "А можно на полчаса позже?")
    [reply] = [m for m in after if m.kind != "team"]
    assert "15:30" in reply.text and "специалист" not in reply.text
    [stored] = [c async for c in runtime.store.contacts.col.find({})]
    assert stored["demo_at"] == datetime(2026, 11, 26, 15, 30, tzinfo=MSK)


async def test_a_referral_with_a_phone_only_goes_to_a_person_who_calls(runtime: AgentRuntime) -> None:
    _, after = await answer_to(runtime, "Это лучше обсудить с нашим директором Сергеем Ивановым, его телефон +7 999 123-45-67")
    reply, note = after
    assert "менеджер позвонит" in reply.text and "получит от нас" not in reply.text  # nothing promised we cannot send
    assert note.kind == "team" and "+79991234567" in note.text and "позвоните" in note.text
    [referred] = [c async for c in runtime.store.contacts.col.find({"source": "referral"})]
    assert referred["phone"] == "+79991234567" and referred["status"] == "handoff"
    assert not referred.get("next_timer")  # no outreach: the agent has nowhere to write
    assert await runtime.store.timers.col.count_documents({"contact_id": referred["_id"]}) == 0


async def test_an_opt_out_with_no_booking_tells_the_team_nothing(runtime: AgentRuntime) -> None:
    _, after = await answer_to(runtime, "Больше нам не пишите.")
    assert after == []


async def test_a_pause_to_a_weekend_day_is_moved_to_the_next_working_day(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Сейчас не до этого, напишите после 15 января", channel)
    assert "18 января" in channel.sent[-1].text  # 16 January 2027 is a Saturday
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["paused_until"].astimezone(MSK).date().isoformat() == "2027-01-18"
    assert stored["next_timer"]["due_at"].astimezone(MSK).date().isoformat() == "2027-01-18"


async def test_a_move_to_a_day_then_a_time_books_the_proposed_slot_on_that_day(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Давайте созвонимся в четверг в 11:00", channel)  # Thu 26.11
    await client_says(runtime, contact, "Не успеваю в четверг, можно перенести на понедельник?", channel)
    assert "Пока за Вами остаётся прежнее время" in channel.sent[-1].text and "30 ноября" in channel.sent[-1].text
    await client_says(runtime, contact, "Давайте в 15", channel)  # a proposed Monday slot, not Thursday 15:00
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["demo_at"] == datetime(2026, 11, 30, 15, 0, tzinfo=MSK) and stored["proposed_slots"] == []
    assert "Перенесли" in [m for m in channel.sent if m.kind != "team"][-1].text


async def test_a_weekend_day_with_a_part_of_it_gets_working_days_then_a_time_books_the_first(
        runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Ок, а можно созвониться в субботу после обеда?", channel)
    assert doc["result"]["intent"] == "demo" and doc["result"]["actions"] == []
    assert "В выходные мы демо не проводим" in channel.sent[-1].text and "30 ноября" in channel.sent[-1].text
    doc = await client_says(runtime, contact, "а в воскресенье вечером?", channel)  # a time, not an off-topic question
    assert doc["result"]["intent"] == "demo" and "В выходные" in channel.sent[-1].text
    assert [m for m in channel.sent if m.kind == "team"] == []
    await client_says(runtime, contact, "давайте в 15:30", channel)  # no slot at 15:30: the first proposed day
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["demo_at"] == datetime(2026, 11, 30, 15, 30, tzinfo=MSK)


async def test_a_thumbs_up_is_answered_once_and_the_cadence_goes_on(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    timer = contact["next_timer"]
    await client_says(runtime, contact, "👍", channel)
    assert [m.kind for m in channel.sent[1:]] == ["message"]  # no hand-off note to the team
    assert "пришлю презентацию" in channel.sent[-1].text and "за рамки" not in channel.sent[-1].text
    await client_says(runtime, contact, "ок", channel, after=timedelta(minutes=5))
    assert len(channel.sent) == 2  # a second acknowledgement in a row gets no reply
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "active" and stored["next_timer"]["id"] == timer["id"]


async def test_a_call_asked_for_by_phone_after_an_hour_gets_slots_after_it_and_the_team_gets_the_number(
        runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Лучше позвоните мне, +7 916 555-12-34, завтра после 14", channel)
    offer = channel.sent[-1].text
    assert "26 ноября, 14:00" in offer and "26 ноября, 15:00" in offer and "11:00" not in offer
    await client_says(runtime, contact, "давайте в 15", channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["demo_at"] == datetime(2026, 11, 26, 15, 0, tzinfo=MSK) and stored["callback_phone"] == "+79165551234"
    [team] = [m for m in channel.sent if m.kind == "team"]
    assert "Телефон клиента: +79165551234" in team.text


async def test_a_question_about_the_booked_call_keeps_it_and_goes_to_the_manager(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Давайте созвонимся завтра в три часа дня", channel)
    before = len(channel.sent)
    await client_says(runtime, contact, "А можно ещё коллегу позвать на звонок?", channel)
    reply, team = channel.sent[before:][0], channel.sent[before:][1:]
    assert "Встреча в силе" in reply.text and "26 ноября" in reply.text and "перенес" not in reply.text
    assert len(team) == 1 and "коллегу позвать" in team[0].text  # the manager answers it
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["demo_at"] == datetime(2026, 11, 26, 15, 0, tzinfo=MSK) and not stored.get("proposed_slots")


async def test_vague_demo_proposes_slots(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Давайте созвонимся на следующей неделе", channel)
    assert doc["result"]["intent"] == "demo" and doc["result"]["actions"] == []
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["stage"] == "demo_proposed" and len(stored["proposed_slots"]) >= 2


async def test_referral_creates_and_contacts_the_new_person(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    text = "Этим занимается маркетолог Ольга Смирнова, напишите ей: olga.smirnova@volna-hotel.ru"
    doc = await client_says(runtime, contact, text, channel)
    assert doc["result"]["actions"] == ["create_contact"]
    old = await runtime.store.contacts.require(contact["_id"])
    new = await runtime.store.contacts.find_by_address("email", "olga.smirnova@volna-hotel.ru")
    assert old["status"] == "closed" and old["referred_contact_id"] == new["_id"]
    assert new["name"] == "Ольга Смирнова" and new["referred_by"] == contact["_id"]
    email_channel = Recorder("email")
    await pump(runtime, [channel, email_channel])
    assert len(email_channel.sent) == 1 and "Иван Петров" in email_channel.sent[0].text


async def test_a_referral_with_a_deck_request_sends_the_deck_too_and_still_ends_the_thread(
        runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    text = "Этим занимается наш управляющий Сергей, его телеграм @sergey_volna_hotel. А мне пришлите презентацию"
    doc = await client_says(runtime, contact, text, channel)
    assert sorted(doc["result"]["actions"]) == ["create_contact", "send_presentation"]
    reply = channel.sent[-1].text
    assert runtime.settings.presentation_url in reply and "Сергей получит" in reply
    assert reply.rstrip().endswith("Хорошего дня!") and "созвониться" not in reply  # one ending, no call asked
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "closed" and stored["stage"] == "referred" and stored["deck_sent_at"] is not None
    assert stored["next_timer"] is None  # no follow-ups after a referral


async def test_pause_then_reminder_when_it_ends(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Сейчас не до этого, напишите через месяц", channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "paused" and stored["next_timer"]["kind"] == "pause_end"
    assert stored["next_timer"]["due_at"].astimezone(MSK).date().isoformat() == "2026-12-25"
    before = len(channel.sent)
    runtime.clock.advance(timedelta(days=20))
    await pump(runtime, [channel])
    assert len(channel.sent) == before  # nothing during the pause
    runtime.clock.advance(timedelta(days=12))
    await pump(runtime, [channel])
    assert len(channel.sent) == before + 1
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "active"


async def test_opt_out_sends_nothing_ever_again(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Пожалуйста, не пишите мне больше.", channel)
    assert doc["result"] == {**doc["result"], "intent": "opt_out", "actions": ["opt_out"], "replied": False}
    sent_before = len(channel.sent)
    await client_says(runtime, contact, "Сколько стоит?", channel)
    runtime.clock.advance(timedelta(days=60))
    await pump(runtime, [channel])
    to_client = [m for m in channel.sent[sent_before:] if m.kind != "team"]
    assert to_client == []  # the team is told the opted-out contact wrote again; the client gets nothing
    assert [m.kind for m in channel.sent[sent_before:]] == ["team"]
    assert await runtime.store.suppressions.any_suppressed([f"contact:{contact['_id']}"])


async def test_silence_runs_the_cadence_then_closes(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    for _ in range(25):
        runtime.clock.advance(timedelta(days=1))
        await pump(runtime, [channel])
    stored = await runtime.store.contacts.require(contact["_id"])
    assert len(channel.sent) == 3  # outreach + two nudges
    assert stored["status"] == "closed" and stored["outcome"] == "silence"


async def test_question_about_price_names_no_figure(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "Сколько стоит ваш сервис?", channel)
    assert doc["result"]["intent"] == "question"
    reply = channel.sent[-1].text
    assert "руб" not in reply and "₽" not in reply and "демо" in reply.lower()


async def test_a_review_site_the_facts_do_not_list_is_promised_to_a_specialist_not_denied(
        runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "А с TripAdvisor вы работаете? У нас гостиницы.", channel)
    reply = [m for m in channel.sent if m.kind != "team"][-1].text
    assert "Яндекс Картами" in reply and "Про TripAdvisor уточню у специалиста" in reply
    team = [m for m in channel.sent if m.kind == "team"]
    assert len(team) == 1 and "TripAdvisor" in team[0].text


async def test_a_question_no_template_covers_beside_one_that_does_is_promised_and_sent_to_the_team(
        runtime: AgentRuntime) -> None:
    contact, after = await answer_to(runtime, "А отчёты можно выгружать в Excel? И есть ли мобильное приложение?")
    [reply] = [m for m in after if m.kind != "team"]
    assert "В отчётах видна динамика рейтинга" in reply.text  # the known question is answered
    assert "Остальное уточню у специалиста" in reply.text  # the other one is not dropped
    [team] = [m for m in after if m.kind == "team"]
    assert "И есть ли мобильное приложение?" in team.text and "выгружать в Excel" not in team.text
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "active"


async def test_questions_all_covered_by_templates_promise_nothing(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    before = len(channel.sent)
    await client_says(runtime, contact, "Сколько стоит? И с какими площадками работаете?", channel)
    assert not any(m.kind == "team" for m in channel.sent[before:])
    assert "специалист" not in channel.sent[-1].text


async def test_other_hands_off_and_agent_stops_replying(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Нам нужна разработка мобильного приложения, с кем обсудить?", channel)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["handoff_reason"] == "вопрос не про сервис отзывов"
    assert "выходит за рамки" in [m for m in channel.sent if m.kind != "team"][-1].text
    count = len(channel.sent)
    await client_says(runtime, contact, "Ну так что?", channel)
    assert len(channel.sent) == count
    await restart(runtime.store, runtime.clock, contact["_id"])
    await pump(runtime, [channel])
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "active"


async def test_a_message_the_agent_cannot_place_is_passed_on_without_calling_it_off_topic(
        runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    await client_says(runtime, contact, "Алло, вы звонить будете?", channel)
    reply = [m for m in channel.sent if m.kind != "team"][-1].text
    assert "Передаю его менеджеру" in reply and "за рамки" not in reply
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "handoff" and stored["handoff_reason"] == "агент не понял, о чём сообщение"


async def test_cli_opt_out_stops_queued_messages(runtime: AgentRuntime) -> None:
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock,
                                   {"name": "Пётр", "company": "ООО", "channel": "console"})
    await opt_out(runtime.store, runtime.clock, contact["_id"])
    channel = Recorder()
    runtime.clock.advance(timedelta(days=3))
    await pump(runtime, [channel])
    assert channel.sent == []


async def test_restart_command_in_chat_greets_again(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime)
    doc = await client_says(runtime, contact, "/start", channel)
    assert doc["result"]["intent"] == "restart" and doc["result"]["actions"] == ["restart"]
    assert channel.sent[-1].text.count("Здравствуйте") + channel.sent[-1].text.count("Добрый день") == 1


async def test_telegram_handle_without_chat_waits_for_start(runtime: AgentRuntime) -> None:
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock,
                                   {"name": "Дмитрий Орлов", "company": "Кофейня «Утро»", "telegram": "@dmitry_utro"})
    channels = [Recorder("telegram"), Recorder("console")]
    runtime.clock.advance(timedelta(days=1))
    await pump(runtime, channels)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert all(c.sent == [] for c in channels)
    assert stored["stage"] == "awaiting_telegram_start" and stored["next_timer"] is None
    assert "outreach_sent_at" not in stored


async def test_an_english_lead_is_written_to_in_english_and_the_team_reads_russian(runtime: AgentRuntime) -> None:
    contact, channel = await start(runtime, name="Oliver Grant", company="Lakeside Hotels", language="en")
    first = channel.sent[0]
    assert first.text.startswith("Hello Oliver,") and "30-minute online demo" in first.text
    doc = await client_says(runtime, contact, "Thursday at 3pm works, let's do a demo.", channel)
    assert doc["result"]["actions"] == ["book_demo"]
    reply = [m for m in channel.sent if m.kind != "team"][-1].text
    assert "on Thursday, November 26, at 15:00 (MSK)" in reply and "Договорились" not in reply
    team = [m for m in channel.sent if m.kind == "team"]
    assert team and "в четверг, 26 ноября, в 15:00" in team[-1].text  # the team's note stays Russian
    # a Russian message switches the conversation to Russian
    await client_says(runtime, contact, "Спасибо! А с какими площадками вы работаете?", channel)
    assert "Яндекс Картами" in [m for m in channel.sent if m.kind != "team"][-1].text
