"""`sales-agent email`: the IMAP listener and the SMTP sender (`listen`, the default) and `check`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from agent.clock import SystemClock
from agent.settings import Settings
from agent.store import Store
from channels.email.serve import serve_email
from channels.email.settings import EmailSettings, load_email_settings
from cli.common import (
    LOG_JSON_HELP,
    console,
    fail,
    run,
    setting_error,
    settings_or_exit,
    start_logging,
    stop_on_signals,
)

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
        raise setting_error(exc) from None


@contextlib.asynccontextmanager
async def open_email_store(settings: Settings) -> AsyncIterator[Store]:
    """The store as every command opens it (a dead MONGODB_URI is one line; a database that
    restarts while this starts is waited for)."""
    from agent.database import open_store

    async with open_store(settings) as (store, _uri, _embedded):
        yield store


@email_app.callback()
def email_main(ctx: typer.Context) -> None:
    """With no command: `listen`."""
    if ctx.invoked_subcommand is None:
        listen()


@email_app.command("listen")
def listen(
    listen_mail: Annotated[bool, typer.Option("--listen/--no-listen", help="Read the mailbox (IMAP)")] = True,
    send: Annotated[bool, typer.Option("--send/--no-send", help="Send the email outbox (SMTP)")] = True,
    log_json: Annotated[bool, typer.Option("--log-json", help=LOG_JSON_HELP)] = False,
) -> None:
    """Listen with IMAP IDLE (polling without IDLE) and send the outbox; Ctrl+C stops cleanly."""
    settings = settings_or_exit()
    email = email_settings_or_exit()
    if listen_mail and not email.imap_configured:
        raise fail("IMAP is not configured: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD (see .env.example)")
    if send and not email.smtp_configured:
        raise fail("SMTP is not configured: set SMTP_HOST, SMTP_PORT, SMTP_USER and SMTP_PASSWORD")
    start_logging(settings, log_json, email)

    async def go() -> None:
        stop = stop_on_signals()
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
