"""The scripted demo campaign: sample leads, scripted client answers and simulated time, run
through the real pipeline (inbox → graph → outbox → console channel)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.panel import Panel

from agent.clock import SimulatedClock
from agent.operations import add_contact
from agent.pump import pump
from agent.runtime import AgentRuntime
from agent.tools.calendar import zone
from channels.console import ConsoleChannel, say
from channels.safe_text import shown

CAMPAIGN = Path(__file__).with_name("campaign.yaml")


def parse_duration(text: str) -> timedelta:
    """ISO 8601 durations of the form P[nD][T[nH][nM][nS]] (also used by the evals)."""
    import re

    match = re.fullmatch(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class DemoReport:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> contact document
    sent: list[dict[str, Any]] = field(default_factory=list)  # every message the channels printed
    expected: dict[str, str] = field(default_factory=dict)  # name -> intent the script expects


def load_campaign(path: Path = CAMPAIGN) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["contacts"]


async def run_demo(rt: AgentRuntime, console: Console, days: int = 40, campaign: Path = CAMPAIGN) -> DemoReport:
    if not isinstance(rt.clock, SimulatedClock):
        raise TypeError("the demo needs a SimulatedClock")
    clock, store = rt.clock, rt.store
    script = {c["name"]: c for c in load_campaign(campaign)}
    names: dict[str, str] = {}
    printers = [ConsoleChannel(console, lambda m: names.get(m.contact_id, m.to), name=n, clock=clock,
                               tz=zone(None, rt.settings))
                for n in ("console", "email", "telegram")]
    for lead_entry in script.values():
        contact, _due = await add_contact(store, rt.settings, clock, {
            "name": lead_entry["name"], "company": lead_entry.get("company"), "channel": "console",
            "timezone": lead_entry.get("timezone")})
        names[contact["_id"]] = lead_entry["name"]
    end = clock.now() + timedelta(days=days)
    replied: set[str] = set()
    while True:
        await pump(rt, printers)
        for c in await store.contacts.list(limit=10_000):
            names.setdefault(c["_id"], c.get("name", c["_id"]))
        due_replies = []
        for contact_id, name in names.items():
            entry = script.get(name)
            lead = await store.contacts.get(contact_id)
            if entry and entry.get("reply") and contact_id not in replied and lead and lead.get("outreach_sent_at"):
                due_replies.append((lead["outreach_sent_at"] + parse_duration(entry["reply_after"]), lead))
        next_timer = await store.timers.next_due()
        moments = [at for at, _ in due_replies] + ([next_timer] if next_timer else [])
        if not moments or min(moments) > end:
            break
        moment = min(moments)
        clock.set(moment)
        for at, contact in due_replies:
            if at <= moment:
                text = script[names[contact["_id"]]]["reply"]
                local = moment.astimezone(zone(contact.get("timezone"), rt.settings))
                console.print(Panel(shown(text), title=f"{shown(names[contact['_id']])} → агенту · {local:%d.%m %H:%M} (местное)",
                                    border_style="green", title_align="left"))
                await say(store, contact["_id"], text, moment, key=f"demo:{contact['_id']}:reply")
                replied.add(contact["_id"])
    report = DemoReport(expected={name: entry["expect"] for name, entry in script.items()})
    for c in await store.contacts.list(limit=10_000):
        report.contacts[c.get("name", c["_id"])] = c
    for printer in printers:
        report.sent.extend(m.model_dump() for m in printer.sent)
    return report
