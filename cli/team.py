"""The sales team in the thread: review drafts, take a conversation over, answer, give it back.

`sales-agent drafts list|show|approve|edit|reject`, `sales-agent reply ID`, and
`sales-agent contacts take|give-back ID`. Every decision and message goes through the inbox like
any other trigger; the worker resumes the conversation and sends through the outbox.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agent.clock import SystemClock
from agent.database import open_store
from agent.operations import decide_draft, give_back, move_contact_email, send_as_person, take_over
from agent.store.errors import StoreError
from agent.tools import review
from cli.common import console, fail, fmt_time, run, settings_or_exit

drafts_app = typer.Typer(help="Review mode: drafts waiting for approval (APPROVAL=outreach|model|all).",
                         no_args_is_help=True)

ByOption = Annotated[str, typer.Option("--by", help="Who decides / writes (default: your login name)")]


def default_by() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container
        return "team"


@drafts_app.command("list")
def list_drafts(
    status: Annotated[str, typer.Option(help="pending, approved, edited, rejected, superseded or all")] = "pending",
) -> None:
    """Drafts, newest first."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            drafts = await store.drafts.list(None if status == "all" else status)
        table = Table("draft", "contact", "channel", "status", "created", "text")
        for d in drafts:
            text = (d.get("final_text") or d.get("text") or "").replace("\n", " ")
            table.add_row(escape(d["_id"]), escape(d["contact_id"]), escape(str(d.get("channel"))), d["status"],
                          fmt_time(d.get("created_at")), escape(text[:80]))
        console.print(table if drafts else f"no {status} drafts")

    run(go)


@drafts_app.command("show")
def show_draft(draft_id: Annotated[str, typer.Argument(help="Draft id (from `drafts list`)")]) -> None:
    """One draft in full: who, why it waits, the text and attachments."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            draft = await store.drafts.get(draft_id)
        if draft is None:
            raise StoreError(f"no draft {draft_id}")
        console.print(f"draft {escape(draft['_id'])} — {draft['status']}", highlight=False)
        console.print(f"contact {escape(draft['contact_id'])} on {escape(str(draft.get('channel')))}", highlight=False)
        console.print(f"why: {escape(str(draft.get('reason')))}", highlight=False)
        if draft.get("subject"):
            console.print(f"subject: {escape(draft['subject'])}", highlight=False)
        for path in draft.get("attachments", []):
            console.print(f"attachment: {escape(path)}", highlight=False)
        console.print()
        console.print(escape(draft.get("final_text") or draft.get("text") or ""), highlight=False)

    run(go)


def _decide(draft_id: str, response: review.HumanResponse, by: str) -> None:
    settings = settings_or_exit()

    async def go() -> str:
        async with open_store(settings) as (store, _uri, _embedded):
            return await decide_draft(store, SystemClock(), draft_id, dict(response), by)

    status = run(go)
    console.print(f"draft {escape(draft_id)} {status}; the worker carries it out (`sales-agent worker` or `run`)",
                  highlight=False)


@drafts_app.command("approve")
def approve(draft_id: Annotated[str, typer.Argument(help="Draft id")], by: ByOption = "") -> None:
    """Send the draft as it is."""
    _decide(draft_id, review.accept(), by or default_by())


@drafts_app.command("edit")
def edit_draft(
    draft_id: Annotated[str, typer.Argument(help="Draft id")],
    text: Annotated[str | None, typer.Option(help="The text to send instead (default: open $EDITOR)")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the text to send from this file")] = None,
    by: ByOption = "",
) -> None:
    """Send your version of the draft instead."""
    if text is None and file is None:
        settings = settings_or_exit()

        async def current() -> str:
            async with open_store(settings) as (store, _uri, _embedded):
                draft = await store.drafts.get(draft_id)
            if draft is None:
                raise StoreError(f"no draft {draft_id}")
            return draft.get("text") or ""

        text = from_editor(run(current))
    body = read_text(text, file)
    _decide(draft_id, review.edit(body), by or default_by())


@drafts_app.command("reject")
def reject(
    draft_id: Annotated[str, typer.Argument(help="Draft id")],
    reason: Annotated[str, typer.Option(help="Why (recorded; the thread goes to a person)")] = "rejected",
    by: ByOption = "",
) -> None:
    """Send nothing; the reason is recorded and the thread is handed to a person."""
    _decide(draft_id, review.reject(reason), by or default_by())


def from_editor(initial: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise fail("no text given: pass --text or --file, or set $EDITOR")
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", encoding="utf-8", delete=False) as handle:
        handle.write(initial)
        path = Path(handle.name)
    try:
        if subprocess.call([*editor.split(), str(path)]) != 0:
            raise fail(f"the editor ({editor}) exited with an error; nothing was sent")
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)


def read_text(text: str | None, file: Path | None) -> str:
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read {file}: {exc}") from None
    if not text or not text.strip():
        raise fail("the message is empty; nothing was sent")
    return text.strip()


def reply(
    contact_id: Annotated[str, typer.Argument(help="Contact id")],
    text: Annotated[str | None, typer.Argument(help="The message (default: --file or $EDITOR)")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the message from this file")] = None,
    by: ByOption = "",
) -> None:
    """Write to the contact yourself, on their channel and in the same thread. Takes the thread over
    if nobody has; `contacts give-back` returns it to the agent."""
    body = read_text(from_editor("") if text is None and file is None else text, file)
    settings = settings_or_exit()

    async def go() -> str:
        async with open_store(settings) as (store, _uri, _embedded):
            return await send_as_person(store, SystemClock(), contact_id, body, by or default_by())

    run(go)
    console.print(f"message to {escape(contact_id)} queued; the worker sends it in the contact's thread",
                  highlight=False)


def take(contact_id: Annotated[str, typer.Argument(help="Contact id")], by: ByOption = "") -> None:
    """Take the conversation over: the agent records the client's messages and answers none."""
    settings = settings_or_exit()
    name = by or default_by()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            await take_over(store, SystemClock(), contact_id, name)

    run(go)
    console.print(f"{escape(contact_id)} is taken over by {escape(name)}; answer with `sales-agent reply "
                  f"{escape(contact_id)}`, return it with `contacts give-back`", highlight=False)


def move_email_(contact_id: Annotated[str, typer.Argument(help="Contact id")],
                email: Annotated[str, typer.Argument(help="The contact's own new email address")],
                stop_old: Annotated[bool, typer.Option("--stop-old", help="Also put the old address on the "
                                                       "suppression list (the client asked not to write there)")] = False,
                by: ByOption = "") -> None:
    """Move the contact to its own new email: later messages go there. The old address is kept, so a
    reply from it still reaches the same conversation."""
    settings = settings_or_exit()

    async def go() -> dict[str, object]:
        async with open_store(settings) as (store, _uri, _embedded):
            return await move_contact_email(store, SystemClock(), contact_id, email, stop_old, by or default_by(),
                                            settings.sender_email)

    moved = run(go)
    console.print(f"{escape(contact_id)} now has {escape(str(moved['email']))}"
                  f"{'; the old address is suppressed' if stop_old else ''}", highlight=False)


def give_back_(contact_id: Annotated[str, typer.Argument(help="Contact id")], by: ByOption = "") -> None:
    """Give the conversation back to the agent; it continues with your messages in its history."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            await give_back(store, SystemClock(), contact_id, by or default_by())

    run(go)
    console.print(f"{escape(contact_id)} is back with the agent", highlight=False)
