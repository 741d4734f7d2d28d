"""The whole email round trip on real servers: outreach over SMTP → the client's mailbox (dovecot) →
the client replies with quoted history → the listener picks it up via IDLE → the agent answers in
the same thread, with the deck attached."""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.utils import parseaddr

from agent.contracts import message_id_for
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.email.compose import unsubscribe_address
from channels.email.listener import ImapListener
from channels.email.sender import EmailChannel
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import SAMPLE_PDF, Addresses
from tests.integration.email.mail import quoted_reply, smtp_send, wait_for_mail
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer

IDLE_PICKUP_S = 5.0


async def wait_for(predicate, timeout: float = 10.0, step: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await predicate():
            return result
        await asyncio.sleep(step)
    raise AssertionError("condition not met in time")


async def test_outreach_reply_via_idle_and_answer_in_the_same_thread(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot,
        smtp: SmtpServer) -> None:
    store, settings = runtime.store, runtime.settings
    channel = EmailChannel(store, settings, email_settings, runtime.clock)
    contact, _ = await add_contact(store, settings, runtime.clock, {
        "name": "Иван Петров", "company": "Сеть клиник «Здоровье»", "email": addrs.client})
    await pump(runtime, [channel])

    # 1. the outreach arrives in the client's mailbox with every header
    [outreach] = await wait_for_mail(dovecot, addrs.client, 1)
    doc = next(d for d in await store.outbox.for_contact(contact["_id"]) if d["kind"] == "outreach")
    outreach_id = message_id_for(doc["_id"], addrs.agent)
    assert outreach["Message-ID"] == outreach_id
    assert parseaddr(outreach["From"]) == ("Анна, Napoleon IT", addrs.agent)
    assert outreach["To"] == addrs.client
    assert outreach["Subject"] == doc["subject"] and "«Здоровье»" in outreach["Subject"]
    assert outreach["X-Auto-Response-Suppress"] == "All"
    unsub = unsubscribe_address(addrs.agent)
    assert outreach["List-Unsubscribe"] == f"<mailto:{unsub}?subject=unsubscribe%20{outreach_id[1:25]}>"
    assert outreach["In-Reply-To"] is None and outreach["References"] is None
    assert doc["status"] == "sent" and doc["provider_id"] == outreach_id
    assert "Иван" in outreach.get_body(preferencelist=("plain",)).get_content()

    # 2. the listener is idling; the client replies with the history quoted below
    stop = asyncio.Event()
    listener = ImapListener(store, settings, email_settings, runtime.clock)
    task = asyncio.create_task(listener.run(stop))
    try:
        await asyncio.wait_for(listener.ready.wait(), timeout=10)
        assert listener.mode == "idle"
        reply = quoted_reply(outreach, addrs.client, "Добрый день! Пришлите, пожалуйста, презентацию.")
        started = time.monotonic()
        await smtp_send(smtp, reply)
        key = f"email:{reply['Message-ID']}"

        async def ingested():  # type: ignore[no-untyped-def]
            doc = await store.inbox.get(key)
            return doc if doc and doc["status"] == "pending" else None

        event = await wait_for(ingested, timeout=IDLE_PICKUP_S)
        assert time.monotonic() - started < IDLE_PICKUP_S
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=10)
    assert event["contact_id"] == contact["_id"] and event["meta"]["matched_by"] == "thread"
    assert "презентацию" in event["text"] and "Иван" not in event["text"]  # the quote is not the client's words
    assert reply["Message-ID"].encode() in event["raw"] and "raw" not in event["meta"]  # kept, not in the graph

    # 3. the agent answers in the same thread, with the deck
    await pump(runtime, [channel])
    mails = await wait_for_mail(dovecot, addrs.client, 2)
    assert len(mails) == 2
    answer = mails[1]
    assert answer["In-Reply-To"] == reply["Message-ID"]
    assert answer["References"].split() == [outreach_id, reply["Message-ID"]]
    assert answer["Subject"] == f"Re: {outreach['Subject']}"
    assert answer["Message-ID"] == message_id_for(f"{key}:reply", addrs.agent)
    assert answer["List-Unsubscribe"] and answer["X-Auto-Response-Suppress"] == "All"
    [pdf] = [p for p in answer.iter_attachments() if p.get_filename() == SAMPLE_PDF.name]
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content() == SAMPLE_PDF.read_bytes()
    assert settings.presentation_url in answer.get_body(preferencelist=("plain",)).get_content()

    # both sent messages are in the agent's Sent folder, nothing went out twice
    sent = await wait_for_mail(dovecot, addrs.agent, 2, folder="Sent")
    assert [m["Message-ID"] for m in sent] == [outreach_id, answer["Message-ID"]]
    assert len(await wait_for_mail(dovecot, addrs.client, 3, timeout=0.5)) == 2
