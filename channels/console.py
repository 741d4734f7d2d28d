"""The console channel: messages to console contacts (and team notes) printed in the terminal;
client lines typed in `sales-agent chat` or scripted by `sales-agent demo` enter the inbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, tzinfo

from rich.console import Console
from rich.panel import Panel

from agent.clock import Clock
from agent.contracts import InboundMessage, OutboundMessage, SendResult
from agent.store import Store
from channels.safe_text import shown


class ConsoleChannel:
    name = "console"

    def __init__(self, console: Console | None = None, label: Callable[[OutboundMessage], str] | None = None,
                 name: str = "console", clock: Clock | None = None, tz: tzinfo | None = None) -> None:
        """`name` lets the demo print another channel's messages (e.g. email) instead of sending them."""
        self.name = name
        self.clock = clock
        self.tz = tz
        self.console = console or Console()
        self.label = label or (lambda m: m.to)
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.kind == "team":
            self.console.print(Panel(shown(message.text), title="команде продаж", border_style="yellow"))
        else:
            when = f" · {self.clock.now().astimezone(self.tz):%d.%m %H:%M}" if self.clock else ""
            title = f"агент → {self.label(message)} ({self.name}){when}"
            if message.subject:
                title += f" · {message.subject}"
            self.console.print(Panel(shown(message.text), title=shown(title, multiline=False), border_style="cyan",
                                     title_align="left"))
        self.sent.append(message)
        return SendResult(ok=True, provider_id=message.key)


async def say(store: Store, contact_id: str, text: str, now: datetime, key: str | None = None) -> str:
    """Put a client's line from the terminal into the inbox, like any channel's listener."""
    message = InboundMessage(
        key=key or f"console:{uuid.uuid4().hex}",
        channel="console",
        contact_id=contact_id,
        sender=contact_id,
        text=text,
        flags=["start"] if text.strip().lower().startswith("/start") else [],
        received_at=now,
    )
    await store.inbox.ingest(message, now)
    return message.key
