"""The client's own new email, on real servers: the outreach goes to the old mailbox (dovecot), the
client answers «Больше не пишите на этот адрес, пишите на новый: …», and the reply and every later
message arrive in the new mailbox, in the same thread; the old one gets nothing more. Beside a live
stop signal («Сюда больше не пишите») a person decides, and `contacts move-email` moves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from agent.clock import SimulatedClock
from agent.operations import add_contact, give_back, move_contact_email
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.email.ingest import EmailIngest, store_raw
from channels.email.sender import EmailChannel
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import SAMPLE_PDF, Addresses
from tests.integration.email.mail import client_mail, fetch_all, quoted_reply, wait_for_mail
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer

SOURCE = {"mailbox": "INBOX", "uidvalidity": 1, "uid": 1}


@dataclass
class MailEnv:
    runtime: AgentRuntime
    email_settings: EmailSettings
    addrs: Addresses
    dovecot: Dovecot


@pytest.fixture
def mail_env(runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot,
             smtp: SmtpServer) -> MailEnv:
    """The agent with the real mail servers (the SMTP server delivers into dovecot)."""
    return MailEnv(runtime, email_settings, addrs, dovecot)


async def answer(rt: AgentRuntime, email: EmailSettings, mail: EmailMessage) -> dict[str, Any]:
    """The client's mail, ingested as the listener does, then the agent's turn."""
    key = await store_raw(rt.store, bytes(mail), rt.clock.now(), SOURCE, email.email_raw_max_bytes)
    await EmailIngest(rt.store, rt.settings, email, rt.clock).process_received()
    await pump(rt, [EmailChannel(rt.store, rt.settings, email, rt.clock)])
    return await rt.store.inbox.get(key)


async def start(rt: AgentRuntime, email: EmailSettings, addrs: Addresses, dovecot: Dovecot
                ) -> tuple[dict[str, Any], EmailMessage]:
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock, {
        "name": "Анна Смирнова", "company": "Кафе «Лавка вкуса»", "email": addrs.client})
    await pump(rt, [EmailChannel(rt.store, rt.settings, email, rt.clock)])
    [outreach] = await wait_for_mail(dovecot, addrs.client, 1)
    return contact, outreach


def astuple_env(env: MailEnv) -> tuple[AgentRuntime, EmailSettings, Addresses, Dovecot]:
    return env.runtime, env.email_settings, env.addrs, env.dovecot


def plain(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def test_the_reply_and_the_follow_ups_go_to_the_new_mailbox(mail_env: MailEnv) -> None:
    runtime, email_settings, addrs, dovecot = astuple_env(mail_env)
    new = addrs.client.replace("ivan-", "anna-new-")
    contact, outreach = await start(runtime, email_settings, addrs, dovecot)
    text = f"Больше не пишите на этот адрес, пишите на новый: {new}"
    mail = quoted_reply(outreach, addrs.client, text)
    doc = await answer(runtime, email_settings, mail)

    assert doc["result"]["replied"] is True
    [reply] = await wait_for_mail(dovecot, new, 1)
    assert reply["To"] == new and reply["In-Reply-To"] == mail["Message-ID"]
    assert outreach["Message-ID"] in reply["References"].split()  # the same thread, in the new mailbox
    assert f"Дальше пишем Вам на {new}" in plain(reply)
    [raw] = await fetch_all(dovecot, new)  # as bytes on the wire, not as Python's parser reads them back
    headers = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].split(b"\n")
    assert f"To: {new}".encode() in headers  # the whole header line: the new address and nothing else
    stored = await runtime.store.contacts.require(contact["_id"])
    assert (stored["email"], stored["former_emails"], stored["status"]) == (new, [addrs.client], "active")
    assert await runtime.store.suppressions.any_suppressed([f"email:{addrs.client}"])  # «сюда больше не пишите»
    assert not await runtime.store.suppressions.any_suppressed([f"email:{new}"])
    assert (await runtime.store.contacts.find_by_address("email", addrs.client))["_id"] == contact["_id"]

    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.advance(timedelta(days=7))  # the cadence goes on, at the new address
    await pump(runtime, [EmailChannel(runtime.store, runtime.settings, email_settings, runtime.clock)])
    mails = await wait_for_mail(dovecot, new, 2)
    assert [m["To"] for m in mails] == [new, new]
    assert len(await wait_for_mail(dovecot, addrs.client, 2, timeout=0.5)) == 1  # only the outreach

    # a second move is a person's call (the agent is not a relay to any address a sender names)
    third = addrs.client.replace("ivan-", "third-")
    again = client_mail(new, addrs.agent, "Адрес", f"Мой новый адрес теперь {third}, пишите туда.")
    await answer(runtime, email_settings, again)
    stored = await runtime.store.contacts.require(contact["_id"])
    assert (stored["email"], stored["status"]) == (new, "handoff")
    assert f"sales-agent contacts move-email {contact['_id']} {third}" in stored["handoff_reason"]
    assert len(await wait_for_mail(dovecot, third, 1, timeout=0.5)) == 0


async def test_the_deck_goes_to_the_personal_address_and_the_old_one_is_not_suppressed(mail_env: MailEnv) -> None:
    runtime, email_settings, addrs, dovecot = astuple_env(mail_env)
    personal = addrs.client.replace("ivan-", "olga-home-")
    contact, outreach = await start(runtime, email_settings, addrs, dovecot)
    text = f"Отправьте описание в PDF на мой личный адрес {personal} — рабочий режет вложения."
    await answer(runtime, email_settings, quoted_reply(outreach, addrs.client, text))

    [reply] = await wait_for_mail(dovecot, personal, 1)
    assert [p.get_filename() for p in reply.iter_attachments()] == [SAMPLE_PDF.name]
    assert runtime.settings.presentation_url in plain(reply)
    assert plain(reply).index(personal) < plain(reply).index(runtime.settings.presentation_url)  # the ack first
    assert not await runtime.store.suppressions.any_suppressed([f"email:{addrs.client}"])  # not asked to stop
    assert (await runtime.store.contacts.require(contact["_id"]))["email"] == personal

    # an opt-out later stops the address the client moved away from too: the same person
    await answer(runtime, email_settings, client_mail(personal, addrs.agent, "Re", "Отпишите меня от рассылки."))
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "opted_out"
    for address in (personal, addrs.client):
        assert await runtime.store.suppressions.any_suppressed([f"email:{address}"]), address


async def test_an_address_of_another_contact_sends_nothing_and_asks_a_person(mail_env: MailEnv) -> None:
    runtime, email_settings, addrs, dovecot = astuple_env(mail_env)
    taken = addrs.client.replace("ivan-", "boss-")
    await add_contact(runtime.store, runtime.settings, runtime.clock,
                      {"name": "Пётр Сидоров", "email": taken}, start=False)
    contact, outreach = await start(runtime, email_settings, addrs, dovecot)
    text = f"Мой новый адрес: {taken}, пишите туда."
    doc = await answer(runtime, email_settings, quoted_reply(outreach, addrs.client, text))

    assert doc["result"]["replied"] is False
    stored = await runtime.store.contacts.require(contact["_id"])
    assert (stored["email"], stored["status"], stored["stage"]) == (addrs.client, "handoff", "address_refused")
    assert stored["next_timer"] is None
    assert len(await wait_for_mail(dovecot, taken, 1, timeout=0.5)) == 0
    assert len(await wait_for_mail(dovecot, addrs.client, 2, timeout=0.5)) == 1
    [note] = [d for d in await runtime.store.outbox.for_contact(contact["_id"]) if d["kind"] == "team"]
    assert taken in note["text"] and "другого контакта" in note["text"]


async def test_a_suppressed_new_address_is_never_written_to(mail_env: MailEnv) -> None:
    runtime, email_settings, addrs, dovecot = astuple_env(mail_env)
    blocked = addrs.client.replace("ivan-", "stopped-")
    await runtime.store.suppressions.add([f"email:{blocked}"], "someone", "opt_out", runtime.clock.now())
    contact, outreach = await start(runtime, email_settings, addrs, dovecot)
    doc = await answer(runtime, email_settings,
                       quoted_reply(outreach, addrs.client, f"Моя новая почта — {blocked}, пишите туда."))

    assert doc["result"]["replied"] is False
    assert len(await wait_for_mail(dovecot, blocked, 1, timeout=0.5)) == 0
    stored = await runtime.store.contacts.require(contact["_id"])
    assert (stored["email"], stored["stage"]) == (addrs.client, "address_refused")


async def test_beside_a_stop_word_a_person_decides_and_moves_it_with_one_command(mail_env: MailEnv) -> None:
    runtime, email_settings, addrs, dovecot = astuple_env(mail_env)
    new = addrs.client.replace("ivan-", "anna-new-")
    contact, outreach = await start(runtime, email_settings, addrs, dovecot)
    text = f"Сюда больше не пишите — ящик скоро закроют. Мой новый адрес: {new}, продолжим там."
    doc = await answer(runtime, email_settings, quoted_reply(outreach, addrs.client, text))

    assert doc["result"]["replied"] is False  # a stop word: nothing is sent, a person decides
    held = await runtime.store.contacts.require(contact["_id"])
    assert (held["email"], held["status"], held["stage"]) == (addrs.client, "handoff", "possible_opt_out")
    command = f"sales-agent contacts move-email {contact['_id']} {new} --stop-old"
    assert command in held["handoff_reason"]
    assert len(await wait_for_mail(dovecot, new, 1, timeout=0.5)) == 0

    await move_contact_email(runtime.store, runtime.clock, contact["_id"], new, stop_old=True, by="Мария",
                             sender_email=runtime.settings.sender_email)
    await give_back(runtime.store, runtime.clock, contact["_id"], "Мария")
    assert await runtime.store.suppressions.any_suppressed([f"email:{addrs.client}"])
    # the client writes again from the old address, outside the thread: the same conversation, the new mailbox
    again = client_mail(addrs.client, addrs.agent, "Вопрос", "А сколько стоит для трёх кафе?")
    later = await answer(runtime, email_settings, again)
    assert later["contact_id"] == contact["_id"] and later["meta"]["matched_by"] == "sender"
    [reply] = await wait_for_mail(dovecot, new, 1)
    assert reply["To"] == new and reply["In-Reply-To"] == again["Message-ID"]
    assert len(await wait_for_mail(dovecot, addrs.client, 2, timeout=0.5)) == 1  # only the outreach
