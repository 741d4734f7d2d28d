"""Campaigns paced to the mailboxes: each first message gets a slot when it is planned.

A campaign's first messages are spread over the days at the rate the sending mailboxes may send:
each mailbox has a daily limit (a share of it, `CAMPAIGN_OUTREACH_SHARE`, is planned for first
messages; the rest stays for replies and follow-ups), a new mailbox ramps up from
`MAILBOX_WARMUP_START` a day by `MAILBOX_WARMUP_STEP` a day, and each slot falls inside the send
window in the contact's own zone, spread over the window with a little jitter. The slot is the
outreach timer's due time, so an import of 10,000 contacts leaves only the next few due, never
10,000 at once. The contact keeps its mailbox: the sender sends the thread from it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from agent.settings import Settings
from agent.store import Store
from agent.tools.calendar import is_working_day, next_in_window, zone

MAX_DAYS = 3660  # a plan never looks further ahead than this
_rng = random.Random()


@dataclass(frozen=True)
class Mailbox:
    address: str
    daily_limit: int
    warm_from: date | None = None  # a new mailbox: its warm-up starts on this day

    def limit_on(self, day: date, settings: Settings) -> int:
        """How many messages this mailbox may send on `day` (warm-up ramp, then its limit)."""
        if self.warm_from is None:
            return self.daily_limit
        if day < self.warm_from:
            return 0
        ramp = settings.mailbox_warmup_start + settings.mailbox_warmup_step * (day - self.warm_from).days
        return min(self.daily_limit, ramp)

    def outreach_on(self, day: date, settings: Settings) -> int:
        """First messages planned for `day` at most."""
        return int(self.limit_on(day, settings) * settings.campaign_outreach_share)


def mailboxes(settings: Settings) -> list[Mailbox]:
    """`SENDING_MAILBOXES` ("address[:limit[:YYYY-MM-DD]]", comma separated), or the one default mailbox."""
    raw = (settings.sending_mailboxes or "").strip()
    if not raw:
        return [Mailbox(settings.sender_email.lower(), settings.email_daily_limit)]
    boxes = []
    for entry in raw.split(","):
        parts = [p.strip() for p in entry.strip().split(":")]
        if not parts[0]:
            continue
        if "@" not in parts[0]:
            raise ValueError(f"SENDING_MAILBOXES: not an address: {parts[0]!r}")
        limit = int(parts[1]) if len(parts) > 1 and parts[1] else settings.email_daily_limit
        warm = date.fromisoformat(parts[2]) if len(parts) > 2 and parts[2] else None
        boxes.append(Mailbox(parts[0].lower(), limit, warm))
    return boxes


def mailbox_for(settings: Settings, address: str | None) -> Mailbox | None:
    wanted = (address or settings.sender_email).lower()
    return next((box for box in mailboxes(settings) if box.address == wanted), None)


@dataclass
class Slot:
    contact_id: str
    due_at: datetime
    mailbox: str | None  # None: not an email contact (no mailbox limit applies)


def mailbox_day(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(ZoneInfo(settings.email_timezone)).date()


class Planner:
    """Assigns slots in memory from the counts already planned; `counts` are what it added."""

    def __init__(self, settings: Settings, now: datetime, planned: dict[tuple[str, date], int],
                 spread: bool = True) -> None:
        self.settings, self.now, self.spread = settings, now, spread
        self.boxes = mailboxes(settings)
        self.planned = dict(planned)
        self.counts: dict[tuple[str, date], int] = {}
        self.today = mailbox_day(now, settings)
        self.first_open = 0  # days before this offset are full for every mailbox

    def room(self, box: Mailbox, day: date) -> int:
        return box.outreach_on(day, self.settings) - self.planned.get((box.address, day), 0)

    def window(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        if not is_working_day(day, self.settings):
            return None
        start = datetime.combine(day, time(self.settings.send_window_start_hour), tz)
        end = datetime.combine(day, time(self.settings.send_window_end_hour), tz)
        start = max(start, self.now)
        return (start, end) if start < end else None

    def slot(self, contact: dict[str, Any]) -> Slot:
        tz = zone(contact.get("timezone"), self.settings)
        if not (contact.get("email") and contact.get("channel", "email") == "email"):
            return Slot(contact["_id"], next_in_window(self.now, tz, self.settings), None)
        for offset in range(self.first_open, MAX_DAYS):
            day = self.today + timedelta(days=offset)
            open_boxes = [box for box in self.boxes if self.room(box, day) > 0]
            if not open_boxes:
                if offset == self.first_open:
                    self.first_open += 1
                continue
            span = self.window(day, tz)
            if span is None:
                continue
            box = max(open_boxes, key=lambda b: self.room(b, day))
            return Slot(contact["_id"], self.place(box, day, span), box.address)
        raise ValueError("no sending capacity in the next ten years: check SENDING_MAILBOXES and EMAIL_DAILY_LIMIT")

    def place(self, box: Mailbox, day: date, span: tuple[datetime, datetime]) -> datetime:
        """The next slot of `box` on `day`, spread over the window in order, plus jitter."""
        capacity = max(box.outreach_on(day, self.settings), 1)
        used = self.planned.get((box.address, day), 0)
        start, end = span
        step = (end - start) / capacity
        due = start
        if self.spread and used:  # the day's first slot opens the window; the others follow, jittered
            jitter = timedelta(seconds=_rng.uniform(0, min(self.settings.campaign_jitter_s, step.total_seconds())))
            due = min(start + step * used + jitter, end - timedelta(seconds=1))
        self.planned[(box.address, day)] = used + 1
        self.counts[(box.address, day)] = self.counts.get((box.address, day), 0) + 1
        return due


async def plan_outreach(store: Store, settings: Settings, contacts: Iterable[dict[str, Any]], now: datetime,
                        *, immediately: bool = False, spread: bool = True) -> list[Slot]:
    """Give each contact its first message's slot and mailbox: the outreach timers (one insert),
    the planned counts and the contacts' `next_timer` and `mailbox` (one bulk write each).
    `spread=False` (a contact added by hand): the first open window, within the mailboxes' limits."""
    contacts = list(contacts)
    if not contacts:
        return []
    if immediately or not settings.campaign_pacing:
        default = mailboxes(settings)[0].address
        slots = [Slot(c["_id"], now if immediately else next_in_window(now, zone(c.get("timezone"), settings),
                                                                      settings),
                      default if c.get("email") else None) for c in contacts]
    else:
        planner = Planner(settings, now, await store.pacing.planned_from(mailbox_day(now, settings)), spread)
        slots = [planner.slot(c) for c in contacts]
        await store.pacing.add(planner.counts)
    batches = {c["_id"]: c.get("import_batch") for c in contacts}
    await store.timers.schedule_many([
        {"_id": f"t:outreach:{s.contact_id}", "contact_id": s.contact_id, "kind": "outreach", "due_at": s.due_at,
         "meta": {"mailbox": s.mailbox, "batch": batches.get(s.contact_id)}} for s in slots], now)
    await store.contacts.set_many({
        s.contact_id: {"next_timer": {"id": f"t:outreach:{s.contact_id}", "kind": "outreach", "due_at": s.due_at},
                       **({"mailbox": s.mailbox} if s.mailbox else {})} for s in slots}, now)
    return slots
