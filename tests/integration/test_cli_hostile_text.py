"""Stored text with rich markup and control characters is printed escaped by every command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from channels.safe_text import shown
from cli.app import app

pytestmark = pytest.mark.integration

NAME = "[/red] Мария [bold]\x1b[31m\r\x00"
MESSAGE = "ок [/b] \x1b]0;title\x07 [link=http://x]click[/link]"


def test_shown_escapes_markup_and_controls() -> None:
    assert shown("[/red] Мария") == "\\[/red] Мария"
    assert shown("\x1b[31mred\r\x00") == "\\x1b[31mred\\x0d\\x00"
    assert shown("a\nb", multiline=False) == "a\\nb"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, mongo_uri: str, db_name: str, tmp_path: Path):
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DB", db_name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LLM_PROVIDER", "rules")
    monkeypatch.chdir(tmp_path)
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    now = datetime.now(UTC)
    db = client[db_name]
    db.contacts.insert_one({"_id": "c-hostile", "name": NAME, "company": "[i]ООО[/i]\x1b[2J", "channel": "console",
                            "status": "active", "stage": "[/]", "created_at": now})
    db.inbox.insert_one({"_id": "console:h1", "kind": "message", "channel": "console", "contact_id": "c-hostile",
                         "text": MESSAGE, "received_at": now, "status": "done", "result": {"intent": "[/x]"}})
    db.health.insert_one({"_id": "p/loop", "loop": "[/red]loop", "process": "\x1b[31mp", "ok_at": now, "outages": 0,
                          "updated_at": now})

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "250"})

    yield invoke
    client.drop_database(db_name)
    client.close()


@pytest.mark.parametrize("command", [["contacts", "list"], ["contacts", "show", "c-hostile"], ["stats"]], ids=" ".join)
def test_hostile_names_and_messages_are_shown_escaped(cli, command: list[str]) -> None:
    result = cli(*command)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x00" not in result.output and "\r" not in result.output
    if command[0] == "contacts":
        assert "[/red] Мария [bold]\\x1b[31m\\x0d\\x00" in result.output
    if command[1:] == ["show", "c-hostile"]:
        assert "ок [/b] \\x1b]0;title\\x07 [link=http://x]click[/link]" in result.output
    if command == ["stats"]:
        assert "[/red]loop" in result.output and "\\x1b[31mp" in result.output


def test_chat_with_a_hostile_name_and_message(monkeypatch: pytest.MonkeyPatch, mongo_uri: str, db_name: str,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DB", db_name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["chat", "--llm", "rules", "--name", NAME, "--company", "[/i]\x1b[2J"],
                                input="[/b] пришлите презентацию \x1b[31m\n/quit\n", catch_exceptions=False,
                                env={"COLUMNS": "200"})
    client: MongoClient = MongoClient(mongo_uri)
    client.drop_database(db_name + "_chat")
    client.close()
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x00" not in result.output
    assert "[/red] Мария" in result.output
