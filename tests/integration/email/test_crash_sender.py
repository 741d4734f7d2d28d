"""kill -9 the real `sales-agent email listen --no-listen` process at the three points of a send,
restart it, and check that the client's mailbox never receives a second copy.

The kill is placed exactly, not by timing: the SMTP server holds RCPT (before DATA), or a TCP proxy
in front of dovecot holds the sender's Sent-folder APPEND (after the SMTP server's 250, before the
Sent copy exists), or holds dovecot's answer to it (the Sent copy exists, the outbox still says
`sending`). The outbox lease is then expired by hand (instead of waiting 60 s) and the restarted
sender must settle the message from the evidence alone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.contracts import OutboundMessage, message_id_for
from agent.settings import Settings
from agent.store import Store
from channels.email.settings import EmailSettings
from tests.integration.email.conftest import Addresses, make_email_settings
from tests.integration.email.mail import TcpProxy, fetch_all, parse
from tests.support.dovecot import Dovecot
from tests.support.smtp_server import SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.crash]

ROOT = Path(__file__).resolve().parents[3]


def start_sender(settings: Settings, email: EmailSettings, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MONGODB_URI": settings.mongodb_uri.get_secret_value(),  # type: ignore[union-attr]
        "MONGODB_DB": settings.mongodb_db,
        "SENDER_EMAIL": settings.sender_email,
        "SALES_TEAM_EMAIL": settings.sales_team_email,
        "IMAP_HOST": email.imap_host or "", "IMAP_PORT": str(email.imap_port), "IMAP_USER": email.imap_user or "",
        "IMAP_PASSWORD": email.imap_password.get_secret_value() if email.imap_password else "",
        "IMAP_SSL": "false",
        "SMTP_HOST": email.smtp_host or "", "SMTP_PORT": str(email.smtp_port), "SMTP_USER": email.smtp_user or "",
        "SMTP_PASSWORD": email.smtp_password.get_secret_value() if email.smtp_password else "",
        "SMTP_STARTTLS": "false",
        "EMAIL_SEND_WINDOW_START_HOUR": "0", "EMAIL_SEND_WINDOW_END_HOUR": "24",
    }
    cli = [sys.executable, "-c", "from cli.email import email_app; email_app()", "listen", "--no-listen"]
    log = (workdir / "sender.log").open("ab")  # workdir: no developer's .env is read
    return subprocess.Popen(cli, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)


async def until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("kill_at", ["before_data", "after_accept_before_sent_copy", "after_sent_copy"])
async def test_kill_9_mid_send_never_delivers_twice(kill_at: str, store: Store, settings: Settings,
                                                    dovecot: Dovecot, smtp: SmtpServer, addrs: Addresses,
                                                    tmp_path: Path) -> None:
    proxy = await TcpProxy(dovecot.port).start()
    email = make_email_settings(dovecot, smtp, addrs.agent, imap_port=proxy.port)
    key = f"email:<crash-{kill_at}@client.test>:reply"
    await store.outbox.enqueue(OutboundMessage(
        key=key, contact_id="c-crash", channel="email", to=addrs.client, kind="message",
        subject="Re: Отзывы", text="Добрый день! Презентация во вложении."), datetime.now(UTC))
    gate = threading.Event()
    if kill_at == "before_data":
        smtp.handler.hold[addrs.client] = gate
    elif kill_at == "after_accept_before_sent_copy":
        proxy.hold_when("up", lambda chunk: b" APPEND " in chunk)
    else:
        proxy.hold_when("down", lambda chunk: b"APPENDUID" in chunk)

    proc = start_sender(settings, email, tmp_path)
    try:
        if kill_at == "before_data":
            await until(lambda: _true(addrs.client in smtp.handler.rcpt_log))
        else:
            await asyncio.wait_for(proxy.held.wait(), timeout=20)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        gate.set()
        proxy.drop()
    doc = await store.outbox.get(key)
    assert doc["status"] == "sending", "the kill did not land mid-send"
    delivered_before = len(await fetch_all(dovecot, addrs.client))
    assert delivered_before == (0 if kill_at == "before_data" else 1)
    sent_copies = len(await fetch_all(dovecot, addrs.agent, "Sent"))
    assert sent_copies == (1 if kill_at == "after_sent_copy" else 0)

    # the lease runs out (set by hand instead of waiting), a new sender process takes over
    await store.outbox.col.update_one({"_id": key}, {"$set": {"lease_until": datetime.now(UTC) - timedelta(seconds=1)}})
    proc = start_sender(settings, make_email_settings(dovecot, smtp, addrs.agent), tmp_path)
    try:
        await until(lambda: _settled(store, key))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    await proxy.close()

    final = await store.outbox.get(key)
    expected = {"before_data": "sent", "after_accept_before_sent_copy": "uncertain", "after_sent_copy": "sent"}
    assert final["status"] == expected[kill_at], (tmp_path / "sender.log").read_text()[-2000:]
    mails = [parse(raw) for raw in await fetch_all(dovecot, addrs.client)]
    assert [m["Message-ID"] for m in mails] == [message_id_for(key, addrs.agent)]  # exactly one copy, ever
    if final["status"] == "uncertain":
        assert final["error"] == "sender stopped mid-send; not resent"


async def _true(value: bool) -> bool:
    return value


async def _settled(store: Store, key: str) -> bool:
    doc = await store.outbox.get(key)
    return doc is not None and doc["status"] in ("sent", "uncertain", "failed")
