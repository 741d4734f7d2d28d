"""Connecting to MongoDB and the `Store` that groups the collections' repositories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient, uri_parser
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError, InvalidURI, PyMongoError

from agent.store.channel_state import ChannelStateRepo
from agent.store.contacts import ContactRepo
from agent.store.drafts import DraftRepo
from agent.store.errors import StoreError
from agent.store.events import EventRepo
from agent.store.health import HealthRepo
from agent.store.inbox import InboxRepo
from agent.store.llm_requests import LlmRequestRepo
from agent.store.mail_index import MailIndexRepo
from agent.store.outbox import OutboxRepo
from agent.store.pacing import PacingRepo
from agent.store.suppressions import SuppressionRepo
from agent.store.team_actions import TeamActionRepo
from agent.store.telegram_links import TelegramLinkRepo
from agent.store.timers import TimerRepo
from agent.store.users import UserRepo
from agent.store.workers import WorkersRepo

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
    drafts: DraftRepo
    health: HealthRepo
    team_actions: TeamActionRepo
    llm_requests: LlmRequestRepo
    users: UserRepo
    pacing: PacingRepo
    workers: WorkersRepo
    retention_days: int = INBOX_RETENTION_DAYS
    owns_server: bool = False  # this process started the embedded server it uses (see Worker.exclusive)

    async def init(self) -> None:
        """Create every index; safe to run any number of times."""
        for repo in (self.contacts, self.inbox, self.outbox, self.timers, self.suppressions, self.events,
                     self.mail, self.telegram_links, self.channel_state, self.drafts, self.health,
                     self.team_actions, self.llm_requests, self.users, self.pacing, self.workers):
            await repo.ensure_indexes()

    async def empty(self) -> None:
        """Drop every collection of this database (checkpoints included) and create the indexes
        again: for the sandbox databases of `demo` and `chat` only."""
        for name in await self.db.list_collection_names():
            await self.db.drop_collection(name)
        await self.init()

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


def connect_store(uri: str, db_name: str, timeout_s: float = 10.0, *, embedded: bool = False,
                  listeners: Sequence[Any] | None = None) -> Store:
    """`listeners` are pymongo monitoring listeners (tests and benchmarks count commands with them)."""
    client: AsyncMongoClient = AsyncMongoClient(uri, serverSelectionTimeoutMS=int(timeout_s * 1000),
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
        drafts=DraftRepo(db),
        health=HealthRepo(db),
        team_actions=TeamActionRepo(db),
        llm_requests=LlmRequestRepo(db),
        users=UserRepo(db),
        pacing=PacingRepo(db),
        workers=WorkersRepo(db),
    )


def where(uri: str) -> str:
    """The hosts of a MongoDB URI as host:port, never the user or password."""
    try:
        hosts = uri_parser.parse_uri(uri, connect_timeout=1.0)["nodelist"]
    except (InvalidURI, ConfigurationError, ValueError):
        return "MONGODB_URI (not a valid mongodb:// URI)"
    return ",".join(f"{host}:{port}" for host, port in hosts) or "MONGODB_URI"


async def check_reachable(uri: str, timeout_s: float) -> None:
    """Raise a one-line `StoreError` naming host:port when the server does not answer in time."""
    try:
        client: AsyncMongoClient = AsyncMongoClient(uri, serverSelectionTimeoutMS=int(timeout_s * 1000),
                                                    connectTimeoutMS=int(timeout_s * 1000))
    except (InvalidURI, ConfigurationError, ValueError) as exc:
        raise StoreError(f"MONGODB_URI is not valid: {type(exc).__name__}") from None
    try:
        await client.admin.command("ping")
    except PyMongoError as exc:
        raise StoreError(f"MongoDB at {where(uri)} is not reachable within {timeout_s:g} s "
                         f"({type(exc).__name__}); check MONGODB_URI and that the server runs") from None
    finally:
        await client.close()
