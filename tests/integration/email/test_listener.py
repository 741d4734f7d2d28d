"""The IMAP listener on a real dovecot: UID checkpoint across restarts and crashes, UIDVALIDITY
change, polling without IDLE, a dropped connection, and a broken message quarantined while the
listener goes on."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from agent.clock import SimulatedClock
from agent.settings import Settings
from agent.store import Store
from channels.email.listener import ImapListener
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses, make_email_settings
from tests.integration.email.mail import TcpProxy, append, client_mail
from tests.support.dovecot import Dovecot, running_dovecot
from tests.support.smtp_server import SmtpServer

BROKEN = b"\xff\xfe\x01 not a mail: no header at all\r\n"


def mail_from(i: int, to: str) -> bytes:
    return bytes(client_mail(f"lead{i}@unknown.test", to, f"Вопрос {i}", f"Здравствуйте, вопрос номер {i}."))


async def email_docs(store: Store) -> dict[str, dict[str, Any]]:
    return {d["_id"]: d async for d in store.inbox.col.find({"channel": "email"})}


async def until(predicate, timeout: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def listening(store: Store, settings: Settings, email: EmailSettings,
                    clock: SimulatedClock) -> AsyncIterator[ImapListener]:
    stop = asyncio.Event()
    listener = ImapListener(store, settings, email, clock)
    task = asyncio.create_task(listener.run(stop))
    try:
        await asyncio.wait_for(listener.ready.wait(), timeout=10)
        yield listener
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def test_checkpoint_survives_restarts_and_crashes(store: Store, settings: Settings, clock: SimulatedClock,
                                                        email_settings: EmailSettings, addrs: Addresses,
                                                        dovecot: Dovecot) -> None:
    for i in range(3):
        await append(dovecot, addrs.agent, mail_from(i, addrs.agent))
    async with listening(store, settings, email_settings, clock) as listener:
        await until(lambda: _count(store, 3))
        state = await store.db["mail_state"].find_one({"_id": listener.state_id})
        assert state["last_uid"] == 3
    first = await email_docs(store)
    assert all(d["status"] == "pending" and d["meta"]["source"]["uid"] in (1, 2, 3) for d in first.values())

    # mail arrives while nobody listens; and the last run "crashed" after storing UID 3 but
    # before its checkpoint moved: UID 3 is read again, and must not be stored twice
    for i in range(3, 5):
        await append(dovecot, addrs.agent, mail_from(i, addrs.agent))
    await store.db["mail_state"].update_one({"_id": listener.state_id}, {"$set": {"last_uid": 2}})
    clock.advance(timedelta(minutes=5))
    async with listening(store, settings, email_settings, clock) as listener:
        await until(lambda: _count(store, 5))
        state = await store.db["mail_state"].find_one({"_id": listener.state_id})
        assert state["last_uid"] == 5
    docs = await email_docs(store)
    assert len(docs) == 5 and sorted(d["meta"]["source"]["uid"] for d in docs.values()) == [1, 2, 3, 4, 5]
    for key, doc in first.items():  # the re-read UID 3 changed nothing
        assert docs[key]["ingested_at"] == doc["ingested_at"]

    # a new UIDVALIDITY voids the UIDs: the mailbox is read again, and nothing is doubled
    await store.db["mail_state"].update_one({"_id": listener.state_id}, {"$set": {"uidvalidity": 1}})
    async with listening(store, settings, email_settings, clock) as listener:
        state = await store.db["mail_state"].find_one({"_id": listener.state_id})
        assert state["uidvalidity"] != 1 and state["last_uid"] == 5
    assert await email_docs(store) == docs


async def _count(store: Store, n: int) -> bool:
    return await store.inbox.col.count_documents({"channel": "email", "status": "pending"}) >= n


async def test_broken_message_is_quarantined_and_the_listener_goes_on(
        store: Store, settings: Settings, clock: SimulatedClock, email_settings: EmailSettings,
        addrs: Addresses, dovecot: Dovecot) -> None:
    async with listening(store, settings, email_settings, clock) as listener:
        await append(dovecot, addrs.agent, BROKEN)
        await append(dovecot, addrs.agent, mail_from(1, addrs.agent))
        await until(lambda: _count(store, 1))
        assert listener.ready.is_set() and listener.sessions == 1
    [bad] = await store.inbox.quarantined()
    assert bad["error"].startswith("unparseable email: ") and bad["raw"] == BROKEN
    assert bad["meta"]["source"]["uid"] == 1


async def test_polling_when_the_server_has_no_idle(store: Store, settings: Settings, clock: SimulatedClock,
                                                  smtp: SmtpServer, addrs: Addresses) -> None:
    with running_dovecot(idle=False) as plain:
        email = make_email_settings(plain, smtp, addrs.agent, imap_poll_s=0.2)
        async with listening(store, settings, email, clock) as listener:
            assert listener.mode == "poll"
            await append(plain, addrs.agent, mail_from(1, addrs.agent))
            started = time.monotonic()
            await until(lambda: _count(store, 1), timeout=5)
            assert time.monotonic() - started < 3


@pytest.fixture
async def proxy(dovecot: Dovecot) -> AsyncIterator[TcpProxy]:
    proxy = await TcpProxy(dovecot.port).start()
    yield proxy
    await proxy.close()


async def test_dropped_connection_reconnects_and_skips_nothing(
        store: Store, settings: Settings, clock: SimulatedClock, dovecot: Dovecot, smtp: SmtpServer,
        addrs: Addresses, proxy: TcpProxy) -> None:
    email = make_email_settings(dovecot, smtp, addrs.agent, imap_port=proxy.port)
    async with listening(store, settings, email, clock) as listener:
        await append(dovecot, addrs.agent, mail_from(1, addrs.agent))
        await until(lambda: _count(store, 1))
        proxy.drop()  # the network goes away mid-IDLE; mail keeps arriving meanwhile
        await append(dovecot, addrs.agent, mail_from(2, addrs.agent))
        await append(dovecot, addrs.agent, mail_from(3, addrs.agent))
        await until(lambda: _count(store, 3), timeout=30.0)  # a reconnect with backoff, on a loaded machine
        assert listener.sessions >= 2 and proxy.connections >= 2
    assert sorted(d["meta"]["source"]["uid"] for d in (await email_docs(store)).values()) == [1, 2, 3]
