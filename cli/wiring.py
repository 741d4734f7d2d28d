"""The composition root: the one place where the core meets the concrete channels.

`agent/` knows channels only through the contracts in `agent/contracts.py`; this module reads the
channels' settings and builds what each command runs (the runtime with Telegram deep links, the
configured channel loops, the console channel). CLI commands get their runtime here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from agent.clock import Clock
from agent.settings import Settings
from channels.telegram.settings import TelegramSettings, load_telegram_settings

if TYPE_CHECKING:  # the runtime (LangGraph, LangChain) is imported only by the commands that run it
    from agent.llm import Provider, StructuredLlm
    from agent.runtime import AgentRuntime


@asynccontextmanager
async def open_app(settings: Settings, clock: Clock | None = None, provider: Provider | None = None,
                   llm: StructuredLlm | None = None,
                   telegram: TelegramSettings | None = None) -> AsyncIterator[AgentRuntime]:
    """The runtime with the channels' settings applied (Telegram deep links in outreach emails)."""
    from agent.runtime import open_runtime

    tg = telegram if telegram is not None else load_telegram_settings()
    async with open_runtime(settings, clock=clock, provider=provider, llm=llm, deep_links=tg.deep_links()) as rt:
        yield rt


def channel_loops(rt: AgentRuntime, stop: asyncio.Event,
                  say: Callable[[str], None]) -> list[Coroutine[Any, Any, None]]:
    """The email and Telegram loops, for the channels whose settings are present; `say` tells
    the operator about the ones that are not."""
    from channels.email.serve import serve_email
    from channels.email.settings import load_email_settings
    from channels.telegram.bot import serve as serve_telegram

    loops: list[Coroutine[Any, Any, None]] = []
    tg = load_telegram_settings()
    if tg.configured:
        loops.append(serve_telegram(rt.store, tg, rt.clock, rt.prompts, stop))
    else:
        say("telegram: not configured (TELEGRAM_BOT_TOKEN); Telegram messages wait in the outbox")
    email = load_email_settings()
    if email.configured:
        loops.append(serve_email(rt.store, rt.settings, email, rt.clock, stop))
    else:
        say("email: not configured (IMAP_HOST / SMTP_HOST); email messages wait in the outbox")
    return loops
