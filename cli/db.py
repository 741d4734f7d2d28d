"""`sales-agent db …`: create indexes; serve the embedded server in the foreground."""

from __future__ import annotations

import signal
import time
from typing import Annotated, Any

import typer
from rich.table import Table

from agent import embedded_mongo
from agent.database import open_store
from channels.safe_text import shown
from cli.common import console, fail, run, settings_or_exit

db_app = typer.Typer(help="The MongoDB store: initialise it, serve, inspect or stop the embedded server, copy it elsewhere.", no_args_is_help=True)


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
    if not server.owned:
        embedded_mongo.stop(server)
        raise fail(f"an embedded server already serves this data directory at {server.uri} "
                   "(see `sales-agent db status`)")
    adopted = " (adopted: its owner was gone)" if server.adopted else ""
    console.print(f"embedded MongoDB at {server.uri}{adopted} (data: {shown(settings.storage_path())}); Ctrl+C stops it")
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and server.running():
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopping = True
    finally:
        died = not stopping and not server.running()
        code = server.process.returncode if server.process is not None else "unknown"
        embedded_mongo.stop(server, force=True)  # `db serve` stopping means the server stops
    if died:
        raise fail(f"the embedded MongoDB server died (exit code {code}); see {settings.data_dir / 'mongo.log'}")


@db_app.command("status")
def status() -> None:
    """Is the embedded server running: its pid, port, data path and owner."""
    settings = settings_or_exit()
    if settings.mongodb_uri:
        console.print("MONGODB_URI is set: the agent uses that server, not the embedded one", highlight=False)
        return
    found = embedded_mongo.status(settings.storage_path())
    if found is None:
        console.print(f"embedded MongoDB: not running (data: {shown(settings.storage_path())})", highlight=False)
        return
    owner = f"{shown(found.owner)} (pid {found.owner_pid}, " + ("running)" if found.owner_alive else "gone: orphaned)")
    state = "running" if found.alive else "not answering (stale record)"
    users = "".join(f"; used by {shown(u.get('command', '?'))} (pid {u['pid']})" for u in found.users)
    console.print(f"embedded MongoDB: {state}; pid {found.pid}, port {found.port}, data {shown(found.storage_path)}, "
                  f"owner {owner}{users}", highlight=False, soft_wrap=True)
    if found.alive and not found.owner_alive:
        console.print("the next sales-agent command adopts it (and stops it when done); `sales-agent db stop` "
                      "stops it now", highlight=False)
    if not found.alive:
        raise typer.Exit(code=1)


@db_app.command("stop")
def stop_server() -> None:
    """Stop an embedded server left running (e.g. orphaned after its owner was killed)."""
    settings = settings_or_exit()
    found = embedded_mongo.stop_recorded(settings.storage_path())
    if found is None:
        console.print("embedded MongoDB: nothing to stop", highlight=False)
        return
    console.print(f"embedded MongoDB stopped (pid {found.pid}, port {found.port})", highlight=False)


@db_app.command("copy")
def copy(
    to: Annotated[str, typer.Option("--to", help="Target MongoDB URI, e.g. mongodb://host:27017/?replicaSet=rs0")],
    to_db: Annotated[str | None, typer.Option(help="Target database (default: MONGODB_DB)")] = None,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Documents per write")] = 500,
    sample: Annotated[int, typer.Option(min=0, help="Documents per collection compared field by field")] = 20,
) -> None:
    """Copy everything from the current store (the embedded one by default) to another MongoDB:
    contacts, histories, LangGraph checkpoints, suppressions (first), timers, outbox state. Safe to
    run again (upserts by _id). Verifies counts and a sample of documents. Stop the agent first."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from agent.store import connect_store
    from agent.store.copy import copy_store

    settings = settings_or_exit()
    target_db = to_db or settings.mongodb_db

    async def go() -> bool:
        async with open_store(settings) as (store, uri, embedded):
            if uri == to and target_db == settings.mongodb_db:
                raise fail("the target is the source database")
            target = connect_store(to, target_db)
            try:
                await target.init()
                with Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                              console=console) as bar:
                    tasks: dict[str, Any] = {}

                    def progress(name: str, done: int, total: int) -> None:
                        if name not in tasks:
                            tasks[name] = bar.add_task(name, total=total or 1)
                        bar.update(tasks[name], completed=done if total else 1)

                    reports = await copy_store(store.db, target.db, batch=batch, sample=sample, progress=progress)
            finally:
                await target.close()
        table = Table("collection", "source", "target", "sampled", "check", title=f"copied to {target_db}")
        for r in reports:
            check = "[green]ok[/green]" if r.ok else "[red]" + ("; ".join(r.mismatched[:3]) or "count differs") + "[/red]"
            table.add_row(r.name, str(r.source), str(r.target), str(r.sampled), check)
        console.print(table)
        source = "embedded store" if embedded else "MONGODB_URI"
        ok = all(r.ok for r in reports)
        console.print(f"{source} → {target_db}: {sum(r.copied for r in reports)} documents in {len(reports)} "
                      f"collections; {'verified' if ok else 'NOT verified'}", highlight=False)
        return ok

    if not run(go):
        raise typer.Exit(code=1)
