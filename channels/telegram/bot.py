"""Building the bot and running it: long polling (default) or a webhook, plus the outbox sender.

Polling handles updates in order and confirms each one to Telegram only after its handler has
written it to MongoDB, so a crash re-delivers, never loses (ingest is idempotent). The webhook
answers Telegram only after the handler ran, for the same reason, and checks a secret header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from agent.clock import Clock
from agent.prompts import PromptLibrary
from agent.sending import run_sender
from agent.store import Store
from channels.telegram.middlewares import DependenciesMiddleware
from channels.telegram.routers import build_router
from channels.telegram.sender import TelegramChannel
from channels.telegram.settings import TelegramSettings, TelegramSetupError
from channels.telegram.team import team_router

log = logging.getLogger(__name__)
AIOGRAM_LOGGERS = ("aiogram", "aiogram.dispatcher", "aiogram.event", "aiogram.middlewares", "aiogram.webhook")


class RedactToken(logging.Filter):
    """Keeps bot tokens out of log lines (e.g. an HTTP error that quotes the request URL)."""

    tokens: ClassVar[set[str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(token in message for token in self.tokens):
            for token in self.tokens:
                message = message.replace(token, "<token>")
            record.msg, record.args = message, None
        return True


_REDACT = RedactToken()


def build_bot(settings: TelegramSettings) -> Bot:
    """The Bot: HTML parse mode (the sender escapes text), no link previews, optional API base."""
    if not settings.configured:
        raise TelegramSetupError("TELEGRAM_BOT_TOKEN is not set (see .env.example)")
    token = settings.telegram_bot_token.get_secret_value().strip()  # type: ignore[union-attr]
    RedactToken.tokens.add(token)
    for name in AIOGRAM_LOGGERS:
        logging.getLogger(name).addFilter(_REDACT)  # adding the same filter twice is a no-op
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base)) \
        if settings.telegram_api_base else None
    return Bot(token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))


def build_dispatcher(store: Store, settings: TelegramSettings, clock: Clock, prompts: PromptLibrary) -> Dispatcher:
    dp = Dispatcher(name="sales-agent")
    dp.update.outer_middleware(DependenciesMiddleware(store, settings, clock, prompts))
    if (access := settings.team_access()) is not None:  # the team chat first: never read as a lead's chat
        dp.include_router(team_router(store, clock, access))
    dp.include_router(build_router())
    return dp


async def announce(bot: Bot, store: Store, settings: TelegramSettings, clock: Clock) -> str:
    """getMe; record the username for deep links made elsewhere; warn if the setting disagrees."""
    me = await bot.me()
    username = me.username or ""
    await store.telegram_links.remember_bot(username, me.id, clock.now())
    if settings.telegram_bot_username and settings.telegram_bot_username.lower() != username.lower():
        log.warning("TELEGRAM_BOT_USERNAME=%s but the token belongs to @%s; deep links use the setting",
                    settings.telegram_bot_username, username)
    return username


async def run_polling(bot: Bot, dp: Dispatcher, settings: TelegramSettings, stop: asyncio.Event) -> None:
    await bot.delete_webhook(drop_pending_updates=False)  # polling and a webhook exclude each other
    polling = asyncio.create_task(dp.start_polling(
        bot, handle_signals=False, handle_as_tasks=False, close_bot_session=False,
        polling_timeout=settings.telegram_polling_timeout_s, allowed_updates=dp.resolve_used_update_types()))
    await _until(stop, polling)
    if not polling.done():
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError, RuntimeError):
            await asyncio.wait_for(polling, timeout=5)


async def run_webhook(bot: Bot, dp: Dispatcher, settings: TelegramSettings, stop: asyncio.Event) -> None:
    """A local aiohttp server on HOST:PORT at the URL's path; Telegram posts to TELEGRAM_WEBHOOK_URL.
    The webhook stays registered on exit, so Telegram keeps updates until the server is back."""
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False) \
        .register(app, path=settings.webhook_path)
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.telegram_webhook_host, settings.telegram_webhook_port).start()
        await bot.set_webhook(settings.telegram_webhook_url or "", secret_token=secret,
                              allowed_updates=dp.resolve_used_update_types(), drop_pending_updates=False)
        log.info("Telegram webhook listening on %s:%s%s", settings.telegram_webhook_host,
                 settings.telegram_webhook_port, settings.webhook_path)
        await stop.wait()
    finally:
        await runner.cleanup()


async def serve(store: Store, settings: TelegramSettings, clock: Clock, prompts: PromptLibrary,
                stop: asyncio.Event, listen: bool = True, send: bool = True) -> None:
    """The Telegram channel until `stop`: listener (polling/webhook) and/or the outbox sender."""
    bot = build_bot(settings)
    try:
        try:
            username = await announce(bot, store, settings, clock)
        except TelegramAPIError as exc:
            raise TelegramSetupError(f"Telegram rejected the bot token or is unreachable: {exc}") from None
        log.info("Telegram bot @%s: %s%s", username, settings.telegram_mode if listen else "not listening",
                 ", sending" if send else "")
        own_stop = asyncio.Event()  # a failing listener stops this channel, not the caller's other loops
        tasks = []
        if send:
            channel = TelegramChannel(bot, store, settings, clock=clock)
            tasks.append(asyncio.create_task(run_sender(store, channel, clock, own_stop)))
        if listen:
            dp = build_dispatcher(store, settings, clock, prompts)
            runner = run_webhook if settings.telegram_mode == "webhook" else run_polling
            tasks.append(asyncio.create_task(runner(bot, dp, settings, own_stop)))
        await _until(stop, *tasks)
        own_stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        if failed := next((r for r in results if isinstance(r, Exception)), None):
            raise TelegramSetupError(f"the Telegram channel stopped: {type(failed).__name__}: {failed}")
    finally:
        await bot.session.close()


async def _until(stop: asyncio.Event, *tasks: asyncio.Task[None]) -> None:
    """Wait for `stop`, or for any of the tasks to end first (which is then a failure)."""
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
