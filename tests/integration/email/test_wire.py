"""What reaches the client's mailbox through the real SMTP server, read as raw bytes from dovecot:
a literal List-Unsubscribe with the one-click https variant, a subject that decodes back exactly,
an answer to a sender-matched mail that joins the thread we started, and the invite's SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

from pydantic import SecretStr

from agent.contracts import OutboundMessage, message_id_for
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from agent.tools.unsubscribe_token import verify_token
from channels.email.compose import unsubscribe_address
from channels.email.ingest import EmailIngest, store_raw
from channels.email.sender import EmailChannel
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses
from tests.integration.email.mail import client_mail, fetch_all, parse, smtp_send, wait_for_mail
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer
from tests.unit.email_transport.test_wire import raw_headers, strict_decode

SECRET = "wire-test-secret"
BASE = "https://seed.example.ru"


async def test_raw_headers_and_a_sender_matched_reply_join_our_thread(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot,
        smtp: SmtpServer) -> None:
    store = runtime.store
    settings = runtime.settings.model_copy(update={"public_base_url": BASE, "unsubscribe_secret": SecretStr(SECRET)})
    channel = EmailChannel(store, settings, email_settings, runtime.clock)
    contact, _ = await add_contact(store, settings, runtime.clock, {
        "name": "Иван Петров", "company": "Сеть кофеен «Бриз» и Партнёры Северо-Западного региона",
        "email": addrs.client})
    await pump(runtime, [channel])

    [raw] = await fetch_all(dovecot, addrs.client)
    doc = next(d for d in await store.outbox.for_contact(contact["_id"]) if d["kind"] == "outreach")
    outreach_id = message_id_for(doc["_id"], addrs.agent)
    headers = raw_headers(raw)
    mailto = f"<mailto:{unsubscribe_address(addrs.agent)}?subject=unsubscribe%20{outreach_id[1:25]}>"
    assert headers["List-Unsubscribe"].startswith(mailto + ",\r\n <https://seed.example.ru/u/")
    link = headers["List-Unsubscribe"].split("<https://seed.example.ru/u/", 1)[1].rstrip(">")
    assert verify_token(link, SECRET) == contact["_id"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"=?utf-8?q?=3Cmailto" not in raw
    assert strict_decode(headers["Subject"]) == doc["subject"]
    assert str(make_header(decode_header(headers["Subject"].replace("\r\n", "")))) == doc["subject"]

    # the client writes a new mail (no In-Reply-To / References): matched by sender only
    await smtp_send(smtp, client_mail(addrs.client, addrs.agent, "Вопрос", "Пришлите, пожалуйста, презентацию."))
    [fresh] = await wait_for_mail(dovecot, addrs.agent, 1)
    [raw_in] = await fetch_all(dovecot, addrs.agent)
    await store_raw(store, raw_in, runtime.clock.now(), {"mailbox": "INBOX", "uidvalidity": 1, "uid": 1},
                    email_settings.email_raw_max_bytes)
    await EmailIngest(store, settings, email_settings, runtime.clock).process_received()
    await pump(runtime, [channel])

    raws = await wait_for_mail(dovecot, addrs.client, 2)
    answer_raw = (await fetch_all(dovecot, addrs.client))[1]
    answer = raw_headers(answer_raw)
    assert answer["In-Reply-To"] == fresh["Message-ID"]
    assert answer["References"].replace("\r\n", "").split() == [outreach_id, fresh["Message-ID"]]
    assert parse(answer_raw)["Message-ID"] == raws[1]["Message-ID"]


async def test_a_rebooked_demo_keeps_the_uid_and_raises_the_sequence(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses) -> None:
    store, clock = runtime.store, runtime.clock
    channel = EmailChannel(store, runtime.settings, email_settings, clock)
    first, second = datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 3, 8, tzinfo=UTC)
    invites = []
    for n, when in enumerate((first, second)):
        await store.events.record(f"e{n}:demo_booked", "c-re", "demo_booked", clock.now(),
                                  {"demo_at": when.isoformat()})
        message = OutboundMessage(key=f"e{n}:reply", contact_id="c-re", channel="email", to=addrs.client,
                                  text="…")
        invites.append(await channel.invites.booked(message))
        clock.advance(timedelta(minutes=5))
    again = await channel.invites.booked(OutboundMessage(key="e0:reply", contact_id="c-re", channel="email",
                                                        to=addrs.client, text="…"))
    assert invites[0] and invites[1] and again
    assert invites[0].uid == invites[1].uid == again.uid
    assert (invites[0].sequence, invites[1].sequence, again.sequence) == (0, 2, 0)  # a retry keeps its number
