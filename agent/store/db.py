"""Connecting to MongoDB and the `Store` that groups the collections' repositories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agent.store.channel_state import ChannelStateRepo
from agent.store.contacts import ContactRepo
from agent.store.events import EventRepo
from agent.store.inbox import InboxRepo
from agent.store.mail_index import MailIndexRepo
from agent.store.outbox import OutboxRepo
from agent.store.suppressions import SuppressionRepo
from agent.store.telegram_links import TelegramLinkRepo
from agent.store.timers import TimerRepo

INBOX_RETENTION_DAYS = 90


@dataclass
class Store:
    client: AsyncMongoClient
    db: AsyncDatabase
    contacts: ContactRepo
    inbox: InboxRepo
    outbox: OutboxRepo
    timers: TimerRepo
    suppressions: SuppressionRepo
    events: EventRepo
    mail: MailIndexRepo
    telegram_links: TelegramLinkRepo
    channel_state: ChannelStateRepo
    retention_days: int = INBOX_RETENTION_DAYS
    owns_server: bool = False  # this process started the embedded server it uses (see Worker.exclusive)

    async def init(self) -> None:
        """Create every index; safe to run any number of times."""
        for repo in (self.contacts, self.inbox, self.outbox, self.timers, self.suppressions, self.events,
                     self.mail, self.telegram_links, self.channel_state):
            await repo.ensure_indexes()

    async def close(self) -> None:
        await self.client.close()


def client_options(*, embedded: bool = False, listeners: Sequence[Any] | None = None) -> dict[str, Any]:
    """Driver options shared by the async store and the checkpointer's client.

    On the embedded server `retryWrites=false`: SecantusDB keeps a store of replies for retried
    writes that it scans on every write. The driver then no longer retries a write after a network
    error on the loopback; our writes are idempotent by key, so a failed write is retried by the loop."""
    options: dict[str, Any] = {"tz_aware": True}
    if embedded:
        options["retryWrites"] = False
    if listeners:
        options["event_listeners"] = list(listeners)
    return options


def connect_store(uri: str, db_name: str, *, embedded: bool = False,
                  listeners: Sequence[Any] | None = None) -> Store:
    """`listeners` are pymongo monitoring listeners (tests and benchmarks count commands with them)."""
    client: AsyncMongoClient = AsyncMongoClient(uri, serverSelectionTimeoutMS=10_000,
                                                **client_options(embedded=embedded, listeners=listeners))
    db = client[db_name]
    return Store(
        client=client,
        db=db,
        contacts=ContactRepo(db),
        inbox=InboxRepo(db),
        outbox=OutboxRepo(db),
        timers=TimerRepo(db),
        suppressions=SuppressionRepo(db),
        events=EventRepo(db),
        mail=MailIndexRepo(db),
        telegram_links=TelegramLinkRepo(db),
        channel_state=ChannelStateRepo(db),
    )
