"""Connecting to MongoDB and the `Store` that groups the collections' repositories."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from agent.store.channel_state import ChannelStateRepo
from agent.store.contacts import ContactRepo
from agent.store.drafts import DraftRepo
from agent.store.events import EventRepo
from agent.store.inbox import InboxRepo
from agent.store.mail_index import MailIndexRepo
from agent.store.outbox import OutboxRepo
from agent.store.suppressions import SuppressionRepo
from agent.store.telegram_links import TelegramLinkRepo
from agent.store.timers import TimerRepo
from agent.store.users import UserRepo

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
    users: UserRepo
    retention_days: int = INBOX_RETENTION_DAYS

    async def init(self) -> None:
        """Create every index; safe to run any number of times."""
        for repo in (self.contacts, self.inbox, self.outbox, self.timers, self.suppressions, self.events,
                     self.mail, self.telegram_links, self.channel_state, self.drafts, self.users):
            await repo.ensure_indexes()

    async def close(self) -> None:
        await self.client.close()


def connect_store(uri: str, db_name: str) -> Store:
    client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)
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
        users=UserRepo(db),
    )
