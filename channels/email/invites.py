"""Which calendar parts an outgoing mail carries: the invite of a demo the turn booked (and the
CANCEL of its old time when it moved), or the CANCEL of a demo the turn dropped.

One event per contact (one UID). SEQUENCE is counted from the `demo_booked` facts, so a retry
builds the same bytes: REQUEST 0, 2, 4… for the 1st, 2nd, 3rd booking, the odd number between
for the CANCEL of the time before it. A dropped demo's CANCEL takes the odd number after its
REQUEST, so a later re-booking (the next even number) brings the event back.

Who gets a dropped demo's CANCEL: the client's reply of that turn (a cancel by message, a
refusal), with the sales team as Bcc as for the invite; when the client is sent nothing (an
opt-out, a bounce) only the team's note, so the manager's calendar copy goes and nothing at all
is written to a client who asked us to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.clock import aware
from agent.contracts import OutboundMessage, domain_of
from agent.settings import Settings
from agent.store import Store
from agent.tools.calendar import zone
from channels.email.ics import DemoInvite, request_sequence, withdrawn_ics

SILENT_DROPS = frozenset({"opt_out", "bounce"})  # the client gets no reply: the team's note carries the CANCEL


@dataclass
class Invites:
    """Builds the calendar parts for one sending mailbox."""

    store: Store
    settings: Settings
    sender_email: str
    from_name: str

    async def booked(self, message: OutboundMessage) -> DemoInvite | None:
        """An invite when this message confirms a booked demo (the turn recorded `demo_booked`)."""
        when, previous = message.meta.get("demo_at"), message.meta.get("previous_demo_at")
        fact: dict[str, Any] | None = None
        if when is None and message.key.endswith(":reply"):
            fact = await self.store.events.get(message.key.removesuffix(":reply") + ":demo_booked")
            when = (fact or {}).get("data", {}).get("demo_at")
            previous = (fact or {}).get("data", {}).get("previous_demo_at")
        if not when:
            return None
        bookings = await self.store.events.count_for(message.contact_id, "demo_booked", (fact or {}).get("at"))
        return await self.event(message.contact_id, [message.to, self.settings.sales_team_email], aware(when),
                                request_sequence(bookings), aware(previous) if previous else None)

    async def withdrawn(self, message: OutboundMessage, now: datetime) -> bytes | None:
        """METHOD:CANCEL of the demo this message's turn dropped, when this message is the one to carry it."""
        team = message.kind == "team"
        if team:
            turn = message.key.partition(":team:")[0]
        elif message.key.endswith(":reply"):
            turn = message.key.removesuffix(":reply")
        else:
            return None
        fact = await self.store.events.get(f"{turn}:demo_cancelled")
        data = (fact or {}).get("data") or {}
        if fact is None or not data.get("demo_at") or team != (data.get("reason") in SILENT_DROPS):
            return None
        contact = await self.store.contacts.get(message.contact_id) or {}
        if team and contact.get("channel") != "email":  # only an email booking sent the team an invite
            return None
        bookings = await self.store.events.count_for(message.contact_id, "demo_booked", fact.get("at"))
        attendees = [self.settings.sales_team_email] if team else [message.to, self.settings.sales_team_email]
        event = await self.event(message.contact_id, attendees, aware(data["demo_at"]),
                                 request_sequence(bookings) + 1)
        return withdrawn_ics(event, now)

    async def event(self, contact_id: str, attendees: list[str], start: datetime, sequence: int,
                    previous: datetime | None = None) -> DemoInvite:
        contact = await self.store.contacts.get(contact_id) or {}
        company = contact.get("company") or contact.get("name") or attendees[0]
        link = self.settings.meeting_link
        return DemoInvite(
            uid=f"demo-{contact_id}@{domain_of(self.sender_email)}", sequence=sequence, previous_start=previous,
            start=start, tz=zone(contact.get("timezone"), self.settings),
            duration_min=self.settings.demo_duration_min, summary=f"Демо Napoleon IT Отзывы — {company}",
            organizer_email=self.sender_email, organizer_name=self.from_name, attendees=attendees,
            description=f"Ссылка на встречу: {link}", location=link)
