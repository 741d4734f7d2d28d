"""The operator's log: the same lines for every long-running command, JSON lines on request, and
never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from agent.settings import Settings
from channels.email.settings import EmailSettings
from cli.logs import configure_logging, secrets_of


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_and_secrets_masked(restore_logging: None) -> None:
    email = EmailSettings(_env_file=None, imap_password=SecretStr("imap-pass-123"),  # type: ignore[call-arg]
                          smtp_password=SecretStr("smtp-pass-456"))
    settings = Settings(_env_file=None, unsubscribe_secret=SecretStr("hmac-key-789"))  # type: ignore[call-arg]
    out = io.StringIO()
    configure_logging(json_lines=True, secrets=secrets_of(settings, email), stream=out)
    logging.getLogger("channels.email.listener").info("IMAP: listening to %s", "INBOX")
    logging.getLogger("channels.email.sender").info("outbox %s sent as %s", "k:reply", "<id@x>")
    logging.getLogger("channels.email.sender").warning("login with %s failed", "smtp-pass-456")
    logging.getLogger("agent.graph").info("not shown: core debug chatter stays at WARNING")
    try:
        raise RuntimeError("token hmac-key-789 leaked into an error")
    except RuntimeError:
        logging.getLogger("channels.email").exception("failed")
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    assert [(x["level"], x["logger"]) for x in lines] == [
        ("info", "channels.email.listener"), ("info", "channels.email.sender"), ("warning", "channels.email.sender"),
        ("error", "channels.email")]
    assert lines[1]["message"] == "outbox k:reply sent as <id@x>"
    text = out.getvalue()
    assert "smtp-pass-456" not in text and "hmac-key-789" not in text and "***" in text
    assert "RuntimeError" in lines[3]["exc"]


def test_text_lines_by_default(restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging(stream=out)
    logging.getLogger("channels.email.ingest").info("email %s → %s", "k", "pending")
    assert out.getvalue().rstrip().endswith("INFO channels.email.ingest: email k → pending")
