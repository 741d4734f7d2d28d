"""Real servers for the email tests: one dovecot (IMAP, Maildir) and one aiosmtpd (delivering into
dovecot by APPEND) per session; fresh mailbox addresses per test, so tests never share mail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.settings import Settings
from channels.email.settings import EmailSettings
from tests.support.dovecot import Dovecot, running_dovecot
from tests.support.smtp_server import SmtpServer, running_smtp

pytestmark = pytest.mark.integration

SAMPLE_PDF = Path(__file__).resolve().parents[3] / "prompts" / "sample_presentation.pdf"


@dataclass
class Addresses:
    agent: str
    client: str
    team: str


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def smtp(dovecot: Dovecot) -> Iterator[SmtpServer]:
    with running_smtp(dovecot) as server:
        yield server


@pytest.fixture
def addrs() -> Addresses:
    tag = uuid.uuid4().hex[:8]
    return Addresses(agent=f"agent-{tag}@seed.test", client=f"ivan-{tag}@romashka.test",
                     team=f"sales-{tag}@seed.test")


@pytest.fixture
def settings(settings: Settings, addrs: Addresses) -> Settings:
    """The shared `settings` fixture, with this test's mailbox as the sender."""
    return settings.model_copy(update={"sender_email": addrs.agent, "sales_team_email": addrs.team,
                                       "presentation_path": SAMPLE_PDF})


def make_email_settings(dovecot: Dovecot, smtp: SmtpServer, user: str, **overrides: object) -> EmailSettings:
    values: dict[str, object] = dict(
        imap_host=dovecot.host, imap_port=dovecot.port, imap_user=user, imap_password=dovecot.password,
        imap_ssl=False, imap_timeout_s=5.0, imap_idle_s=30.0, imap_poll_s=0.3, imap_reconnect_max_s=1.0,
        smtp_host=smtp.host, smtp_port=smtp.port, smtp_user=smtp.user, smtp_password=smtp.password,
        smtp_starttls=False, smtp_timeout_s=5.0,
        email_send_window_start_hour=0, email_send_window_end_hour=24,
    )
    values.update(overrides)
    return EmailSettings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture
def email_settings(dovecot: Dovecot, smtp: SmtpServer, addrs: Addresses) -> EmailSettings:
    return make_email_settings(dovecot, smtp, addrs.agent)
