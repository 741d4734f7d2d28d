"""The `.ics` demo invite (iCalendar METHOD:REQUEST) with the agreed time in the contact's zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Napoleon IT//Seed sales agent//RU"


@dataclass
class DemoInvite:
    """What the invite says. `start` is aware; it is written in `tz` (the contact's zone)."""

    uid: str
    start: datetime
    tz: ZoneInfo
    duration_min: int
    summary: str
    organizer_email: str
    organizer_name: str
    attendees: list[str] = field(default_factory=list)
    description: str = ""
    location: str = ""
    sequence: int = 0  # higher = a newer version of the same event (a re-booked demo replaces the old one)


def invite_ics(invite: DemoInvite, now: datetime) -> bytes:
    """The calendar file: one VEVENT in the contact's zone, with its VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    local = invite.start.astimezone(invite.tz)
    event.add("uid", invite.uid)
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", local)
    event.add("dtend", local + timedelta(minutes=invite.duration_min))
    event.add("summary", invite.summary)
    event.add("sequence", invite.sequence)
    event.add("status", "CONFIRMED")
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText(invite.organizer_name)
    event.add("organizer", organizer)
    for address in invite.attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params.update(role=vText("REQ-PARTICIPANT"), partstat=vText("NEEDS-ACTION"), rsvp=vText("TRUE"))
        event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
