"""Telegram deep links for emails: `https://t.me/<bot>?start=<token>`.

A bot cannot write first, so each emailed contact gets a link; pressing Start binds the chat. The
core makes the links (the outreach asks for one through an effect that `deliver` carries out); the
Telegram channel consumes them. `DeepLinkConfig` is what the composition root tells the core about
the bot: never the token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent.store import Store

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class DeepLinkConfig:
    """The bot as the core needs it for links: its username (None = ask the store) and link lifetime."""

    bot_username: str | None = None
    ttl_days: float = 14.0


def new_token() -> str:
    """128 random bits as 32 hex characters: URL-safe, and never anything the reply guard could read
    as a figure («…5k-…», «…4eur…» in base64 would be), since the link goes into emails."""
    return secrets.token_hex(16)


def link_url(username: str, token: str) -> str:
    return f"https://t.me/{username.lstrip('@')}?start={token}"


def is_token(value: str | None) -> bool:
    return bool(value) and TOKEN_RE.match(value or "") is not None


async def bot_username(store: Store, config: DeepLinkConfig) -> str | None:
    """TELEGRAM_BOT_USERNAME, else what the running bot recorded."""
    return config.bot_username or await store.telegram_links.recorded_bot_username()


async def contact_link(store: Store, config: DeepLinkConfig, contact_id: str, now: datetime,
                       fresh: bool = False) -> str | None:
    """The contact's link (reused while valid, or a fresh one); None when the bot's name is unknown."""
    username = await bot_username(store, config)
    if not username:
        return None
    token = None if fresh else await store.telegram_links.usable(contact_id, now)
    token = token or await store.telegram_links.create(new_token(), contact_id, now, config.ttl_days)
    return link_url(username, token)


async def deep_link_for(store: Store, config: DeepLinkConfig | None, contact: dict[str, Any],
                        now: datetime | None = None) -> str | None:
    """The contact's deep link for an email, or None when Telegram is off or makes no sense for them.

    None when the bot is not configured or its username unknown, the contact already has a chat,
    blocked the bot, or opted out. Reuses the contact's unused link, so a replayed turn (and every
    follow-up) shows the same URL.
    """
    if config is None or contact.get("status") == "opted_out":
        return None
    if contact.get("telegram_chat_id") or "telegram" in contact.get("unreachable", []):
        return None
    return await contact_link(store, config, contact["_id"], now or datetime.now(UTC))
