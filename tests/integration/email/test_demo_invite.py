"""A demo booked by email: the confirmation carries an `.ics` invite with the agreed time in the
contact's zone, and the sales team's address receives the same invite."""

from __future__ import annotations

from datetime import datetime
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


async def test_demo_booking_sends_an_ics_invite_in_the_contacts_zone(
        runtime: AgentRuntime, email_settings: EmailSettings, addrs: Addresses, dovecot: Dovecot) -> None:
    store, settings = runtime.store, runtime.settings
    channel = EmailChannel(store, settings, email_settings, runtime.clock)
    contact, _ = await add_contact(store, settings, runtime.clock, {
        "name": "Ольга Смирнова", "company": "Отель «Волна»", "email": addrs.client,
        "timezone": "Asia/Yekaterinburg"})
    await pump(runtime, [channel])
    now = runtime.clock.now()
    await store.inbox.ingest(InboundMessage(
        key="email:<demo-1@volna.test>", channel="email", contact_id=contact["_id"], sender=addrs.client,
        text="Давайте созвонимся завтра в 15:00", received_at=now,
        meta={"message_id": "<demo-1@volna.test>"}), now)
    await pump(runtime, [channel])

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
