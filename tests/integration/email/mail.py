"""Test helpers: read and write real mailboxes over IMAP, write mail as a client would (SMTP),
and a TCP proxy that can cut connections or hold one exchange (to place a kill -9 exactly)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, formataddr, make_msgid

import aioimaplib
import aiosmtplib

from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer


async def _login(dovecot: Dovecot, user: str) -> aioimaplib.IMAP4:
    client = aioimaplib.IMAP4(dovecot.host, dovecot.port, timeout=10)
    await client.wait_hello_from_server()
    response = await client.login(user, dovecot.password)
    assert response.result == "OK", response
    return client


async def fetch_all(dovecot: Dovecot, user: str, folder: str = "INBOX") -> list[bytes]:
    """Every message of the folder, raw, in UID order (an absent folder is empty)."""
    client = await _login(dovecot, user)
    try:
        if (await client.select(folder)).result != "OK":
            return []
        response = await client.uid("fetch", "1:*", "(BODY.PEEK[])")
        return [bytes(x) for x in response.lines if isinstance(x, bytearray)]
    finally:
        await client.logout()


async def wait_for_mail(dovecot: Dovecot, user: str, count: int, folder: str = "INBOX",
                        timeout: float = 10.0) -> list[EmailMessage]:
    deadline = time.monotonic() + timeout
    while True:
        raws = await fetch_all(dovecot, user, folder)
        if len(raws) >= count or time.monotonic() > deadline:
            return [parse(r) for r in raws]
        await asyncio.sleep(0.1)


async def append(dovecot: Dovecot, user: str, raw: bytes, folder: str = "INBOX") -> None:
    client = await _login(dovecot, user)
    try:
        assert (await client.append(raw, mailbox=folder)).result == "OK"
    finally:
        await client.logout()


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=default)  # type: ignore[return-value]


def client_mail(frm: str, to: str, subject: str, text: str, *, in_reply_to: str | None = None,
                references: str | None = None, name: str = "Иван Петров") -> EmailMessage:
    """A message as a mail client writes it."""
    mail = EmailMessage()
    mail["From"] = formataddr((name, frm))
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(email.utils.localtime())
    mail["Message-ID"] = make_msgid(domain=frm.split("@")[1])
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = references or in_reply_to
    mail.set_content(text)
    return mail


def quoted_reply(original: EmailMessage, frm: str, text: str) -> EmailMessage:
    """A reply with the original quoted below, the way Thunderbird or Gmail write it."""
    body = original.get_body(preferencelist=("plain",))
    old = body.get_content() if body is not None else ""
    quoted = "\n".join("> " + line for line in old.splitlines())
    when = original["Date"]
    full = f"{text}\n\n{when}, {original['From']} пишет:\n{quoted}\n"
    refs = " ".join(filter(None, [original.get("References"), original["Message-ID"]]))
    subject = original["Subject"]
    return client_mail(frm, original["From"].addresses[0].addr_spec,
                       subject if subject.lower().startswith("re:") else f"Re: {subject}", full,
                       in_reply_to=original["Message-ID"], references=refs)


async def smtp_send(smtp: SmtpServer, mail: EmailMessage) -> None:
    await aiosmtplib.send(mail, hostname=smtp.host, port=smtp.port, timeout=10)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server. `drop()` cuts every open connection; `hold_when`
    stops forwarding, in one direction, the chunk that matches (and everything after it)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.rule: tuple[str, Callable[[bytes], bool]] | None = None
        self.held = asyncio.Event()
        self.released = asyncio.Event()
        self.connections = 0

    async def start(self) -> TcpProxy:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def hold_when(self, direction: str, match: Callable[[bytes], bool]) -> None:
        """direction: "up" (client → server) or "down" (server → client)."""
        self.rule, self.held, self.released = (direction, match), asyncio.Event(), asyncio.Event()

    def drop(self) -> None:
        self.released.set()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    async def close(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), timeout=2)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer, "up"), self._pipe(up_reader, writer, "down"),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: str) -> None:
        try:
            while data := await reader.read(65536):
                if self.rule and self.rule[0] == direction and self.rule[1](data):
                    self.rule = None
                    self.held.set()
                    await self.released.wait()  # never forwarded; the connection is dropped
                    return
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()
            self.writers.discard(writer)



DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.romashka.test>
To: {to}
Subject: {subject}
Message-ID: {report_id}
Date: Wed, 25 Nov 2026 12:00:00 +0300
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.romashka.test.

{notice}

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.romashka.test

Final-Recipient: rfc822; {failed}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--BOUNDARY
Content-Type: text/rfc822-headers

From: {to}
To: {failed}
Subject: =?utf-8?b?0J7RgtC30YvQstGL?=
Message-ID: {original_id}

--BOUNDARY--
"""


def delivery_report(to: str, failed: str, original_id: str, status: str = "5.1.1",
                    diagnostic: str = "550 5.1.1 User unknown", delayed: bool = False) -> bytes:
    """An RFC 3464 report from MAILER-DAEMON about one of our messages: a failure, or (`delayed`)
    a warning that the remote server is still trying."""
    text = DSN.format(
        to=to, failed=failed, original_id=original_id, status=status, diagnostic=diagnostic,
        report_id=make_msgid(domain="mx.romashka.test"), action="delayed" if delayed else "failed",
        subject="Delayed Mail (still being retried)" if delayed else "Undelivered Mail Returned to Sender",
        notice=("Your message is delayed; delivery attempts will continue." if delayed else
                "I'm sorry to have to inform you that your message could not be delivered."))
    return text.replace("\n", "\r\n").encode()
