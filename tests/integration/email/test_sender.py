"""The SMTP sender against a real SMTP server delivering into real IMAP mailboxes: retries on 4xx,
failure with the reason on 5xx, the ambiguous lost-after-DATA case, the Sent copy and the crash
check, the daily limit, the send window and the demo invite."""

from __future__ import annotations

from datetime import timedelta

from agent.clock import SimulatedClock
from agent.contracts import OutboundMessage, message_id_for
from agent.sending import send_one
from agent.settings import Settings
from agent.store import Store
from channels.email.sender import EmailChannel
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses, make_email_settings
from tests.integration.email.mail import fetch_all, wait_for_mail
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer


async def queue(store: Store, clock: SimulatedClock, key: str, to: str, kind: str = "message",
                **fields: object) -> None:
    message = OutboundMessage(key=key, contact_id="c-test", channel="email", to=to, kind=kind,
                              subject=fields.pop("subject", "Отзывы ваших клиник"),  # type: ignore[arg-type]
                              text=fields.pop("text", "Добрый день!"), **fields)  # type: ignore[arg-type]
    await store.outbox.enqueue(message, clock.now())


async def test_transient_4xx_is_retried_then_sent_once(store: Store, settings: Settings, clock: SimulatedClock,
                                                       email_settings: EmailSettings, addrs: Addresses,
                                                       dovecot: Dovecot, smtp: SmtpServer) -> None:
    smtp.handler.replies[addrs.client] = ["451 4.3.0 Mailbox busy, try again later"]
    channel = EmailChannel(store, settings, email_settings, clock)
    await queue(store, clock, "k1:reply", addrs.client)
    assert await send_one(store, channel, clock)
    doc = await store.outbox.get("k1:reply")
    assert doc["status"] == "pending" and "451" in doc["errors"][0]["reason"]
    assert doc["available_at"] > clock.now() and "smtp_started_at" not in doc
    assert not await send_one(store, channel, clock)  # not before the backoff
    clock.advance(timedelta(minutes=1))
    assert await send_one(store, channel, clock)
    assert (await store.outbox.get("k1:reply"))["status"] == "sent"
    mails = await wait_for_mail(dovecot, addrs.client, 1)
    assert [m["Message-ID"] for m in mails] == [message_id_for("k1:reply", addrs.agent)]


async def test_permanent_5xx_fails_with_the_reason(store: Store, settings: Settings, clock: SimulatedClock,
                                                   email_settings: EmailSettings, addrs: Addresses,
                                                   smtp: SmtpServer) -> None:
    channel = EmailChannel(store, settings, email_settings, clock)
    await queue(store, clock, "k-rcpt", "reject-" + addrs.client)
    smtp.handler.replies[addrs.client] = ["554 5.7.1 Message rejected as spam"]
    await queue(store, clock, "k-data", addrs.client)
    assert await send_one(store, channel, clock) and await send_one(store, channel, clock)
    rcpt, data = await store.outbox.get("k-rcpt"), await store.outbox.get("k-data")
    assert rcpt["status"] == "failed" and rcpt["error"].startswith("SMTP envelope: 550 5.1.1")
    assert data["status"] == "failed" and data["error"].startswith("SMTP data: 554 5.7.1 Message rejected")


async def test_connection_lost_after_data_is_not_retried(store: Store, settings: Settings, clock: SimulatedClock,
                                                         email_settings: EmailSettings, addrs: Addresses,
                                                         dovecot: Dovecot, smtp: SmtpServer) -> None:
    smtp.handler.drop_after_data.add(addrs.client)
    channel = EmailChannel(store, settings, email_settings, clock)
    await queue(store, clock, "k-lost", addrs.client)
    assert await send_one(store, channel, clock)
    doc = await store.outbox.get("k-lost")
    assert doc["status"] == "failed" and doc["error"].startswith("uncertain: connection lost after the message data")
    clock.advance(timedelta(hours=1))
    assert not await send_one(store, channel, clock)
    assert len(await fetch_all(dovecot, addrs.client)) == 1  # the server had it: one copy, never two


async def test_wrong_smtp_password_is_retried_later(store: Store, settings: Settings, clock: SimulatedClock,
                                                    dovecot: Dovecot, smtp: SmtpServer, addrs: Addresses) -> None:
    email = make_email_settings(dovecot, smtp, addrs.agent, smtp_password="wrong")
    channel = EmailChannel(store, settings, email, clock)
    await queue(store, clock, "k-auth", addrs.client)
    assert await send_one(store, channel, clock)
    doc = await store.outbox.get("k-auth")
    assert doc["status"] == "pending" and doc["errors"][0]["reason"].startswith("SMTP auth: 535")


async def test_sent_copy_and_the_crash_check(store: Store, settings: Settings, clock: SimulatedClock,
                                             email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    channel = EmailChannel(store, settings, email_settings, clock)
    await queue(store, clock, "k-sent", addrs.client)
    await queue(store, clock, "k-never", addrs.client)
    message = OutboundMessage(key="k-sent", contact_id="c-test", channel="email", to=addrs.client, text="x")
    never = message.model_copy(update={"key": "k-never"})
    assert await channel.was_delivered(never) is False  # DATA never issued: safe to send
    assert await send_one(store, channel, clock)
    [copy] = await wait_for_mail(dovecot, addrs.agent, 1, folder="Sent")
    assert copy["Message-ID"] == message_id_for("k-sent", addrs.agent)
    assert await channel.was_delivered(message) is True
    await store.outbox.col.update_one({"_id": "k-never"}, {"$set": {"smtp_started_at": clock.now()}})
    assert await channel.was_delivered(never) is None  # DATA issued, no Sent copy: cannot tell


async def test_daily_limit_and_send_window_defer_without_counting_a_try(
        store: Store, settings: Settings, clock: SimulatedClock, dovecot: Dovecot, smtp: SmtpServer,
        addrs: Addresses) -> None:
    email = make_email_settings(dovecot, smtp, addrs.agent, email_daily_limit=1,
                                email_send_window_start_hour=9, email_send_window_end_hour=11)
    channel = EmailChannel(store, settings, email, clock)  # the clock says 12:00 Moscow
    await queue(store, clock, "k-outreach", addrs.client, kind="outreach")
    await send_one(store, channel, clock)
    doc = await store.outbox.get("k-outreach")
    assert doc["status"] == "pending" and doc["attempts"] == 0
    assert doc["errors"][-1]["reason"] == "outside the mailbox send window"
    assert (doc["available_at"] - clock.now()) == timedelta(hours=21)  # tomorrow 09:00
    await queue(store, clock, "k-reply", addrs.client)  # replies are not held by the window
    await queue(store, clock, "k-reply2", addrs.client)
    await send_one(store, channel, clock)
    await send_one(store, channel, clock)
    assert (await store.outbox.get("k-reply"))["status"] == "sent"
    second = await store.outbox.get("k-reply2")
    assert second["status"] == "pending" and second["attempts"] == 0
    assert second["errors"][-1]["reason"] == f"daily limit of the mailbox {addrs.agent} reached"
    assert len(await fetch_all(dovecot, addrs.client)) == 1



async def test_follow_up_continues_the_thread_even_after_a_retry(
        store: Store, settings: Settings, clock: SimulatedClock, email_settings: EmailSettings, addrs: Addresses,
        dovecot: Dovecot, smtp: SmtpServer) -> None:
    channel = EmailChannel(store, settings, email_settings, clock)
    await queue(store, clock, "t:outreach:c-test:reply", addrs.client, kind="outreach", subject="Отзывы")
    assert await send_one(store, channel, clock)
    clock.advance(timedelta(days=3))
    smtp.handler.replies[addrs.client] = ["421 4.7.0 Too many connections"]
    await queue(store, clock, "t:follow:c-test:reply", addrs.client, kind="follow_up", subject="Re: Отзывы")
    assert await send_one(store, channel, clock)  # 421: retried later, already recorded in the thread index
    clock.advance(timedelta(minutes=5))
    assert await send_one(store, channel, clock)
    first, follow_up = await wait_for_mail(dovecot, addrs.client, 2)
    assert follow_up["In-Reply-To"] == first["Message-ID"] != follow_up["Message-ID"]
    assert follow_up["References"] == first["Message-ID"] and follow_up["Subject"] == "Re: Отзывы"
