"""`sales-agent run` (everything in one process) and `sales-agent worker`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from agent.scheduler import run_scheduler
from agent.sending import run_sender
from channels.console import ConsoleChannel
from cli.common import (
    LOG_JSON_HELP,
    console,
    err_console,
    run,
    settings_or_exit,
    start_logging,
    stop_on_signals,
)
from cli.web import serve_web, web_settings_or_exit
from cli.wiring import channel_loops, open_app
from web.settings import load_web_settings

if TYPE_CHECKING:
    from agent.runtime import AgentRuntime


def _announce(rt: AgentRuntime, what: str) -> None:
    where = f"embedded MongoDB ({rt.settings.storage_path()})" if rt.embedded else "MONGODB_URI"
    relayed = " through the MongoDB relay" if rt.provider == "ollama" and rt.settings.llm_transport == "mongo" else ""
    console.print(f"{what}: store {where}, model: {rt.provider}{relayed}", highlight=False)
    if rt.notice:
        err_console.print(rt.notice, highlight=False)


async def _serve(rt: AgentRuntime, workers: int, senders: bool) -> None:
    stop = stop_on_signals()
    from agent.worker import worker_id

    exclusive = None if workers == 1 else False  # one worker on an embedded server we started: no contact lock
    tasks = [asyncio.create_task(rt.worker(f"{worker_id()}-{i}", exclusive=exclusive).run(stop))
             for i in range(workers)]
    tasks.append(asyncio.create_task(run_scheduler(rt.store, rt.clock, rt.settings, stop,
                                                   checkpoints=rt.prune_checkpoints)))
    if senders:
        tasks.append(asyncio.create_task(run_sender(rt.store, ConsoleChannel(console), rt.clock, stop)))
        tasks.extend(asyncio.create_task(loop) for loop in channel_loops(rt, stop, say=err_console.print))
        web = load_web_settings()
        if web.web_enabled:  # the desk in the same process (WEB_SECRET required)
            tasks.append(asyncio.create_task(serve_web(rt.settings, web_settings_or_exit(), rt.store, stop, rt.clock)))
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)


def run_all(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Concurrent graph workers")] = 1,
    log_json: Annotated[bool, typer.Option("--log-json", help=LOG_JSON_HELP)] = False,
) -> None:
    """Everything in one process: worker, scheduler and the channel senders (console now; email and
    Telegram when configured). Ctrl+C stops it cleanly."""
    settings = settings_or_exit()
    start_logging(settings, log_json)

    async def go() -> None:
        async with open_app(settings) as rt:
            _announce(rt, "sales-agent run")
            await _serve(rt, workers, senders=True)

    run(go)


def worker(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Concurrent graph workers")] = 1,
    log_json: Annotated[bool, typer.Option("--log-json", help=LOG_JSON_HELP)] = False,
) -> None:
    """The worker alone: claims inbox events, runs the graph, writes the outbox; fires timers."""
    settings = settings_or_exit()
    start_logging(settings, log_json)

    async def go() -> None:
        async with open_app(settings) as rt:
            _announce(rt, "sales-agent worker")
            await _serve(rt, workers, senders=False)

    run(go)
