"""Telegram transport settings (pydantic-settings): read once at start-up from env / `.env`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.tools.deep_links import DeepLinkConfig

if TYPE_CHECKING:
    from channels.telegram.team import TeamAccess


class TelegramSetupError(Exception):
    """The Telegram channel cannot run as configured (one line for the CLI)."""


class TelegramSettings(BaseSettings):
    """Everything the Telegram channel needs; the bot token is a secret and never logged."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
                                      hide_input_in_errors=True)  # a validation error must not echo the token

    telegram_bot_token: SecretStr | None = Field(default=None, description="From @BotFather; unset = no Telegram")
    telegram_bot_username: str | None = Field(default=None, description="e.g. napoleon_otzyvy_bot (for deep links)")
    telegram_api_base: str | None = Field(default=None, description="A local Bot API server / the tests' fake one")
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_polling_timeout_s: int = Field(default=30, ge=1, le=50)
    telegram_webhook_url: str | None = Field(default=None, description="Public https URL Telegram posts updates to")
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_host: str = "0.0.0.0"
    telegram_webhook_port: int = 8081
    telegram_link_ttl_days: float = Field(default=14, gt=0)
    telegram_per_chat_per_s: float = Field(default=1.0, gt=0, description="Messages per second to one chat")
    telegram_global_per_s: float = Field(default=30.0, gt=0, description="Messages per second in total")
    team_telegram_chat_id: str | None = Field(default=None, description="The sales team's chat for notices")
    team_telegram_user_ids: str = Field(default="", description="Comma-separated user ids who may press the buttons")

    @property
    def configured(self) -> bool:
        return self.telegram_bot_token is not None and bool(self.telegram_bot_token.get_secret_value().strip())

    @property
    def team_user_ids(self) -> set[int]:
        return {int(part) for part in self.team_telegram_user_ids.replace(";", ",").split(",") if part.strip()}

    def team_access(self) -> TeamAccess | None:
        """The team chat's buttons: who may press them and the key that signs them; None = no team chat."""
        if not self.configured or not self.team_telegram_chat_id or self.telegram_bot_token is None:
            return None
        from channels.telegram.team import TeamAccess

        return TeamAccess(self.telegram_bot_token.get_secret_value(), self.team_telegram_chat_id, self.team_user_ids)

    def deep_links(self) -> DeepLinkConfig | None:
        """What the core needs to put deep links into emails; None when no bot is configured."""
        if not self.configured:
            return None
        return DeepLinkConfig(bot_username=self.telegram_bot_username, ttl_days=self.telegram_link_ttl_days)

    @property
    def webhook_path(self) -> str:
        """The path part of TELEGRAM_WEBHOOK_URL: the local server listens there."""
        from urllib.parse import urlsplit

        return urlsplit(self.telegram_webhook_url or "").path or "/telegram/webhook"

    @model_validator(mode="after")
    def _check(self) -> TelegramSettings:
        if self.configured and self.telegram_bot_token is not None:
            left, _, right = self.telegram_bot_token.get_secret_value().partition(":")
            if not (left.isdigit() and right):
                raise ValueError("TELEGRAM_BOT_TOKEN does not look like a BotFather token (123456:ABC…)")
        if self.telegram_mode == "webhook" and not (self.telegram_webhook_url or "").startswith(("https://", "http://")):
            raise ValueError("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL (the public https URL)")
        if self.telegram_bot_username:
            self.telegram_bot_username = self.telegram_bot_username.lstrip("@")
        return self


def load_telegram_settings(**overrides: object) -> TelegramSettings:
    """Build settings from env / `.env`; keyword overrides win (tests, CLI)."""
    return TelegramSettings(**overrides)  # type: ignore[arg-type]
