"""A demo booked by email: the confirmation carries an `.ics` invite with the agreed time in the
contact's zone, and the sales team's address receives the same invite."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from agent.contracts import InboundMessage
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from channels.email.sender import EmailChannel
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses
from tests.integration.email.mail import wait_for_mail
from tests.support.dovecot import Dovecot

YEKATERINBURG = ZoneInfo("Asia/Yekaterinburg")


async def hotel_contact(runtime: AgentRuntime, email_settings: EmailSettings,
                        addrs: Addresses) -> tuple[EmailChannel, dict[str, Any]]:
    """A lead in Yekaterinburg, with the outreach sent."""
    channel = EmailChannel(runtime.store, runtime.settings, email_settings, runtime.clock)
    contact, _ = await add_contact(runtime.store, runtime.settings, runtime.clock, {
        "name": "Ольга Смирнова", "company": "Отель «Волна»", "email": addrs.client,
        "timezone": "Asia/Yekaterinburg"})
    await pump(runtime, [channel])
    return channel, contact


async def client_writes(runtime: AgentRuntime, channel: EmailChannel, contact: dict[str, Any], addrs: Addresses,
                        message_id: str, text: str) -> None:
    """The client's email `<message_id@volna.test>` arrives and the agent's turn runs."""
    now = runtime.clock.now()
    await runtime.store.inbox.ingest(InboundMessage(
        key=f"email:<{message_id}@volna.test>", channel="email", contact_id=contact["_id"], sender=addrs.client,
        text=text, received_at=now, meta={"message_id": f"<{message_id}@volna.test>"}), now)
    await pump(runtime, [channel])


async def test_demo_booking_sends_an_ics_invite_in_the_contacts_zone(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    settings = runtime.settings
    channel, contact = await hotel_contact(runtime, email_settings, addrs)
    await client_writes(runtime, channel, contact, addrs, "demo-1", "Давайте созвонимся завтра в 15:00")

    mails = await wait_for_mail(dovecot, addrs.client, 2)
    confirmation = mails[1]
    assert confirmation["In-Reply-To"] == "<demo-1@volna.test>"
    [ics] = [p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "invite.ics" and ics.get_param("method") == "REQUEST"
    raw = ics.get_payload(decode=True)
    assert b"DTSTART;TZID=Asia/Yekaterinburg:20261126T150000" in raw
    event = next(c for c in Calendar.from_ical(raw).walk("VEVENT"))
    start = event.decoded("dtstart")
    assert start == datetime(2026, 11, 26, 15, 0, tzinfo=YEKATERINBURG)
    assert (event.decoded("dtend") - start).total_seconds() == settings.demo_duration_min * 60
    attendees = sorted(str(a) for a in event.get("attendee"))
    assert attendees == sorted([f"mailto:{addrs.client}", f"mailto:{addrs.team}"])
    assert settings.meeting_link in str(event.get("location"))

    [team_copy] = await wait_for_mail(dovecot, addrs.team, 1)  # Bcc: the same message, same invite
    assert team_copy["Message-ID"] == confirmation["Message-ID"]
    assert "Bcc" not in confirmation and addrs.team not in str(confirmation["To"])
    assert any(p.get_content_type() == "text/calendar" for p in team_copy.iter_attachments())


async def test_a_reschedule_cancels_the_old_time_and_updates_the_one_event(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    store = runtime.store
    channel, contact = await hotel_contact(runtime, email_settings, addrs)
    for n, text in enumerate(("Давайте созвонимся завтра в 15:00",
                              "Не успеваю, можно перенести встречу на пятницу, 27 ноября, в 11:00?")):
        await client_writes(runtime, channel, contact, addrs, f"move-{n}", text)

    mails = await wait_for_mail(dovecot, addrs.client, 3)
    first, moved = mails[1], mails[2]
    assert not [p for p in first.iter_attachments() if p.get_filename() == "cancel.ics"]
    parts = {p.get_filename(): p for p in moved.iter_attachments() if p.get_content_type() == "text/calendar"}
    assert list(parts) == ["cancel.ics", "invite.ics"]  # the cancel first: in-order calendars end right
    assert parts["cancel.ics"].get_param("method") == "CANCEL"
    assert parts["invite.ics"].get_param("method") == "REQUEST"
    cancel_cal = Calendar.from_ical(parts["cancel.ics"].get_payload(decode=True))
    request_cal = Calendar.from_ical(parts["invite.ics"].get_payload(decode=True))
    assert str(cancel_cal["method"]) == "CANCEL" and str(request_cal["method"]) == "REQUEST"
    [old] = cancel_cal.walk("VEVENT")
    [new] = request_cal.walk("VEVENT")
    [booked] = Calendar.from_ical(
        next(p for p in first.iter_attachments() if p.get_filename() == "invite.ics").get_payload(decode=True)
    ).walk("VEVENT")
    assert str(old["uid"]) == str(new["uid"]) == str(booked["uid"])  # one event per contact
    assert old.decoded("dtstart") == booked.decoded("dtstart") == datetime(2026, 11, 26, 15, 0, tzinfo=YEKATERINBURG)
    assert new.decoded("dtstart") == datetime(2026, 11, 27, 11, 0, tzinfo=YEKATERINBURG)
    assert str(old["status"]) == "CANCELLED" and str(new["status"]) == "CONFIRMED"
    assert int(booked["sequence"]) < int(old["sequence"]) < int(new["sequence"])  # 0 < 1 < 2
    assert "Прежнее время" in moved.get_body(("plain",)).get_content()

    stored = await store.contacts.get(contact["_id"]) or {}
    assert stored["stage"] == "demo_booked"
    assert stored["demo_at"].replace(tzinfo=None) == datetime(2026, 11, 27, 6, 0)  # one booking: the new time (UTC)


async def test_a_move_to_a_day_without_a_time_keeps_the_booking_until_a_new_time_is_agreed(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    store = runtime.store
    channel, contact = await hotel_contact(runtime, email_settings, addrs)
    for n, text in enumerate(("Давайте созвонимся завтра в 15:00",
                              "Не успеваю завтра, можно перенести на пятницу?",
                              "Тогда давайте на пятницу на 11")):
        await client_writes(runtime, channel, contact, addrs, f"day-{n}", text)
        if n == 1:  # slots offered; the booked time stands, and the reply says so
            mails = await wait_for_mail(dovecot, addrs.client, 3)
            body = mails[2].get_body(("plain",)).get_content()
            assert "Пока за Вами остаётся прежнее время" in body and "26 ноября" in body
            assert "27 ноября" in body  # the slots are on the Friday asked for
            assert not [p for p in mails[2].iter_attachments() if p.get_content_type() == "text/calendar"]
            stored = await store.contacts.get(contact["_id"]) or {}
            assert stored["stage"] == "demo_booked"
            assert stored["demo_at"].replace(tzinfo=None) == datetime(2026, 11, 26, 10, 0)  # 15:00 YEKT in UTC

    mails = await wait_for_mail(dovecot, addrs.client, 4)
    parts = {p.get_filename(): p for p in mails[3].iter_attachments() if p.get_content_type() == "text/calendar"}
    assert list(parts) == ["cancel.ics", "invite.ics"]  # «на пятницу на 11» is a time: the booking moves
    invite, cancel = parts["invite.ics"].get_payload(decode=True), parts["cancel.ics"].get_payload(decode=True)
    assert b"DTSTART;TZID=Asia/Yekaterinburg:20261127T110000" in invite  # as the calendar client reads it
    assert b"DTSTART;TZID=Asia/Yekaterinburg:20261126T150000" in cancel and b"METHOD:CANCEL" in cancel
    [new] = Calendar.from_ical(invite).walk("VEVENT")
    assert new.decoded("dtstart") == datetime(2026, 11, 27, 11, 0, tzinfo=YEKATERINBURG)
    stored = await store.contacts.get(contact["_id"]) or {}
    assert stored["demo_at"].replace(tzinfo=None) == datetime(2026, 11, 27, 6, 0)


def calendar_parts(mail: Any) -> dict[str, Any]:
    return {p.get_filename(): p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"}


async def test_a_cancel_by_message_takes_the_event_out_of_both_calendars_and_a_new_booking_brings_it_back(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    channel, contact = await hotel_contact(runtime, email_settings, addrs)
    for n, text in enumerate(("Давайте созвонимся завтра в 15:00", "Давайте отменим звонок, пока не до того")):
        await client_writes(runtime, channel, contact, addrs, f"cancel-{n}", text)

    mails = await wait_for_mail(dovecot, addrs.client, 3)
    booked_mail, cancelled_mail = mails[1], mails[2]
    parts = calendar_parts(cancelled_mail)
    assert list(parts) == ["cancel.ics"] and parts["cancel.ics"].get_param("method") == "CANCEL"
    raw = parts["cancel.ics"].get_payload(decode=True)
    assert b"METHOD:CANCEL" in raw and b"DTSTART;TZID=Asia/Yekaterinburg:20261126T150000" in raw
    [gone] = Calendar.from_ical(raw).walk("VEVENT")
    [booked] = Calendar.from_ical(calendar_parts(booked_mail)["invite.ics"].get_payload(decode=True)).walk("VEVENT")
    assert str(gone["uid"]) == str(booked["uid"]) and str(gone["status"]) == "CANCELLED"
    assert int(gone["sequence"]) > int(booked["sequence"])  # newer than the invite: calendars apply it
    assert sorted(str(a) for a in gone.get("attendee")) == sorted([f"mailto:{addrs.client}", f"mailto:{addrs.team}"])

    team = await wait_for_mail(dovecot, addrs.team, 2)  # Bcc of the invite, then of the cancel
    assert [m["Message-ID"] for m in team] == [booked_mail["Message-ID"], cancelled_mail["Message-ID"]]

    await client_writes(runtime, channel, contact, addrs, "cancel-2", "Хотя нет, давайте всё же завтра в 16:00")
    mails = await wait_for_mail(dovecot, addrs.client, 4)
    again = calendar_parts(mails[3])
    assert list(again) == ["invite.ics"]
    [back] = Calendar.from_ical(again["invite.ics"].get_payload(decode=True)).walk("VEVENT")
    assert str(back["uid"]) == str(booked["uid"]) and int(back["sequence"]) > int(gone["sequence"])
    assert back.decoded("dtstart") == datetime(2026, 11, 26, 16, 0, tzinfo=YEKATERINBURG)


async def test_an_opt_out_after_a_booking_cancels_only_the_teams_copy_and_writes_nothing_to_the_client(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    runtime.settings.team_channel = "email"
    channel, contact = await hotel_contact(runtime, email_settings, addrs)
    await client_writes(runtime, channel, contact, addrs, "stop-0", "Давайте созвонимся завтра в 15:00")
    await client_writes(runtime, channel, contact, addrs, "stop-1", "Отпишите меня от рассылки, больше не пишите")

    team = await wait_for_mail(dovecot, addrs.team, 3)  # invite (Bcc), booking note, cancel note
    [note] = [m for m in team if "cancel.ics" in calendar_parts(m)]
    assert "отмен" in note.get_body(("plain",)).get_content().lower()  # the team's note about the dropped call
    raw = calendar_parts(note)["cancel.ics"].get_payload(decode=True)
    assert b"METHOD:CANCEL" in raw and b"DTSTART;TZID=Asia/Yekaterinburg:20261126T150000" in raw
    [gone] = Calendar.from_ical(raw).walk("VEVENT")
    assert str(gone.get("attendee")) == f"mailto:{addrs.team}"  # one attendee: the team, never the client
    assert addrs.client not in str(note["To"])
    client_mail = await wait_for_mail(dovecot, addrs.client, 3, timeout=1.0)
    assert len(client_mail) == 2  # the outreach and the confirmation; nothing after the opt-out
