"""`sales-agent email`: the IMAP listener and the SMTP sender (`listen`, the default) and `check`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from agent.clock import Clock, SystemClock
from agent.settings import Settings
from agent.store import Store, connect_store
from channels.email.settings import EmailSettings, load_email_settings
from cli.common import console, fail, run, settings_or_exit

email_app = typer.Typer(
    name="email",
    help="Email: listen with IMAP IDLE and send the outbox over SMTP (default), or check the settings.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def email_settings_or_exit() -> EmailSettings:
    try:
        return load_email_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).upper()
        raise fail(f"setting {where}: {first['msg']}") from None


@contextlib.asynccontextmanager
async def open_email_store(settings: Settings) -> AsyncIterator[Store]:
    """MONGODB_URI directly (a light start), or the embedded server through the runtime."""
    if settings.mongodb_uri is None:
        from agent.runtime import open_store

        async with open_store(settings) as (embedded_store, _uri, _embedded):
            yield embedded_store
        return
    store = connect_store(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    try:
        await store.init()
        yield store
    finally:
        await store.close()


async def serve_email(store: Store, settings: Settings, email: EmailSettings, clock: Clock, stop: asyncio.Event,
                      listen: bool = True, send: bool = True) -> None:
    """Run the listener and/or the email sender until `stop` (also used by `sales-agent run`)."""
    from channels.email.listener import ImapListener
    from channels.email.sender import EmailChannel, run_email_sender

    tasks = []
    if listen:
        tasks.append(asyncio.create_task(ImapListener(store, settings, email, clock).run(stop)))
    if send:
        channel = EmailChannel(store, settings, email, clock)
        tasks.append(asyncio.create_task(run_email_sender(store, channel, clock, stop)))
    await asyncio.gather(*tasks)


@email_app.callback()
def email_main(ctx: typer.Context) -> None:
    """With no command: `listen`."""
    if ctx.invoked_subcommand is None:
        listen()


@email_app.command("listen")
def listen(
    listen_mail: Annotated[bool, typer.Option("--listen/--no-listen", help="Read the mailbox (IMAP)")] = True,
    send: Annotated[bool, typer.Option("--send/--no-send", help="Send the email outbox (SMTP)")] = True,
) -> None:
    """Listen with IMAP IDLE (polling without IDLE) and send the outbox; Ctrl+C stops cleanly."""
    settings = settings_or_exit()
    email = email_settings_or_exit()
    if listen_mail and not email.imap_configured:
        raise fail("IMAP is not configured: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD (see .env.example)")
    if send and not email.smtp_configured:
        raise fail("SMTP is not configured: set SMTP_HOST, SMTP_PORT, SMTP_USER and SMTP_PASSWORD")

    async def go() -> None:
        logging.getLogger("channels.email").setLevel(logging.INFO)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with open_email_store(settings) as store:
            parts = [f"listening to {email.imap_mailbox} on {email.imap_host}" if listen_mail else "",
                     f"sending through {email.smtp_host}:{email.smtp_port}" if send else ""]
            console.print("sales-agent email: " + ", ".join(p for p in parts if p), highlight=False, soft_wrap=True)
            await serve_email(store, settings, email, SystemClock(), stop, listen=listen_mail, send=send)

    run(go)


@email_app.command("check")
def check() -> None:
    """Log in to IMAP and SMTP with the `.env` settings; one line per server."""
    from channels.email.check import check_all

    email = email_settings_or_exit()
    lines = run(lambda: check_all(email))
    for line in lines:
        style = "green" if line.ok else "red"
        console.print(f"[{style}]{'✓' if line.ok else '✗'}[/{style}] {escape(str(line))}", highlight=False, soft_wrap=True)
    if not all(line.ok for line in lines):
        raise typer.Exit(code=1)
