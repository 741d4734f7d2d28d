"""`sales-agent web`: the sales team's desk (FastAPI), bound to 127.0.0.1 by default.

Also served by `sales-agent run` when WEB_ENABLED=true. The session cookies are signed with
WEB_SECRET; without it the command refuses to start, unless `--dev` makes a throwaway one.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import SecretStr

from agent.clock import Clock
from agent.database import open_store
from agent.settings import Settings
from agent.store import Store
from cli.common import console, err_console, fail, run, settings_or_exit, stop_on_signals
from web.settings import WebSettings, load_web_settings

if TYPE_CHECKING:
    import uvicorn


def _server(config: uvicorn.Config) -> uvicorn.Server:
    """uvicorn inside our loop: the command's own signal handling stops it (`should_exit`).
    uvicorn and the app are imported here, so the other commands start without them."""
    import uvicorn

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return _Server(config)


def web_settings_or_exit(dev: bool = False) -> WebSettings:
    web = load_web_settings()
    if not web.secret():
        if not dev:
            raise fail("WEB_SECRET is not set: it signs the session cookies (e.g. `python3 -c 'import secrets; "
                       "print(secrets.token_urlsafe(32))'`), or run with --dev for a throwaway one")
        err_console.print("[yellow]warning:[/yellow] --dev: a random WEB_SECRET for this run only; "
                          "everyone is logged out when it stops", highlight=False)
        web = web.model_copy(update={"web_secret": SecretStr(secrets.token_urlsafe(32))})
    return web


async def serve_web(settings: Settings, web: WebSettings, store: Store, stop: asyncio.Event,
                    clock: Clock | None = None) -> None:
    """Serve the desk until `stop` is set."""
    import uvicorn

    from web.app import create_app

    app = create_app(settings, web, store, clock)
    server = _server(uvicorn.Config(app, host=web.web_host, port=web.web_port, log_level="warning",
                                    proxy_headers=False, server_header=False))
    console.print(f"web desk: http://{web.web_host}:{web.web_port}/", highlight=False)
    task = asyncio.create_task(server.serve())
    await asyncio.wait([task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task


def web(
    host: Annotated[str | None, typer.Option(help="Address to bind (default WEB_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default WEB_PORT, 8080)")] = None,
    dev: Annotated[bool, typer.Option("--dev", help="Make a throwaway WEB_SECRET if none is set")] = False,
) -> None:
    """The web desk: pipeline, contacts, conversations, review queue, import, health, settings."""
    settings = settings_or_exit()
    web_ = web_settings_or_exit(dev)
    web_ = web_.model_copy(update={k: v for k, v in (("web_host", host), ("web_port", port)) if v is not None})

    async def go() -> None:
        stop = stop_on_signals()
        async with open_store(settings) as (store, _uri, _embedded):
            await serve_web(settings, web_, store, stop)

    run(go)
