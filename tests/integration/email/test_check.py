"""`sales-agent email check` against the real servers: one line per server saying what works or
what is wrong, and never the password."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.clock import SimulatedClock
from agent.contracts import OutboundMessage
from agent.settings import Settings
from agent.store import Store
from channels.email.check import check_imap, check_smtp
from channels.email.serve import serve_email
from channels.email.settings import EmailSettings
from cli.email import email_app
from cli.logs import configure_logging, secrets_of
from tests.integration.email.conftest import Addresses, make_email_settings
from tests.integration.email.mail import client_mail, smtp_send
from tests.support.dovecot import Dovecot, free_port
from tests.support.smtp_server import SmtpServer


async def test_good_settings_say_ok(email_settings: EmailSettings) -> None:
    imap, smtp = await check_imap(email_settings), await check_smtp(email_settings)
    assert imap.ok and str(imap).startswith(f"IMAP {email_settings.imap_host}:{email_settings.imap_port} plain, user ")
    assert "IDLE supported" in imap.text and "Sent folder 'Sent' found" in imap.text
    assert smtp.ok and str(smtp) == (f"SMTP {email_settings.smtp_host}:{email_settings.smtp_port} plain, "
                                     f"user {email_settings.smtp_user}: ok — logged in")


async def test_each_problem_gets_its_own_line(dovecot: Dovecot, smtp: SmtpServer, addrs: Addresses) -> None:
    bad_password = make_email_settings(dovecot, smtp, addrs.agent, imap_password="nope-123", smtp_password="nope-456")
    imap, sent = await check_imap(bad_password), await check_smtp(bad_password)
    assert not imap.ok and imap.text.startswith(f"login failed for {addrs.agent}: ")
    assert not sent.ok and sent.text.startswith("login failed: 535")
    assert "nope-123" not in str(imap) + str(sent) and "nope-456" not in str(imap) + str(sent)

    closed = make_email_settings(dovecot, smtp, addrs.agent, imap_port=free_port(), smtp_port=free_port())
    imap, sent = await check_imap(closed), await check_smtp(closed)
    assert imap.text.startswith("connection refused") and sent.text.startswith("connection refused")

    tls_mismatch = make_email_settings(dovecot, smtp, addrs.agent, imap_ssl=True, smtp_starttls=True)
    imap, sent = await check_imap(tls_mismatch), await check_smtp(tls_mismatch)
    assert imap.text.startswith("TLS failed") and "IMAP_SSL=true" in imap.text
    assert not sent.ok and "STARTTLS" in sent.text and "SMTP_STARTTLS=true" in sent.text

    unset = EmailSettings(_env_file=None)  # type: ignore[call-arg]
    assert str(await check_imap(unset)) == "IMAP: FAILED — not configured: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD"


def test_cli_check_prints_one_line_per_server(dovecot: Dovecot, smtp: SmtpServer, addrs: Addresses,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    env = {"IMAP_HOST": dovecot.host, "IMAP_PORT": str(dovecot.port), "IMAP_USER": addrs.agent,
           "IMAP_PASSWORD": dovecot.password, "IMAP_SSL": "false", "SMTP_HOST": smtp.host,
           "SMTP_PORT": str(smtp.port), "SMTP_USER": smtp.user, "SMTP_PASSWORD": smtp.password,
           "SMTP_STARTTLS": "false"}
    result = CliRunner().invoke(email_app, ["check"], env=env)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0, result.output
    assert len(lines) == 2 and lines[0].startswith("✓ IMAP ") and lines[1].startswith("✓ SMTP ")
    assert dovecot.password not in result.output and smtp.password not in result.output

    result = CliRunner().invoke(email_app, ["check"], env={**env, "SMTP_PASSWORD": "wrong-one"})
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[1].startswith("✗ SMTP ") and "wrong-one" not in result.output


def test_cli_listen_is_the_default_and_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("IMAP_HOST", "IMAP_USER", "IMAP_PASSWORD", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(email_app, [])
    assert result.exit_code == 1
    assert "IMAP is not configured: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD" in result.output
    result = CliRunner().invoke(email_app, ["listen", "--no-listen"])
    assert result.exit_code == 1 and "SMTP is not configured" in result.output


async def test_swapped_ports_are_named_within_seconds(dovecot: Dovecot, smtp: SmtpServer, addrs: Addresses) -> None:


    swapped = make_email_settings(dovecot, smtp, addrs.agent, imap_port=smtp.port, smtp_port=dovecot.port,
                                  imap_timeout_s=30.0, smtp_timeout_s=30.0)
    started = time.monotonic()
    imap, sent = await check_imap(swapped), await check_smtp(swapped)
    assert time.monotonic() - started < 5
    assert imap.text == f"port {smtp.port} answered like SMTP: did you swap IMAP_PORT and SMTP_PORT?"
    assert sent.text == f"port {dovecot.port} answered like IMAP: did you swap IMAP_PORT and SMTP_PORT?"
    assert not imap.ok and not sent.ok



async def test_email_loops_log_listening_and_each_message_as_json(
        store: Store, settings: Settings, clock: SimulatedClock, email_settings: EmailSettings,
        addrs: Addresses, dovecot: Dovecot, smtp: SmtpServer) -> None:
    """`sales-agent run` and `sales-agent email` start the same `serve_email` under the same
    `start_logging`: a listening line, one line per message in and out, JSON with --log-json."""
    out = io.StringIO()
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        configure_logging(json_lines=True, secrets=secrets_of(email_settings), stream=out)
        stop = asyncio.Event()
        task = asyncio.create_task(serve_email(store, settings, email_settings, clock, stop))
        await smtp_send(smtp, client_mail(addrs.client, addrs.agent, "Вопрос", "Добрый день"))
        await store.outbox.enqueue(OutboundMessage(key="log:reply", contact_id="c-log", channel="email",
                                                   to=addrs.client, subject="Тема", text="Текст"), clock.now())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not ("→" in out.getvalue() and "sent as" in out.getvalue()):
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, 10)
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    messages = [x["message"] for x in lines]
    assert messages[0].startswith(f"email: listening to INBOX on {email_settings.imap_host}:")
    assert any(m.startswith("email ") and " → " in m for m in messages)  # one line per message in
    assert any("log:reply sent as" in m for m in messages)  # one line per message out
    assert dovecot.password not in out.getvalue()
