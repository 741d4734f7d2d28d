"""`sales-agent users add|list|password`: logins for the web desk (argon2 hashes in `users`)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agent.clock import SystemClock
from agent.database import open_store
from agent.store.errors import StoreError
from agent.store.users import ROLES
from cli.common import console, fail, fmt_time, run, settings_or_exit

users_app = typer.Typer(help="Web desk users: admin, operator (decides and writes) or viewer (reads only).",
                        no_args_is_help=True)

PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts)")]


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise fail("the passwords differ")
    from web.passwords import hash_password  # argon2: only the commands that hash

    try:
        return hash_password(password)
    except ValueError as exc:
        raise fail(str(exc)) from None


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}")] = "operator",
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user; prompts for the password (or reads it from stdin)."""
    if role not in ROLES:
        raise fail(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    if not name.strip() or len(name) > 64:
        raise fail("a user name needs 1–64 characters")
    password_hash = read_password(password_stdin)
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            await store.users.create(name.strip(), role, password_hash, SystemClock().now())

    run(go)
    console.print(f"user {escape(name)} added ({role}); log in at the web desk (`sales-agent web`)", highlight=False)


@users_app.command("password")
def password(name: Annotated[str, typer.Argument(help="Login name")], password_stdin: PasswordStdin = False) -> None:
    """Set a new password for a user."""
    password_hash = read_password(password_stdin)
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            if not await store.users.set_password(name, password_hash, SystemClock().now()):
                raise StoreError(f"no user {name!r}")

    run(go)
    console.print(f"password of {escape(name)} changed", highlight=False)


@users_app.command("list")
def list_() -> None:
    """The users, their roles and last logins."""
    settings = settings_or_exit()

    async def go() -> None:
        async with open_store(settings) as (store, _uri, _embedded):
            users = await store.users.list()
        table = Table("user", "role", "created", "last login")
        for u in users:
            table.add_row(escape(u["_id"]), u["role"], fmt_time(u.get("created_at")), fmt_time(u.get("last_login_at")))
        console.print(table if users else "no users yet: `sales-agent users add NAME --role admin`")

    run(go)
