"""Each campaign's (import batch's) pace and projected finish, and each mailbox's day, for `stats`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.pacing import mailbox_day, mailboxes
from agent.settings import Settings
from agent.store import Store

NO_BATCH = "—"  # contacts added one by one


@dataclass
class CampaignPace:
    batch: str
    contacts: int
    waiting: int  # first messages still scheduled
    next_24h: int  # of those, due in the next 24 hours
    per_day: float  # the planned pace: waiting first messages over the days until the last one
    finish: datetime | None  # when the last first message is due (projected finish)


@dataclass
class MailboxDay:
    address: str
    limit_today: int  # after the warm-up ramp
    planned_today: int  # first messages planned for today
    planned_ahead: int  # first messages planned for the days after today


async def campaign_paces(store: Store, now: datetime) -> list[CampaignPace]:
    sizes = await store.contacts.count_by_batch()
    groups: dict[str, list[datetime]] = {}
    for timer in await store.timers.outreach_waiting():
        batch = (timer.get("meta") or {}).get("batch") or NO_BATCH
        groups.setdefault(str(batch), []).append(timer["due_at"])
    rows = []
    for batch in sorted(set(sizes) | set(groups)):
        dues = groups.get(batch, [])
        finish = max(dues) if dues else None
        days = max(math.ceil((finish - now).total_seconds() / 86400), 1) if finish else 1
        rows.append(CampaignPace(batch=batch, contacts=sizes.get(batch, len(dues)), waiting=len(dues),
                                 next_24h=sum(1 for d in dues if d <= now + timedelta(days=1)),
                                 per_day=len(dues) / days, finish=finish))
    return rows


async def mailbox_days(store: Store, settings: Settings, now: datetime) -> list[MailboxDay]:
    today = mailbox_day(now, settings)
    planned = await store.pacing.planned_from(today)
    return [MailboxDay(address=box.address, limit_today=box.limit_on(today, settings),
                       planned_today=planned.get((box.address, today), 0),
                       planned_ahead=sum(n for (addr, day), n in planned.items() if addr == box.address and day > today))
            for box in mailboxes(settings)]
