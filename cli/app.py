"""The `sales-agent` command."""

from __future__ import annotations

import typer

from cli.chat import chat
from cli.contacts import contacts_app
from cli.db import db_app
from cli.demo import demo
from cli.email import email_app
from cli.eval import eval_command
from cli.llm_relay import llm_relay
from cli.run import run_all, worker
from cli.stats import stats
from cli.team import drafts_app, give_back_, move_email_, reply, take
from cli.telegram import link as telegram_link
from cli.telegram import telegram_app
from cli.users import users_app
from cli.web import web

app = typer.Typer(
    name="sales-agent",
    help="An AI sales agent for Napoleon IT Отзывы: writes to leads, answers, books demos, stops on request.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(contacts_app, name="contacts")
app.add_typer(db_app, name="db")
app.add_typer(email_app, name="email")
app.add_typer(telegram_app, name="telegram")
contacts_app.command("link")(telegram_link)
contacts_app.command("take")(take)
contacts_app.command("give-back")(give_back_)
contacts_app.command("move-email")(move_email_)
app.add_typer(drafts_app, name="drafts")
app.add_typer(users_app, name="users")
app.command("web")(web)
app.command("reply")(reply)
app.command("run")(run_all)
app.command("worker")(worker)
app.command("stats")(stats)
app.command("demo")(demo)
app.command("chat")(chat)
app.command("eval")(eval_command)
app.command("llm-relay")(llm_relay)


def main() -> None:
    app()
