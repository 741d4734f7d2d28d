"""What every command shares: settings, the runtime, async running and one-line errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from agent.contacts_import import ImportFileError
from agent.embedded_mongo import EmbeddedMongoError
from agent.prompts import PromptError
from agent.settings import Settings, load_settings
from agent.store.errors import StoreError
from channels.safe_text import shown

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)

DOMAIN_ERRORS = (StoreError, ImportFileError, EmbeddedMongoError, PromptError)


def fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {shown(message)}", highlight=False)
    return typer.Exit(code=1)


def setting_error(exc: ValidationError, fallback: str = "") -> typer.Exit:
    """A settings validation error as one line naming the setting (never its value)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]).upper() or fallback
    return fail(f"setting {where}: {first['msg']}")


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except ValidationError as exc:
        raise setting_error(exc) from None


def stop_on_signals() -> asyncio.Event:
    """An event set by Ctrl+C or SIGTERM, for the long-running commands to stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def start_logging(settings: Settings, json_lines: bool = False, *extra: Any) -> None:
    """Logging for the long-running commands: operator lines at INFO, JSON lines with `--log-json`
    or LOG_FORMAT=json, every secret of the settings masked."""
    from channels.email.settings import load_email_settings
    from channels.telegram.settings import load_telegram_settings
    from cli.logs import configure_logging, secrets_of

    configs: list[Any] = [settings, *extra]
    for load in (load_email_settings, load_telegram_settings):
        with contextlib.suppress(ValidationError):
            configs.append(load())
    configure_logging(json_lines or settings.log_format == "json", secrets_of(*configs))


LOG_JSON_HELP = "Log JSON lines (for log collectors); also LOG_FORMAT=json"


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; a domain error becomes one line on stderr and exit code 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(make())
    except DOMAIN_ERRORS as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise typer.Exit(code=130) from None


def fmt_time(value: Any, tz: Any = None) -> str:
    if value is None:
        return "—"
    if hasattr(value, "astimezone"):
        local = value.astimezone(tz) if tz else value
        return local.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(value)
