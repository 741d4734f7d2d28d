"""`sales-agent stats`: the funnel and the health of the queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.table import Table

from agent.campaigns import CampaignPace, MailboxDay, campaign_paces, mailbox_days
from agent.store import Store
from agent.store.llm_requests import host_is_up
from channels.safe_text import shown
from cli.common import console, fmt_time, run, settings_or_exit

HEALTH_WINDOW = timedelta(days=1)

FUNNEL = (
    ("contacts", None),
    ("first message sent", "outreach_sent"),
    ("replied", "replied"),
    ("presentation sent", "deck_sent"),
    ("demo booked", "demo_booked"),
    ("referrals created", "referral_created"),
    ("paused", "paused"),
    ("handed off", "handoff"),
    ("opted out", "opted_out"),
    ("closed / bounced", "closed"),
)


async def funnel_rows(store: Store) -> list[tuple[str, int]]:
    total = sum((await store.contacts.count_by_status()).values())
    rows = []
    for label, event in FUNNEL:
        if event is None:
            rows.append((label, total))
        elif event == "closed":
            rows.append((label, len(await store.events.contacts_with("closed") | await store.events.contacts_with("bounced"))))
        else:
            rows.append((label, len(await store.events.contacts_with(event))))
    return rows


def funnel_table(rows: list[tuple[str, int]], title: str = "funnel") -> Table:
    table = Table("stage", "contacts", "% of contacts", title=title)
    total = rows[0][1] or 1
    for label, count in rows:
        table.add_row(shown(label), str(count), f"{100 * count / total:.0f} %")
    return table


def queue_table(counts: dict[str, dict[str, Any]]) -> Table:
    table = Table("queue", "status", "documents", title="queues")
    for queue, by_status in counts.items():
        for status, n in sorted(by_status.items()):
            table.add_row(shown(queue), shown(status), str(n))
    return table


def health_table(docs: list[dict[str, Any]]) -> Table:
    table = Table("process", "loop", "last ok", "database down since", "outages", "last outage", title="loops "
                  f"(reported in the last {HEALTH_WINDOW.days} day; a live loop reports every ~10 s)")
    for doc in docs:
        down = fmt_time(doc.get("down_since")) if doc.get("down_since") else "—"
        last = f"{doc['last_outage_s']:.1f} s" if doc.get("last_outage_s") is not None else "—"
        table.add_row(shown(doc.get("process")), shown(doc.get("loop")), fmt_time(doc.get("ok_at")), down,
                      str(doc.get("outages", 0)), last)
    return table


def relay_table(hosts: list[dict[str, Any]], depth: dict[str, int], now: datetime, max_age_s: float) -> Table:
    """Model relay hosts (LLM_TRANSPORT=mongo): up/down by heartbeat age, models, queue depth."""
    title = f"model relay: {depth.get('pending', 0)} waiting, {depth.get('claimed', 0)} in progress"
    table = Table("host", "state", "last heartbeat", "models", "in flight", "answered", title=title)
    for host in hosts:
        up = host_is_up(host, now, max_age_s)
        age = f"{(now - host['seen_at']).total_seconds():.0f} s ago" if host.get("seen_at") else "—"
        state = "[green]up[/green]" if up else ("stopped" if host.get("stopped") else "[red]down[/red]")
        models = ", ".join(host.get("models") or []) or (host.get("error") or "none")
        table.add_row(host["_id"], state, age, models, str(host.get("in_flight", 0)), str(host.get("answered", 0)))
    return table


def campaign_table(paces: list[CampaignPace]) -> Table:
    table = Table("campaign (import batch)", "contacts", "first messages waiting", "next 24 h", "pace / day",
                  "projected finish", title="campaigns: first messages paced to the mailboxes")
    for pace in paces:
        table.add_row(shown(pace.batch), str(pace.contacts), str(pace.waiting), str(pace.next_24h),
                      f"{pace.per_day:.0f}", fmt_time(pace.finish) if pace.finish else "done")
    return table


def mailbox_table(days: list[MailboxDay]) -> Table:
    table = Table("mailbox", "limit today", "first messages planned today", "planned later",
                  title="sending mailboxes (limit after warm-up)")
    for day in days:
        table.add_row(shown(day.address), str(day.limit_today), str(day.planned_today), str(day.planned_ahead))
    return table


def stats() -> None:
    """The funnel (contacts reaching each stage) and inbox/outbox health."""
    settings = settings_or_exit()

    async def go() -> None:
        from agent.database import open_store

        async with open_store(settings) as (store, _uri, _embedded):
            rows = await funnel_rows(store)
            queues = {"inbox": await store.inbox.count_by_status(), "outbox": await store.outbox.count_by_status(),
                      "contacts": await store.contacts.count_by_status()}
            health = await store.health.recent(datetime.now(UTC) - HEALTH_WINDOW)
            now = datetime.now(UTC)
            hosts = await store.llm_requests.all_hosts()
            depth = await store.llm_requests.queue_depth(now)
            waiting, since = await store.inbox.waiting_for_model()
            paces = await campaign_paces(store, now)
            boxes = await mailbox_days(store, settings, now)
        console.print(funnel_table(rows))
        console.print(queue_table(queues))
        if paces:
            console.print(campaign_table(paces))
        console.print(mailbox_table(boxes))
        if waiting:
            waited = (now - (since if since.tzinfo else since.replace(tzinfo=UTC))).total_seconds() if since else 0
            console.print(f"waiting for the model host: {waiting} event(s), the oldest since {fmt_time(since)} "
                          f"({waited:.0f} s; hand-off after {settings.llm_outage_max_wait_s:.0f} s)")
        else:
            console.print("waiting for the model host: none")
        if health:
            console.print(health_table(health))
        if hosts or any(depth.values()) or settings.llm_transport == "mongo":
            console.print(relay_table(hosts, depth, now, settings.relay_host_timeout_s))

    run(go)
