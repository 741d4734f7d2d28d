"""Raw mail → inbox event → graph, on a real MongoDB: threading (In-Reply-To / References, then the
sender), unknown senders recorded not answered, hard and soft bounces, the unsubscribe mailto,
and our own messages."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

from rich.console import Console

from agent.contracts import OutboundMessage, message_id_for
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.console import ConsoleChannel
from channels.email.compose import token_of, unsubscribe_address
from channels.email.ingest import EmailIngest, store_raw
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses
from tests.integration.email.mail import client_mail, delivery_report

NOW_SOURCE = {"mailbox": "INBOX", "uidvalidity": 1, "uid": 1}


class Recorder(ConsoleChannel):
    """Records what the agent would send by email, without sending."""

    def __init__(self) -> None:
        from io import StringIO

        from rich.console import Console

        super().__init__(Console(file=StringIO()), name="email")


async def setup(rt: AgentRuntime, addrs: Addresses) -> tuple[dict[str, Any], str]:
    """A contact whose outreach went out: the returned Message-ID is what the client replies to."""
    contact, _ = await add_contact(rt.store, rt.settings, rt.clock, {
        "name": "Иван Петров", "company": "ООО «Ромашка»", "email": addrs.client}, start=False)
    await rt.store.contacts.update(contact["_id"], rt.clock.now(), status="active", stage="outreach_sent",
                                   outreach_sent_at=rt.clock.now(), thread_subject="Отзывы «Ромашки»")
    key = f"t:outreach:{contact['_id']}:reply"
    await rt.store.outbox.enqueue(OutboundMessage(key=key, contact_id=contact["_id"], channel="email",
                                                  to=addrs.client, kind="outreach", text="…"), rt.clock.now())
    await rt.store.outbox.mark_sent(key, rt.clock.now(), None, 90)
    our_id = message_id_for(key, addrs.agent)
    await rt.store.mail.remember(our_id, contact_id=contact["_id"], direction="out", key=key,
                                          references=[], subject="Отзывы «Ромашки»", at=rt.clock.now())
    return await rt.store.contacts.require(contact["_id"]), our_id


async def ingest(rt: AgentRuntime, email: EmailSettings, raw: bytes) -> dict[str, Any]:
    key = await store_raw(rt.store, raw, rt.clock.now(), NOW_SOURCE, email.email_raw_max_bytes)
    await EmailIngest(rt.store, rt.settings, email, rt.clock).process_received()
    return await rt.store.inbox.get(key)


async def test_replies_are_matched_by_thread_then_by_sender(runtime: AgentRuntime, email_settings: EmailSettings,
                                                            addrs: Addresses) -> None:
    contact, our_id = await setup(runtime, addrs)
    alias = client_mail("ivan.home@mail.test", addrs.agent, "Re: Отзывы", "Интересно, расскажите.",
                        in_reply_to=our_id)
    doc = await ingest(runtime, email_settings, bytes(alias))
    assert (doc["contact_id"], doc["meta"]["matched_by"], doc["status"]) == (contact["_id"], "thread", "pending")
    assert doc["meta"]["message_id"] == alias["Message-ID"] and doc["meta"]["in_reply_to"] == our_id

    refs_only = client_mail("ivan.home@mail.test", addrs.agent, "Re: Отзывы", "И ещё вопрос.",
                            in_reply_to="<lost@elsewhere.test>", references=f"{our_id} <lost@elsewhere.test>")
    assert (await ingest(runtime, email_settings, bytes(refs_only)))["contact_id"] == contact["_id"]

    fresh = client_mail(addrs.client, addrs.agent, "Новое письмо", "Добрый день, пишу отдельно.")
    fresh_doc = await ingest(runtime, email_settings, bytes(fresh))
    assert (fresh_doc["contact_id"], fresh_doc["meta"]["matched_by"]) == (contact["_id"], "sender")

    stranger = client_mail("who@unknown.test", addrs.agent, "Вопрос", "Кто вы?")
    doc = await ingest(runtime, email_settings, bytes(stranger))
    assert doc["contact_id"] is None and doc["status"] == "pending"
    await pump(runtime, [Recorder()])
    done = await runtime.store.inbox.get(doc["_id"])
    assert done["status"] == "done" and done["result"]["skip"].startswith("unknown sender")
    assert not [d async for d in runtime.store.outbox.col.find({"to": "who@unknown.test"})]

    again = await ingest(runtime, email_settings, bytes(fresh))  # the same message fetched twice
    assert again["_id"] == fresh_doc["_id"] and again["ingested_at"] == fresh_doc["ingested_at"]
    assert await runtime.store.inbox.col.count_documents({"channel": "email"}) == 4


async def test_hard_bounce_closes_the_contact(runtime: AgentRuntime, email_settings: EmailSettings,
                                              addrs: Addresses) -> None:
    contact, our_id = await setup(runtime, addrs)
    doc = await ingest(runtime, email_settings, delivery_report(addrs.agent, addrs.client, our_id))
    assert doc["flags"] == ["bounce"] and doc["meta"]["matched_by"] == "bounced_message_id"
    channel = Recorder()
    await pump(runtime, [channel])
    stored = await runtime.store.contacts.require(contact["_id"])
    assert stored["status"] == "closed" and stored["outcome"] == "bounce" and "email" in stored["unreachable"]
    assert channel.sent == []  # a bounce is never answered


async def test_soft_bounce_sends_again_later_then_counts_as_hard(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses) -> None:
    contact, our_id = await setup(runtime, addrs)
    outbox_key = f"t:outreach:{contact['_id']}:reply"
    delayed = delivery_report(addrs.agent, addrs.client, our_id, status="4.4.1", diagnostic="451 4.4.1 no answer",
                              delayed=True)
    doc = await ingest(runtime, email_settings, delayed)
    assert doc["status"] == "done" and doc["result"]["skip"].startswith("delivery delayed")
    assert (await runtime.store.outbox.get(outbox_key))["status"] == "sent"  # still on its way: not resent

    full = {"status": "5.2.2", "diagnostic": "552 5.2.2 Mailbox full"}
    for attempt in (1, 2):
        doc = await ingest(runtime, email_settings, delivery_report(addrs.agent, addrs.client, our_id, **full))
        assert doc["status"] == "done" and doc["result"]["skip"].startswith("soft bounce")
        again = await runtime.store.outbox.get(outbox_key)
        assert again["status"] == "pending" and again["soft_bounces"] == attempt
        assert again["available_at"] == runtime.clock.now() + timedelta(hours=4)
        await runtime.store.outbox.mark_sent(outbox_key, runtime.clock.now(), None, 90)  # the resend
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "active"

    doc = await ingest(runtime, email_settings, delivery_report(addrs.agent, addrs.client, our_id, **full))
    assert doc["status"] == "pending" and doc["flags"] == ["bounce"]  # the third one is final
    await pump(runtime, [Recorder()])
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "closed"


async def test_unsubscribe_mailto_is_an_opt_out(runtime: AgentRuntime, email_settings: EmailSettings,
                                                addrs: Addresses) -> None:
    contact, our_id = await setup(runtime, addrs)
    await runtime.store.outbox.enqueue(OutboundMessage(key="later:reply", contact_id=contact["_id"], channel="email",
                                                       to=addrs.client, kind="follow_up", text="…"),
                                       runtime.clock.now())
    mailto = client_mail("ivan.home@mail.test", unsubscribe_address(addrs.agent), f"unsubscribe {token_of(our_id)}",
                         "")
    doc = await ingest(runtime, email_settings, bytes(mailto))
    assert doc["contact_id"] == contact["_id"] and doc["meta"]["matched_by"] == "unsubscribe_token"
    assert doc["text"] == "unsubscribe" and doc["meta"]["unsubscribe"] is True
    assert await runtime.store.suppressions.any_suppressed([f"email:{addrs.client}"])  # at once
    assert (await runtime.store.outbox.get("later:reply"))["status"] == "suppressed"
    channel = Recorder()
    await pump(runtime, [channel])
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "opted_out"
    assert channel.sent == []


async def test_our_own_message_is_recorded_not_answered(runtime: AgentRuntime, email_settings: EmailSettings,
                                                        addrs: Addresses) -> None:
    await setup(runtime, addrs)
    own = client_mail(addrs.agent, addrs.agent, "Копия", "Это наше же письмо.", name="Анна")
    doc = await ingest(runtime, email_settings, bytes(own))
    assert doc["status"] == "done" and doc["result"] == {"skip": "our own message"}


async def test_opted_out_contact_writing_again_gets_nothing_but_the_team_is_told(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses) -> None:
    contact, our_id = await setup(runtime, addrs)
    mailto = client_mail(addrs.client, unsubscribe_address(addrs.agent), f"unsubscribe {token_of(our_id)}", "")
    await ingest(runtime, email_settings, bytes(mailto))
    channel, team = Recorder(), ConsoleChannel(Console(file=StringIO()))  # email to the client; team notes
    await pump(runtime, [channel, team])
    assert (await runtime.store.contacts.require(contact["_id"]))["status"] == "opted_out"
    notes_before = len(team.sent)
    client_query = {"contact_id": contact["_id"], "kind": {"$ne": "team"}}
    queued_before = await runtime.store.outbox.col.count_documents(client_query)

    demo = client_mail(addrs.client, addrs.agent, "Демо", "Передумал: хочу демо в четверг в 15:00.")
    for _ in range(2):  # the same message fetched twice: one note
        await ingest(runtime, email_settings, bytes(demo))
        await pump(runtime, [channel, team])
    assert channel.sent == []
    assert await runtime.store.outbox.col.count_documents(client_query) == queued_before  # nothing queued
    notes = team.sent[notes_before:]
    assert len(notes) == 1 and notes[0].kind == "team"
    assert "написал снова" in notes[0].text and "хочу демо" in notes[0].text
    assert contact["_id"] in notes[0].text
