"""Email settings (IMAP listener, SMTP sender) from the environment / `.env`.

Passwords are `SecretStr`: they never appear in logs, reprs or MongoDB. The sender address is
`SENDER_EMAIL` from the agent settings; the rest of the mailbox is configured here.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Port = Annotated[int, Field(ge=1, le=65535)]
Hour = Annotated[int, Field(ge=0, le=24)]


class EmailSettings(BaseSettings):
    """One mailbox: where mail is read (IMAP) and sent (SMTP), and how fast it may send."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    # --- IMAP (receiving, and the Sent folder the sender checks after a crash) -------------
    imap_host: str | None = None
    imap_port: Port = 993
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_ssl: bool = True
    imap_mailbox: str = "INBOX"
    imap_sent_folder: str = "Sent"
    imap_timeout_s: float = 30.0
    imap_idle_s: float = 600.0  # re-issue IDLE this often (servers drop idle clients after ~30 min)
    imap_poll_s: float = 30.0  # polling interval when the server has no IDLE
    imap_reconnect_max_s: float = 60.0  # backoff ceiling after a dropped connection
    imap_initial_sync: Literal["all", "new"] = "all"  # first run: read the whole mailbox or only new mail

    # --- SMTP (sending) ------------------------------------------------------------------------
    smtp_host: str | None = None
    smtp_port: Port = 587
    smtp_user: str | None = None  # unset: IMAP_USER
    smtp_password: SecretStr | None = None  # unset: IMAP_PASSWORD
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_timeout_s: float = 20.0  # per SMTP step; keep a whole send well inside the 60 s sender lease

    # --- what goes out and how much ------------------------------------------------------------
    email_from_name: str | None = None  # unset: "SENDER_NAME, SENDER_COMPANY"
    email_daily_limit: Annotated[int, Field(ge=0)] = 200  # messages per mailbox per day (in EMAIL_TIMEZONE)
    email_send_window_start_hour: Hour = 8  # first messages (outreach, follow-ups) only in this window;
    email_send_window_end_hour: Hour = 21  # replies and team notes go out at any time
    email_timezone: str = "Europe/Moscow"  # the mailbox's day for the window and the daily limit
    email_unsubscribe_mailbox: str | None = None  # List-Unsubscribe mailto; unset: <sender>+unsubscribe@domain
    email_soft_bounce_retry_s: float = 4 * 3600.0
    email_soft_bounce_max: int = 3  # after this many soft bounces the address counts as hard-bounced
    email_raw_max_bytes: int = 8_000_000  # raw message kept in the inbox document up to this size

    @field_validator("email_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use a name like Europe/Moscow)") from None
        return value

    @property
    def imap_configured(self) -> bool:
        return bool(self.imap_host and self.imap_user and self.imap_password)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def configured(self) -> bool:
        """Both servers are set: `sales-agent run` starts the email listener and sender."""
        return self.imap_configured and self.smtp_configured

    def smtp_login(self) -> tuple[str | None, str | None]:
        """(user, password) for SMTP AUTH, falling back to the IMAP account; (None, None) = no AUTH."""
        user = self.smtp_user or self.imap_user
        secret = self.smtp_password or self.imap_password
        if not user or secret is None:
            return None, None
        return user, secret.get_secret_value()


def load_email_settings(**overrides: object) -> EmailSettings:
    """From env / `.env`; keyword overrides win (tests and the CLI)."""
    return EmailSettings(**overrides)  # type: ignore[arg-type]
