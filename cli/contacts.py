"""`sales-agent contacts …`: add, import, list, show, restart, opt-out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from agent.contacts_import import ImportFileError, count_rows, decode_file, read_rows
from agent.database import open_store
from agent.operations import IMPORT_CHUNK, add_contact, import_chunk, opt_out, restart, schedule_outreach
from agent.store.contacts import CONTACT_STATUSES, ensure_status
from agent.store.errors import StoreError
from agent.tools.calendar import zone
from channels.safe_text import shown
from cli.common import console, err_console, fail, fmt_time, run, settings_or_exit, stop_on_signals
from cli.history import history_table

contacts_app = typer.Typer(help="Leads: add, import from CSV, list, inspect, restart, opt out.", no_args_is_help=True)


@contacts_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Full name, e.g. 'Иван Петров'")],
    company: Annotated[str | None, typer.Option(help="Company name")] = None,
    email: Annotated[str | None, typer.Option(help="Email address")] = None,
    telegram: Annotated[str | None, typer.Option(help="Telegram handle, e.g. @ivan_p")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone, e.g. Asia/Yekaterinburg (default: setting)")] = None,
    language: Annotated[str | None, typer.Option(help="ru or en: the language of the first message (default: ru)")] = None,
    start: Annotated[bool, typer.Option(help="Schedule the first message in the next send window")] = True,
) -> None:
    """Add one lead; by default the agent writes to them in the next send window."""
    from agent.clock import SystemClock
    from agent.contacts_import import validate_row

    fields, error = validate_row({"name": name, "company": company or "", "email": email or "",
                                  "telegram": telegram or "", "phone": phone or "", "timezone": timezone or "",
                                  "language": language or ""})
    if error:
        raise _bad(error)
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            contact, due = await add_contact(store, settings, SystemClock(), fields or {}, start=start)
            when = fmt_time(due, zone(contact.get("timezone"), settings)) if due else "not scheduled (--no-start)"
            console.print(f"added [bold]{shown(contact['_id'])}[/bold] {shown(contact['name'])}; first message: {when}")

    run(go)


def _bad(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {shown(message)}", highlight=False)
    return typer.Exit(code=1)


MAX_SKIP_LINES = 20  # a re-run after Ctrl+C skips many rows: name the first few only


@contacts_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV with a header: name, company, email, telegram, phone, timezone, language")],
    start: Annotated[bool, typer.Option(help="Schedule the first message for every imported lead")] = True,
    batch: Annotated[str | None, typer.Option(help="Name of the import batch (the campaign); default: the file name")]
    = None,
) -> None:
    """Import leads from CSV (UTF-8, UTF-8 with BOM or windows-1251). Bad rows are reported with
    their row number; good rows still import; rows already imported are skipped, so after Ctrl+C
    the same command continues where it stopped."""
    from agent.clock import SystemClock

    settings = settings_or_exit()
    try:
        text, encoding = decode_file(file)
    except ImportFileError as exc:
        raise fail(str(exc)) from None
    err_console.print(f"reading {shown(file)} as {encoding}", highlight=False)
    total = count_rows(text)
    imported, skipped, errors = 0, 0, []
    row = 1
    batch = batch or file.stem

    interrupted = False

    async def go() -> None:
        nonlocal imported, skipped, row, interrupted
        stop = stop_on_signals()  # Ctrl+C stops between chunks: a chunk is written whole or not at all
        async with open_store(settings) as (store, _uri, _embedded):
            clock = SystemClock()
            columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=err_console, transient=True) as progress:
                task = progress.add_task("import", total=total)
                pending: list[tuple[int, dict[str, Any]]] = []

                async def flush() -> None:
                    nonlocal imported, skipped, row
                    result = await import_chunk(store, settings, clock, pending, start)
                    imported += len(result.created)
                    for number, why in result.skipped:
                        skipped += 1
                        if skipped <= MAX_SKIP_LINES:
                            err_console.print(f"row {number}: skipped: {shown(why)}", highlight=False)
                    pending.clear()

                for number, fields, error in read_rows(file, text):
                    row = pending[0][0] if pending else number  # the first row not written yet
                    if stop.is_set():
                        interrupted = True
                        return
                    progress.advance(task)
                    if error or fields is None:
                        errors.append(f"row {number}: {error}")
                        continue
                    pending.append((number, {**fields, "import_batch": batch}))
                    if len(pending) >= IMPORT_CHUNK:
                        await flush()
                if stop.is_set():
                    interrupted = True
                    return
                if pending:
                    await flush()
                row = 0

    try:
        run(go)
    except typer.Exit as exc:
        if exc.exit_code == 130:
            interrupted = True
        else:
            raise
    if interrupted:
        err_console.print(f"interrupted at row {row}: imported {imported} contact(s) before it, skipped {skipped}"
                          " already imported; run the same command again to continue", highlight=False)
        raise typer.Exit(code=130)
    for line in errors:
        err_console.print(f"[yellow]{shown(line)}[/yellow]", highlight=False)
    console.print(f"imported {imported} contact(s), skipped {skipped} already imported, "
                  f"{len(errors)} row(s) with errors")
    if errors and not imported and not skipped:
        raise typer.Exit(code=1)


@contacts_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help=f"Only this status: {', '.join(CONTACT_STATUSES)}")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows")] = 200,
) -> None:
    """Contacts with their status, stage and next timer."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            rows = await store.contacts.list(ensure_status(status) if status else None, limit)
        table = Table("id", "name", "company", "channel", "status", "stage", "next timer")
        for c in rows:
            timer = c.get("next_timer") or {}
            when = f"{timer.get('kind')} {fmt_time(timer.get('due_at'), zone(c.get('timezone'), settings))}" if timer else "—"
            table.add_row(*(shown(v, multiline=False) for v in (c["_id"], c.get("name", ""), c.get("company", ""),
                                                                 c.get("channel", ""), c["status"], c.get("stage", ""))),
                          shown(when))
        console.print(table if rows else "no contacts yet: `sales-agent contacts add --help`")

    run(go)


@contacts_app.command("show")
def show(contact_id: Annotated[str, typer.Argument(help="Contact id, e.g. c-1a2b3c4d")]) -> None:
    """Status, stage, next timer and the whole history with the intent understood for each message."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            contact = await store.contacts.require(contact_id)
            inbox = await store.inbox.for_contact(contact_id)
            outbox = await store.outbox.for_contact(contact_id)
        print_contact(contact, inbox, outbox, settings)

    run(go)


def print_contact(contact: dict[str, Any], inbox: list[dict[str, Any]], outbox: list[dict[str, Any]],
                  settings: Any) -> None:
    tz = zone(contact.get("timezone"), settings)
    timer = contact.get("next_timer") or {}
    name, company = shown(contact.get('name', ''), multiline=False), shown(contact.get('company') or '—', False)
    console.print(f"[bold]{name}[/bold] ({shown(contact['_id'])}) — {company}")
    addresses = ", ".join(f"{f}: {contact[f]}" for f in ("email", "telegram", "phone") if contact.get(f))
    if contact.get("former_emails"):  # the client moved to its own new email; replies from these still arrive
        addresses += f" (before: {', '.join(contact['former_emails'])})"
    console.print(f"addresses: {shown(addresses or '—', False)}; time zone: {shown(tz.key)}")
    console.print(f"status: [bold]{shown(contact['status'])}[/bold]; stage: {shown(contact.get('stage', '—'))}")
    console.print(f"next timer: {shown(timer.get('kind', '—'))} {fmt_time(timer.get('due_at'), tz) if timer else ''}")
    for extra in ("demo_at", "paused_until", "handoff_reason", "referred_by", "referred_contact_id", "outcome"):
        if contact.get(extra) and (extra != "paused_until" or contact["status"] == "paused"):
            console.print(f"{extra.replace('_', ' ')}: {shown(fmt_time(contact[extra], tz))}")
    console.print(history_table(inbox, outbox, tz))


@contacts_app.command("restart")
def restart_(contact_id: Annotated[str, typer.Argument(help="Contact id")]) -> None:
    """Start the conversation over (e.g. after a hand-off); refused for contacts who opted out."""
    from agent.clock import SystemClock

    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            await restart(store, SystemClock(), contact_id)
        console.print(f"restart queued for {contact_id}; the worker picks it up (`sales-agent worker` or `run`)")

    run(go)


@contacts_app.command("opt-out")
def opt_out_(contact_id: Annotated[str, typer.Argument(help="Contact id")]) -> None:
    """Stop all messages to this contact on every channel, now and for good."""
    from agent.clock import SystemClock

    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            done = await opt_out(store, SystemClock(), contact_id)
            tz = zone((await store.contacts.require(contact_id)).get("timezone"), settings)
        console.print(f"{contact_id} opted out; {done.stopped} queued message(s) stopped")
        if done.cancelled_demo_at is not None:
            console.print(f"the demo booked for {fmt_time(done.cancelled_demo_at, tz)} is dropped; "
                          "take it out of the manager's calendar (the client is sent nothing)")

    run(go)


@contacts_app.command("start")
def start_(contact_id: Annotated[str, typer.Argument(help="Contact id")]) -> None:
    """Schedule the first message for a contact added with --no-start."""
    from agent.clock import SystemClock

    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            contact = await store.contacts.require(contact_id)
            if contact["status"] != "new":
                raise StoreError(f"{contact_id} is {contact['status']}, not new")
            due = await schedule_outreach(store, settings, contact, SystemClock().now())
        console.print(f"first message to {contact_id}: {fmt_time(due, zone(contact.get('timezone'), settings))}")

    run(go)
