"""`sales-agent chat`: play the client in the terminal against the real pipeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from agent.clock import SimulatedClock
from channels.console import ConsoleChannel, say
from channels.safe_text import shown
from cli.common import console, err_console, run, settings_or_exit
from cli.wiring import open_app

HELP = "Type as the client. Commands: /wait 3d (let simulated time pass: 2h, 1w, 1d12h or ISO P3D), /start, /quit."
_SHORT = re.compile(r"(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?", re.IGNORECASE)


def wait_duration(text: str) -> timedelta:
    """What `/wait` takes: shorthand («3d», «2h», «1w», «1d12h», «90m») or ISO 8601 («P3D», «PT2H»)."""
    from cli.demo_script.runner import parse_duration

    text = text.strip() or "1d"
    short = _SHORT.fullmatch(text)
    if short and any(short.groups()):
        weeks, days, hours, minutes = (int(g or 0) for g in short.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    try:
        return parse_duration(text.upper())
    except ValueError:
        raise ValueError(f"not a duration: {text!r} (try /wait 3d, /wait 2h, /wait 1w or /wait P1DT2H)") from None


def chat(
    name: Annotated[str, typer.Option(help="Your name as the lead")] = "Иван Петров",
    company: Annotated[str, typer.Option(help="Your company as the lead")] = "Сеть кофеен «Утро»",
    llm: Annotated[str, typer.Option(help="auto | rules | ollama")] = "auto",
) -> None:
    """Talk to the agent as a client. It writes first; time can be moved with /wait to see
    follow-ups and pause reminders. Uses a separate database (`<MONGODB_DB>_chat`), emptied first."""
    from agent.operations import add_contact
    from agent.pump import pump

    settings = settings_or_exit(llm_provider=llm)
    settings = settings.model_copy(update={"mongodb_db": settings.mongodb_db + "_chat"})

    async def go() -> None:
        clock = SimulatedClock(datetime.now(UTC))
        async with open_app(settings, clock=clock) as rt:
            if rt.notice:
                err_console.print(rt.notice, highlight=False)
            # a fresh conversation each time: an earlier session's contacts would fire their own
            # follow-ups into this one when /wait moves the clock
            await rt.store.empty()
            contact, _ = await add_contact(rt.store, settings, clock,
                                           {"name": name, "company": company, "channel": "console"}, start=False)
            await rt.store.timers.schedule(f"t:chat:{contact['_id']}", contact["_id"], "outreach", clock.now(),
                                           clock.now())
            await rt.store.contacts.update(contact["_id"], clock.now(), next_timer={
                "id": f"t:chat:{contact['_id']}", "kind": "outreach", "due_at": clock.now()})
            printer = ConsoleChannel(console, lambda m: name)
            console.print(HELP)
            await pump(rt, [printer])
            while True:
                try:
                    line = console.input("[bold green]вы:[/bold green] ").strip()
                except EOFError:
                    break
                if not line:
                    continue
                if line in ("/quit", "/exit"):
                    break
                if line.startswith("/wait"):
                    try:
                        clock.advance(wait_duration(line.removeprefix("/wait")))
                    except ValueError as exc:
                        err_console.print(shown(exc))
                        continue
                    console.print(f"[dim]time is now {clock.now():%Y-%m-%d %H:%M} UTC[/dim]")
                else:
                    await say(rt.store, contact["_id"], line, clock.now())
                await pump(rt, [printer])
                if (await rt.store.contacts.require(contact["_id"]))["status"] == "opted_out":
                    console.print("[dim]you opted out: the agent will not write again[/dim]")

    run(go)
