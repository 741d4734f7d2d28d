"""A real SMTP server for the tests (aiosmtpd) that delivers into the dovecot mailboxes by IMAP
APPEND, so what the agent sends can be read back over IMAP exactly as a client would see it.

Scripting, per recipient address (tests use unique addresses, so they never interfere):
  * `replies[address] = ["451 4.3.0 Try later", ...]` — answers to DATA, used one by one;
  * `hold[address] = threading.Event()` — RCPT waits for it (a sender can be killed before DATA);
  * `drop_after_data.add(address)` — deliver, then hang up without answering (ambiguous DATA).
SMTP AUTH (PLAIN/LOGIN, no TLS) accepts `USER` / `PASSWORD`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aioimaplib
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.dovecot import Dovecot, free_port

log = logging.getLogger(__name__)
logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd warns about its own deprecations

USER = "smtp-sender"
PASSWORD = "smtp-secret"


@dataclass
class Delivered:
    rcpt: str
    data: bytes


@dataclass
class MailboxHandler:
    imap: Dovecot
    replies: dict[str, list[str]] = field(default_factory=dict)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    drop_after_data: set[str] = field(default_factory=set)
    delivered: list[Delivered] = field(default_factory=list)
    data_commands: int = 0
    rcpt_log: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        self.rcpt_log.append(address.lower())
        if (gate := self.hold.get(address.lower())) is not None:
            await asyncio.to_thread(gate.wait, 30)
        if address.lower().startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        first = envelope.rcpt_tos[0].lower()
        scripted = self.replies.get(first)
        if scripted:
            return scripted.pop(0)
        data = envelope.original_content or envelope.content
        for rcpt in envelope.rcpt_tos:
            await self.append(rcpt.lower(), data)
            self.delivered.append(Delivered(rcpt.lower(), data))
        if first in self.drop_after_data:
            server.transport.close()
            return "250 2.0.0 never seen by the client"
        return "250 2.0.0 Ok: queued"

    async def append(self, rcpt: str, data: bytes) -> None:
        client = aioimaplib.IMAP4(self.imap.host, self.imap.port, timeout=10)
        await client.wait_hello_from_server()
        await client.login(rcpt, self.imap.password)
        response = await client.append(data, mailbox="INBOX")
        if response.result != "OK":
            raise RuntimeError(f"APPEND for {rcpt} failed: {response}")
        await client.logout()


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: MailboxHandler
    user: str = USER
    password: str = PASSWORD


@contextlib.contextmanager
def running_smtp(imap: Dovecot) -> Iterator[SmtpServer]:
    handler = MailboxHandler(imap)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False, auth_required=False, server_hostname="smtp.test")
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        for gate in handler.hold.values():
            gate.set()
        controller.stop()
