"""`sales-agent run` (everything in one process) and `sales-agent worker`."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Annotated, Any

import typer

from agent.runtime import AgentRuntime, open_runtime
from agent.scheduler import run_scheduler
from channels.console import ConsoleChannel
from channels.sender import run_sender
from cli.common import console, err_console, run, settings_or_exit


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def _announce(rt: AgentRuntime, what: str) -> None:
    where = f"embedded MongoDB ({rt.settings.storage_path()})" if rt.embedded else "MONGODB_URI"
    console.print(f"{what}: store {where}, model: {rt.provider}", highlight=False)
    if rt.notice:
        err_console.print(rt.notice, highlight=False)


def configured_channels(rt: AgentRuntime, stop: asyncio.Event) -> list[Coroutine[Any, Any, None]]:
    """The email and Telegram loops, for the channels whose settings are present."""
    from channels.email.settings import load_email_settings
    from cli.email import serve_email

    loops: list[Coroutine[Any, Any, None]] = []
    from channels.telegram.bot import serve as serve_telegram

    if rt.telegram is not None and rt.telegram.configured:
        loops.append(serve_telegram(rt.store, rt.telegram, rt.clock, rt.prompts, stop))
    else:
        err_console.print("telegram: not configured (TELEGRAM_BOT_TOKEN); Telegram messages wait in the outbox")
    email = load_email_settings()
    if email.configured:
        loops.append(serve_email(rt.store, rt.settings, email, rt.clock, stop))
    else:
        err_console.print("email: not configured (IMAP_HOST / SMTP_HOST); email messages wait in the outbox")
    return loops


async def _serve(rt: AgentRuntime, workers: int, senders: bool) -> None:
    stop = asyncio.Event()
    _stop_on_signals(stop)
    from agent.worker import worker_id

    tasks = [asyncio.create_task(rt.worker(f"{worker_id()}-{i}").run(stop)) for i in range(workers)]
    tasks.append(asyncio.create_task(run_scheduler(rt.store, rt.clock, rt.settings, stop)))
    if senders:
        tasks.append(asyncio.create_task(run_sender(rt.store, ConsoleChannel(console), rt.clock, stop)))
        tasks.extend(asyncio.create_task(channel) for channel in configured_channels(rt, stop))
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)


def run_all(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Concurrent graph workers")] = 1,
) -> None:
    """Everything in one process: worker, scheduler and the channel senders (console now; email and
    Telegram when configured). Ctrl+C stops it cleanly."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_runtime(settings) as rt:
            _announce(rt, "sales-agent run")
            await _serve(rt, workers, senders=True)

    run(go)


def worker(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Concurrent graph workers")] = 1,
) -> None:
    """The worker alone: claims inbox events, runs the graph, writes the outbox; fires timers."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_runtime(settings) as rt:
            _announce(rt, "sales-agent worker")
            await _serve(rt, workers, senders=False)

    run(go)
