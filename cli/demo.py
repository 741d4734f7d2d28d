"""`sales-agent demo`: the scripted campaign on the embedded defaults, then the funnel."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from agent.clock import SimulatedClock
from channels.safe_text import shown
from cli.common import console, err_console, fail, fmt_time, run, settings_or_exit
from cli.stats import funnel_rows, funnel_table
from cli.wiring import open_app


def default_start(tz: ZoneInfo) -> datetime:
    """The next Monday, Tuesday or Wednesday, 09:00 in the default zone: the first messages go out at
    once, and the scripted «послезавтра в три часа дня» falls on a working day (a weekend time is
    never booked, so a Thursday start would show a counter-proposal instead of a booking)."""
    day = datetime.now(tz).date() + timedelta(days=1)
    while day.weekday() >= 3:
        day += timedelta(days=1)
    return datetime.combine(day, time(9), tz)


def demo(
    start: Annotated[str | None, typer.Option(help="Simulated start, ISO 8601 with offset (default: the next Monday–Wednesday, 09:00)")] = None,
    days: Annotated[int, typer.Option(min=1, max=365, help="Simulated days to run")] = 40,
    llm: Annotated[str, typer.Option(help="auto | rules | ollama")] = "auto",
) -> None:
    """Run a scripted sales campaign end to end and print every conversation and the funnel.

    Sample leads get the first message; scripted clients ask for the deck, book a demo in words,
    refer a colleague, ask to pause, ask about price, opt out, go off topic or stay silent. Time is
    simulated, so follow-ups and the pause reminder fire within seconds. Data goes to a separate
    database (`<MONGODB_DB>_demo`), emptied first."""
    if llm not in ("auto", "rules", "ollama"):
        raise fail(f"--llm must be auto, rules or ollama, not {llm!r}")
    settings = settings_or_exit(llm_provider=llm)
    settings = settings.model_copy(update={"mongodb_db": settings.mongodb_db + "_demo"})
    tz = ZoneInfo(settings.default_timezone)
    try:
        begin = datetime.fromisoformat(start) if start else default_start(tz)
    except ValueError:
        raise fail(f"--start is not an ISO 8601 date-time: {start!r}") from None
    if begin.tzinfo is None:
        begin = begin.replace(tzinfo=tz)

    from cli.demo_script.runner import run_demo

    async def go() -> None:
        async with open_app(settings, clock=SimulatedClock(begin)) as rt:
            if rt.notice:
                err_console.print(rt.notice, highlight=False)
            await rt.store.empty()
            console.rule(f"demo campaign from {fmt_time(begin)} · model: {rt.provider}")
            report = await run_demo(rt, console, days=days)
            console.rule("outcomes")
            table = Table("contact", "company", "status", "stage", "details")
            for name, c in report.contacts.items():
                details = []
                if c.get("demo_at"):
                    details.append("demo " + fmt_time(c["demo_at"], tz))
                if c.get("paused_until") and c["status"] == "paused":
                    details.append("paused until " + fmt_time(c["paused_until"], tz))
                if c.get("referred_by"):
                    details.append(f"referred by {c.get('referrer_name')}")
                table.add_row(*(shown(v, multiline=False) for v in (name, c.get("company") or "", c["status"],
                                                                     c.get("stage", ""), "; ".join(details))))
            console.print(table)
            console.print(funnel_table(await funnel_rows(rt.store), title="funnel"))
            console.print(f"inspect a conversation: sales-agent contacts show ID (with MONGODB_DB={settings.mongodb_db})")

    run(go)
