"""`sales-agent telegram [run]` (the bot: listener + sender) and `sales-agent telegram link ID`."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from agent.clock import SystemClock
from agent.database import open_store
from agent.prompts import PromptLibrary
from agent.store import Store
from agent.tools.deep_links import DeepLinkConfig, bot_username, contact_link
from channels.telegram.settings import TelegramSettings, TelegramSetupError, load_telegram_settings
from cli.common import (
    LOG_JSON_HELP,
    console,
    err_console,
    fail,
    run,
    setting_error,
    settings_or_exit,
    start_logging,
    stop_on_signals,
)

telegram_app = typer.Typer(help="The Telegram bot: run it (default) or print a contact's deep link.")
Mode = Literal["polling", "webhook"]


def telegram_settings_or_exit(**overrides: object) -> TelegramSettings:
    try:
        return load_telegram_settings(**overrides)
    except ValidationError as exc:
        raise setting_error(exc, "TELEGRAM_*") from None


@telegram_app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """Without a command: `run`."""
    if ctx.invoked_subcommand is None:
        run_bot()


@telegram_app.command("run")
def run_bot(
    mode: Annotated[Mode | None, typer.Option(help="polling or webhook (default: TELEGRAM_MODE)")] = None,
    listen: Annotated[bool, typer.Option(help="Receive updates (polling/webhook)")] = True,
    send: Annotated[bool, typer.Option(help="Send Telegram messages from the outbox")] = True,
    log_json: Annotated[bool, typer.Option("--log-json", help=LOG_JSON_HELP)] = False,
) -> None:
    """The bot: receives messages into the inbox and sends the outbox's Telegram messages. Ctrl+C stops it."""
    from channels.telegram.bot import serve

    settings = settings_or_exit()
    tg = telegram_settings_or_exit(**({"telegram_mode": mode} if mode else {}))
    if not tg.configured:
        raise fail("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put the token in .env")
    start_logging(settings, log_json, tg)

    async def go() -> None:
        stop = stop_on_signals()
        async with open_store(settings) as (store, _uri, _embedded):
            prompts = PromptLibrary(settings.prompts_dir, settings.product_facts_path)
            console.print(f"sales-agent telegram: {tg.telegram_mode if listen else 'not listening'}"
                          f"{', sending' if send else ''}; Ctrl+C stops", highlight=False)
            try:
                await serve(store, tg, SystemClock(), prompts, stop, listen=listen, send=send)
            except TelegramSetupError as exc:
                raise fail(str(exc)) from None

    run(go)


async def _username(store: Store, tg: TelegramSettings) -> str | None:
    """The bot's username: setting, recorded by the running bot, or asked from Telegram now."""
    if username := await bot_username(store, tg.deep_links() or DeepLinkConfig(tg.telegram_bot_username)):
        return username
    if not tg.configured:
        return None
    from channels.telegram.bot import announce, build_bot

    bot = build_bot(tg)
    try:
        return await announce(bot, store, tg, SystemClock())
    finally:
        await bot.session.close()


@telegram_app.command("link")
def link(
    contact_id: Annotated[str, typer.Argument(help="Contact id, e.g. c-1a2b3c4d")],
    new: Annotated[bool, typer.Option("--new", help="A fresh token even if an unused one exists")] = False,
) -> None:
    """Print the contact's deep link (https://t.me/<bot>?start=<token>): single use, expiring."""
    settings = settings_or_exit()
    tg = telegram_settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            contact = await store.contacts.require(contact_id)
            try:
                username = await _username(store, tg)
            except TelegramSetupError as exc:
                raise fail(str(exc)) from None
            if not username:
                raise fail("the bot's username is unknown: set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN)")
            if contact.get("status") == "opted_out":
                raise fail(f"{contact_id} opted out; the agent will not write to them again")
            if contact.get("telegram_chat_id"):
                err_console.print(f"note: {contact_id} already has a Telegram chat; the link would move it")
            now = SystemClock().now()
            config = DeepLinkConfig(bot_username=username, ttl_days=tg.telegram_link_ttl_days)
            url = await contact_link(store, config, contact_id, now, fresh=new)
            console.print(url, highlight=False, soft_wrap=True)

    run(go)
