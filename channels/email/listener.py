"""The IMAP listener: IDLE (or polling when the server has no IDLE), reconnecting with backoff.

Reading is checkpointed in `mail_state` as (UIDVALIDITY, last UID), one document per mailbox.
Each message is stored raw in `inbox` first, then the checkpoint moves past it, then it is parsed
(`channels.email.ingest`). A crash between any two steps re-reads at most that message, and the
deterministic inbox key makes the second store a no-op: nothing read twice, nothing skipped. A new
UIDVALIDITY means the old UIDs are void: the mailbox is read again from UID 1 (keys dedupe).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import aioimaplib

from agent.clock import Clock
from agent.resilience import LoopGuard, is_db_error, wait_or_stop
from agent.settings import Settings
from agent.store import Store
from channels.email.ingest import EmailIngest, store_raw
from channels.email.settings import EmailSettings

log = logging.getLogger(__name__)

UIDVALIDITY_RE = re.compile(rb"UIDVALIDITY (\d+)")
UIDNEXT_RE = re.compile(rb"UIDNEXT (\d+)")


class ImapError(Exception):
    """A one-line reason an IMAP step failed (no secrets in it)."""


def where(email: EmailSettings) -> str:
    return f"{email.imap_host}:{email.imap_port} ({'SSL' if email.imap_ssl else 'plain'})"


async def connect(email: EmailSettings, on_lost: Any = None) -> aioimaplib.IMAP4:
    """Connected and logged in, with the post-login capabilities."""
    cls = aioimaplib.IMAP4_SSL if email.imap_ssl else aioimaplib.IMAP4
    client = cls(host=email.imap_host or "", port=email.imap_port, timeout=email.imap_timeout_s)
    client.protocol.conn_lost_cb = on_lost
    try:
        await client.wait_hello_from_server()
        secret = email.imap_password.get_secret_value() if email.imap_password else ""
        response = await client.login(email.imap_user or "", secret)
        if response.result != "OK":
            raise ImapError(f"login failed for {email.imap_user}: {last_text(response)}")
        await client.protocol.capability()
    except BaseException:
        if client.protocol.transport is not None:
            client.protocol.transport.close()
        raise
    return client


@contextlib.asynccontextmanager
async def imap_session(email: EmailSettings) -> AsyncIterator[aioimaplib.IMAP4]:
    """A short session (the sender's Sent-folder APPEND and check)."""
    client = await connect(email)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await client.logout()


def last_text(response: Any) -> str:
    lines = [bytes(x) for x in response.lines if isinstance(x, bytes | bytearray)]
    return (lines[-1].decode(errors="replace") if lines else response.result)[:200]


def search_uids(response: Any) -> list[int]:
    """UIDs of a (UID) SEARCH answer; lines like `5 EXISTS` are not UIDs."""
    uids: list[int] = []
    for line in response.lines[:-1]:
        text = bytes(line).strip()
        if text.startswith(b"SEARCH"):
            text = text[6:].strip()
        if re.fullmatch(rb"[\d ]*", text):
            uids.extend(int(t) for t in text.split())
    return uids


def fetched_body(response: Any) -> bytes | None:
    return next((bytes(x) for x in response.lines if isinstance(x, bytearray)), None)


def mentions_exists(response: Any) -> bool:
    return any(isinstance(x, bytes) and x.endswith(b"EXISTS") for x in response.lines)


async def select(client: aioimaplib.IMAP4, mailbox: str) -> tuple[int, int]:
    """(UIDVALIDITY, UIDNEXT) of the mailbox. (aioimaplib's EXAMINE does not enter the selected
    state, so even read-only uses SELECT; nothing here changes the mailbox.)"""
    response = await client.select(mailbox)
    if response.result != "OK":
        raise ImapError(f"cannot open mailbox {mailbox!r}: {last_text(response)}")
    text = b" ".join(bytes(x) for x in response.lines if isinstance(x, bytes | bytearray))
    validity, uidnext = UIDVALIDITY_RE.search(text), UIDNEXT_RE.search(text)
    if validity is None:
        raise ImapError(f"mailbox {mailbox!r} reported no UIDVALIDITY")
    return int(validity.group(1)), int(uidnext.group(1)) if uidnext else 0


class ImapListener:
    """Reads one mailbox into `inbox`, forever, until `stop` is set."""

    def __init__(self, store: Store, settings: Settings, email: EmailSettings, clock: Clock) -> None:
        self.store, self.email, self.clock = store, email, clock
        self.ingest = EmailIngest(store, settings, email, clock)
        self.state_id = f"imap:{email.imap_user}@{email.imap_host}:{email.imap_port}/{email.imap_mailbox}".lower()
        self.mode: str | None = None  # "idle" or "poll" once connected
        self.sessions = 0
        self.ready = asyncio.Event()  # set while a session is selected and in sync
        self.synced = False
        self._lost = asyncio.Event()
        self._guard: LoopGuard | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop`; a dropped connection or server error reconnects with backoff."""
        delay = 1.0
        guard = LoopGuard("imap listener", report=self.store.health.report, logger=log)
        self._guard = guard
        while not stop.is_set():
            self.sessions += 1
            try:
                await self.session(stop)
            except Exception as exc:  # network, server or store trouble: reconnect, never give up
                if self.synced:
                    delay = 1.0  # the connection had worked: start the backoff again
                if is_db_error(exc):  # logged once per outage by the guard, not per retry
                    await wait_or_stop(stop, guard.failed(exc))
                    continue
                known = (OSError, TimeoutError, ImapError, aioimaplib.AioImapException)
                log.log(logging.WARNING if isinstance(exc, known) else logging.ERROR,
                        "IMAP %s: %s; reconnecting in %.0f s", where(self.email),
                        str(exc) or type(exc).__name__, delay, exc_info=not isinstance(exc, known))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, self.email.imap_reconnect_max_s)
        self.ready.clear()

    async def session(self, stop: asyncio.Event) -> None:
        self._lost.clear()
        self.synced = False
        await self.ingest.index.ensure_indexes()
        await self.ingest.process_received()  # whatever a crashed run stored but did not parse
        client = await connect(self.email, on_lost=lambda _exc: self._lost.set())
        try:
            validity, uidnext = await select(client, self.email.imap_mailbox)
            last_uid = await self.checkpoint(validity, uidnext)
            self.mode = "idle" if client.has_capability("IDLE") else "poll"
            log.info("IMAP %s: %s selected, %s mode, after UID %d", where(self.email), self.email.imap_mailbox,
                     self.mode, last_uid)
            await self.sync(client)
            self.synced = True
            self.ready.set()
            while not stop.is_set():
                if self.mode == "idle":
                    await self.idle_once(client, stop)
                else:
                    await self.poll_once(client, stop)
                if not stop.is_set():
                    await self.sync(client)
        finally:
            self.ready.clear()
            if not self._lost.is_set():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.logout(), timeout=2)

    async def checkpoint(self, validity: int, uidnext: int) -> int:
        """The last UID read for this UIDVALIDITY; starts (or restarts) the checkpoint when needed."""
        doc = await self.store.channel_state.get(self.state_id)
        if doc and doc.get("uidvalidity") == validity:
            return int(doc["last_uid"])
        if doc:
            log.warning("IMAP %s: UIDVALIDITY changed (%s → %s); reading the mailbox again",
                        self.email.imap_mailbox, doc.get("uidvalidity"), validity)
        start = uidnext - 1 if (doc is None and self.email.imap_initial_sync == "new" and uidnext) else 0
        await self.save(validity, max(start, 0))
        return max(start, 0)

    async def save(self, validity: int, last_uid: int) -> None:
        await self.store.channel_state.put(self.state_id, self.clock.now(), uidvalidity=validity, last_uid=last_uid)

    async def sync(self, client: aioimaplib.IMAP4) -> int:
        """Fetch every message after the checkpoint: raw → inbox, checkpoint, parse. Returns how many."""
        stored = 0
        again = True
        while again:
            doc = await self.store.channel_state.get(self.state_id)
            if doc is None:  # `checkpoint` writes it before any sync
                raise ImapError("no UID checkpoint for this mailbox")
            validity, last_uid = doc["uidvalidity"], int(doc["last_uid"])
            response = await client.uid_search(f"UID {last_uid + 1}:*", charset=None)
            if response.result != "OK":
                raise ImapError(f"search failed: {last_text(response)}")
            again = mentions_exists(response)  # mail that arrived while we searched: look again
            for uid in sorted(u for u in search_uids(response) if u > last_uid):
                fetched = await client.uid("fetch", str(uid), "(BODY.PEEK[])")
                if fetched.result != "OK":
                    raise ImapError(f"fetch of UID {uid} failed: {last_text(fetched)}")
                raw = fetched_body(fetched)
                if raw is not None:  # None: expunged since the search, nothing to read
                    source = {"mailbox": self.email.imap_mailbox, "uidvalidity": validity, "uid": uid}
                    await store_raw(self.store, raw, self.clock.now(), source, self.email.email_raw_max_bytes)
                    stored += 1
                await self.save(validity, uid)
                await self.ingest.process_received()
                again = again or mentions_exists(fetched)
        if self._guard is not None:
            await self._guard.ok()  # the database answered: ends an outage, if any
        return stored

    async def idle_once(self, client: aioimaplib.IMAP4, stop: asyncio.Event) -> None:
        """One IDLE: returns on a server push, on the re-IDLE timeout or on `stop`."""
        idle = await client.idle_start(timeout=self.email.imap_idle_s)
        push = asyncio.ensure_future(client.wait_server_push(timeout=self.email.imap_idle_s + 5))
        stopped = asyncio.ensure_future(stop.wait())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({push, stopped, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (push, stopped, lost):
                task.cancel()
            if push.done() and not push.cancelled():
                push.exception()  # a timeout here only means "IDLE again"
        if self._lost.is_set():
            raise ConnectionError("connection lost")
        client.idle_done()
        await asyncio.wait_for(idle, timeout=self.email.imap_timeout_s)

    async def poll_once(self, client: aioimaplib.IMAP4, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=self.email.imap_poll_s)
        if self._lost.is_set():
            raise ConnectionError("connection lost")
        if not stop.is_set():
            await client.noop()
