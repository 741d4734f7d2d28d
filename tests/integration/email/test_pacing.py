"""Campaigns paced to the mailboxes, through the real store, scheduler, worker and SMTP sender
(a real SMTP server delivering into dovecot): per-mailbox daily limits over simulated days, the
warm-up ramp of a new mailbox, the send window in each contact's zone, two mailboxes sharing a
campaign (each thread stays on its mailbox), nothing sent twice, and the projection `stats` shows."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from agent.campaigns import campaign_paces, mailbox_days
from agent.contracts import InboundMessage, OutboundMessage
from agent.operations import import_contacts
from agent.pump import pump
from agent.runtime import AgentRuntime
from agent.sending import send_one
from agent.settings import Settings
from channels.email.sender import EmailChannel
from tests.integration.email.conftest import Addresses, make_email_settings
from tests.integration.email.mail import fetch_all, wait_for_mail
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer

MSK = ZoneInfo("Europe/Moscow")


def rows(clients: list[str], zones: list[str] | None = None):  # type: ignore[no-untyped-def]
    for i, address in enumerate(clients):
        fields = {"name": f"Клиент {i}", "company": f"Клиника «Север-{i}»", "email": address}
        if zones:
            fields["timezone"] = zones[i % len(zones)]
        yield i + 2, fields, None


def clients(n: int) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [f"lead{i}-{tag}@clinic.test" for i in range(n)]


def paced(runtime: AgentRuntime, **overrides: object) -> Settings:
    settings = runtime.settings.model_copy(update={"campaign_outreach_share": 1.0, "campaign_jitter_s": 60.0,
                                                   **overrides})
    runtime.settings = settings
    return settings


async def sent_outreach_by_day(runtime: AgentRuntime) -> Counter[tuple[str, date]]:
    per_day: Counter[tuple[str, date]] = Counter()
    async for doc in runtime.store.outbox.col.find({"status": "sent", "kind": "outreach"}):
        per_day[(doc["meta"].get("mailbox"), doc["sent_at"].astimezone(MSK).date())] += 1
    return per_day


async def run_days(runtime: AgentRuntime, channel: EmailChannel, days: int) -> None:
    """Simulated time: every 20 minutes the scheduler, the worker and the sender run until idle."""
    for _ in range(days * 72):
        runtime.clock.advance(timedelta(minutes=20))  # type: ignore[attr-defined]
        await pump(runtime, [channel])


async def test_daily_limit_is_kept_over_days_and_nothing_is_sent_twice(
        runtime: AgentRuntime, addrs: Addresses, dovecot: Dovecot, smtp: SmtpServer) -> None:
    settings = paced(runtime, email_daily_limit=6)
    channel = EmailChannel(runtime.store, settings, make_email_settings(dovecot, smtp, addrs.agent,
                                                                         email_daily_limit=6), runtime.clock)
    leads = clients(15)
    imported, errors = await import_contacts(runtime.store, settings, runtime.clock, rows(leads), "test", "autumn")
    assert (imported, errors) == (15, [])
    assert await runtime.store.timers.col.count_documents({"status": "scheduled", "due_at": {"$lte": runtime.clock.now()}}) <= 1

    await run_days(runtime, channel, 4)  # Wed 12:00 → Sun 12:00: Wed, Thu, Fri are working days

    per_day = await sent_outreach_by_day(runtime)
    assert sorted(per_day.values()) == [3, 6, 6]  # Wednesday's window had room for 6, first three days
    assert all(n <= 6 for n in per_day.values())
    for lead in leads:  # every lead got exactly one first message
        assert len(await fetch_all(dovecot, lead)) == 1


async def test_a_new_mailbox_warms_up(runtime: AgentRuntime, addrs: Addresses) -> None:
    new_box = f"new-{uuid.uuid4().hex[:6]}@seed.test"
    today = runtime.clock.now().astimezone(MSK).date()
    settings = paced(runtime, sending_mailboxes=f"{new_box}:10:{today.isoformat()}", mailbox_warmup_start=2,
                     mailbox_warmup_step=3, send_on_weekends=True)
    await import_contacts(runtime.store, settings, runtime.clock, rows(clients(25)), "test", "warm-up")
    per_day = Counter[date]()
    async for timer in runtime.store.timers.col.find({"kind": "outreach", "status": "scheduled"}):
        assert timer["meta"]["mailbox"] == new_box
        per_day[timer["due_at"].astimezone(MSK).date()] += 1
    assert [per_day[today + timedelta(days=d)] for d in range(5)] == [2, 5, 8, 10, 0]


async def test_each_slot_is_inside_the_window_in_the_contacts_zone(runtime: AgentRuntime) -> None:
    settings = paced(runtime, email_daily_limit=4)
    zones = ["Asia/Vladivostok", "Europe/Kaliningrad", "Asia/Yekaterinburg"]
    await import_contacts(runtime.store, settings, runtime.clock, rows(clients(12), zones), "test", "zones")
    seen_zones = set()
    async for timer in runtime.store.timers.col.find({"kind": "outreach", "status": "scheduled"}):
        contact = await runtime.store.contacts.get(timer["contact_id"])
        local = timer["due_at"].astimezone(ZoneInfo(contact["timezone"]))
        assert 9 <= local.hour < 19 and local.weekday() < 5, (contact["timezone"], local)
        assert timer["due_at"] >= runtime.clock.now()
        seen_zones.add(contact["timezone"])
    assert seen_zones == set(zones)


async def test_two_mailboxes_share_a_campaign_and_each_thread_stays_on_its_mailbox(
        runtime: AgentRuntime, addrs: Addresses, dovecot: Dovecot, smtp: SmtpServer) -> None:
    tag = uuid.uuid4().hex[:6]
    anna, oleg = f"anna-{tag}@seed.test", f"oleg-{tag}@seed.test"
    settings = paced(runtime, sending_mailboxes=f"{anna}:3, {oleg}:2")
    channel = EmailChannel(runtime.store, settings, make_email_settings(dovecot, smtp, addrs.agent), runtime.clock)
    leads = clients(5)
    await import_contacts(runtime.store, settings, runtime.clock, rows(leads), "test", "shared")
    await run_days(runtime, channel, 1)

    per_day = await sent_outreach_by_day(runtime)
    today = runtime.clock.now().astimezone(MSK).date() - timedelta(days=1)
    assert per_day == Counter({(anna, today): 3, (oleg, today): 2})
    mailbox_of = {}
    for lead in leads:
        [mail] = await wait_for_mail(dovecot, lead, 1)
        contact = await runtime.store.contacts.find_by_address("email", lead)
        assert parseaddr(mail["From"])[1] == contact["mailbox"]
        mailbox_of[lead] = contact["mailbox"]

    lead = next(address for address, box in mailbox_of.items() if box == oleg)  # the client answers
    contact = await runtime.store.contacts.find_by_address("email", lead)
    await runtime.store.inbox.ingest(InboundMessage(
        key=f"<reply-{tag}@clinic.test>", channel="email", contact_id=contact["_id"], sender=lead,
        text="Пришлите, пожалуйста, презентацию", received_at=runtime.clock.now(),
        meta={"message_id": f"<reply-{tag}@clinic.test>"}), runtime.clock.now())
    await pump(runtime, [channel])
    mails = await wait_for_mail(dovecot, lead, 2)
    assert [parseaddr(m["From"])[1] for m in mails] == [oleg, oleg]


async def test_stats_show_each_campaigns_pace_and_projected_finish(runtime: AgentRuntime) -> None:
    settings = paced(runtime, email_daily_limit=10)
    await import_contacts(runtime.store, settings, runtime.clock, rows(clients(35)), "test", "winter")
    [pace] = [p for p in await campaign_paces(runtime.store, runtime.clock.now()) if p.batch == "winter"]
    last = max([t["due_at"] async for t in runtime.store.timers.col.find({"kind": "outreach"})])
    assert (pace.contacts, pace.waiting, pace.finish) == (35, 35, last)
    assert last.astimezone(MSK).date() == date(2026, 11, 30)  # Wed, Thu, Fri, Mon: 10 a day
    assert 13 <= pace.next_24h <= 14  # the rest of Wednesday, and Thursday 9:00–12:00 (one slot an hour)
    assert 5 <= pace.per_day <= 10
    [box] = await mailbox_days(runtime.store, settings, runtime.clock.now())
    assert (box.limit_today, box.planned_today, box.planned_ahead) == (10, 10, 25)


async def test_an_import_interrupted_before_its_plan_is_planned_when_run_again(runtime: AgentRuntime) -> None:
    settings = paced(runtime)
    leads = clients(3)
    written = await runtime.store.contacts.create({"name": "Клиент 0", "email": leads[0]}, runtime.clock.now())
    imported, errors = await import_contacts(runtime.store, settings, runtime.clock, rows(leads), "test", "again")
    assert imported == 2 and len(errors) == 1 and errors[0].startswith("row 2: a contact with this email")
    for lead in leads:  # the contact written before the interruption got its first message planned too
        contact = await runtime.store.contacts.find_by_address("email", lead)
        assert contact["next_timer"]["kind"] == "outreach"
    assert (await runtime.store.contacts.get(written["_id"]))["mailbox"] == settings.sender_email.lower()
    again, _ = await import_contacts(runtime.store, settings, runtime.clock, rows(leads), "test", "again")
    assert again == 0 and await runtime.store.timers.col.count_documents({"kind": "outreach"}) == 3


async def test_the_sender_keeps_a_warming_mailbox_to_its_ramp(
        runtime: AgentRuntime, addrs: Addresses, dovecot: Dovecot, smtp: SmtpServer) -> None:
    """Replies count too: a new mailbox on its second day may send 3 (start 2, +1 a day), whatever is queued."""
    tag = uuid.uuid4().hex[:6]
    box = f"new-{tag}@seed.test"
    yesterday = runtime.clock.now().astimezone(MSK).date() - timedelta(days=1)
    settings = paced(runtime, sending_mailboxes=f"{box}:50:{yesterday.isoformat()}", mailbox_warmup_start=2,
                     mailbox_warmup_step=1)
    channel = EmailChannel(runtime.store, settings, make_email_settings(dovecot, smtp, addrs.agent), runtime.clock)
    leads = clients(5)
    for i, lead in enumerate(leads):
        await runtime.store.outbox.enqueue(OutboundMessage(
            key=f"k{i}:reply", contact_id=f"c-{i}", channel="email", to=lead, kind="message", subject="Re: Отзывы",
            text="Добрый день!", meta={"mailbox": box}), runtime.clock.now())
    for _ in range(5):
        await send_one(runtime.store, channel, runtime.clock)
    statuses = [(await runtime.store.outbox.get(f"k{i}:reply"))["status"] for i in range(5)]
    assert statuses.count("sent") == 3 and statuses.count("pending") == 2
    assert sum([len(await fetch_all(dovecot, lead)) for lead in leads]) == 3


async def test_messages_that_name_no_mailbox_count_for_the_sender_mailbox(
        runtime: AgentRuntime, addrs: Addresses, dovecot: Dovecot, smtp: SmtpServer) -> None:
    """Threads started before SENDING_MAILBOXES was set go From SENDER_EMAIL and count for it."""
    settings = paced(runtime, sending_mailboxes=f"{addrs.agent}:2, other-{uuid.uuid4().hex[:6]}@seed.test:5")
    channel = EmailChannel(runtime.store, settings, make_email_settings(dovecot, smtp, addrs.agent), runtime.clock)
    leads = clients(3)
    for i, lead in enumerate(leads):
        await runtime.store.outbox.enqueue(OutboundMessage(
            key=f"old{i}:reply", contact_id=f"c-{i}", channel="email", to=lead, kind="message",
            subject="Re: Отзывы", text="Добрый день!"), runtime.clock.now())
    for _ in range(3):
        await send_one(runtime.store, channel, runtime.clock)
    statuses = [(await runtime.store.outbox.get(f"old{i}:reply"))["status"] for i in range(3)]
    assert statuses == ["sent", "sent", "pending"]
    [mail] = await wait_for_mail(dovecot, leads[0], 1)
    assert parseaddr(mail["From"])[1] == addrs.agent
