"""The `.ics` demo invite (iCalendar METHOD:REQUEST) with the agreed time in the contact's zone,
the METHOD:CANCEL for the old time when a booked demo moves, and the METHOD:CANCEL of a demo
that is dropped (`channels.email.invites` decides which mail carries which).

One event per contact (one UID). A move sends both in one mail: the CANCEL of the old time with
SEQUENCE n+1 and the REQUEST of the new time with SEQUENCE n+2 (n = the old REQUEST's). A calendar
that applies them in either order ends with the event at the new time: a CANCEL that arrives after
the newer REQUEST is older than it and ignored (RFC 5546 §2.1.4), a REQUEST after the CANCEL
re-creates the event."""

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
    previous_start: datetime | None = None  # a moved demo: the old time, cancelled in the same mail


def request_sequence(bookings: int) -> int:
    """SEQUENCE of the REQUEST for the `bookings`-th booking (1-based): 0, 2, 4… (odd = CANCELs)."""
    return 2 * max(bookings - 1, 0)


def invite_ics(invite: DemoInvite, now: datetime) -> bytes:
    """The calendar file: one VEVENT in the contact's zone, with its VTIMEZONE."""
    return _calendar(invite, now, "REQUEST", invite.start, invite.sequence)


def cancel_ics(invite: DemoInvite, now: datetime) -> bytes | None:
    """METHOD:CANCEL of the old time of a moved demo (same UID, SEQUENCE one below the new REQUEST)."""
    if invite.previous_start is None:
        return None
    return _calendar(invite, now, "CANCEL", invite.previous_start, max(invite.sequence - 1, 0))


def withdrawn_ics(invite: DemoInvite, now: datetime) -> bytes:
    """METHOD:CANCEL of a demo that will not happen at all (`start`, with the invite's SEQUENCE)."""
    return _calendar(invite, now, "CANCEL", invite.start, invite.sequence)


def _calendar(invite: DemoInvite, now: datetime, method: str, start: datetime, sequence: int) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    local = start.astimezone(invite.tz)
    event.add("uid", invite.uid)
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", local)
    event.add("dtend", local + timedelta(minutes=invite.duration_min))
    event.add("summary", invite.summary)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText(invite.organizer_name)
    event.add("organizer", organizer)
    for address in invite.attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params.update(role=vText("REQ-PARTICIPANT"), partstat=vText("NEEDS-ACTION"),
                               rsvp=vText("FALSE" if method == "CANCEL" else "TRUE"))
        event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
