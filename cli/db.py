"""`sales-agent db …`: create indexes; serve the embedded server in the foreground."""

from __future__ import annotations

import signal
import time
from typing import Annotated

import typer

from agent import embedded_mongo
from agent.runtime import open_store
from cli.common import console, fail, run, settings_or_exit

db_app = typer.Typer(help="The MongoDB store: initialise it, or serve the embedded server.", no_args_is_help=True)


@db_app.command("init")
def init() -> None:
    """Create the collections' indexes (idempotent) and say where the data lives."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, embedded):
            names = sorted(await store.db.list_collection_names())
        where = f"embedded server, data in {settings.storage_path()}" if embedded else "MONGODB_URI"
        console.print(f"database {settings.mongodb_db} ready ({where}); collections: {', '.join(names)}")

    run(go)


@db_app.command("serve")
def serve(port: Annotated[int, typer.Option(help="Port to listen on (0: any free port)")] = 27017) -> None:
    """Run the embedded server in the foreground so several `sales-agent` processes share it."""
    settings = settings_or_exit()
    if settings.mongodb_uri:
        raise fail("MONGODB_URI is set: the agent uses that server, not the embedded one")
    try:
        server = embedded_mongo.start(settings.storage_path(), port, log_path=settings.data_dir / "mongo.log")
    except embedded_mongo.EmbeddedMongoError as exc:
        raise fail(str(exc)) from None
    console.print(f"embedded MongoDB at {server.uri} (data: {settings.storage_path()}); Ctrl+C stops it")
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and (server.process is None or server.process.poll() is None):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        embedded_mongo.stop(server, settings.storage_path())
